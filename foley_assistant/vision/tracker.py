"""Multi-object tracking by detection: a Kalman filter per object, Hungarian assignment, camera
motion compensation, occlusion bridging, then smoothing and gap filling.

Per frame (`MultiObjectTracker.step`):

1. Every live track's Kalman state is carried through the camera's move since the previous frame
   (a homography, see `kalman`) and predicted one frame ahead.
2. Merges: when one detection covers most of the predicted boxes of two or more confirmed tracks
   (objects passing each other make one foreground region), none of them takes it: they coast on
   their predictions, so neither identity is lost or dragged onto the other.
3. Assignment, confirmed tracks first, then tentative ones (a matching cascade): Hungarian
   (scipy's `linear_sum_assignment`) on cost = (1 - IoU) + `appearance_weight` x colour-histogram
   distance, gated by the squared Mahalanobis distance of the box under the filter's uncertainty
   (so a track that has been hidden for a while accepts a detection further from its prediction)
   or by IoU.
4. Fragments: an unmatched detection lying mostly inside a track's predicted box (the object cut
   in two by a post in front of it) joins that track's box instead of starting a new track.
5. Births: other unmatched detections start tentative tracks, confirmed after `confirm_hits`
   observations in a row. Deaths: a tentative track dies at its first miss; a confirmed one after
   `max_coast_s` unseen (twice that while it is known to be inside a merged blob), or at once when
   its prediction has left the picture.

`finish` keeps the tracks that are real moving objects: long enough, and moving relative to the
background (travel or steady growth measured in stabilized coordinates, i.e. after undoing the
camera's motion, so background that the camera sweeps past is never an object). Gaps are filled
by interpolation and the boxes smoothed (Savitzky-Golay), both in stabilized coordinates, and
mapped back to the picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.signal import savgol_filter

from foley_assistant.vision.kalman import BoxKalman, KalmanNoise, jacobian
from foley_assistant.vision.motion import Detection

#: Chi-square 99 % quantile for 4 degrees of freedom: the Mahalanobis gate of a box [cx, cy, w, h].
CHI2_GATE_4DOF = 13.28
_FORBIDDEN = 1e6


@dataclass(frozen=True)
class TrackerSettings:
    """Tuning of the association and of what counts as a real moving object."""

    max_coast_s: float = 0.8
    confirm_hits: int = 3
    min_track_s: float = 0.4
    min_travel: float = 0.03
    min_growth: float = 0.2
    gate_iou: float = 0.1
    gate_mahalanobis: float = CHI2_GATE_4DOF
    appearance_weight: float = 0.5
    merge_coverage: float = 0.6
    fragment_inside: float = 0.6
    appearance_memory: float = 0.85
    smooth_s: float = 0.28
    noise: KalmanNoise = field(default_factory=KalmanNoise)


@dataclass(eq=False)
class _Track:
    kalman: BoxKalman
    first_frame: int
    observations: dict[int, np.ndarray] = field(default_factory=dict)  # frame -> [cx, cy, w, h] measured
    merged: set[int] = field(default_factory=set)
    fills: list[float] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    appearance: np.ndarray | None = None
    misses: int = 0
    streak: int = 1
    confirmed: bool = False
    last_seen: int = 0

    def observe(self, frame: int, box: np.ndarray, detection: Detection, memory: float) -> None:
        self.kalman.update(box)
        self.observations[frame] = box
        self.fills.append(detection.fill)
        if detection.label:
            self.labels.append(detection.label)
        if detection.appearance is not None:
            self.appearance = detection.appearance if self.appearance is None else memory * self.appearance + (1 - memory) * detection.appearance
        self.misses = 0
        self.last_seen = frame


@dataclass(frozen=True)
class TrackedBoxes:
    """A finished track: one box per frame from its first to its last observed frame.

    `boxes` are normalized [x0, y0, x1, y1]; `observed` says which frames had a detection (the
    rest were filled); `labels` are the detector's labels of its detections (empty without one);
    `zoom` is, per frame, the camera's focal length relative to the sub-shot's first frame (from
    the camera-motion homographies: > 1 after zooming in)."""

    frames: np.ndarray
    boxes: np.ndarray
    observed: np.ndarray
    mean_fill: float
    labels: tuple[str, ...] = ()
    zoom: np.ndarray | None = None


def to_corners(boxes: np.ndarray) -> np.ndarray:
    """[cx, cy, w, h] rows to [x0, y0, x1, y1] rows."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    half = boxes[:, 2:4] / 2
    return np.concatenate([boxes[:, 0:2] - half, boxes[:, 0:2] + half], axis=1)


def to_centre(corners: np.ndarray) -> np.ndarray:
    """[x0, y0, x1, y1] rows to [cx, cy, w, h] rows."""
    corners = np.asarray(corners, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([(corners[:, 0:2] + corners[:, 2:4]) / 2, corners[:, 2:4] - corners[:, 0:2]], axis=1)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every corner box in `a` with every one in `b`."""
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def inside_fraction(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Fraction of each corner box of `a` that lies inside each corner box of `b`."""
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    area = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    return ix * iy / np.maximum(area[:, None], 1e-9)


def histogram_distance(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Hellinger distance of two normalized histograms (0 same, 1 disjoint); 0.5 when unknown."""
    if a is None or b is None:
        return 0.5
    return float(np.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(a * b))))))


class MultiObjectTracker:
    """Feed detections frame by frame with `step`; collect finished tracks with `finish`.

    Boxes inside are in pixels of a `width` x `height` analysis frame; detections and results
    are normalized."""

    def __init__(self, fps: float, width: int, height: int, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self.fps = fps
        self.size = np.array([width, height, width, height], dtype=np.float64)
        self.max_coast = max(1, int(round(self.settings.max_coast_s * fps)))
        self._live: list[_Track] = []
        self._ended: list[_Track] = []
        self._to_reference: dict[int, np.ndarray] = {}
        self._last_frame: int | None = None

    # --- per frame ------------------------------------------------------------------------------

    def step(self, frame: int, detections: list[Detection], camera_step: np.ndarray | None = None) -> None:
        """Associate one frame's detections with the live tracks.

        `camera_step` is the homography from the previous frame's pixels to this frame's (None or
        the identity for a still camera)."""
        step = np.eye(3) if camera_step is None else np.asarray(camera_step, dtype=np.float64)
        self._advance_reference(frame, step)
        moving_camera = not np.allclose(step, np.eye(3), atol=1e-9)
        elapsed = 1 if self._last_frame is None else max(1, frame - self._last_frame)
        for track in self._live:
            if moving_camera:
                track.kalman.compensate(step)
            for _ in range(elapsed):
                track.kalman.predict()
        boxes = to_centre(np.array([d.box.as_list() for d in detections]).reshape(-1, 4)) * self.size
        used: set[int] = set()
        hidden = self._merged_tracks(frame, boxes, used)
        confirmed = [t for t in self._live if t.confirmed and t not in hidden]
        tentative = [t for t in self._live if not t.confirmed and t not in hidden]
        matched = self._assign(frame, confirmed, detections, boxes, used)
        matched += self._assign(frame, tentative, detections, boxes, used)
        self._absorb_fragments(frame, matched, hidden, detections, boxes, used)
        for track in self._live:
            if track not in matched and track not in hidden:
                track.misses += 1
                track.streak = 0
            elif track in matched:
                track.streak += 1
                if track.streak >= self.settings.confirm_hits:
                    track.confirmed = True
        self._retire(frame, hidden)
        for index, detection in enumerate(detections):
            if index not in used:
                self._live.append(self._born(frame, boxes[index], detection))
        self._last_frame = frame

    def _advance_reference(self, frame: int, step: np.ndarray) -> None:
        """Keep, per frame, the homography from its pixels to the first frame's (stabilized) pixels."""
        if self._last_frame is None:
            self._to_reference[frame] = np.eye(3)
            return
        previous = self._to_reference[self._last_frame]
        self._to_reference[frame] = previous @ np.linalg.inv(step)

    def _born(self, frame: int, box: np.ndarray, detection: Detection) -> _Track:
        track = _Track(BoxKalman(box, self.settings.noise), first_frame=frame)
        track.observations[frame] = box
        track.fills.append(detection.fill)
        if detection.label:
            track.labels.append(detection.label)
        track.appearance = detection.appearance
        track.last_seen = frame
        return track

    def _merged_tracks(self, frame: int, boxes: np.ndarray, used: set[int]) -> set[int]:
        confirmed = [t for t in self._live if t.confirmed]
        hidden: set = set()
        if len(confirmed) < 2 or not len(boxes):
            return hidden
        predicted = to_corners(np.array([t.kalman.box for t in confirmed]))
        covered = inside_fraction(predicted, to_corners(boxes)) >= self.settings.merge_coverage
        for col in np.flatnonzero(covered.sum(axis=0) >= 2):
            for row in np.flatnonzero(covered[:, col]):
                confirmed[row].merged.add(frame)
                hidden.add(confirmed[row])
            used.add(int(col))
        return hidden

    def _assign(self, frame: int, tracks: list[_Track], detections: list[Detection], boxes: np.ndarray, used: set[int]) -> list[_Track]:
        free = [i for i in range(len(detections)) if i not in used]
        if not tracks or not free:
            return []
        settings = self.settings
        predicted = to_corners(np.array([t.kalman.box for t in tracks]))
        iou = iou_matrix(predicted, to_corners(boxes[free]))
        cost = np.full((len(tracks), len(free)), _FORBIDDEN)
        for row, track in enumerate(tracks):
            distance = track.kalman.mahalanobis(boxes[free])
            allowed = (distance <= settings.gate_mahalanobis) | (iou[row] >= settings.gate_iou)
            for col in np.flatnonzero(allowed):
                appearance = histogram_distance(track.appearance, detections[free[col]].appearance)
                cost[row, col] = (1.0 - iou[row, col]) + settings.appearance_weight * appearance + 0.02 * min(distance[col], 50.0)
        rows, cols = linear_sum_assignment(cost)
        matched = []
        for row, col in zip(rows, cols):
            if cost[row, col] >= _FORBIDDEN:
                continue
            index = free[col]
            tracks[row].observe(frame, boxes[index], detections[index], settings.appearance_memory)
            used.add(index)
            matched.append(tracks[row])
        return matched

    def _absorb_fragments(self, frame: int, matched: list[_Track], hidden: set, detections: list[Detection], boxes: np.ndarray, used: set[int]) -> None:
        """Unmatched detections inside a confirmed track's predicted box are pieces of that object."""
        free = [i for i in range(len(detections)) if i not in used]
        owners = [t for t in self._live if t.confirmed]
        if not free or not owners:
            return
        predicted = to_corners(np.array([t.kalman.box for t in owners]))
        inside = inside_fraction(to_corners(boxes[free]), predicted)
        for col, index in enumerate(free):
            row = int(np.argmax(inside[col]))
            if inside[col, row] < self.settings.fragment_inside:
                continue
            used.add(index)
            track = owners[row]
            if track in matched and frame in track.observations:
                union = to_corners(np.stack([track.observations[frame], boxes[index]]))
                joined = to_centre(np.concatenate([union[:, :2].min(axis=0), union[:, 2:].max(axis=0)]))[0]
                limit = 1.3 * track.kalman.box[2:4] + 2.0  # the union may not outgrow the prediction
                if joined[2] <= limit[0] and joined[3] <= limit[1]:
                    track.observations[frame] = joined

    def _retire(self, frame: int, hidden: set) -> None:
        still = []
        for track in self._live:
            coast_limit = 2 * self.max_coast if track.merged and frame - max(track.merged) <= self.max_coast else self.max_coast
            centre = track.kalman.box[:2]
            outside = centre[0] < 0 or centre[1] < 0 or centre[0] > self.size[0] or centre[1] > self.size[1]
            dead = (not track.confirmed and track.misses > 0) or track.misses > coast_limit or (outside and track.misses > 0)
            (self._ended if dead else still).append(track)
        self._live = still

    # --- at the end -----------------------------------------------------------------------------

    def finish(self) -> list[TrackedBoxes]:
        """End all tracks and return the ones that are real moving objects, ordered by start."""
        tracks = self._ended + self._live
        self._live, self._ended = [], []
        results = [r for r in (self._finalise(t) for t in tracks if t.confirmed) if r is not None]
        return sorted(results, key=lambda r: (int(r.frames[0]), float(r.boxes[0, 0])))

    def _stabilize(self, frame: int, boxes: np.ndarray, inverse: bool = False) -> np.ndarray:
        """[cx, cy, w, h] rows of one frame to stabilized coordinates (or back)."""
        homography = self._to_reference.get(frame, np.eye(3))
        if inverse:
            homography = np.linalg.inv(homography)
        out = boxes.copy()
        for row, box in enumerate(boxes):
            centre, jac = jacobian(homography, box[0], box[1])
            out[row, 0:2] = centre
            out[row, 2:4] = box[2:4] * np.abs(np.diag(jac))
        return out

    def _finalise(self, track: _Track) -> TrackedBoxes | None:
        settings = self.settings
        observed = np.array(sorted(track.observations))
        frames = np.arange(observed[0], observed[-1] + 1)
        if len(observed) < settings.confirm_hits or len(frames) < settings.min_track_s * self.fps:
            return None
        stable = np.concatenate([self._stabilize(int(f), track.observations[int(f)][None, :]) for f in observed])
        filled = np.stack([np.interp(frames, observed, stable[:, k]) for k in range(4)], axis=1)
        travel = float(np.max(np.ptp(filled[:, 0:2], axis=0) / self.size[:2]))
        heights = filled[:, 3]
        trend = float(np.polyfit(np.arange(len(heights)), heights, 1)[0]) * len(heights) if len(heights) > 1 else 0.0
        growth = abs(trend) / max(float(np.median(heights)), 1e-6)
        if travel < settings.min_travel and growth < settings.min_growth:
            return None
        window = int(round(settings.smooth_s * self.fps)) | 1
        if len(frames) > window >= 5:
            filled = savgol_filter(filled, window_length=window, polyorder=2, axis=0)
        image = np.concatenate([self._stabilize(int(f), filled[i : i + 1], inverse=True) for i, f in enumerate(frames)])
        corners = to_corners(image) / self.size
        corners = np.clip(corners, 0.0, 1.0)
        zoom = np.array([self.zoom_at(int(f)) for f in frames])
        return TrackedBoxes(frames, corners, np.isin(frames, observed), float(np.mean(track.fills)), tuple(track.labels), zoom)

    def zoom_at(self, frame: int) -> float:
        """Focal length of a frame relative to the first frame's: 1 / the local scale of its
        homography to the first frame, at the picture's centre."""
        homography = self._to_reference.get(frame, np.eye(3))
        _, jac = jacobian(homography, self.size[0] / 2, self.size[1] / 2)
        return 1.0 / max(float(np.sqrt(abs(np.linalg.det(jac)))), 1e-6)
