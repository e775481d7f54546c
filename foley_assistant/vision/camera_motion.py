"""Global camera motion: a homography per frame from tracked background features.

Corners are tracked between consecutive frames (Lucas-Kanade optical flow) and a homography is
fitted with RANSAC, so moving objects (a minority of the features) are rejected as outliers. A
homography is exact for a camera that pans, tilts, rolls or zooms about its centre. The per-step
homographies are chained to the chunk's first frame. A chunk whose frame corners move less than a
pixel or two overall is a static camera: every homography is the identity, and no small
estimation error can misalign the background.
"""

from __future__ import annotations

import cv2
import numpy as np

IDENTITY = np.eye(3)


def _gray(frame: np.ndarray) -> np.ndarray:
    return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)


def step_homography(previous: np.ndarray, current: np.ndarray, min_inliers: int = 12, still_px: float = 0.15) -> np.ndarray | None:
    """Homography mapping pixels of `current` onto `previous` (grayscale uint8).

    The identity when the background features did not move (median inlier flow under
    `still_px`), so a locked-off camera gathers no drift; None when there is too little to go on.
    """
    height, width = previous.shape
    corners = cv2.goodFeaturesToTrack(previous, maxCorners=300, qualityLevel=0.01, minDistance=max(4, width // 60), blockSize=7)
    if corners is None or len(corners) < min_inliers:
        return None
    moved, status, _ = cv2.calcOpticalFlowPyrLK(previous, current, corners, None, winSize=(21, 21), maxLevel=3)
    found = status.ravel() == 1
    if found.sum() < min_inliers:
        return None
    homography, inliers = cv2.findHomography(moved[found], corners[found], cv2.RANSAC, 1.0)
    if homography is None or int(inliers.sum()) < min_inliers:
        return None
    kept = inliers.ravel() == 1
    flow = np.linalg.norm((moved[found] - corners[found])[kept].reshape(-1, 2), axis=1)
    if float(np.median(flow)) < still_px:
        return IDENTITY.copy()
    return homography


def corner_travel(homographies: list[np.ndarray], width: int, height: int) -> float:
    """Largest distance (pixels) any frame corner moves from where it is in the first frame."""
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
    travel = 0.0
    for homography in homographies:
        moved = cv2.perspectiveTransform(corners, homography)
        travel = max(travel, float(np.max(np.linalg.norm(moved - corners, axis=2))))
    return travel


def estimate_homographies(frames: list[np.ndarray], static_below_px: float = 1.5) -> list[np.ndarray]:
    """For each frame, the homography from its pixels to the first frame's pixels."""
    if not frames:
        return []
    height, width = frames[0].shape[:2]
    result = [IDENTITY.copy()]
    previous = _gray(frames[0])
    for frame in frames[1:]:
        current = _gray(frame)
        step = step_homography(previous, current)
        result.append(result[-1] @ (IDENTITY if step is None else step))
        previous = current
    if corner_travel(result, width, height) < static_below_px:
        return [IDENTITY.copy() for _ in frames]
    return result
