"""What the generator is conditioned on, as numpy arrays (no torch): small frames, per-object
features per video frame, and the map from latent frames to video frames (any frame rate).

Per object and video frame (`OBJECT_FEATURES` values, 0 where the object is not in the picture):
present, box centre x and y (-1..1), box width and height (0..1), log(distance / 5 m) (0 when
unknown), visibility (the track's confidence), centre velocity x and y and bottom-edge velocity (in
frame sizes per second), relative growth of the box height per second (approach), and the motion
energy inside the box (mean absolute change of grey level from the previous frame, 0..1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from foley_assistant.core.tracks import ObjectTrack, ShotTracks

OBJECT_FEATURES = 12
REFERENCE_DISTANCE_M = 5.0
VELOCITY_CLIP = 4.0


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
    """(T, H, W) float32 absolute grey-level change from the previous frame (0 for the first), 0..1."""
    grey = frames.astype(np.float32).mean(axis=3) / 255.0
    motion = np.zeros_like(grey)
    if len(grey) > 1:
        motion[1:] = np.abs(np.diff(grey, axis=0))
    return motion


def latent_to_video_frames(n_latent: int, latent_rate: float, fps: float, n_video: int) -> np.ndarray:
    """For each latent frame, the video frame shown at its centre time ((j + 0.5) / latent_rate),
    clipped to the shot: works for any frame rate."""
    centres = (np.arange(n_latent) + 0.5) / latent_rate
    return np.clip(np.floor(centres * fps + 1e-9).astype(np.int64), 0, max(0, n_video - 1))


def _velocity(values: np.ndarray, present: np.ndarray, fps: float) -> np.ndarray:
    """Per-frame derivative (per second) over the frames where the object is present, 0 elsewhere."""
    out = np.zeros_like(values)
    index = np.flatnonzero(present)
    if index.size >= 2:
        out[index] = np.gradient(values[index], index) * fps
    return np.clip(out, -VELOCITY_CLIP, VELOCITY_CLIP)


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
    return features


def _box_motion(boxes: np.ndarray, present: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """Mean of `motion` inside each frame's box (at least one pixel), 0 where absent."""
    n_frames, height, width = motion.shape
    out = np.zeros(len(boxes), np.float32)
    for n in np.flatnonzero(present[:n_frames]):
        x0, y0, x1, y1 = boxes[n]
        c0, c1 = int(math.floor(x0 * width)), max(int(math.ceil(x1 * width)), int(math.floor(x0 * width)) + 1)
        r0, r1 = int(math.floor(y0 * height)), max(int(math.ceil(y1 * height)), int(math.floor(y0 * height)) + 1)
        patch = motion[n, max(0, r0) : min(height, r1), max(0, c0) : min(width, c1)]
        out[n] = float(patch.mean()) if patch.size else 0.0
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
