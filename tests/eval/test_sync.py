"""Sync metrics measured on signals and boxes whose answer is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.eval.sync import (
    audio_onsets,
    av_align,
    count_matches,
    event_scores,
    matched_offsets,
    motion_peaks,
    readable_spans,
    sync_report,
)

SR = 48000
FPS = 25


def _clicks(times: list[float], seconds: float = 4.0, level: float = 0.3, seed: int = 0) -> np.ndarray:
    """Decaying noise bursts (5 ms attack-free, 30 ms decay) starting exactly at `times`."""
    rng = np.random.default_rng(seed)
    x = np.zeros(int(seconds * SR))
    burst = rng.standard_normal(int(0.1 * SR)) * np.exp(-np.arange(int(0.1 * SR)) / (0.03 * SR))
    for t in times:
        at = int(round(t * SR))
        if at < len(x):
            x[at : at + len(burst)] += level * burst[: len(x) - at]
    return x


def _shot(*objects: ObjectTrack, frames: int = 100) -> ShotTracks:
    return ShotTracks("S1", "m.mov", FrameRate(FPS), FrameRange(0, frames), 1920, 1080, objects)


def _bobbing(times_of_lowest: list[float], amplitude: float = 0.01, frames: int = 100, start: int = 0) -> ObjectTrack:
    """A box whose centre is lowest (largest y) at the given times, sinusoidally, moving sideways."""
    period = float(np.median(np.diff(times_of_lowest)))
    phase = times_of_lowest[0]
    boxes = []
    for k in range(start, frames):
        t = k / FPS
        lift = amplitude * 0.4 * math.cos(2 * math.pi * (t - phase) / period)
        cx = 0.2 + 0.005 * k
        boxes.append(TrackedFrame(k, Box(cx - 0.03, 0.3 + lift, cx + 0.03, 0.7 + lift), 0.9, 6.0))
    return ObjectTrack("O1", "person", "tracker", tuple(boxes))


def test_onsets_are_found_at_their_attack_to_the_millisecond() -> None:
    truth = [0.31, 0.77, 1.234, 1.5, 2.9, 3.41]
    onsets = audio_onsets(_clicks(truth), SR)
    assert len(onsets) == len(truth)
    assert np.max(np.abs(onsets - truth)) < 0.0015


def test_onsets_work_for_any_level_rate_and_channel_count() -> None:
    truth = [0.5, 1.0, 1.7]
    quiet = audio_onsets(_clicks(truth, level=0.001), SR)
    assert np.max(np.abs(quiet - truth)) < 0.0015
    stereo = np.stack([_clicks(truth), 0.5 * _clicks(truth)])
    assert np.max(np.abs(audio_onsets(stereo, SR) - truth)) < 0.0015
    at_44k = signal.resample_poly(_clicks(truth), 147, 160)
    assert np.max(np.abs(audio_onsets(at_44k, 44100) - truth)) < 0.002


def test_steady_sound_and_silence_have_no_onsets() -> None:
    rng = np.random.default_rng(1)
    t = np.arange(4 * SR) / SR
    assert len(audio_onsets(0.1 * rng.standard_normal(4 * SR), SR)) == 0
    hum = 0.3 * np.sin(2 * np.pi * 60 * t) + 0.1 * np.sin(2 * np.pi * 180 * t)
    assert len(audio_onsets(hum, SR)) == 0
    assert len(audio_onsets(np.zeros(SR), SR)) == 0


def test_a_faint_rustle_under_the_steps_is_not_an_event() -> None:
    rng = np.random.default_rng(2)
    steps = _clicks([0.5, 1.0, 1.5, 2.0, 2.5, 3.0], level=0.3)
    crackle = _clicks(list(rng.uniform(0.2, 3.8, 25)), level=0.003, seed=3)  # 40 dB under the steps
    assert len(audio_onsets(crackle, SR)) >= 20  # alone, each is an onset
    onsets = audio_onsets(steps + crackle, SR)
    assert len(onsets) == 6


def test_motion_peaks_are_the_lowest_points_of_a_bob() -> None:
    truth = [0.3 + 0.52 * k for k in range(8)]
    peaks = motion_peaks(_shot(_bobbing(truth)))
    inner = [t for t in truth if 0.2 < t < 3.8]
    assert len(peaks) == len(inner)
    assert np.max(np.abs(peaks - inner)) < 0.01


def test_motion_peaks_of_a_bounce_and_none_for_steady_motion() -> None:
    frames, g, distance_px = [], 9.81, 0.2  # normalised units per metre
    contacts = [0.6, 1.4]
    for k in range(60):
        t = k / FPS
        since = t - (contacts[0] if t < contacts[1] else contacts[1])
        height = 0.4 * max(0.0, since * (2.0 - 0.5 * g * since)) if t >= contacts[0] else 0.5 * g * (contacts[0] ** 2 - t**2)
        bottom = 0.8 - distance_px * height
        frames.append(TrackedFrame(k, Box(0.4, bottom - 0.1, 0.5, bottom), 0.9, 5.0))
    ball = ObjectTrack("O2", "ball", "tracker", tuple(frames))
    peaks = motion_peaks(_shot(ball, frames=60))
    assert len(peaks) >= 1 and abs(peaks[0] - 0.6) < 0.5 / FPS
    car = ObjectTrack("O3", "car", "tracker", tuple(TrackedFrame(k, Box(0.1 + 0.01 * k, 0.5, 0.3 + 0.01 * k, 0.6), 0.9, 20.0) for k in range(60)))
    assert len(motion_peaks(_shot(car, frames=60))) == 0


def test_a_gap_in_the_track_is_not_judged_and_a_cut_edge_is_replaced() -> None:
    truth = [0.3 + 0.52 * k for k in range(8)]
    walker = _bobbing(truth)
    hidden = ObjectTrack("O1", "person", "tracker", tuple(f for f in walker.frames if not 40 <= f.frame < 55))
    spans = readable_spans(_shot(hidden))
    assert len(spans) == 2
    assert spans[0][1] < 40 / FPS and spans[1][0] > 55 / FPS
    assert not any(1.6 <= p <= 2.2 for p in motion_peaks(_shot(hidden)))
    feet_out = ObjectTrack(  # lower in the picture, so the frame bottom cuts the box: its top still bobs
        "O1",
        "person",
        "tracker",
        tuple(TrackedFrame(f.frame, Box(f.box.x0, f.box.y0 + 0.35, f.box.x1, 1.0), 0.9, 6.0) for f in walker.frames),
    )
    inner = [t for t in truth if 0.2 < t < 3.8]
    assert np.max(np.abs(motion_peaks(_shot(feet_out)) - inner)) < 0.01


def test_av_align_is_the_iou_of_onsets_and_peaks_within_one_frame() -> None:
    frame = 1 / FPS
    assert av_align(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), FPS) == 1.0
    # 2 matched (one at 0.039 s, inside a frame), one onset and one peak left: 2 / (3 + 3 - 2)
    assert av_align(np.array([1.0, 2.039, 3.0]), np.array([1.0, 2.0, 3.5]), FPS) == pytest.approx(0.5)
    assert av_align(np.array([1.0]), np.array([1.0 + frame + 0.001]), FPS) == 0.0
    # one-to-one: two onsets near one peak count once
    assert av_align(np.array([1.0, 1.01]), np.array([1.005]), FPS) == pytest.approx(0.5)
    assert av_align(np.array([]), np.array([]), FPS) is None
    assert av_align(np.array([]), np.array([1.0]), FPS) == 0.0
    assert count_matches(np.array([0.0, 0.1, 0.2]), np.array([0.05, 0.15, 0.25]), 0.06) == 3


def test_offsets_and_scores_of_found_against_true_times() -> None:
    offsets = matched_offsets(np.array([1.01, 2.0, 5.0]), np.array([1.0, 2.02, 3.0]), 0.1)
    assert offsets == pytest.approx([0.01, -0.02])
    scores = event_scores(np.array([1.01, 2.0, 5.0]), np.array([1.0, 2.02, 3.0]), 0.1)
    assert (scores.recall, scores.precision) == pytest.approx((2 / 3, 2 / 3))
    assert scores.median_abs_offset_ms == pytest.approx(15.0)
    assert event_scores(np.array([]), np.array([1.0]), 0.1).precision is None


def test_the_report_judges_audio_against_the_picture() -> None:
    truth = [0.3 + 0.52 * k for k in range(8)]
    shot = _shot(_bobbing(truth))
    in_sync = sync_report(_clicks(truth), SR, shot, ["O1"])
    late = sync_report(_clicks([t + 0.12 for t in truth]), SR, shot, ["O1"])
    assert set(in_sync) >= {"av_align", "median_offset_ms", "onsets", "motion_peaks"}
    assert in_sync["av_align"] == 1.0 and in_sync["median_offset_ms"] < 10.0
    assert late["av_align"] == 0.0 and late["median_offset_ms"] is None  # 120 ms late: beyond the 100 ms pairing window
    slightly = sync_report(_clicks([t + 0.06 for t in truth]), SR, shot, ["O1"])
    assert slightly["av_align"] == 0.0 and slightly["median_offset_ms"] == pytest.approx(60.0, abs=10.0)
