"""Tracks of one object along a known path, for the spatial tests."""

from __future__ import annotations

import numpy as np

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame

SR = 48000
FPS = 25


def make_shot(centres, distance=4.0, width=0.1, shot_frames=None, first_frame=0) -> tuple[ObjectTrack, ShotTracks]:
    """An object whose box centre follows `centres` (one per frame from `first_frame`); boxes are
    clipped to the frame like a tracker's, and frames where it is wholly outside are left out."""
    frames = []
    for i, x in enumerate(centres):
        box = Box(x - width / 2, 0.3, x + width / 2, 0.9)
        if box.x1 <= 0 or box.x0 >= 1:
            continue
        d = distance[i] if np.ndim(distance) else distance
        frames.append(TrackedFrame(first_frame + i, box.clipped(), 1.0, float(d)))
    obj = ObjectTrack("O1", "person", "tracker", tuple(frames))
    total = shot_frames if shot_frames is not None else first_frame + len(centres)
    return obj, ShotTracks("S001", "m.mp4", FrameRate(FPS), FrameRange(0, total), 1280, 720, (obj,))


def noise_burst(seconds: float, seed: int = 0, fade_s: float = 0.01) -> np.ndarray:
    """White noise with short raised-cosine fades: the dry test signal."""
    n = int(seconds * SR)
    burst = np.random.default_rng(seed).standard_normal(n) * 0.1
    ramp = int(fade_s * SR)
    window = np.ones(n)
    window[:ramp] = np.sin(np.linspace(0, np.pi / 2, ramp)) ** 2
    window[n - ramp :] = window[:ramp][::-1]
    return (burst * window).astype(np.float32)


TRAJECTORIES = {
    "sweep": np.linspace(0.05, 0.95, 75),
    "step": np.r_[np.full(37, 0.2), np.full(38, 0.8)],
    "hold": np.r_[np.linspace(0.1, 0.4, 25), np.full(25, 0.4), np.linspace(0.4, 0.9, 25)],
    "exit": np.r_[np.linspace(0.5, 1.2, 50), np.full(25, 2.0)],  # leaves on the right at ~1.3 s, gone after
}
