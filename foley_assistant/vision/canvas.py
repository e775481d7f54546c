"""Where a run's frames go on a background canvas, and how a chunk is cut into runs.

Every background is a canvas in one frame's view holding warped frames; its memory is its area
times the samples on it. These functions keep that area bounded whatever the camera does: a
chunk is cut at breaks in the camera motion (`segments`), each stretch into runs whose frames fit
a canvas of a few frame areas at one scale (`split_by_travel`), and a canvas takes only the
frames that fit within its bound (`place_frames`).
"""

from __future__ import annotations

import cv2
import numpy as np


def place_frames(homographies: list[np.ndarray], width: int, height: int, start: int, end: int, max_area: float, max_zoom: float, static: bool) -> tuple[set[int], np.ndarray, np.ndarray]:
    """The frames a canvas of at most `max_area` frame areas can hold (core [start, end) first,
    then the others nearest it first), each scaled by less than `max_zoom` either way, and the
    canvas's corners (low, high) in the first frame's view (see `motion.ChunkBackground`)."""
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
    low, high = np.zeros(2), np.array([width, height], dtype=np.float64)
    if static:
        return set(range(len(homographies))), low, high
    rest = [i for i in range(len(homographies)) if not start <= i < end]
    order = list(range(start, end)) + sorted(rest, key=lambda i: start - i if i < start else i - end + 1)
    placed: set[int] = set()
    limit = max_area * width * height
    for index in order:
        homography = homographies[index]
        weights = corners.reshape(-1, 2) @ homography[2, :2] + homography[2, 2]
        if not np.all(np.isfinite(homography)) or not (weights.min() > 0 or weights.max() < 0):
            continue  # a corner at or beyond the first view's horizon: no finite canvas holds it
        points = cv2.perspectiveTransform(corners, homography).reshape(-1, 2)
        if not 1 / max_zoom**2 <= cv2.contourArea(points.astype(np.float32)) / float(width * height) <= max_zoom**2:
            continue  # resampled to a very different scale, its detail would not match the others'
        new_low, new_high = np.minimum(low, np.floor(points.min(axis=0))), np.maximum(high, np.ceil(points.max(axis=0)))
        if float(np.prod(new_high - new_low)) > limit:
            continue
        placed.add(index)
        low, high = new_low, new_high
    return placed, low, high


def split_by_travel(homographies: list[np.ndarray], width: int, height: int, max_area: float = 2.0, max_zoom: float = 1.12) -> list[tuple[int, int]]:
    """Runs [start, end) short enough that their frames' canvas (in the run's first frame's view)
    stays within `max_area` frame areas and that the camera zooms by less than `max_zoom` within
    them (frames resampled to a very different scale would not match the median's detail). A
    frame that cannot be placed in front of its run's first view starts a new run."""
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]]).reshape(-1, 1, 2)
    runs, start = [], 0
    low, high = corners.min(axis=(0, 1)), corners.max(axis=(0, 1))
    for i in range(1, len(homographies)):
        relative = np.linalg.solve(homographies[start], homographies[i])
        weights = corners.reshape(-1, 2) @ relative[2, :2] + relative[2, 2]
        split = not (weights.min() > 0 or weights.max() < 0)
        if not split:
            placed = cv2.perspectiveTransform(corners, relative)
            new_low, new_high = np.minimum(low, placed.min(axis=(0, 1))), np.maximum(high, placed.max(axis=(0, 1)))
            area = cv2.contourArea(placed.reshape(-1, 2)) / float(width * height)
            zoomed = not 1 / max_zoom**2 <= area <= max_zoom**2
            split = zoomed or float(np.prod(new_high - new_low)) > max_area * width * height
        if split:
            runs.append((start, i))
            start, low, high = i, corners.min(axis=(0, 1)), corners.max(axis=(0, 1))
        else:
            low, high = new_low, new_high
    runs.append((start, len(homographies)))
    return runs


def segments(count: int, breaks: tuple[int, ...]) -> list[tuple[int, int]]:
    """The stretches [start, end) of a chunk of `count` frames between breaks in the camera motion."""
    edges = [0, *[b for b in breaks if 0 < b < count], count]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
