"""Moving-object detection: a camera-compensated median background, and foreground blobs.

Frames are RGB (H, W, 3) uint8 at analysis size; differences are taken per colour channel and the
largest counts, since many objects differ from their surroundings in colour more than in
brightness. Frames are processed in chunks (a few seconds each). For every chunk the global translation
between consecutive frames is estimated by phase correlation, sampled frames are placed on a
canvas at their cumulative offsets, and the per-pixel median of the canvas is the background
(moving things do not survive a median). A frame's foreground is where it differs from the
background by more than a noise-adaptive threshold, after removing the frame's global gain
(lighting drift). Connected components of the foreground become detections.

Handles a static or panning/tilting camera; zoom and rotation are not compensated (yet).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import cv2
import numpy as np

from foley_assistant.core.tracks import Box


@dataclass(frozen=True)
class MotionSettings:
    """Tuning of the foreground detector; sizes are fractions of the frame."""

    background_samples: int = 31
    min_threshold: float = 16.0
    noise_sigmas: float = 4.5
    min_blob_area: float = 0.0015
    merge_margin: float = 0.015
    min_coverage: int = 5
    motion_lag_frames: int = 6


@dataclass(frozen=True)
class Detection:
    """A foreground blob in one frame: its box and how much of the box is foreground."""

    box: Box
    fill: float


def _tile_shift(anchor: np.ndarray, current: np.ndarray, window: np.ndarray, grid: tuple[int, int]) -> tuple[np.ndarray, float]:
    """Median translation over a grid of tiles, and the median correlation response.

    A moving object disturbs only the tiles it covers, so the median follows the camera.
    """
    rows, cols = grid
    tile_h, tile_w = anchor.shape[0] // rows, anchor.shape[1] // cols
    moves, responses = [], []
    for r in range(rows):
        for c in range(cols):
            area = (slice(r * tile_h, (r + 1) * tile_h), slice(c * tile_w, (c + 1) * tile_w))
            (dx, dy), response = cv2.phaseCorrelate(anchor[area], current[area], window)
            moves.append((dx, dy))
            responses.append(response)
    good = np.array(responses) >= 0.05
    if not good.any():
        return np.zeros(2), 0.0
    return np.median(np.array(moves)[good], axis=0), float(np.median(responses))


def luma(frame: np.ndarray) -> np.ndarray:
    """Brightness (float32) of an RGB frame; a grayscale frame is returned as float32."""
    if frame.ndim == 2:
        return frame.astype(np.float32)
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)


def estimate_shifts(frames: list[np.ndarray], static_below_px: float = 2.0, grid: tuple[int, int] = (3, 4)) -> np.ndarray:
    """Cumulative (dx, dy) in pixels of each frame's content relative to the first frame.

    Each frame is compared with an anchor frame (not its predecessor), so small estimation errors
    do not add up into a fake camera drift; the anchor moves on when the overlap gets small or the
    correlation weak. A chunk whose total motion stays under `static_below_px` is a static camera:
    all shifts are zero.
    """
    shifts = np.zeros((len(frames), 2))
    if len(frames) < 2:
        return shifts
    height, width = frames[0].shape[:2]
    window = cv2.createHanningWindow((width // grid[1], height // grid[0]), cv2.CV_32F)
    anchor, anchor_shift = luma(frames[0]), np.zeros(2)
    for i in range(1, len(frames)):
        current = luma(frames[i])
        move, response = _tile_shift(anchor, current, window, grid)
        if response < 0.05:  # nothing in common with the anchor (a flash, a cut): hold
            shifts[i] = shifts[i - 1]
        else:
            shifts[i] = anchor_shift + move
        if response < 0.3 or abs(move[0]) > 0.1 * width or abs(move[1]) > 0.1 * height:
            anchor, anchor_shift = current, shifts[i].copy()
    if float(np.max(np.ptp(shifts, axis=0))) < static_below_px:
        shifts[:] = 0.0
    return shifts


class ChunkBackground:
    """The (blurred) median background of a chunk of frames, on a canvas that follows the camera.

    A world point at pixel p of the chunk's first frame appears at p + shift in a later frame,
    so a frame is laid on the canvas at offset (max_shift - shift).
    """

    def __init__(self, frames: list[np.ndarray], shifts: np.ndarray, settings: MotionSettings) -> None:
        height, width = frames[0].shape[:2]
        self.shape = (height, width)
        self.top = np.ceil(shifts.max(axis=0))
        extent = self.top - np.floor(shifts.min(axis=0))
        canvas_shape = (height + int(extent[1]), width + int(extent[0]))
        self.limits = (canvas_shape[0] - height, canvas_shape[1] - width)
        picks = np.unique(np.linspace(0, len(frames) - 1, min(settings.background_samples, len(frames))).round().astype(int))
        stack = np.full((len(picks), *canvas_shape, *frames[0].shape[2:]), np.nan, dtype=np.float32)
        for slot, index in enumerate(picks):
            x, y = self._offset(shifts[index])
            stack[slot, y : y + height, x : x + width] = frames[index]
        counts = np.sum(~np.isnan(stack), axis=0)
        if counts.ndim == 3:
            counts = counts[..., 0]
        if not np.isnan(stack).any():  # a static camera: every frame covers the whole canvas
            median = np.median(stack, axis=0)
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # canvas corners no frame covered
                median = np.nanmedian(stack, axis=0)
        self.canvas = blurred(np.nan_to_num(median, nan=0.0))
        self.reliable = counts >= min(settings.min_coverage, len(picks))

    def _offset(self, shift: np.ndarray) -> tuple[int, int]:
        x, y = np.round(self.top - shift).astype(int)
        max_y, max_x = self.limits
        return min(max(int(x), 0), max_x), min(max(int(y), 0), max_y)

    def view(self, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The background and its reliability mask as seen by a frame with this shift."""
        height, width = self.shape
        x, y = self._offset(shift)
        return self.canvas[y : y + height, x : x + width], self.reliable[y : y + height, x : x + width]


def blurred(image: np.ndarray) -> np.ndarray:
    """The float32 image every difference is taken on: a 5x5 Gaussian blur against pixel noise."""
    return cv2.GaussianBlur(image.astype(np.float32), (5, 5), 0)


def _channel_max(difference: np.ndarray) -> np.ndarray:
    if difference.ndim == 2:
        return difference
    return np.maximum(np.maximum(difference[..., 0], difference[..., 1]), difference[..., 2])


_SAMPLE = (slice(None, None, 4), slice(None, None, 4))  # statistics on every 16th pixel


def _changed(current: np.ndarray, reference: np.ndarray, valid: np.ndarray, settings: MotionSettings) -> np.ndarray:
    """Pixels where two aligned, blurred images differ beyond a noise-adaptive threshold.

    The reference is scaled to the current image's median brightness first (lighting drift);
    the threshold is `noise_sigmas` robust standard deviations (MAD) of the difference, at least
    `min_threshold`, so grainy footage does not light up.
    """
    sampled_valid = valid[_SAMPLE]
    if sampled_valid.any():
        gain = float(np.median(current[_SAMPLE][sampled_valid])) / max(float(np.median(reference[_SAMPLE][sampled_valid])), 1.0)
        if abs(gain - 1.0) > 0.005:
            reference = reference * gain
    difference = _channel_max(cv2.absdiff(current, reference))
    difference[~valid] = 0.0
    values = difference[_SAMPLE][sampled_valid] if sampled_valid.any() else difference[_SAMPLE].ravel()
    noise = 1.4826 * float(np.median(np.abs(values - np.median(values))))
    threshold = max(settings.min_threshold, settings.noise_sigmas * noise)
    mask = (difference > threshold).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))).astype(bool)


def foreground_mask(frame: np.ndarray, background: np.ndarray, reliable: np.ndarray, settings: MotionSettings) -> np.ndarray:
    """Pixels of a blurred frame that differ from the (blurred) background beyond noise and lighting.

    `reliable` marks the background pixels that enough frames saw (the rest are ignored)."""
    return _changed(frame, background, reliable, settings)


def recent_motion_mask(frame: np.ndarray, earlier: np.ndarray, offset: np.ndarray, settings: MotionSettings) -> np.ndarray:
    """Pixels of a blurred frame that changed since an earlier one, after undoing the camera's move."""
    height, width = frame.shape[:2]
    inside = np.ones((height, width), dtype=bool)
    if np.any(offset != 0):
        move = np.float32([[1, 0, offset[0]], [0, 1, offset[1]]])
        earlier = cv2.warpAffine(earlier, move, (width, height), flags=cv2.INTER_LINEAR, borderValue=-1.0)
        inside = _channel_max(earlier) >= 0
    return _changed(frame, earlier, inside, settings)


def add_unexplained(mask: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """The background mask plus the recent-motion regions it does not already touch.

    An object that stays in one region for most of a chunk (walking towards the camera) becomes
    part of the median background; its recent motion still shows. Motion regions touching a
    foreground blob are left out, so a fast object's trail does not stretch its box.
    """
    count, labels = cv2.connectedComponents(motion.astype(np.uint8), connectivity=8)
    if count <= 1:
        return mask
    touched = np.unique(labels[mask])
    keep = np.isin(labels, touched, invert=True) & (labels > 0)
    return mask | keep


def blobs(mask: np.ndarray, settings: MotionSettings) -> list[Detection]:
    """Connected foreground regions as detections, nearby fragments merged, tiny ones dropped."""
    height, width = mask.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    rects = [
        [float(x), float(y), float(x + w), float(y + h), float(area)]
        for x, y, w, h, area in stats[1:count]
        if area >= settings.min_blob_area * width * height
    ]
    rects = _merge_close(rects, settings.merge_margin * width)
    return [
        Detection(
            Box(r[0] / width, r[1] / height, r[2] / width, r[3] / height),
            fill=r[4] / max((r[2] - r[0]) * (r[3] - r[1]), 1.0),
        )
        for r in rects
    ]


def _merge_close(rects: list[list[float]], margin: float) -> list[list[float]]:
    merged = True
    while merged and len(rects) > 1:
        merged = False
        for i in range(len(rects)):
            for j in range(i + 1, len(rects)):
                a, b = rects[i], rects[j]
                if a[0] - margin <= b[2] and b[0] - margin <= a[2] and a[1] - margin <= b[3] and b[1] - margin <= a[3]:
                    rects[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]), a[4] + b[4]]
                    del rects[j]
                    merged = True
                    break
            if merged:
                break
    return rects


def detect_chunk(frames: list[np.ndarray], settings: MotionSettings) -> list[list[Detection]]:
    """Detections for every frame of a chunk of RGB (or grayscale) frames."""
    if not frames:
        return []
    shifts = estimate_shifts(frames)
    background = ChunkBackground(frames, shifts, settings)
    smooth = [blurred(frame) for frame in frames]
    detections = []
    for index, (frame, shift) in enumerate(zip(smooth, shifts)):
        view, reliable = background.view(shift)
        mask = foreground_mask(frame, view, reliable, settings)
        earlier = index - settings.motion_lag_frames
        if earlier >= 0:
            mask = add_unexplained(mask, recent_motion_mask(frame, smooth[earlier], shift - shifts[earlier], settings))
        detections.append(blobs(mask, settings))
    return detections
