"""Moving-object detection: a camera-compensated median background, recent motion, and blobs.

Frames are RGB (H, W, 3) uint8 at analysis size; differences are taken per colour channel and the
largest counts, since many objects differ from their surroundings in colour more than in
brightness. Frames are processed in chunks (a few seconds each). For every chunk the camera's
motion is estimated as a homography per frame (see camera_motion), sampled frames are warped onto
a common canvas, and the per-pixel median of the canvas is the background: moving things do not
survive a median (and where a slow object covered a pixel for much of the run, the largest cluster
of samples replaces the median, see `busy_pixels`). A frame's foreground is where it differs from the background by more than a
noise-adaptive threshold, after giving the background the frame's lighting (a tone curve per
channel, so exposure drift and clipped highlights do not light up). Objects that
stay in one place for most of a chunk end up in the median; the motion since a few frames earlier
still shows them and is added where the background difference found nothing. Connected regions of
the foreground become detections.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass, field

import cv2
import numpy as np

from foley_assistant.core.tracks import Box
from foley_assistant.vision.busy_pixels import sample_median, settle_busy_pixels
from foley_assistant.vision.camera_motion import IDENTITY, CameraMotion, estimate_camera_motion
from foley_assistant.vision.canvas import place_frames, segments, split_by_travel
from foley_assistant.vision.tones import common_exposure, match_tones


@dataclass(frozen=True)
class MotionSettings:
    """Tuning of the foreground detector; sizes are fractions of the frame.

    The background's bounds, in frame areas: a run of frames is split where its frames' canvas
    would pass `run_canvas_area`; frames around it are sampled too while the canvas stays within
    `max_canvas_area` (which bounds its memory whatever the camera does) and their scale differs
    from the run's first frame's by less than `max_zoom` (the run's own frames too); and a run gets at most
    `background_budget` frame areas of warped samples per frame of its own (which bounds the time
    of short runs: a fast camera move makes many), or no background at all when that leaves fewer
    than `min_background_samples`."""

    background_samples: int = 31
    min_threshold: float = 16.0
    noise_sigmas: float = 4.5
    min_blob_area: float = 0.0015
    merge_margin: float = 0.015
    min_coverage: int = 5
    min_coverage_share: float = 0.4
    motion_lag_frames: int = 6
    background_margin_frames: int = 25
    registration_px: float = 0.75
    max_canvas_area: float = 3.0
    run_canvas_area: float = 2.0
    max_zoom: float = 1.12
    background_budget: float = 2.0
    min_background_samples: int = 3


@dataclass(frozen=True)
class Detection:
    """Something found in one frame: its box, how much of the box is the object (`fill`), a colour
    histogram of its pixels (`appearance`, for telling objects apart), and, from a detector, a
    label and a score."""

    box: Box
    fill: float
    appearance: np.ndarray | None = field(default=None, compare=False)
    label: str | None = None
    score: float = 1.0


@dataclass(frozen=True)
class RunBackground:
    """What the background of one run of frames [start, end) of a chunk was made of: its canvas
    (rows, columns; (0, 0) where the run had none) and how many frames were sampled."""

    start: int
    end: int
    canvas_shape: tuple[int, int]
    samples: int


@dataclass(frozen=True)
class ChunkDetections:
    """A chunk's detections per frame, per frame the homography from its pixels to the chunk's
    first frame's pixels (the camera's motion), the frames whose motion from the previous one is
    unknown (`breaks`) and the background of each run."""

    detections: list[list[Detection]]
    to_first: list[np.ndarray]
    breaks: tuple[int, ...] = ()
    backgrounds: tuple[RunBackground, ...] = ()


class ChunkBackground:
    """The (blurred) median background of a run of frames, on a canvas in the first frame's view.

    `homographies[i]` maps frame i's pixels to the first frame's. The canvas is that view grown to
    hold the frames it samples, and never past `max_canvas_area` frame areas: frames are placed in
    order of priority (the `core` frames [start, end) first, in order, then the others nearest the
    core first), and a frame whose placement would grow the canvas further, whose scale differs
    from the first frame's by `max_zoom` or more, or that does not lie in front of the first
    frame's view, is left out (`canvas.place_frames`). At most `background_budget` frame areas of
    samples per core frame are taken, spread evenly over the frames placed; with fewer than
    `min_background_samples` there is no background (`available` is False and every view is
    unreliable). A static run (all identities) needs no warping at all.
    """

    def __init__(self, frames: list[np.ndarray], homographies: list[np.ndarray], settings: MotionSettings, core: tuple[int, int] | None = None) -> None:
        height, width = frames[0].shape[:2]
        self.size = (width, height)
        self.static = all(np.array_equal(h, IDENTITY) for h in homographies)
        self.homographies = homographies
        start, end = core if core is not None else (0, len(frames))
        placed, low, high = place_frames(homographies, width, height, start, end, settings.max_canvas_area, settings.max_zoom, self.static)
        self.placed = placed
        self.to_canvas = np.array([[1, 0, -low[0]], [0, 1, -low[1]], [0, 0, 1]], dtype=np.float64)
        canvas_size = (int(high[0] - low[0]), int(high[1] - low[1]))
        area_share = canvas_size[0] * canvas_size[1] / float(width * height)
        budget = int(settings.background_budget * (end - start) / area_share)
        count = min(settings.background_samples, len(placed), budget)
        self.available = count >= settings.min_background_samples
        if not self.available:
            self.samples = 0
            self.canvas = np.zeros((height, width) + frames[0].shape[2:], np.float32)
            self.canvas_edges = None
            self.stacked = None
            self.reliable = np.zeros((height, width), np.uint8)
            return
        order = sorted(placed)
        picks = [order[i] for i in np.unique(np.linspace(0, len(order) - 1, count).round().astype(int))]
        self.samples = len(picks)
        stack = np.stack([self._warp_in(frames[i].astype(np.float32), homographies[i], canvas_size) for i in picks])
        if stack.ndim == 4:
            common_exposure(stack)  # a pan across a lighting change would leave steps in the median
        median = sample_median(stack)
        counts = np.sum(~np.isnan(stack[..., 0] if stack.ndim == 4 else stack), axis=0)
        if stack.ndim == 3:
            median = settle_busy_pixels(stack[..., None], median[..., None], self._noise_threshold(stack, median, settings))[..., 0]
        else:
            median = settle_busy_pixels(stack, median, self._noise_threshold(stack, median, settings))
        self.canvas = blurred(np.nan_to_num(median, nan=0.0))
        # Its gradient, for the registration allowance, warped with it into every view.
        self.canvas_edges = None if self.static else edge_strength(self.canvas)
        # The canvas and its edges in one array, warped together for every frame's view.
        self.stacked = None if self.canvas_edges is None else np.dstack([self.canvas, self.canvas_edges])
        enough = max(min(settings.min_coverage, len(picks)), int(np.ceil(settings.min_coverage_share * len(picks))))
        # Pixels few frames saw have an unreliable median; the blur also smears the canvas edges.
        self.reliable = cv2.erode((counts >= enough).astype(np.uint8), np.ones((7, 7), np.uint8))

    @property
    def canvas_shape(self) -> tuple[int, int]:
        """(rows, columns) of the canvas; (0, 0) without a background."""
        return (int(self.canvas.shape[0]), int(self.canvas.shape[1])) if self.available else (0, 0)

    @staticmethod
    def _noise_threshold(stack: np.ndarray, median: np.ndarray, settings: MotionSettings) -> float:
        """How far a sample may differ from the background and still be background: `noise_sigmas`
        robust standard deviations of the samples around the median, at least `min_threshold`."""
        spread = np.abs(stack[:, ::4, ::4] - median[None, ::4, ::4])
        spread = spread[~np.isnan(spread)]
        noise = 1.4826 * float(np.median(spread)) if spread.size else 0.0
        return max(settings.min_threshold, settings.noise_sigmas * noise)

    def _warp_in(self, frame: np.ndarray, homography: np.ndarray, canvas_size: tuple[int, int]) -> np.ndarray:
        if self.static:
            return frame
        return cv2.warpPerspective(frame, self.to_canvas @ homography, canvas_size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=every_channel(float("nan")))

    def view(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The background and its reliability mask as seen from frame `index` of the run."""
        view, reliable, _ = self.view_with_edges(index)
        return view, reliable

    def view_with_edges(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """`view`, and the background's `edge_strength` there (None for a static run). Where the
        background is not available or frame `index` was left off the canvas, nothing is reliable."""
        if not self.available or index not in self.placed:
            return self.canvas, np.zeros(self.size[::-1], dtype=bool), None
        if self.static:
            return self.canvas, self.reliable.astype(bool), None
        back = np.linalg.inv(self.to_canvas @ self.homographies[index])
        channels = 1 if self.canvas.ndim == 2 else self.canvas.shape[2]
        both = cv2.warpPerspective(self.stacked, back, self.size, flags=cv2.INTER_LINEAR)
        view = both[..., 0] if channels == 1 else both[..., :channels]
        reliable = cv2.warpPerspective(self.reliable, back, self.size, flags=cv2.INTER_NEAREST, borderValue=0)
        return view, reliable.astype(bool), both[..., channels]


def every_channel(value: float) -> tuple[float, float, float, float]:
    """An OpenCV border value for all channels: a bare float fills only the first channel (the
    others get 0, which would blend into the picture at the warped frame's edges)."""
    return (value, value, value, value)


def blurred(image: np.ndarray) -> np.ndarray:
    """The float32 image every difference is taken on: a 5x5 Gaussian blur against pixel noise."""
    return cv2.GaussianBlur(image.astype(np.float32), (5, 5), 0)


def _channel_max(difference: np.ndarray) -> np.ndarray:
    if difference.ndim == 2:
        return difference
    return np.maximum(np.maximum(difference[..., 0], difference[..., 1]), difference[..., 2])


_SAMPLE_STEP = 4
_SAMPLE = (slice(None, None, _SAMPLE_STEP), slice(None, None, _SAMPLE_STEP))  # statistics on every 16th pixel


def edge_strength(image: np.ndarray) -> np.ndarray:
    """Per pixel, the largest gradient magnitude over the channels, in levels per pixel."""
    gx = np.abs(cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, scale=0.125))
    gy = np.abs(cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, scale=0.125))
    return _channel_max(np.maximum(gx, gy))


def _changed(
    current: np.ndarray,
    reference: np.ndarray,
    valid: np.ndarray,
    settings: MotionSettings,
    warped: bool = False,
    edges: np.ndarray | None = None,
    reference_edges: np.ndarray | None = None,
) -> np.ndarray:
    """Pixels where two aligned, blurred images differ beyond a noise-adaptive threshold.

    The reference is given the current image's lighting first (a tone curve per channel measured
    on the valid pixels, see `tones`); the threshold is `noise_sigmas` robust standard deviations
    (MAD) of the difference, at least `min_threshold`, so grainy footage does not light up. When
    the reference was warped into place (the camera moved), an edge misplaced by a fraction of a
    pixel (the homography's error, resampling, slight parallax) differs by about the shift times
    the edge's gradient: the threshold rises by `registration_px` x the larger gradient of the
    two images, so
    the tree line of a pan does not light up while flat and gently textured areas keep their
    sensitivity. `edges` and `reference_edges` are the two images' `edge_strength`, when known.
    """
    sampled_valid = valid[_SAMPLE]
    reference = match_tones(reference, current, valid, step=_SAMPLE_STEP)
    difference = _channel_max(cv2.absdiff(current, reference))
    difference[~valid] = 0.0
    values = difference[_SAMPLE][sampled_valid] if sampled_valid.any() else difference[_SAMPLE].ravel()
    noise = 1.4826 * float(np.median(np.abs(values - np.median(values))))
    threshold = max(settings.min_threshold, settings.noise_sigmas * noise)
    if warped and settings.registration_px > 0:
        current_edges = edge_strength(current) if edges is None else edges
        reference_edges = edge_strength(reference) if reference_edges is None else reference_edges
        both = np.maximum(current_edges, np.nan_to_num(reference_edges))  # NaN beside the warp's border
        mask = (difference > threshold + settings.registration_px * both).astype(np.uint8)
    else:
        mask = (difference > threshold).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))).astype(bool)


def foreground_mask(
    frame: np.ndarray,
    background: np.ndarray,
    reliable: np.ndarray,
    settings: MotionSettings,
    warped: bool = False,
    edges: np.ndarray | None = None,
    background_edges: np.ndarray | None = None,
) -> np.ndarray:
    """Pixels of a blurred frame that differ from the (blurred) background beyond noise and lighting.

    `reliable` marks the background pixels that enough frames saw (the rest are ignored);
    `warped` says the background was put together from frames of a moving camera; `edges` and
    `background_edges` are the two images' `edge_strength`, when already known."""
    return _changed(frame, background, reliable, settings, warped, edges, background_edges)


def recent_motion_mask(frame: np.ndarray, earlier: np.ndarray, earlier_to_frame: np.ndarray, settings: MotionSettings) -> np.ndarray:
    """Pixels of a blurred frame that changed since an earlier one, after undoing the camera's move
    (`earlier_to_frame` maps the earlier frame's pixels onto this frame's)."""
    return motion_against(frame, earlier, earlier_to_frame, settings)[0]


def motion_against(
    frame: np.ndarray,
    other: np.ndarray,
    other_to_frame: np.ndarray,
    settings: MotionSettings,
    edges: np.ndarray | None = None,
    other_edges: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(changed, covered): pixels of a blurred frame that differ from another blurred frame of the
    shot after undoing the camera's move, and the pixels the other frame covers at all. `edges`
    and `other_edges`: the two frames' `edge_strength`, when already known (the other's is warped
    along with it, in the same call)."""
    height, width = frame.shape[:2]
    inside = np.ones((height, width), dtype=bool)
    warped = not np.allclose(other_to_frame, IDENTITY)
    moved_edges = None
    if warped:
        channels = 1 if other.ndim == 2 else other.shape[2]
        source = other if other_edges is None else np.dstack([other, other_edges])
        moved = cv2.warpPerspective(source, other_to_frame, (width, height), flags=cv2.INTER_LINEAR, borderValue=every_channel(float("nan")))
        if other_edges is not None:
            other, moved_edges = (moved[..., 0] if channels == 1 else moved[..., :channels]), moved[..., channels]
        else:
            other = moved
        inside = ~np.isnan(_channel_max(other))  # NaN wherever the warp reached outside the other frame
    return _changed(frame, other, inside, settings, warped, edges, moved_edges), inside


def double_difference(smooth: list[np.ndarray], homographies: list[np.ndarray], index: int, lag: int, settings: MotionSettings, edges: list[np.ndarray] | None = None) -> np.ndarray:
    """Where frame `index` differs both from `lag` frames before and `lag` frames after (camera
    compensated): the object where it is now, without the trail (or, ahead of it, the ghost) that a
    single difference leaves. Only pixels both frames cover can vote. `edges`: every frame's
    `edge_strength`, when already known."""
    result = np.zeros(smooth[index].shape[:2], dtype=bool)
    if index - lag < 0 or index + lag >= len(smooth):
        return result
    result[:] = True
    for other in (index - lag, index + lag):
        to_frame = np.linalg.inv(homographies[index]) @ homographies[other]
        own, theirs = (None, None) if edges is None else (edges[index], edges[other])
        changed, inside = motion_against(smooth[index], smooth[other], to_frame, settings, own, theirs)
        result &= changed & inside
    return result


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


HUE_BINS, SATURATION_BINS = 12, 4


def colour_histogram(hsv: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Normalized hue-saturation histogram (HUE_BINS x SATURATION_BINS) of an HSV uint8 image's
    masked pixels: a description of an object's colours that a change of exposure barely moves."""
    histogram = cv2.calcHist([hsv], [0, 1], mask, [HUE_BINS, SATURATION_BINS], [0, 180, 0, 256]).ravel()
    total = float(histogram.sum())
    return histogram / total if total > 0 else np.full(histogram.shape, 1.0 / histogram.size, np.float32)


def blobs(mask: np.ndarray, settings: MotionSettings, frame: np.ndarray | None = None) -> list[Detection]:
    """Connected foreground regions as detections, nearby fragments merged, tiny ones dropped.

    With the RGB `frame`, each detection carries the colour histogram of its foreground pixels."""
    height, width = mask.shape
    mask_u8 = mask.astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask_u8, connectivity=8)
    rects = [[float(x), float(y), float(x + w), float(y + h), float(area)] for x, y, w, h, area in stats[1:count] if area >= settings.min_blob_area * width * height]
    rects = _merge_close(rects, settings.merge_margin * width)
    hsv = cv2.cvtColor(frame, cv2.COLOR_RGB2HSV) if frame is not None and frame.ndim == 3 and rects else None
    found = []
    for r in rects:
        appearance = None
        if hsv is not None:
            x0, y0, x1, y1 = int(r[0]), int(r[1]), int(r[2]), int(r[3])
            appearance = colour_histogram(hsv[y0:y1, x0:x1], mask_u8[y0:y1, x0:x1])
        found.append(
            Detection(
                Box(r[0] / width, r[1] / height, r[2] / width, r[3] / height),
                fill=r[4] / max((r[2] - r[0]) * (r[3] - r[1]), 1.0),
                appearance=appearance,
            )
        )
    return found


def _stacked(a: list[float], b: list[float], vertical_gap: float = 0.5) -> bool:
    """Two blobs one above the other, sharing most of the narrower one's columns and closer than
    `vertical_gap` of the taller one's height: one object whose middle did not show (a person's
    legs and body, in low contrast)."""
    overlap = min(a[2], b[2]) - max(a[0], b[0])
    narrower = min(a[2] - a[0], b[2] - b[0])
    gap = max(a[1], b[1]) - min(a[3], b[3])
    return overlap >= 0.5 * narrower and gap <= vertical_gap * max(a[3] - a[1], b[3] - b[1])


def _merge_close(rects: list[list[float]], margin: float) -> list[list[float]]:
    merged = True
    while merged and len(rects) > 1:
        merged = False
        for i in range(len(rects)):
            for j in range(i + 1, len(rects)):
                a, b = rects[i], rects[j]
                near = a[0] - margin <= b[2] and b[0] - margin <= a[2] and a[1] - margin <= b[3] and b[1] - margin <= a[3]
                if near or _stacked(a, b):
                    rects[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]), a[4] + b[4]]
                    del rects[j]
                    merged = True
                    break
            if merged:
                break
    return rects


def detect_chunk(frames: list[np.ndarray], settings: MotionSettings, camera: CameraMotion | None = None, pool: Executor | None = None) -> ChunkDetections:
    """Detections for every frame of a chunk of RGB (or grayscale) frames, and the camera's motion.

    The chunk is cut at breaks in the camera motion (see `camera_motion.CameraMotion`); no
    background, difference or run crosses one. Each stretch is split into runs (`split_by_travel`),
    each with its own bounded background (`ChunkBackground`); where a run has none, or where the
    background did not see a pixel, the double difference finds the moving things. `camera`: the
    chunk's camera motion when already measured (`CameraFollower`); `pool`: threads to find each
    frame's moving pixels on (OpenCV and NumPy release the GIL), with the same result."""
    if not frames:
        return ChunkDetections([], [])
    camera = estimate_camera_motion(frames) if camera is None else camera
    homographies = camera.homographies
    height, width = frames[0].shape[:2]
    mapped = pool.map if pool is not None else map
    smooth = list(mapped(blurred, frames))
    # Gradients for the registration allowance, once per frame (each serves several differences).
    moving = not all(np.array_equal(h, IDENTITY) for h in homographies)
    edges = list(mapped(edge_strength, smooth)) if moving else None
    detections: list[list[Detection]] = []
    backgrounds: list[RunBackground] = []
    for low, high in segments(len(frames), camera.breaks):
        for run_start, run_end in split_by_travel(homographies[low:high], width, height, settings.run_canvas_area, settings.max_zoom):
            start, end = low + run_start, low + run_end
            # The median also samples frames a little before and after the run, so the edges of its
            # first and last frames (a pan's trailing and leading edge) are seen often enough.
            first = max(low, start - settings.background_margin_frames)
            last = min(high, end + settings.background_margin_frames)
            anchor = np.linalg.inv(homographies[start])
            run = [anchor @ h for h in homographies[first:last]]
            background = ChunkBackground(frames[first:last], run, settings, core=(start - first, end - first))
            backgrounds.append(RunBackground(start, end, background.canvas_shape, background.samples))
            stretch = _Stretch(frames, smooth, edges, homographies, background, first, low, high, settings)
            detections.extend(mapped(stretch.detections, range(start, end)))
    return ChunkDetections(detections, homographies, camera.breaks, tuple(backgrounds))


@dataclass(frozen=True)
class _Stretch:
    """What finding one frame's moving pixels needs: the chunk's frames (blurred, their edges),
    the camera's motion, the run's background (whose samples start at frame `first`) and the
    stretch [low, high) between camera breaks that differences may reach across."""

    frames: list[np.ndarray]
    smooth: list[np.ndarray]
    edges: list[np.ndarray] | None
    homographies: list[np.ndarray]
    background: ChunkBackground
    first: int
    low: int
    high: int
    settings: MotionSettings

    def detections(self, index: int) -> list[Detection]:
        """Frame `index`'s moving regions: against the background where it saw enough, and where
        the frame differs from the frames `motion_lag_frames` before and after."""
        settings, smooth, lag = self.settings, self.smooth, self.settings.motion_lag_frames
        if self.background.available:
            view, reliable, view_edges = self.background.view_with_edges(index - self.first)
            mask = foreground_mask(smooth[index], view, reliable, settings, not self.background.static, self.edges[index] if self.edges else None, view_edges)
        else:
            reliable = np.zeros(smooth[index].shape[:2], dtype=bool)
            mask = reliable.copy()
        if self.low <= index - lag and index + lag < self.high:
            motion = double_difference(smooth, self.homographies, index, lag, settings, self.edges)
        elif index - lag >= self.low:  # a stretch's last frames: only the past to compare with
            motion = recent_motion_mask(smooth[index], smooth[index - lag], np.linalg.inv(self.homographies[index]) @ self.homographies[index - lag], settings)
        else:
            motion = None
        if motion is not None:
            mask |= motion & ~reliable  # where the median saw too little (a pan's leading edge)
            mask = add_unexplained(mask, motion)
        return blobs(mask, settings, self.frames[index])
