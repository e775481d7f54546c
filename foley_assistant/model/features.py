"""What the generator is conditioned on, as numpy arrays (no torch): small frames, per-object
features per video frame, and the map from latent frames to video frames (any frame rate).

Per object and video frame (`OBJECT_FEATURES` values, 0 where the object is not in the picture):
present, box centre x and y (-1..1), box width and height (0..1), log(distance / 5 m) (0 when
unknown), visibility (the track's confidence), centre velocity x and y and bottom-edge velocity (in
frame sizes per second), relative growth of the box height per second (approach), the motion
energy inside the box (mean absolute change of grey level (luma) from the previous frame, 0..1),
and, for sync, the vertical motion in the box's own height: the bottom edge's velocity (box
heights per second) and the upward acceleration of the centre (box heights per s^2, the quantity
whose peaks mark footfalls and impacts, as in `eval.sync`), both of the lightly smoothed track and
compressed as sign(x) log(1 + |x|). (A walker's 3 cm bob is 0.2-0.7 pixel at the encoder's size
and a few thousandths of the frame in the velocities above; in its own height it is clear.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from foley_assistant.core.tracks import ObjectTrack, ShotTracks

OBJECT_FEATURES = 14
REFERENCE_DISTANCE_M = 5.0
VELOCITY_CLIP = 4.0
SMOOTH_FRAMES = 1.0  # Gaussian sigma of the track before the vertical motion in box heights


def resize_frames(frames: list[np.ndarray] | np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """RGB uint8 frames (any size) as one (T, height, width, 3) uint8 array at `size` (height, width)."""
    height, width = size
    out = np.empty((len(frames), height, width, 3), np.uint8)
    for i, frame in enumerate(frames):
        if frame.shape[:2] == (height, width):
            out[i] = frame
        else:
            out[i] = cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA)
    return out


def grey_motion(frames: np.ndarray) -> np.ndarray:
    """Summed-area tables (T, H + 1, W + 1) int32 of the absolute grey-level (luma, 0..255)
    change of each frame from the previous one (0 for the first): the motion inside any box is
    four look-ups (`_box_motion`)."""
    count = len(frames)
    height, width = frames.shape[1:3]
    sums = np.zeros((count, height + 1, width + 1), np.int32)
    previous = None
    for n in range(count):
        grey = cv2.cvtColor(np.ascontiguousarray(frames[n]), cv2.COLOR_RGB2GRAY)
        if previous is not None:
            sums[n] = cv2.integral(cv2.absdiff(grey, previous), sdepth=cv2.CV_32S)
        previous = grey
    return sums


def latent_to_video_frames(n_latent: int, latent_rate: float, fps: float, n_video: int) -> np.ndarray:
    """For each latent frame, the video frame shown at its centre time ((j + 0.5) / latent_rate),
    clipped to the shot: works for any frame rate."""
    centres = (np.arange(n_latent) + 0.5) / latent_rate
    return np.clip(np.floor(centres * fps + 1e-9).astype(np.int64), 0, max(0, n_video - 1))


def _derivative(values: np.ndarray, present: np.ndarray, fps: float) -> np.ndarray:
    """Per-frame derivative (per second) over the frames where the object is present, 0 elsewhere."""
    out = np.zeros_like(values)
    index = np.flatnonzero(present)
    if index.size >= 2:
        out[index] = np.gradient(values[index], index) * fps
    return out


def _velocity(values: np.ndarray, present: np.ndarray, fps: float) -> np.ndarray:
    """`_derivative`, clipped to +-VELOCITY_CLIP."""
    return np.clip(_derivative(values, present, fps), -VELOCITY_CLIP, VELOCITY_CLIP)


def _smoothed(values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """`values` Gaussian-smoothed over the frames where the object is present."""
    out = values.copy()
    index = np.flatnonzero(present)
    if index.size >= 2:
        out[index] = ndimage.gaussian_filter1d(values[index], SMOOTH_FRAMES, mode="nearest")
    return out


def _compressed(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.log1p(np.abs(values))


def object_features(obj: ObjectTrack, shot: ShotTracks, motion: np.ndarray | None, n_video: int) -> np.ndarray:
    """(n_video, OBJECT_FEATURES) float32 features of one object, frame 0 = the shot's first frame.

    `motion` is `grey_motion` of the shot's frames (None when the picture is not available: the
    in-box motion energy is then 0).
    """
    features = np.zeros((n_video, OBJECT_FEATURES), np.float32)
    first = shot.frame_range.start
    present = np.zeros(n_video, bool)
    boxes = np.zeros((n_video, 4))
    for frame in obj.frames:
        n = frame.frame - first
        if not 0 <= n < n_video:
            continue
        present[n] = True
        boxes[n] = frame.box.as_list()
        features[n, 5] = 0.0 if frame.distance_m is None else math.log(max(frame.distance_m, 0.1) / REFERENCE_DISTANCE_M)
        features[n, 6] = frame.confidence
    if not present.any():
        return features
    fps = float(shot.fps)
    cx, cy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    features[:, 0] = present
    features[:, 1] = np.where(present, 2 * cx - 1, 0)
    features[:, 2] = np.where(present, 2 * cy - 1, 0)
    features[:, 3] = w
    features[:, 4] = h
    features[:, 7] = _velocity(cx, present, fps)
    features[:, 8] = _velocity(cy, present, fps)
    features[:, 9] = _velocity(boxes[:, 3], present, fps)
    features[:, 10] = _velocity(np.log(np.maximum(h, 1e-4)), present, fps) / VELOCITY_CLIP
    if motion is not None:
        features[:, 11] = _box_motion(boxes, present, motion)
    height = np.maximum(_smoothed(h, present), 1e-3)
    bottom_velocity = _derivative(_smoothed(boxes[:, 3], present), present, fps)
    rise = -_derivative(_derivative(_smoothed(cy, present), present, fps), present, fps)  # image y points down
    features[:, 12] = np.where(present, _compressed(bottom_velocity / height), 0)
    features[:, 13] = np.where(present, _compressed(rise / height), 0)
    return features


def _box_motion(boxes: np.ndarray, present: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """Mean grey-level change inside each frame's box (at least one pixel), 0..1, 0 where absent;
    `motion` holds the summed-area tables of `grey_motion`."""
    n_frames, height, width = motion.shape[0], motion.shape[1] - 1, motion.shape[2] - 1
    out = np.zeros(len(boxes), np.float32)
    rows = np.flatnonzero(present[:n_frames])
    if rows.size == 0:
        return out
    x0, y0, x1, y1 = boxes[rows].T
    c0, r0 = np.floor(x0 * width).astype(np.int64), np.floor(y0 * height).astype(np.int64)
    c1 = np.maximum(np.ceil(x1 * width).astype(np.int64), c0 + 1)
    r1 = np.maximum(np.ceil(y1 * height).astype(np.int64), r0 + 1)
    c0, c1 = np.clip(c0, 0, width), np.clip(c1, 0, width)
    r0, r1 = np.clip(r0, 0, height), np.clip(r1, 0, height)
    area = (c1 - c0) * (r1 - r0)
    corner = lambda r, c: motion[rows, r, c].astype(np.int64)  # noqa: E731
    total = corner(r1, c1) - corner(r0, c1) - corner(r1, c0) + corner(r0, c0)
    out[rows] = np.where(area > 0, total / np.maximum(area, 1) / 255.0, 0.0)
    return out


def label_index(label: str, labels: tuple[str, ...]) -> int:
    """The label's index in the vocabulary; unknown labels are "object" (index 0)."""
    return labels.index(label) if label in labels else 0


@dataclass(frozen=True)
class ShotConditioning:
    """Everything the generator sees of one shot, at the video frame rate.

    `frames` (T, H, W, 3) uint8 or None (no picture: the visual stream is left out); `objects`
    (K, T, OBJECT_FEATURES); `labels` (K,) vocabulary indices; `object_ids` the K track ids in
    slot order; `fps` the shot's frame rate.
    """

    frames: np.ndarray | None
    objects: np.ndarray
    labels: np.ndarray
    object_ids: tuple[str, ...]
    fps: float
    n_video: int


def shot_conditioning(
    shot: ShotTracks,
    frames: np.ndarray | None,
    frame_size: tuple[int, int],
    labels: tuple[str, ...],
    n_video: int | None = None,
) -> ShotConditioning:
    """Conditioning of a whole shot; `frames` are the shot's RGB frames (any size) or None."""
    if n_video is None:
        n_video = len(frames) if frames is not None else shot.frame_range.duration
    small = resize_frames(frames, frame_size) if frames is not None else None
    motion = grey_motion(small) if small is not None else None
    objects = np.stack([object_features(o, shot, motion, n_video) for o in shot.objects]) if shot.objects else np.zeros((0, n_video, OBJECT_FEATURES), np.float32)
    return ShotConditioning(
        frames=small,
        objects=objects.astype(np.float32),
        labels=np.array([label_index(o.label, labels) for o in shot.objects], np.int64),
        object_ids=tuple(o.id for o in shot.objects),
        fps=float(shot.fps),
        n_video=n_video,
    )


def slots_for(conditioning: ShotConditioning, target: int | None, max_objects: int) -> list[int]:
    """Which objects fill the generator's object slots: the target first (when one object is the
    target), then the others by how long they are in the picture, at most `max_objects`."""
    presence = conditioning.objects[:, :, 0].sum(axis=1) if len(conditioning.objects) else np.zeros(0)
    order = [int(i) for i in np.argsort(-presence, kind="stable")]
    if target is not None:
        order = [target] + [i for i in order if i != target]
    return order[:max_objects]
