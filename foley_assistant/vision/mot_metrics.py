"""Tracking quality against ground truth: CLEAR-MOT (MOTA), IDF1, box-centre and distance error.

Both sides are core `ObjectTrack`s; on the truth side, a frame's `confidence` is the object's
visible fraction. Truth boxes less visible than `min_visibility` are "don't care": they are
neither expected nor counted as misses, and a hypothesis on one is no false positive (as in the
MOTChallenge evaluation of heavily occluded objects).

CLEAR-MOT (Bernardin & Stiefelhagen, 2008), frame by frame: a truth object and a hypothesis
correspond when their boxes overlap with IoU >= `iou_threshold`. Correspondences of the previous
frame are kept while still valid; the rest are made by minimum-cost assignment (cost 1 - IoU).
An identity switch is a truth object matched to another hypothesis than at its last match.

    MOTA = 1 - (misses + false positives + identity switches) / truth boxes

IDF1 (Ristani et al., 2016): truth and hypothesis trajectories are paired one to one, globally, so
as to maximise the number of frames where the pair corresponds (IoU >= threshold); IDTP is that
number, IDFN and IDFP the truth and hypothesis boxes left over.

    IDF1 = 2 IDTP / (2 IDTP + IDFP + IDFN)

Centre error: mean distance between matched box centres, in pixels, divided by the frame width.
Distance error: |estimated - true| / true over matched boxes with a distance on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from foley_assistant.core.tracks import ObjectTrack, TrackedFrame


@dataclass(frozen=True)
class TrackingScores:
    """The figures of one evaluation."""

    mota: float
    idf1: float
    truth_boxes: int
    misses: int
    false_positives: int
    id_switches: int
    matches: int
    centre_error: float
    distance_errors: tuple[float, ...]

    @property
    def median_distance_error(self) -> float:
        """Median relative distance error (nan without distances)."""
        return float(np.median(self.distance_errors)) if self.distance_errors else float("nan")

    @property
    def distance_within_25(self) -> float:
        """Share of matched boxes whose distance is within 25 % of the truth."""
        return float(np.mean(np.array(self.distance_errors) <= 0.25)) if self.distance_errors else float("nan")


def _iou(a: TrackedFrame, b: TrackedFrame) -> float:
    return a.box.iou(b.box)


def _by_frame(tracks: Sequence[ObjectTrack]) -> dict[int, dict[str, TrackedFrame]]:
    frames: dict[int, dict[str, TrackedFrame]] = {}
    for track in tracks:
        for tracked in track.frames:
            frames.setdefault(tracked.frame, {})[track.id] = tracked
    return frames


def _iou_table(truth: dict[str, TrackedFrame], hyps: dict[str, TrackedFrame]) -> dict[tuple[str, str], float]:
    return {(t, h): _iou(tf, hf) for t, tf in truth.items() for h, hf in hyps.items()}


def evaluate(
    truth: Sequence[ObjectTrack],
    hypotheses: Sequence[ObjectTrack],
    width: int,
    height: int,
    iou_threshold: float = 0.5,
    min_visibility: float = 0.25,
) -> TrackingScores:
    """CLEAR-MOT, IDF1, centre and distance errors of `hypotheses` against `truth` (see the module)."""
    truth_frames, hyp_frames = _by_frame(truth), _by_frame(hypotheses)
    misses = false_positives = switches = matches = total = 0
    centre_errors: list[float] = []
    distance_errors: list[float] = []
    last_match: dict[str, str] = {}
    kept: dict[str, str] = {}
    pair_counts: dict[tuple[str, str], int] = {}
    truth_counts: dict[str, int] = {}
    hyp_counts: dict[str, int] = {}
    for frame in sorted(set(truth_frames) | set(hyp_frames)):
        all_truth = truth_frames.get(frame, {})
        wanted = {k: v for k, v in all_truth.items() if v.confidence >= min_visibility}
        ignored = {k: v for k, v in all_truth.items() if v.confidence < min_visibility}
        hyps = dict(hyp_frames.get(frame, {}))
        ious = _iou_table(wanted, hyps)
        # Hypotheses on "don't care" objects (and on nothing wanted) are left out entirely.
        for h in list(hyps):
            on_ignored = any(_iou(t, hyps[h]) >= iou_threshold for t in ignored.values())
            on_wanted = any(ious[(t, h)] >= iou_threshold for t in wanted)
            if on_ignored and not on_wanted:
                del hyps[h]
        total += len(wanted)
        for t in wanted:
            truth_counts[t] = truth_counts.get(t, 0) + 1
        for h in hyps:
            hyp_counts[h] = hyp_counts.get(h, 0) + 1
        for t in wanted:
            for h in hyps:
                if ious[(t, h)] >= iou_threshold:
                    pair_counts[(t, h)] = pair_counts.get((t, h), 0) + 1
        matched: dict[str, str] = {}
        for t, h in kept.items():
            if t in wanted and h in hyps and ious[(t, h)] >= iou_threshold:
                matched[t] = h
        free_truth = [t for t in wanted if t not in matched]
        free_hyps = [h for h in hyps if h not in matched.values()]
        if free_truth and free_hyps:
            cost = np.array([[1.0 - ious[(t, h)] for h in free_hyps] for t in free_truth])
            rows, cols = linear_sum_assignment(cost)
            for row, col in zip(rows, cols):
                if cost[row, col] <= 1.0 - iou_threshold:
                    matched[free_truth[row]] = free_hyps[col]
        for t, h in matched.items():
            if t in last_match and last_match[t] != h:
                switches += 1
            last_match[t] = h
            tf, hf = wanted[t], hyps[h]
            dx = (tf.box.center_x - hf.box.center_x) * width
            dy = (tf.box.center_y - hf.box.center_y) * height
            centre_errors.append(float(np.hypot(dx, dy)) / width)
            if tf.distance_m and hf.distance_m is not None:
                distance_errors.append(abs(hf.distance_m - tf.distance_m) / tf.distance_m)
        kept = matched
        matches += len(matched)
        misses += len(wanted) - len(matched)
        false_positives += len(hyps) - len(matched)
    mota = 1.0 - (misses + false_positives + switches) / total if total else float("nan")
    return TrackingScores(
        mota=mota,
        idf1=_idf1(pair_counts, truth_counts, hyp_counts),
        truth_boxes=total,
        misses=misses,
        false_positives=false_positives,
        id_switches=switches,
        matches=matches,
        centre_error=float(np.mean(centre_errors)) if centre_errors else float("nan"),
        distance_errors=tuple(distance_errors),
    )


def _idf1(pairs: dict[tuple[str, str], int], truth_counts: dict[str, int], hyp_counts: dict[str, int]) -> float:
    truth_ids, hyp_ids = sorted(truth_counts), sorted(hyp_counts)
    total = sum(truth_counts.values()) + sum(hyp_counts.values())
    if not total:
        return float("nan")
    idtp = 0
    if truth_ids and hyp_ids:
        gain = np.array([[pairs.get((t, h), 0) for h in hyp_ids] for t in truth_ids], dtype=float)
        rows, cols = linear_sum_assignment(-gain)
        idtp = int(gain[rows, cols].sum())
    idfn = sum(truth_counts.values()) - idtp
    idfp = sum(hyp_counts.values()) - idtp
    return 2 * idtp / (2 * idtp + idfp + idfn)
