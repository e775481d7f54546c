"""CLEAR-MOT and IDF1 on hand-made cases whose figures can be counted by hand."""

from __future__ import annotations

import pytest

from foley_assistant.core.tracks import Box, ObjectTrack, TrackedFrame
from foley_assistant.vision.mot_metrics import evaluate


def track(object_id: str, boxes: dict[int, tuple[float, float]], visibility: float = 1.0, distance: float | None = None) -> ObjectTrack:
    """A track of 0.1 x 0.2 boxes whose top-left corners are given per frame."""
    frames = tuple(TrackedFrame(frame, Box(x, y, x + 0.1, y + 0.2), confidence=visibility, distance_m=distance) for frame, (x, y) in boxes.items())
    return ObjectTrack(object_id, "person", "manual", frames)


def test_perfect_tracking_scores_one():
    truth = [track("A", {f: (0.1 + 0.01 * f, 0.3) for f in range(10)})]
    scores = evaluate(truth, [track("H", {f: (0.1 + 0.01 * f, 0.3) for f in range(10)})], 100, 100)
    assert scores.mota == 1.0 and scores.idf1 == 1.0
    assert scores.centre_error == 0.0 and scores.matches == 10


def test_misses_false_positives_and_centre_error():
    truth = [track("A", {f: (0.1, 0.3) for f in range(10)})]
    # Found in frames 0-7 only, 0.02 to the right (IoU 0.67), plus a ghost in frames 0-1.
    hyps = [track("H", {f: (0.12, 0.3) for f in range(8)}), track("G", {0: (0.7, 0.7), 1: (0.7, 0.7)})]
    scores = evaluate(truth, hyps, 200, 100)
    assert (scores.misses, scores.false_positives, scores.id_switches) == (2, 2, 0)
    assert scores.mota == pytest.approx(1 - 4 / 10)
    assert scores.centre_error == pytest.approx(0.02)  # 4 px of a 200 px wide frame
    # IDF1: IDTP 8, IDFN 2, IDFP 2 (the ghost) -> 16 / 20
    assert scores.idf1 == pytest.approx(16 / 20)


def test_identity_switch_counted_once_and_idf1_penalised():
    truth = [track("A", {f: (0.1 + 0.02 * f, 0.3) for f in range(10)})]
    hyps = [track("H1", {f: (0.1 + 0.02 * f, 0.3) for f in range(4)}), track("H2", {f: (0.1 + 0.02 * f, 0.3) for f in range(4, 10)})]
    scores = evaluate(truth, hyps, 100, 100)
    assert scores.id_switches == 1 and scores.misses == 0 and scores.false_positives == 0
    assert scores.mota == pytest.approx(0.9)
    # The best one-to-one pairing keeps H2 (6 frames): IDTP 6, IDFN 4, IDFP 4.
    assert scores.idf1 == pytest.approx(12 / 20)


def test_swapped_identities_after_a_crossing():
    left = {f: (0.1 + 0.05 * f, 0.3) for f in range(10)}
    right = {f: (0.55 - 0.05 * f, 0.3) for f in range(10)}
    truth = [track("A", left), track("B", right)]
    # After frame 4 the hypotheses follow the other object.
    h1 = {f: left[f] if f < 5 else right[f] for f in range(10)}
    h2 = {f: right[f] if f < 5 else left[f] for f in range(10)}
    scores = evaluate(truth, [track("H1", h1), track("H2", h2)], 100, 100)
    assert scores.id_switches == 2
    assert scores.mota == pytest.approx(1 - 2 / 20)
    assert scores.idf1 == pytest.approx(0.5)


def test_hardly_visible_truth_is_dont_care():
    truth = [track("A", {0: (0.1, 0.3), 1: (0.1, 0.3)}), track("hidden", {0: (0.6, 0.3), 1: (0.6, 0.3)}, visibility=0.1)]
    hyps = [track("H", {0: (0.1, 0.3), 1: (0.1, 0.3)}), track("Q", {0: (0.6, 0.3)})]
    scores = evaluate(truth, hyps, 100, 100)
    assert scores.truth_boxes == 2 and scores.false_positives == 0 and scores.mota == 1.0


def test_distance_errors_are_relative():
    truth = [track("A", {0: (0.1, 0.3), 1: (0.1, 0.3)}, distance=10.0)]
    hyps = [track("H", {0: (0.1, 0.3), 1: (0.1, 0.3)}, distance=12.0)]
    scores = evaluate(truth, hyps, 100, 100)
    assert scores.distance_errors == pytest.approx((0.2, 0.2))
    assert scores.distance_within_25 == 1.0
