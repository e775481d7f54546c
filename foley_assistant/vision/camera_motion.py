"""Global camera motion: a homography per frame from tracked background features.

Corners are tracked between consecutive frames (Lucas-Kanade optical flow) and a homography is
fitted with RANSAC, so moving objects (a minority of the features) are rejected as outliers. A
homography is exact for a camera that pans, tilts, rolls or zooms about its centre. The per-step
homographies are chained to the chunk's first frame. A chunk whose frame corners move less than a
pixel or two overall is a static camera: every homography is the identity, and no small
estimation error can misalign the background.

A fit is used only if the step it implies from the previous frame is one a camera can make in a
frame interval (`plausible_step`): a whip pan, a blur or a flash can leave a handful of wrongly
followed points that RANSAC happily fits with a huge scale, shear or perspective, which would
throw the frame to the far side of the background canvas. Such a frame is measured again frame
to frame; if that fails too, the motion is unknown there (a break: the frame counts as unmoved,
and nothing compares pictures across it).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

IDENTITY = np.eye(3)


@dataclass(frozen=True)
class StepLimits:
    """What a camera can do between two consecutive frames. `max_travel`: how far any picture
    corner moves, as a share of the frame's diagonal (Lucas-Kanade's pyramid cannot follow more
    than about a quarter of it, so more is a mismatch); `max_zoom`: the scale change at the
    centre, either way; `max_anisotropy`: the ratio of the largest to the smallest stretch at
    the centre (a pan or roll keeps it near 1; shear does not come from a camera); and
    `max_perspective`: how much the projective weight may differ between a corner and the
    centre, either way (a 10-degree turn in one frame of a 120-degree lens reaches about 1.3)."""

    max_travel: float = 0.5
    max_zoom: float = 1.25
    max_anisotropy: float = 1.25
    max_perspective: float = 1.5


STEP_LIMITS = StepLimits()


@dataclass(frozen=True)
class CameraMotion:
    """Per frame the homography from its pixels to the first frame's, and the frames (`breaks`)
    whose motion from the previous frame is unknown (assumed none): nothing should compare or
    register pictures across a break."""

    homographies: list[np.ndarray]
    breaks: tuple[int, ...] = ()


def plausible_step(homography: np.ndarray, width: int, height: int, limits: StepLimits = STEP_LIMITS) -> bool:
    """Whether a homography between two consecutive frames of a `width` x `height` picture is a
    move a camera makes (see `StepLimits`): finite, invertible without a flip, every corner in
    front of the camera, and within the limits of travel, zoom, anisotropy and perspective."""
    if not np.all(np.isfinite(homography)):
        return False
    corners = np.array([[0, 0, 1], [width, 0, 1], [width, height, 1], [0, height, 1]], dtype=np.float64)
    weights = corners @ homography[2]
    centre_weight = float(homography[2] @ np.array([width / 2, height / 2, 1.0]))
    if centre_weight == 0.0:
        return False
    ratios = weights / centre_weight
    if ratios.min() < 1 / limits.max_perspective or ratios.max() > limits.max_perspective:
        return False
    _, stretch = jacobian(homography, width / 2, height / 2)
    if np.linalg.det(stretch) <= 0:
        return False
    largest, smallest = np.linalg.svd(stretch, compute_uv=False)
    scale = float(np.sqrt(largest * smallest))
    if not 1 / limits.max_zoom <= scale <= limits.max_zoom or largest > limits.max_anisotropy * smallest:
        return False
    moved = (corners @ homography.T)[:, :2] / weights[:, None]
    travel = float(np.max(np.linalg.norm(moved - corners[:, :2], axis=1)))
    return travel <= limits.max_travel * float(np.hypot(width, height))


def _gray(frame: np.ndarray) -> np.ndarray:
    """Grayscale, histogram-equalized (a change of exposure or light, which breaks the brightness
    constancy optical flow relies on, leaves the equalized picture nearly unchanged), and lightly
    blurred so that sensor noise does not make corners or move them."""
    gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
    return cv2.GaussianBlur(cv2.equalizeHist(gray), (3, 3), 0)


def step_homography(previous: np.ndarray, current: np.ndarray, min_inliers: int = 12, still_px: float = 0.15) -> np.ndarray | None:
    """Homography mapping pixels of `current` onto `previous` (grayscale uint8).

    The identity when the background features did not move (median inlier flow under
    `still_px`), so a locked-off camera gathers no drift; None when there is too little to go on
    or when the fit is not a move a camera makes between two frames (see `plausible_step`).
    """
    return _measured_step(previous, current, min_inliers, still_px)[0]


def _measured_step(previous: np.ndarray, current: np.ndarray, min_inliers: int = 12, still_px: float = 0.15) -> tuple[np.ndarray | None, bool]:
    """(`step_homography`, lost): lost says the previous frame had features to follow but no
    plausible homography came out of them (a whip pan, a blur, a flash), as opposed to a picture
    too flat to say anything."""
    corners = _features(previous)
    if corners is None or len(corners) < min_inliers:
        return None, False
    moved, status, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, winSize=(21, 21), maxLevel=3)
    found = status.ravel() == 1
    if found.sum() < min_inliers:
        return None, True
    height, width = previous.shape[:2]
    homography, kept = _robust_homography(moved[found], corners[found], width, height)
    if homography is None or int(kept.sum()) < min_inliers or not plausible_step(homography, width, height):
        return None, True
    flow = np.linalg.norm((moved[found] - corners[found])[kept].reshape(-1, 2), axis=1)
    if float(np.median(flow)) < still_px:
        return IDENTITY.copy(), False
    return homography, False


def corner_travel(homographies: list[np.ndarray], width: int, height: int) -> float:
    """Largest distance (pixels) any frame corner moves from where it is in the first frame."""
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
    travel = 0.0
    for homography in homographies:
        moved = cv2.perspectiveTransform(corners, homography)
        travel = max(travel, float(np.max(np.linalg.norm(moved - corners, axis=2))))
    return travel


def _features(gray: np.ndarray, columns: int = 4, rows: int = 3, per_cell: int = 25, floor: float = 0.01) -> np.ndarray | None:
    """Up to `per_cell` corners in each cell of a grid, each cell's strongest: a strongly textured
    moving object (a car filling part of the picture) cannot outnumber the background's corners.
    A corner must reach `floor` times the picture's strongest, so noise in a flat area never counts."""
    height, width = gray.shape
    response = cv2.cornerMinEigenVal(gray, 7)
    least = floor * float(response.max())
    if least <= 0:
        return None
    found = []
    for row in range(rows):
        for column in range(columns):
            y0, y1 = row * height // rows, (row + 1) * height // rows
            x0, x1 = column * width // columns, (column + 1) * width // columns
            strongest = float(response[y0:y1, x0:x1].max())
            if strongest < least:
                continue
            quality = min(1.0, max(0.02, least / strongest))
            corners = cv2.goodFeaturesToTrack(gray[y0:y1, x0:x1], maxCorners=per_cell, qualityLevel=quality, minDistance=max(4, width // 60), blockSize=7)
            if corners is not None:
                found.append(corners + np.float32([x0, y0]))
    return np.concatenate(found).astype(np.float32) if found else None


def jacobian(homography: np.ndarray, x: float, y: float) -> tuple[np.ndarray, np.ndarray]:
    """The image of (x, y) under a homography and the 2x2 Jacobian of the map there."""
    hx, hy, hw = homography @ np.array([x, y, 1.0])
    point = np.array([hx / hw, hy / hw])
    top = homography[:2, :2] * hw - np.outer([hx, hy], homography[2, :2])
    return point, top / (hw * hw)


def _robust_homography(source: np.ndarray, target: np.ndarray, width: int, height: int, columns: int = 4, rows: int = 3, tolerance_px: float = 1.5) -> tuple[np.ndarray | None, np.ndarray]:
    """Homography source -> target by RANSAC (1 px), then a leave-one-region-out check: the
    inliers of each cell of a `columns` x `rows` grid must agree (median error under
    `tolerance_px`) with the homography fitted to all the other inliers. With the background's
    points thin in places (a sky), eight degrees of freedom can bend to take in a cluster of
    points on a moving object (a person leaving the picture); such a cluster disagrees with the
    rest and is left out. Returns the homography and a boolean inlier mask."""
    fitted, mask = cv2.findHomography(source, target, cv2.RANSAC, 1.0)
    if fitted is None:
        return None, np.zeros(len(source), dtype=bool)
    inliers = mask.ravel() == 1
    points = source.reshape(-1, 2)
    cells = np.minimum((points[:, 1] * rows // height).astype(int), rows - 1) * columns + np.minimum((points[:, 0] * columns // width).astype(int), columns - 1)
    odd = np.zeros(len(source), dtype=bool)
    for cell in np.unique(cells[inliers]):
        own = inliers & (cells == cell)
        others = inliers & ~own
        if own.sum() < max(4, 0.1 * inliers.sum()) or others.sum() < 8:
            continue  # too few points to bend the fit
        without, _ = cv2.findHomography(source[others], target[others], 0)
        if without is None:
            continue
        error = np.linalg.norm(cv2.perspectiveTransform(source[own], without) - target[own], axis=2).ravel()
        if float(np.median(error)) > tolerance_px:
            odd |= own
    if odd.any() and (inliers & ~odd).sum() >= 8:
        refitted, mask = cv2.findHomography(source[~odd], target[~odd], cv2.RANSAC, 1.0)
        if refitted is not None:
            keep = np.zeros(len(source), dtype=bool)
            keep[np.flatnonzero(~odd)[mask.ravel() == 1]] = True
            return refitted, keep
    return fitted, inliers


def _away_from(features: np.ndarray | None, moving: np.ndarray, radius: float = 8.0) -> np.ndarray | None:
    """The features farther than `radius` pixels from every point of `moving`."""
    if features is None or not len(moving):
        return features
    distance = np.linalg.norm(features.reshape(-1, 1, 2) - moving.reshape(1, -1, 2), axis=2)
    keep = distance.min(axis=1) > radius
    return features[keep] if keep.sum() >= 8 else features


def _worn_out(points: np.ndarray, key_count: int, width: int, height: int, min_points: int, min_spread: float) -> bool:
    """Whether a keyframe's points no longer pin down a homography for the whole picture: fewer
    than `min_points` or than half of them left, or spread over less than `min_spread` of the
    width or two thirds of that of the height (a pan or tilt carried them out of the picture)."""
    if len(points) < max(min_points, key_count // 2):
        return True
    spread = np.ptp(points.reshape(-1, 2), axis=0)
    return bool(spread[0] < min_spread * width or spread[1] < min_spread * 2 / 3 * height)


def _rescaled(homography: np.ndarray, width: int, height: int, max_rescale: float) -> bool:
    """Whether a homography scales the picture's centre by more than `max_rescale` either way."""
    scale = float(np.sqrt(abs(np.linalg.det(jacobian(homography, width / 2, height / 2)[1]))))
    return not 1 / max_rescale <= scale <= max_rescale


def estimate_homographies(frames: list[np.ndarray], **options: float) -> list[np.ndarray]:
    """For each frame, the homography from its pixels to the first frame's pixels (the
    `homographies` of `estimate_camera_motion`, which takes the same options)."""
    return estimate_camera_motion(frames, **options).homographies


def estimate_camera_motion(frames: list[np.ndarray], static_below_px: float = 1.5, min_points: int = 40, min_spread: float = 0.6, still_px: float = 0.25, max_rescale: float = 1.08) -> CameraMotion:
    """For each frame, the homography from its pixels to the first frame's pixels, and the breaks.

    Features of a keyframe are matched in every frame against the keyframe itself (Lucas-Kanade,
    starting from where they were in the previous frame), and each frame's homography is fitted
    to the keyframe directly (RANSAC), not chained from frame-to-frame steps: chaining multiplies
    every step's small error, which drifts by several pixels within a second or two of a pan or
    zoom. Points that RANSAC rejects (on moving objects) stop being followed; when fewer than
    `min_points` or half of them are left, or they span less than `min_spread` of the frame's
    width (or two thirds of that of its height: the pan or tilt carried them out of the picture,
    and a homography fitted on one side of the picture extrapolates badly to the other), the
    current frame becomes the new keyframe; also when the picture has been scaled by more than
    `max_rescale` since the keyframe (a zoom), so that the matched patches still look alike. A
    new keyframe takes no features next to the points just rejected: those lie on moving
    objects, and a cluster of them could bend the next fits. A fit whose step from the previous
    frame is not `plausible_step` is dropped for a frame-to-frame measurement; where that fails
    too although there were features to follow, the frame is a break. (`CameraFollower` does the
    same a frame at a time.)
    """
    follower = CameraFollower(static_below_px, min_points, min_spread, still_px, max_rescale)
    for frame in frames:
        follower.add(frame)
    return follower.result()


class CameraFollower:
    """`estimate_camera_motion` fed a frame at a time (`add`), so that it can run on a worker
    thread while the frames arrive; `result` gives the same `CameraMotion` as the function."""

    def __init__(self, static_below_px: float = 1.5, min_points: int = 40, min_spread: float = 0.6, still_px: float = 0.25, max_rescale: float = 1.08) -> None:
        self.static_below_px = static_below_px
        self.min_points = min_points
        self.min_spread = min_spread
        self.still_px = still_px
        self.max_rescale = max_rescale
        self.size = (0, 0)
        self.result_so_far: list[np.ndarray] = []
        self.breaks: list[int] = []
        self.previous: np.ndarray | None = None
        self.key_to_first = IDENTITY.copy()
        self.key_gray: np.ndarray | None = None
        self.key_points: np.ndarray | None = None
        self.points: np.ndarray | None = None
        self.key_count = 0

    def add(self, frame: np.ndarray) -> None:
        """Follow the camera to the next frame of the chunk (RGB or grey)."""
        current = _gray(frame)
        if self.previous is None:
            self.size = (current.shape[1], current.shape[0])
            self.result_so_far.append(IDENTITY.copy())
            self._new_keyframe(current, IDENTITY.copy(), np.zeros((0, 1, 2), np.float32))
            self.previous = current
            return
        width, height = self.size
        number = len(self.result_so_far)
        homography = None
        rejected = np.zeros((0, 1, 2), np.float32)
        points, key_points = self.points, self.key_points
        if points is not None and key_points is not None and len(points) >= 8:
            # Matched against the keyframe itself (starting from where they were a frame ago), so
            # the small errors of frame-to-frame matching do not add up along the way.
            moved, status, _ = cv2.calcOpticalFlowPyrLK(self.key_gray, current, key_points, points.copy(), winSize=(21, 21), maxLevel=3, flags=cv2.OPTFLOW_USE_INITIAL_FLOW)
            found = status.ravel() == 1
            if found.sum() >= 8:
                fitted, inliers = _robust_homography(moved[found], key_points[found], width, height)
                if fitted is not None:
                    kept = np.flatnonzero(found)[inliers]
                    rejected = moved[found][~inliers]
                    self.key_points, self.points = key_points[kept], moved[kept]
                    # Points that did not move since the keyframe: the camera is still (noise
                    # alone must not make a locked-off camera wander).
                    still = float(np.median(np.linalg.norm((self.points - self.key_points).reshape(-1, 2), axis=1))) < self.still_px
                    homography = IDENTITY.copy() if still else fitted
        if homography is not None and not plausible_step(np.linalg.solve(self.result_so_far[-1], self.key_to_first @ homography), width, height):
            homography = None  # the keyframe's points were followed wrongly: a new keyframe below
        if homography is None:
            step, lost = _measured_step(self.previous, current)
            if lost:
                self.breaks.append(number)
            to_first = self.result_so_far[-1] @ (IDENTITY if step is None else step)
        else:
            to_first = self.key_to_first @ homography
        self.result_so_far.append(to_first)
        if homography is None or _worn_out(self.points, self.key_count, width, height, self.min_points, self.min_spread) or _rescaled(homography, width, height, self.max_rescale):
            self._new_keyframe(current, to_first, rejected)
        self.previous = current

    def _new_keyframe(self, gray: np.ndarray, to_first: np.ndarray, rejected: np.ndarray) -> None:
        """Make `gray` the keyframe: new features, none next to the points just rejected."""
        self.key_to_first = to_first
        self.key_gray = gray
        self.key_points = _features(gray) if self.previous is None else _away_from(_features(gray), rejected)
        self.points = self.key_points
        self.key_count = 0 if self.key_points is None else len(self.key_points)

    def result(self) -> CameraMotion:
        """Each frame's homography to the chunk's first frame, and the breaks."""
        if not self.result_so_far:
            return CameraMotion([])
        width, height = self.size
        if corner_travel(self.result_so_far, width, height) < self.static_below_px:
            return CameraMotion([IDENTITY.copy() for _ in self.result_so_far])
        return CameraMotion(list(self.result_so_far), tuple(self.breaks))
