"""Hand-built tracks with known ground truth for the procedural generator tests."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame

FPS = 25
WIDTH, HEIGHT = 1920, 1080
METRES_PER_X = 2 * math.tan(math.radians(30))  # per normalized x unit at 1 m, hfov 60 degrees
METRES_PER_Y = METRES_PER_X * HEIGHT / WIDTH
G = 9.81


@dataclass(frozen=True)
class Scene:
    """A shot with one object and what really happened in it (seconds from the shot's first frame)."""

    shot: ShotTracks
    obj: ObjectTrack
    truth: tuple[float, ...] = ()
    first_s: float = 0.0
    last_s: float = 0.0  # start of the last frame


def make_shot(obj: ObjectTrack, start: int, duration: int, fps: int = FPS) -> ShotTracks:
    return ShotTracks("S1", "clip.mov", FrameRate(fps), FrameRange(start, duration), WIDTH, HEIGHT, (obj,))


def walker(
    shot_start: int = 1000,
    enter: int = 10,
    leave: int = 110,
    speed_m_s: float = 1.4,
    steps_per_s: float = 1.9,
    bob: float = 0.01,
    distance_m: float | None = 8.0,
    bottom_only: bool = False,
    gap: tuple[int, int] | None = None,
) -> Scene:
    """A person crossing left to right; the box bobs with its lowest points (max y) at the footfalls.

    `bob` is the bob amplitude as a fraction of the box height; frames are shot-relative for
    `enter`/`leave`/`gap` (the gap's frames are dropped from the track).
    """
    z = 8.0 if distance_m is None else distance_m
    height = 1.7 / (z * METRES_PER_Y)
    width = 0.45 / (z * METRES_PER_X)
    vx = speed_m_s / (z * METRES_PER_X)
    phase_s = 0.13  # first lowest point after the shot's first frame
    frames = []
    for k in range(enter, leave + 1):
        if gap and gap[0] <= k < gap[1]:
            continue
        t = k / FPS
        lift = bob * height * math.cos(2 * math.pi * steps_per_s * (t - phase_s))
        cx = 0.1 + vx * (t - enter / FPS)
        top = 0.3 + (0.0 if bottom_only else lift)
        bottom = 0.3 + height + lift
        box = Box(cx - width / 2, top, cx + width / 2, bottom)
        frames.append(TrackedFrame(shot_start + k, box, 0.9, distance_m))
    obj = ObjectTrack("O1", "person", "tracker", tuple(frames))
    period = 1 / steps_per_s
    truth = tuple(phase_s + n * period for n in range(-5, 200) if enter / FPS <= phase_s + n * period <= leave / FPS)
    return Scene(make_shot(obj, shot_start, leave + 40), obj, truth, enter / FPS, leave / FPS)


def bouncing_ball(
    drop_s: float = 0.2,
    drop_height_m: float = 1.2,
    restitution: float = 0.7,
    distance_m: float = 6.0,
    duration_s: float = 3.2,
) -> Scene:
    """A ball dropped at `drop_s` that bounces with decaying parabolic arcs; truth = contact times."""
    size = 0.22
    ground = 0.85
    contacts, speeds = [], []
    t = drop_s + math.sqrt(2 * drop_height_m / G)
    v = math.sqrt(2 * G * drop_height_m)
    while t < duration_s and v > 0.3:
        contacts.append(t)
        speeds.append(v)
        v *= restitution
        t += 2 * v / G

    def height_at(time: float) -> float:
        if time <= contacts[0]:
            fall = max(0.0, time - drop_s)
            return drop_height_m - 0.5 * G * fall * fall
        for c, v0 in zip(contacts, speeds):
            v_up = v0 * restitution
            if c <= time <= c + 2 * v_up / G:
                d = time - c
                return v_up * d - 0.5 * G * d * d
        return 0.0

    frames = []
    n = int(duration_s * FPS)
    for k in range(n):
        t = k / FPS
        bottom = ground - height_at(t) / (distance_m * METRES_PER_Y)
        top = bottom - size / (distance_m * METRES_PER_Y)
        cx = 0.3 + 0.05 * t
        half = size / (distance_m * METRES_PER_X) / 2
        frames.append(TrackedFrame(k, Box(cx - half, top, cx + half, bottom), 0.9, distance_m))
    obj = ObjectTrack("O2", "ball", "tracker", tuple(frames))
    return Scene(make_shot(obj, 0, n), obj, tuple(contacts), 0.0, (n - 1) / FPS)


def car(
    cruise_m_s: float = 8.0,
    cruise_s: float = 2.5,
    accel_m_s2: float = 4.0,
    accel_s: float = 2.0,
    distance_m: float = 40.0,
) -> Scene:
    """A car crossing at constant speed, then accelerating; truth = (cruise end, accel end) in s."""
    height = 1.5 / (distance_m * METRES_PER_Y)
    width = 4.2 / (distance_m * METRES_PER_X)
    frames = []
    n = int((cruise_s + accel_s) * FPS) + 1
    for k in range(n):
        t = k / FPS
        if t <= cruise_s:
            x_m = cruise_m_s * t
        else:
            d = t - cruise_s
            x_m = cruise_m_s * cruise_s + cruise_m_s * d + 0.5 * accel_m_s2 * d * d
        cx = 0.05 + x_m / (distance_m * METRES_PER_X)
        frames.append(TrackedFrame(k, Box(cx - width / 2, 0.5, cx + width / 2, 0.5 + height), 0.9, distance_m))
    obj = ObjectTrack("O3", "car", "tracker", tuple(frames))
    return Scene(make_shot(obj, 0, n + 25), obj, (cruise_s, cruise_s + accel_s), 0.0, (n - 1) / FPS)


def pass_by(first: int = 30) -> Scene:
    """A car passing the lens right to left in three frames, as a detector and a pass-by finder
    see it: entering whole at the right edge, filling the frame, half of it leaving on the left
    (the last two cut by the frame, so no distance is given); truth = the frame-filling frame's time."""
    boxes = [(0.84, 0.27, 1.0, 0.74), (0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.53, 1.0)]
    frames = tuple(TrackedFrame(first + k, Box(*box), 0.5, None) for k, box in enumerate(boxes))
    obj = ObjectTrack("O7", "car", "detector", frames)
    return Scene(make_shot(obj, 0, first + 40), obj, ((first + 1) / FPS,), first / FPS, (first + 2) / FPS)


def static_box(label: str = "person", frames: int = 100) -> Scene:
    """A box that never moves."""
    box = Box(0.4, 0.3, 0.5, 0.8)
    obj = ObjectTrack("O4", label, "tracker", tuple(TrackedFrame(k, box, 0.9, None) for k in range(frames)))
    return Scene(make_shot(obj, 0, frames), obj, (), 0.0, (frames - 1) / FPS)


def wall_hit(speed_m_s: float = 3.0, hit_s: float = 1.5, distance_m: float = 6.0, jitter_px: float = 0.0, duration_s: float = 3.0) -> Scene:
    """A thrown object flying right at constant height, bouncing off a wall at `hit_s` with half its speed.

    `jitter_px` adds tracker-like noise (pixels of a 1920-wide frame) to every box edge. Truth = (hit_s,).
    """
    size = 0.25
    w = size / (distance_m * METRES_PER_X)
    h = size / (distance_m * METRES_PER_Y)
    rng = np.random.default_rng(5)
    frames = []
    for k in range(int(duration_s * FPS)):
        t = k / FPS
        x_m = speed_m_s * t if t <= hit_s else speed_m_s * hit_s - 0.5 * speed_m_s * (t - hit_s)
        cx = 0.1 + x_m / (distance_m * METRES_PER_X)
        noise = rng.normal(0.0, jitter_px / WIDTH, 4) if jitter_px else np.zeros(4)
        box = Box(cx - w / 2 + noise[0], 0.4 + noise[1], cx + w / 2 + noise[2], 0.4 + h + noise[3])
        frames.append(TrackedFrame(k, box, 0.9, distance_m))
    obj = ObjectTrack("O5", "ball", "tracker", tuple(frames))
    return Scene(make_shot(obj, 0, len(frames)), obj, (hit_s,), 0.0, (len(frames) - 1) / FPS)


def off_the_bottom(ground_below: bool = True, distance_m: float = 4.0) -> Scene:
    """A ball dropped so that it lands just below the frame bottom (ground_below) or falls out of frame.

    Truth: its contact times (only when it lands)."""
    size = 0.3
    drop_s, height_m, restitution = 0.2, 1.0, 0.6
    per_y = distance_m * METRES_PER_Y
    ground = 1.0 + 0.04  # the ground is 4 % of the frame below its bottom edge
    contacts, t, v = [], drop_s + math.sqrt(2 * height_m / G), math.sqrt(2 * G * height_m)
    while v > 0.5:
        contacts.append(t)
        v *= restitution
        t += 2 * v / G

    def elevation(time: float) -> float:
        if not ground_below:
            fall = max(0.0, time - drop_s)
            return height_m - 0.5 * G * fall * fall  # no ground: it keeps falling
        if time <= contacts[0]:
            fall = max(0.0, time - drop_s)
            return height_m - 0.5 * G * fall * fall
        speed = math.sqrt(2 * G * height_m)
        for c in contacts:
            up = speed * restitution
            if c <= time <= c + 2 * up / G:
                return up * (time - c) - 0.5 * G * (time - c) ** 2
            speed = up
        return 0.0

    frames = []
    for k in range(int(2.5 * FPS)):
        bottom = ground - elevation(k / FPS) / per_y
        top = bottom - size / per_y
        if top >= 1.0:
            break
        half = size / (distance_m * METRES_PER_X) / 2
        frames.append(TrackedFrame(k, Box(0.5 - half, max(0.0, top), 0.5 + half, min(1.0, bottom)), 0.9, distance_m))
    obj = ObjectTrack("O6", "ball", "tracker", tuple(frames))
    truth = tuple(c for c in contacts if c < len(frames) / FPS) if ground_below else ()
    return Scene(make_shot(obj, 0, int(2.5 * FPS)), obj, truth, 0.0, (len(frames) - 1) / FPS)


def onset_times(x: np.ndarray, sample_rate: int, threshold: float, min_gap_s: float = 0.2) -> list[float]:
    """Times where |x| first rises above `threshold` after at least `min_gap_s` below it."""
    above = np.flatnonzero(np.abs(x) > threshold)
    onsets: list[float] = []
    last = -np.inf
    for i in above:
        if i - last > min_gap_s * sample_rate:
            onsets.append(i / sample_rate)
        last = i
    return onsets


@pytest.fixture(scope="session")
def scenes() -> SimpleNamespace:
    """The scene builders and helpers of this file (test modules cannot import a conftest)."""
    return SimpleNamespace(
        FPS=FPS,
        walker=walker,
        bouncing_ball=bouncing_ball,
        car=car,
        static_box=static_box,
        pass_by=pass_by,
        wall_hit=wall_hit,
        off_the_bottom=off_the_bottom,
        onset_times=onset_times,
    )
