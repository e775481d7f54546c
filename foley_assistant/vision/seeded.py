"""Following one object from a box the editor drew: a template tracker, forward and backward.

The multi-object tracker starts from motion detections and cannot be seeded with a box, so an
object the editor adds is followed by normalized cross-correlation (OpenCV's `matchTemplate`,
TM_CCOEFF_NORMED) of its appearance in a search window around where it was, at three scales so
that it can grow or shrink. The appearance is the drawn patch, slowly blended with what is found
(`adapt`), which follows gradual changes without drifting onto the background. It stops where
the best match falls under `min_score` (occluded, left the frame, changed beyond recognition):
the object then has boxes only where it was really seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import cv2
import numpy as np

from foley_assistant.core.tracks import Box, ObjectTrack, TrackedFrame, quantized
from foley_assistant.vision.distance import distances_from_boxes

MIN_TEMPLATE_PX = 6


@dataclass(frozen=True)
class SeededTrackerSettings:
    """How a drawn box is followed."""

    min_score: float = 0.55  # normalized correlation below which the object is lost
    search_margin: float = 0.75  # search window: the box grown by this share of its size, each side
    scales: tuple[float, ...] = (0.96, 1.0, 1.04)
    adapt: float = 0.08  # share of the found patch blended into the appearance each frame


def follow_box(
    frames: Sequence[tuple[int, np.ndarray]],
    seed_frame: int,
    seed_box: Box,
    settings: SeededTrackerSettings | None = None,
) -> list[tuple[int, Box, float]]:
    """(frame, box, score) for every frame the object is followed through, in frame order.

    `frames` are (media frame index, gray or RGB image) pairs in order, all the same size, and
    must include `seed_frame`; the seed box itself has score 1.
    """
    settings = settings or SeededTrackerSettings()
    indices = [i for i, _ in frames]
    if seed_frame not in indices:
        raise ValueError(f"frame {seed_frame} is not among the frames given")
    gray = [_gray(image) for _, image in frames]
    height, width = gray[0].shape
    seed_at = indices.index(seed_frame)
    x0, y0, x1, y1 = seed_box.clipped().as_list()
    rect = np.array([x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height])
    if rect[2] < MIN_TEMPLATE_PX or rect[3] < MIN_TEMPLATE_PX:
        raise ValueError(f"the box is too small to follow ({rect[2]:.0f} x {rect[3]:.0f} analysis pixels); draw it around the whole object")
    template = _patch(gray[seed_at], rect)
    found = [(seed_frame, seed_box.clipped(), 1.0)]
    for step in (1, -1):
        found.extend(_follow(gray, indices, seed_at, step, rect.copy(), template.copy(), settings))
    return sorted(found, key=lambda item: item[0])


def _follow(gray: list[np.ndarray], indices: list[int], start: int, step: int, rect: np.ndarray, template: np.ndarray, settings: SeededTrackerSettings):
    height, width = gray[0].shape
    position = start + step
    while 0 <= position < len(gray):
        image = gray[position]
        best = None
        for scale in settings.scales:
            w, h = rect[2] * scale, rect[3] * scale
            if w < MIN_TEMPLATE_PX or h < MIN_TEMPLATE_PX:
                continue
            cx, cy = rect[0] + rect[2] / 2, rect[1] + rect[3] / 2
            margin_x, margin_y = w * settings.search_margin + 4, h * settings.search_margin + 4
            wx0, wy0 = int(max(0, cx - w / 2 - margin_x)), int(max(0, cy - h / 2 - margin_y))
            wx1, wy1 = int(min(width, cx + w / 2 + margin_x)), int(min(height, cy + h / 2 + margin_y))
            tw, th = int(round(w)), int(round(h))
            if wx1 - wx0 <= tw or wy1 - wy0 <= th:
                continue
            scaled = cv2.resize(template, (tw, th), interpolation=cv2.INTER_AREA)
            if float(scaled.std()) < 1e-3:
                continue
            scores = cv2.matchTemplate(image[wy0:wy1, wx0:wx1], scaled, cv2.TM_CCOEFF_NORMED)
            _, score, _, (lx, ly) = cv2.minMaxLoc(scores)
            if np.isfinite(score) and (best is None or score > best[0]):
                best = (float(score), np.array([wx0 + lx, wy0 + ly, tw, th], dtype=np.float64))
        if best is None or best[0] < settings.min_score:
            return
        score, rect = best
        patch = cv2.resize(_patch(image, rect), (template.shape[1], template.shape[0]), interpolation=cv2.INTER_AREA)
        template = (1 - settings.adapt) * template + settings.adapt * patch
        x0, y0 = rect[0] / width, rect[1] / height
        box = Box(x0, y0, x0 + rect[2] / width, y0 + rect[3] / height).clipped()
        yield indices[position], box, score
        position += step


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image.astype(np.float32)


def _patch(image: np.ndarray, rect: np.ndarray) -> np.ndarray:
    x, y, w, h = (int(round(v)) for v in rect)
    x, y = max(0, x), max(0, y)
    return image[y : y + max(h, 1), x : x + max(w, 1)].astype(np.float32)


def seeded_track(
    frames: Sequence[tuple[int, np.ndarray]],
    seed_frame: int,
    seed_box: Box,
    label: str,
    source_width: int,
    source_height: int,
    hfov_deg: float = 60.0,
    settings: SeededTrackerSettings | None = None,
) -> ObjectTrack:
    """An object (source "manual"; its id is given when it is added) followed from the drawn box,
    with distances from its box heights and the label's size prior (as the tracker's objects)."""
    found = follow_box(frames, seed_frame, seed_box, settings)
    boxes = np.array([box.as_list() for _, box, _ in found])
    distances = distances_from_boxes(boxes, label, source_width, source_height, hfov_deg)
    track_frames = [
        quantized(TrackedFrame(frame, box, float(np.clip(score, 0.0, 1.0)), float(distance)))
        for (frame, box, score), distance in zip(found, distances)
    ]
    return ObjectTrack(id="O0", label=label, source="manual", frames=tuple(track_frames))
