"""Box geometry shared by the tracker, the detector's tracks and the fusion: [cx, cy, w, h] and
[x0, y0, x1, y1] rows, overlaps, and the distance between two colour histograms."""

from __future__ import annotations

import numpy as np


def to_corners(boxes: np.ndarray) -> np.ndarray:
    """[cx, cy, w, h] rows to [x0, y0, x1, y1] rows."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    half = boxes[:, 2:4] / 2
    return np.concatenate([boxes[:, 0:2] - half, boxes[:, 0:2] + half], axis=1)


def to_centre(corners: np.ndarray) -> np.ndarray:
    """[x0, y0, x1, y1] rows to [cx, cy, w, h] rows."""
    corners = np.asarray(corners, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([(corners[:, 0:2] + corners[:, 2:4]) / 2, corners[:, 2:4] - corners[:, 0:2]], axis=1)


def area(box: np.ndarray) -> float:
    """The area of one [x0, y0, x1, y1] box (0 when its corners are crossed)."""
    return float(max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1]))


def intersection(a: np.ndarray, b: np.ndarray) -> float:
    """The area two [x0, y0, x1, y1] boxes share."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    return float(ix * iy)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two [x0, y0, x1, y1] boxes (0 when they do not touch)."""
    inter = intersection(a, b)
    union = area(a) + area(b) - inter
    return inter / union if union > 0 else 0.0


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


def clipped(corners: np.ndarray, width: float, height: float) -> np.ndarray:
    """Corner boxes cut to the picture (a box wholly outside becomes empty, zero area)."""
    corners = np.asarray(corners, dtype=np.float64).reshape(-1, 4).copy()
    corners[:, [0, 2]] = np.clip(corners[:, [0, 2]], 0.0, width)
    corners[:, [1, 3]] = np.clip(corners[:, [1, 3]], 0.0, height)
    return corners


def histogram_distance(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """Hellinger distance of two normalized histograms (0 same, 1 disjoint); 0.5 when unknown."""
    if a is None or b is None:
        return 0.5
    return float(np.sqrt(max(0.0, 1.0 - float(np.sum(np.sqrt(a * b))))))
