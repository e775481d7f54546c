"""Following one object from a box the editor drew, forward and backward through the shot.

The multi-object tracker starts from motion detections and cannot be seeded with a box, so an
object the editor adds is followed here by two cues, searched around where a constant-velocity
prediction puts it, at three scales so that it can grow or shrink:

- colour: how much more the colours inside the drawn box (its inscribed ellipse) belong to the
  object than to the ring of background around it (a foreground/background histogram ratio,
  the cue of mean-shift trackers); it survives rotation and deformation (a spinning ball, a
  walking person);
- shape: masked normalized cross-correlation (OpenCV's `matchTemplate`, TM_CCOEFF_NORMED) with
  the drawn patch, slowly blended with what is found (`adapt`).

The object is lost, and the track ends, where neither cue holds (occluded, changed beyond
recognition), where its predicted middle leaves the picture, or where the best match lies more
than a box size off its path (it went out of frame or behind something: the search, kept inside
the picture, would otherwise settle on whatever looks most like it, a parked car, the walker):
it has boxes only where it was really seen.
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

    min_colour: float = 0.6  # mean object-likeness (0..1, 0.5 = like the background) to count as found
    min_score: float = 0.6  # or a normalized correlation of the shape at least this
    search_margin: float = 0.75  # search window: the box grown by this share of its size, each side
    scales: tuple[float, ...] = (0.96, 1.0, 1.04)
    adapt: float = 0.05  # share of the found patch blended into the shape template each frame
    max_jump: float = 1.0  # farther than this (in box sizes) from where it was going is something else
    motion_prior: float = 0.15  # ranking lost per (box size) squared away from the predicted place
    colour_bins: int = 12  # histogram bins per channel
    scale_cost: float = 0.5  # ranking lost per unit of log scale change


def follow_box(
    frames: Sequence[tuple[int, np.ndarray]],
    seed_frame: int,
    seed_box: Box,
    settings: SeededTrackerSettings | None = None,
) -> list[tuple[int, Box, float]]:
    """(frame, box, score) for every frame the object is followed through, in frame order.

    `frames` are (media frame index, RGB or gray image) pairs in order, all the same size, and
    must include `seed_frame`; the seed box itself has score 1. The score is the object-likeness
    of the colours found (or the shape correlation for gray frames).
    """
    settings = settings or SeededTrackerSettings()
    indices = [i for i, _ in frames]
    if seed_frame not in indices:
        raise ValueError(f"frame {seed_frame} is not among the frames given")
    seed_at = indices.index(seed_frame)
    height, width = frames[0][1].shape[:2]
    x0, y0, x1, y1 = seed_box.clipped().as_list()
    rect = np.array([x0 * width, y0 * height, (x1 - x0) * width, (y1 - y0) * height])
    if rect[2] < MIN_TEMPLATE_PX or rect[3] < MIN_TEMPLATE_PX:
        raise ValueError(f"the box is too small to follow ({rect[2]:.0f} x {rect[3]:.0f} analysis pixels); draw it around the whole object")
    gray = [_gray(image) for _, image in frames]
    colour = _ColourModel(frames[seed_at][1], rect, settings.colour_bins)
    seed = _patch(gray[seed_at], rect)
    found = [(seed_frame, seed_box.clipped(), 1.0)]
    for step in (1, -1):
        found.extend(_follow(frames, gray, indices, seed_at, step, rect.copy(), seed, colour, settings))
    return sorted(found, key=lambda item: item[0])


class _ColourModel:
    """Per-pixel object-likeness from colour: fg / (fg + bg) of the seed's histograms."""

    def __init__(self, image: np.ndarray, rect: np.ndarray, bins: int) -> None:
        self.bins = bins
        codes = self.codes(image)
        height, width = codes.shape
        x, y, w, h = (int(round(v)) for v in rect)
        inside = np.zeros(codes.shape, dtype=bool)
        inside[max(0, y) : y + h, max(0, x) : x + w] = _ellipse_mask(w, h)[: min(h, height - max(0, y)), : min(w, width - max(0, x))] > 0
        ring = np.zeros(codes.shape, dtype=bool)
        ring[max(0, y - h) : y + 2 * h, max(0, x - w) : x + 2 * w] = True
        ring[max(0, y) : y + h, max(0, x) : x + w] = False
        size = bins ** (3 if image.ndim == 3 else 1)
        fg = np.bincount(codes[inside], minlength=size).astype(np.float64)
        bg = np.bincount(codes[ring], minlength=size).astype(np.float64)
        fg /= max(fg.sum(), 1.0)
        bg /= max(bg.sum(), 1.0)
        self.table = ((fg + 1e-4) / (fg + bg + 2e-4)).astype(np.float32)

    def codes(self, image: np.ndarray) -> np.ndarray:
        quantized = (image.astype(np.int32) * self.bins) // 256
        if image.ndim == 2:
            return quantized
        return (quantized[..., 0] * self.bins + quantized[..., 1]) * self.bins + quantized[..., 2]

    def likelihood(self, image: np.ndarray) -> np.ndarray:
        return self.table[self.codes(image)]


def _ellipse_mask(width: int, height: int) -> np.ndarray:
    """The ellipse inscribed in a box: the object, mostly, without the background corners."""
    ys, xs = np.mgrid[0:height, 0:width]
    inside = ((xs + 0.5 - width / 2) / (width / 2)) ** 2 + ((ys + 0.5 - height / 2) / (height / 2)) ** 2 <= 1.0
    return inside.astype(np.float32)


def _masked_score(image: np.ndarray, template: np.ndarray, mask: np.ndarray) -> np.ndarray:
    scores = cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED, mask=mask)
    return np.where(np.isfinite(scores), scores, -1.0)


def _follow(frames, gray: list[np.ndarray], indices: list[int], start: int, step: int, rect: np.ndarray, seed: np.ndarray, colour: _ColourModel, settings: SeededTrackerSettings):
    height, width = gray[0].shape
    template = seed.copy()
    velocity = np.zeros(2)
    position = start + step
    while 0 <= position < len(gray):
        image, picture = gray[position], frames[position][1]
        predicted = rect[:2] + rect[2:] / 2 + velocity
        if not (0 <= predicted[0] < width and 0 <= predicted[1] < height):
            return  # its middle would be out of the picture: it left (the search must not settle on something else)
        best = None
        for scale in settings.scales:
            w, h = rect[2] * scale, rect[3] * scale
            tw, th = int(round(w)), int(round(h))
            if tw < MIN_TEMPLATE_PX or th < MIN_TEMPLATE_PX:
                continue
            margin_x, margin_y = w * settings.search_margin + 4, h * settings.search_margin + 4
            wx0, wy0 = int(max(0, predicted[0] - w / 2 - margin_x)), int(max(0, predicted[1] - h / 2 - margin_y))
            wx1, wy1 = int(min(width, predicted[0] + w / 2 + margin_x)), int(min(height, predicted[1] + h / 2 + margin_y))
            if wx1 - wx0 <= tw or wy1 - wy0 <= th:
                continue
            mask = _ellipse_mask(tw, th)
            likeness = cv2.matchTemplate(colour.likelihood(picture[wy0:wy1, wx0:wx1]), mask, cv2.TM_CCORR) / float(mask.sum())
            scaled = cv2.resize(template, (tw, th), interpolation=cv2.INTER_AREA)
            shape = _masked_score(image[wy0:wy1, wx0:wx1], scaled, mask) if float(scaled[mask > 0].std()) > 1e-3 else np.full(likeness.shape, -1.0)
            ys, xs = np.mgrid[0 : likeness.shape[0], 0 : likeness.shape[1]]
            dx = (wx0 + xs + tw / 2 - predicted[0]) / w
            dy = (wy0 + ys + th / 2 - predicted[1]) / h
            # a change of size must earn its keep: inside a uniform object a smaller box scores as well
            ranked = likeness + 0.5 * shape - settings.motion_prior * (dx**2 + dy**2) - settings.scale_cost * abs(np.log(scale))
            ly, lx = np.unravel_index(int(np.argmax(ranked)), ranked.shape)
            jump = float(np.hypot(dx[ly, lx], dy[ly, lx]))
            candidate = (float(ranked[ly, lx]), float(likeness[ly, lx]), float(shape[ly, lx]), np.array([wx0 + lx, wy0 + ly, tw, th], dtype=np.float64), jump)
            if best is None or candidate[0] > best[0]:
                best = candidate
        if best is None:
            return
        _, likeness_found, shape_found, found, jump = best
        if likeness_found < settings.min_colour and shape_found < settings.min_score:
            return
        if jump > settings.max_jump:
            return  # the best match is off its path: the object went (out of frame, behind something)
        if picture.ndim == 3 and likeness_found >= settings.min_colour:
            found = _mean_shift(colour.likelihood(picture), found)
        velocity = 0.5 * velocity + 0.5 * ((found[:2] + found[2:] / 2) - (rect[:2] + rect[2:] / 2))
        rect = found
        patch = cv2.resize(_patch(image, rect), (template.shape[1], template.shape[0]), interpolation=cv2.INTER_AREA)
        template = (1 - settings.adapt) * template + settings.adapt * patch
        x0, y0 = rect[0] / width, rect[1] / height
        box = Box(x0, y0, x0 + rect[2] / width, y0 + rect[3] / height).clipped()
        yield indices[position], box, likeness_found if picture.ndim == 3 else max(shape_found, 0.0)
        position += step


def _mean_shift(likelihood: np.ndarray, rect: np.ndarray, steps: int = 3) -> np.ndarray:
    """Move `rect` to the centroid of the object-likeness inside it (a few mean-shift steps), which
    centres it on the object's colours to a fraction of a pixel."""
    height, width = likelihood.shape
    x, y, w, h = (float(v) for v in rect)
    for _ in range(steps):
        x0, y0 = int(round(x)), int(round(y))
        x1, y1 = min(width, x0 + int(round(w))), min(height, y0 + int(round(h)))
        x0, y0 = max(0, x0), max(0, y0)
        if x1 - x0 < 2 or y1 - y0 < 2:
            break
        weights = np.clip(likelihood[y0:y1, x0:x1] - 0.5, 0.0, None)
        total = float(weights.sum())
        if total <= 0:
            break
        ys, xs = np.mgrid[y0:y1, x0:x1]
        cx, cy = float((weights * (xs + 0.5)).sum() / total), float((weights * (ys + 0.5)).sum() / total)
        shift_x, shift_y = cx - (x + w / 2), cy - (y + h / 2)
        x, y = x + shift_x, y + shift_y
        if abs(shift_x) < 0.25 and abs(shift_y) < 0.25:
            break
    return np.array([x, y, w, h])


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
    track_frames = [quantized(TrackedFrame(frame, box, float(np.clip(score, 0.0, 1.0)), float(distance))) for (frame, box, score), distance in zip(found, distances)]
    return ObjectTrack(id="O0", label=label, source="manual", frames=tuple(track_frames))
