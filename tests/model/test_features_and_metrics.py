"""Conditioning features (checked against values computed by hand) and the model evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.model.features import OBJECT_FEATURES, object_features, shot_conditioning, slots_for

SR = 48000


def _track(first: int, n: int, x0: float, dx: float, distance: float | None = 5.0) -> ObjectTrack:
    frames = tuple(TrackedFrame(first + i, Box(x0 + dx * i, 0.2, x0 + dx * i + 0.1, 0.6), 0.8, distance) for i in range(n))
    return ObjectTrack("O1", "person", "manual", frames)


def test_object_features_hold_box_distance_and_velocity():
    fps = 25
    obj = _track(first=110, n=20, x0=0.1, dx=0.01, distance=10.0)
    shot = ShotTracks("S1", "", FrameRate(fps), FrameRange(100, 40), 640, 360, (obj,))
    features = object_features(obj, shot, None, 40)
    assert features.shape == (40, OBJECT_FEATURES)
    assert not features[:10].any() and not features[30:].any()
    row = features[15]  # frame 115: box x 0.15..0.25
    assert row[0] == 1.0
    assert row[1] == pytest.approx(2 * 0.2 - 1)
    assert row[2] == pytest.approx(2 * 0.4 - 1)
    assert row[3] == pytest.approx(0.1) and row[4] == pytest.approx(0.4)
    assert row[5] == pytest.approx(math.log(10.0 / 5.0))
    assert row[6] == pytest.approx(0.8)
    assert row[7] == pytest.approx(0.01 * fps)  # centre moves 0.01 of the width per frame
    assert row[8] == pytest.approx(0.0) and row[10] == pytest.approx(0.0)


def test_a_walkers_bob_peaks_in_its_own_height_at_each_footfall():
    """Box 0.3 of the frame high, bobbing 0.005 of the frame (1.7 % of its height, like a walker's
    3 cm) at 2 steps/s, lowest on screen at each footfall: the upward acceleration in box heights
    peaks there, at about (A / h) / 2 (2 pi f)^2 = 1.3 box heights / s^2 (log1p -> 0.83), and the
    bottom edge's velocity turns from down to up."""
    fps, cadence, bob = 25, 2.0, 0.005
    times = np.arange(75) / fps
    lift = bob * np.sin(np.pi * cadence * (times - 0.26)) ** 2  # 0 at footfalls 0.26, 0.76, 1.26, ...
    frames = tuple(TrackedFrame(i, Box(0.4, 0.5 - lift[i], 0.5, 0.8 - lift[i]), 1.0, 6.0) for i in range(75))
    obj = ObjectTrack("O1", "person", "manual", frames)
    shot = ShotTracks("S1", "", FrameRate(fps), FrameRange(0, 75), 640, 360, (obj,))
    features = object_features(obj, shot, None, 75)
    rise, bottom = features[:, 13], features[:, 12]
    peaks = signal.find_peaks(rise, distance=6)[0]
    footfalls = [round((0.26 + k / cadence) * fps) for k in range(6)]  # frames 6, 19, 32, ... 69
    assert peaks.tolist() == pytest.approx(footfalls, abs=1)
    assert np.median(rise[peaks]) == pytest.approx(np.log1p(1.3), abs=0.15)
    for n in footfalls[:-1]:  # image y grows downwards: going down before, up after
        assert bottom[n - 2] > 0 > bottom[n + 2]
    assert np.abs(features[:, 8]).max() < 0.05  # in frame sizes the same bob is nearly nothing


def test_in_box_motion_is_seen_only_where_the_picture_changes():
    fps = 25
    frames = np.zeros((4, 32, 64, 3), np.uint8)
    frames[2, 0:16, 0:32] = 255  # top-left quarter flashes at frame 2
    left = ObjectTrack("O1", "ball", "manual", tuple(TrackedFrame(i, Box(0.0, 0.0, 0.5, 0.5)) for i in range(4)))
    right = ObjectTrack("O2", "car", "manual", tuple(TrackedFrame(i, Box(0.5, 0.5, 1.0, 1.0)) for i in range(4)))
    shot = ShotTracks("S1", "", FrameRate(fps), FrameRange(0, 4), 64, 32, (left, right))
    cond = shot_conditioning(shot, frames, (32, 64), ("object", "person", "car", "ball"))
    assert cond.labels.tolist() == [3, 2]
    assert cond.objects[0, :, 11].tolist() == pytest.approx([0.0, 0.0, 1.0, 1.0])
    assert not cond.objects[1, :, 11].any()
    assert slots_for(cond, 1, 4) == [1, 0]
    assert slots_for(cond, None, 1) == [0]


def test_evaluation_scores_the_procedural_stems_and_the_centred_baseline():
    from foley_assistant.model.evaluate import centre_mono_engine, evaluate, held_out_examples, procedural_engine

    examples = held_out_examples(2, 1.5, (32, 56), SR, 960)
    results = evaluate(examples, {"procedural": procedural_engine, "centre": centre_mono_engine})
    objects = sum(len(e.tracks.objects) for e in examples)
    assert results["procedural"]["objects"] == objects == results["centre"]["objects"]
    assert results["procedural"]["pearson_r"] > 0.95 and results["procedural"]["mae_deg"] < 2.0
    assert results["centre"]["mae_deg"] > 3 * results["procedural"]["mae_deg"]
    assert math.isnan(results["centre"]["pearson_r"])  # a position that never moves has no r
    # the same sound in both channels: sync is the same, placement is not
    assert results["centre"]["event_f1"] == pytest.approx(results["procedural"]["event_f1"])
    assert results["centre"]["av_align"] == pytest.approx(results["procedural"]["av_align"], nan_ok=True)
    assert results["procedural"]["event_f1"] > 0.5  # the procedural engine sounds on the true events
