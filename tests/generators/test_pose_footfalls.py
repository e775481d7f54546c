"""Footfalls from a pose model's ankles: heel strikes at the peaks of the feet's spread."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.generators.procedural.events import footfall_events

FPS = 25


def _walker(feet_of, frames: int = 100, first: int = 0) -> tuple[ObjectTrack, ShotTracks]:
    """A person box walking right at 0.1 of the frame per second, with the given feet per frame."""
    rows = []
    for n in range(first, first + frames):
        x = 0.1 + 0.1 * n / FPS
        rows.append(TrackedFrame(n, Box(x, 0.3, x + 0.1, 0.9), 0.9, 6.0, feet_of(n)))
    obj = ObjectTrack("O1", "person", "detector", tuple(rows))
    return obj, ShotTracks("S1", "clip.mp4", FrameRate(FPS), FrameRange(0, first + frames), 640, 360, (obj,))


def _striding(step_s: float, first_strike_s: float, stride: float = 0.06):
    """Feet whose spread (in x, normalized) peaks at each heel strike: first_strike_s + k step_s."""

    def feet(n: int) -> tuple[float, float, float, float]:
        t = n / FPS
        spread = stride * abs(np.cos(np.pi * (t - first_strike_s) / step_s))
        centre = 0.15 + 0.1 * t
        return (centre - spread / 2, 0.88, centre + spread / 2, 0.89)

    return feet


def test_heel_strikes_are_read_from_the_feet_within_a_frame():
    obj, shot = _walker(_striding(0.52, 0.13))
    events = footfall_events(obj, shot)
    # Strikes a quarter of a step or more inside the track (a peak cut by the track's end is not read).
    truth = [0.13 + 0.52 * k for k in range(8) if 0.13 + 0.13 <= 0.13 + 0.52 * k <= 100 / FPS - 0.13]
    found = [e.time_s for e in events]
    assert all(e.cause == "pose" for e in events)
    assert len(found) == len(truth)
    assert np.max(np.abs(np.array(found) - np.array(truth))) < 0.5 / FPS  # well inside a frame


def test_feet_that_do_not_swing_leave_the_steps_to_the_bob_or_the_cadence():
    obj, shot = _walker(_striding(0.52, 0.13, stride=0.004))
    assert all(e.cause != "pose" for e in footfall_events(obj, shot))


def test_feet_seen_on_too_few_frames_are_not_used():
    feet = _striding(0.5, 0.1)
    obj, shot = _walker(lambda n: feet(n) if n % 3 == 0 else None)
    assert all(e.cause != "pose" for e in footfall_events(obj, shot))


@pytest.mark.parametrize("first", [0, 40])
def test_times_count_from_the_shot_start(first):
    obj, shot = _walker(_striding(0.5, 2.1), frames=60, first=first)
    found = [e.time_s for e in footfall_events(obj, shot) if e.cause == "pose"]
    truth = [t for t in (2.1 + 0.5 * k for k in range(-6, 6)) if first / FPS + 0.125 <= t <= (first + 59) / FPS - 0.125]
    assert found == pytest.approx(truth, abs=0.5 / FPS)
