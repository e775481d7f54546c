"""From per-frame boxes to motion: uniform segments, distance, metres per image unit, speed.

Geometry is a pinhole camera with a horizontal field of view `hfov_deg` and square pixels: at
distance Z, one normalized x unit (the frame width) spans `Z * 2 tan(hfov/2)` metres and one
normalized y unit (the frame height) spans that times `height/width`. When a frame has no
`distance_m`, the distance is interpolated from the frames that have one, or, when none has, guessed
from the box height and the object's real height (`height_m`, 1.7 m for a person).

Times are seconds from the shot's first frame (`shot.frame_range.start`), as floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from foley_assistant.core.tracks import ObjectTrack, ShotTracks

DEFAULT_HFOV_DEG = 60.0
MAX_GAP_S = 0.3  # gaps up to this long are bridged by interpolation; longer ones split the track
_EDGE = 0.004  # a box edge this close to the frame border is treated as cut by the border


@dataclass(frozen=True)
class Segment:
    """A run of consecutive frames of one object (short gaps filled by interpolation).

    Arrays are per frame, on a uniform grid: `times_s` (seconds from the shot's first frame),
    `boxes` (n, 4) as x0, y0, x1, y1, `observed` (False where a gap was filled) and `distance_m`
    (smoothed, metres).
    """

    frames: np.ndarray
    times_s: np.ndarray
    boxes: np.ndarray
    observed: np.ndarray
    distance_m: np.ndarray

    def __len__(self) -> int:
        return len(self.frames)

    @property
    def center_x(self) -> np.ndarray:
        return (self.boxes[:, 0] + self.boxes[:, 2]) / 2

    @property
    def center_y(self) -> np.ndarray:
        return (self.boxes[:, 1] + self.boxes[:, 3]) / 2

    @property
    def bottom(self) -> np.ndarray:
        return self.boxes[:, 3]

    @property
    def height(self) -> np.ndarray:
        return self.boxes[:, 3] - self.boxes[:, 1]


@dataclass(frozen=True)
class Motion:
    """An object's track read as motion: its segments and the camera scale."""

    segments: tuple[Segment, ...]
    fps: float
    metres_per_x: float  # metres per normalized x unit at 1 m distance
    metres_per_y: float  # metres per normalized y unit at 1 m distance


def frame_time(shot: ShotTracks, frame: int) -> float:
    """Seconds from the shot's first frame to the start of `frame` (exact, then as float)."""
    return float(shot.fps.seconds(frame - shot.frame_range.start))


def camera_scale(shot: ShotTracks, hfov_deg: float) -> tuple[float, float]:
    """Metres per normalized (x, y) unit at 1 m distance for this shot's frame shape."""
    if not 1.0 <= hfov_deg < 179.0:
        raise ValueError(f"horizontal field of view must be within 1..179 degrees, got {hfov_deg}")
    per_x = 2.0 * math.tan(math.radians(hfov_deg) / 2.0)
    aspect = shot.height / shot.width if shot.width > 0 and shot.height > 0 else 9.0 / 16.0
    return per_x, per_x * aspect


def track_motion(
    obj: ObjectTrack,
    shot: ShotTracks,
    hfov_deg: float = DEFAULT_HFOV_DEG,
    height_m: float = 1.7,
    max_gap_s: float = MAX_GAP_S,
) -> Motion:
    """Split a track into uniform segments and attach a smoothed distance to every frame."""
    fps = float(shot.fps)
    per_x, per_y = camera_scale(shot, hfov_deg)
    if not obj.frames:
        return Motion((), fps, per_x, per_y)
    numbers = np.array([f.frame for f in obj.frames], dtype=np.int64)
    boxes = np.array([f.box.as_list() for f in obj.frames], dtype=np.float64)
    distance = _distances(obj, boxes, per_y, height_m)
    max_gap = max(1, int(round(max_gap_s * fps)))
    breaks = np.flatnonzero(np.diff(numbers) > max_gap + 1) + 1
    segments = []
    for part in np.split(np.arange(len(numbers)), breaks):
        segments.append(_segment(shot, numbers[part], boxes[part], distance[part], fps))
    return Motion(tuple(segments), fps, per_x, per_y)


def _distances(obj: ObjectTrack, boxes: np.ndarray, per_y: float, height_m: float) -> np.ndarray:
    """Distance per tracked frame: given values interpolated, else guessed from box height."""
    numbers = np.array([f.frame for f in obj.frames], dtype=np.float64)
    given = np.array([np.nan if f.distance_m is None else f.distance_m for f in obj.frames])
    known = np.isfinite(given) & (given > 0)
    if known.any():
        return np.interp(numbers, numbers[known], given[known])
    heights = np.maximum(boxes[:, 3] - boxes[:, 1], 1e-4)
    uncut = (boxes[:, 1] > _EDGE) & (boxes[:, 3] < 1.0 - _EDGE)
    guess = height_m / (heights * per_y)
    if uncut.any() and not uncut.all():
        # A box cut by the frame shows only part of the object, so its height says nothing of the
        # distance but this: the object is at least that tall on screen, so no farther than the
        # visible part puts it (a car filling the frame as it passes the lens is closer than where
        # it was seen whole a frame before).
        guess = np.minimum(np.interp(numbers, numbers[uncut], guess[uncut]), guess)
    return np.clip(guess, 0.3, 1000.0)


def _segment(shot: ShotTracks, numbers: np.ndarray, boxes: np.ndarray, distance: np.ndarray, fps: float) -> Segment:
    frames = np.arange(numbers[0], numbers[-1] + 1)
    filled = np.column_stack([np.interp(frames, numbers, boxes[:, i]) for i in range(4)])
    observed = np.isin(frames, numbers)
    # Smoothed over 0.3 s, or a quarter of a brief life (a pass-by of 3 frames keeps its closest point).
    z = np.exp(smooth(np.log(np.interp(frames, numbers, distance)), min(0.3 * fps, len(frames) / 4)))
    times = np.array([frame_time(shot, int(frames[0]))]) + (frames - frames[0]) / fps
    return Segment(frames, times, filled, observed, z)


def smooth(x: np.ndarray, sigma_frames: float, edge_frames: float | None = None) -> np.ndarray:
    """Zero-phase Gaussian smoothing whose ends follow the local linear trend (no edge droop).

    The trend beyond each end is a line fitted to the last `edge_frames` frames (2 sigma unless
    given; make it span a whole cycle of any oscillation that must not tilt it).
    """
    x = np.asarray(x, dtype=np.float64)
    if sigma_frames < 0.5 or len(x) < 3:
        return x.copy()
    pad = int(math.ceil(3 * sigma_frames))
    span = 2 * sigma_frames if edge_frames is None else edge_frames
    fit = max(2, min(len(x), int(round(span))))
    head_slope = np.polyfit(np.arange(fit), x[:fit], 1)[0]
    tail_slope = np.polyfit(np.arange(fit), x[-fit:], 1)[0]
    head = x[0] - head_slope * np.arange(pad, 0, -1)
    tail = x[-1] + tail_slope * np.arange(1, pad + 1)
    padded = np.concatenate([head, x, tail])
    return ndimage.gaussian_filter1d(padded, sigma_frames, mode="nearest")[pad:-pad]


def segment_speed(segment: Segment, motion: Motion, sigma_s: float = 0.15) -> np.ndarray:
    """Ground speed in m/s per frame: sideways motion scaled by distance, plus the change of distance."""
    fps = motion.fps
    if len(segment) < 2:
        return np.zeros(len(segment))
    cx = smooth(segment.center_x, sigma_s * fps)
    z = segment.distance_m
    sideways = np.gradient(cx) * fps * z * motion.metres_per_x
    depth = np.gradient(z) * fps
    return smooth(np.hypot(sideways, depth), sigma_s * fps)
