"""Optical-flow motion of a shot's pictures: each object's velocity, and the whole frame's.

Two measures come out of one pass over the pictures (grey, any size; `eval sync` reads them at
320 px wide):

- per object, the velocity of the pixels inside its box, from a dense Farneback flow with a
  Gaussian window (OpenCV; pyramid of 5 levels, 15 px window, 5 iterations, 7 px polynomial
  neighbourhood): the median flow vector of the box of picture k-1 (the flow's own grid), less
  the median flow of the pixels outside every object's box (the camera's own motion and shake).
  The box only says which pixels belong to the object: a box that jitters by a pixel still covers
  the same object, and the velocity is that of the object's pixels, averaged over hundreds of
  them, not the difference of two jittery box edges;
- the whole frame's mean flow magnitude with TempoTokens' own Farneback parameters (pyramid 0.5,
  3 levels, window 15, 3 iterations, polyN 5, sigma 1.2): the signal SAVGBench and TempoTokens
  read their video peaks from.

Picture k is the shot's frame k (its first frame is 0); flow k is the motion from picture k-1 to
picture k (picture 0 has none). The definitions of the
peaks read from these are in `eval.sync` and docs/metrics.md ("Sync").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from foley_assistant.core.tracks import ShotTracks

SAVGBENCH_FARNEBACK = (0.5, 3, 15, 3, 5, 1.2, 0)  # pyr_scale, levels, winsize, iterations, poly_n, poly_sigma, flags
MIN_REGION_PX = 12  # boxes with fewer pixels than this give no velocity
WINDOW_PX = 15  # the Gaussian window of the per-object flow
MIN_BACKGROUND_SHARE = 0.05  # below this share of the picture outside the boxes, the camera motion is not removed


@dataclass(frozen=True)
class FlowTrace:
    """What the optical flow says about one shot, one value per picture (index 0 = the shot's first frame).

    `frame_magnitude[k]`: mean flow magnitude of the whole picture from k-1 to k (TempoTokens' form,
    pixels per frame at the pictures' size; 0 at k = 0). `velocity[id][k]`: the object's velocity
    (x, y) from k-1 to k relative to the background, pixels per frame, NaN where its box is not known
    in both pictures. `height_px[id]`: the median height of its box in pixels.
    """

    fps: float
    width: int
    height: int
    frame_magnitude: np.ndarray
    velocity: dict[str, np.ndarray]
    height_px: dict[str, float]


def measure_flow(
    pictures: Iterable[tuple[int, np.ndarray]],
    shot: ShotTracks,
    object_ids: Iterable[str] | None = None,
    whole_frame: bool = True,
) -> FlowTrace:
    """One pass of optical flow over a shot's pictures, given as (media frame number, picture) pairs
    in order (grey or RGB, any size; `io.video.read_frames` gives them).

    Pictures outside the shot's frame range are skipped; flow is only measured between consecutive
    frames (a dropped frame leaves its two flows unknown). `object_ids` limits the per-object
    velocities (default: every object of the shot); every object's box still counts as foreground
    when the background motion is measured. Without `whole_frame`, TempoTokens' whole-frame flow
    is not computed (its magnitudes stay 0).
    """
    import cv2

    count = shot.frame_range.duration
    first = shot.frame_range.start
    wanted = [o.id for o in shot.objects if object_ids is None or o.id in set(object_ids)]
    boxes = {o.id: {f.frame - first: f.box.as_list() for f in o.frames} for o in shot.objects}
    magnitudes = np.zeros(count)
    velocities = {oid: np.full((count, 2), np.nan) for oid in wanted}
    previous: tuple[int, np.ndarray] | None = None
    width = height = 0
    for number, picture in pictures:
        k = number - first
        if not 0 <= k < count:
            continue
        grey = picture if picture.ndim == 2 else cv2.cvtColor(picture, cv2.COLOR_RGB2GRAY)
        height, width = grey.shape
        if previous is not None and previous[0] == k - 1:
            if whole_frame:
                coarse = cv2.calcOpticalFlowFarneback(previous[1], grey, None, *SAVGBENCH_FARNEBACK)
                magnitudes[k] = float(np.mean(np.hypot(coarse[..., 0], coarse[..., 1])))
            present = {oid: b[k - 1] for oid, b in boxes.items() if k - 1 in b}
            measured = {oid: present[oid] for oid in wanted if oid in present and k in boxes[oid]}
            if measured:
                flow = cv2.calcOpticalFlowFarneback(previous[1], grey, None, 0.5, 5, WINDOW_PX, 5, 7, 1.5, cv2.OPTFLOW_FARNEBACK_GAUSSIAN)
                background = _background_motion(flow, present.values())
                for oid, box in measured.items():
                    velocities[oid][k] = _region_motion(flow, box, background)
        previous = (k, grey)
    objects = {o.id: o for o in shot.objects}
    heights = {oid: float(np.median([f.box.height for f in objects[oid].frames])) * height for oid in wanted if objects[oid].frames}
    return FlowTrace(float(shot.fps), width, height, magnitudes, velocities, heights)


def _pixels(box: list[float], width: int, height: int) -> tuple[int, int, int, int]:
    x0, y0, x1, y1 = box
    return (
        int(np.clip(np.floor(x0 * width), 0, width)),
        int(np.clip(np.floor(y0 * height), 0, height)),
        int(np.clip(np.ceil(x1 * width), 0, width)),
        int(np.clip(np.ceil(y1 * height), 0, height)),
    )


def _background_motion(flow: np.ndarray, boxes: Iterable[list[float]]) -> np.ndarray:
    """Median flow of the pixels outside every box (the camera's motion), or zero when too few are left."""
    height, width = flow.shape[:2]
    outside = np.ones((height, width), dtype=bool)
    for box in boxes:
        x0, y0, x1, y1 = _pixels(box, width, height)
        outside[max(0, y0 - 2) : y1 + 2, max(0, x0 - 2) : x1 + 2] = False
    if outside.mean() < MIN_BACKGROUND_SHARE:
        return np.zeros(2)
    return np.median(flow[outside], axis=0)


def _region_motion(flow: np.ndarray, box: list[float], background: np.ndarray) -> tuple[float, float]:
    """(vx, vy): the median flow inside a box, relative to the background (NaN for a tiny box)."""
    height, width = flow.shape[:2]
    x0, y0, x1, y1 = _pixels(box, width, height)
    region = flow[y0:y1, x0:x1].reshape(-1, 2)
    if len(region) < MIN_REGION_PX:
        return (np.nan, np.nan)
    vx, vy = np.median(region, axis=0) - background
    return (float(vx), float(vy))
