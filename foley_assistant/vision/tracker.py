"""Multi-object tracking by detection: constant-velocity prediction and Hungarian assignment.

Each frame's detections are matched to the predicted boxes of live tracks (cost = 1 - IoU plus a
centre-distance term, gated), unmatched detections start tentative tracks, tracks unseen for longer
than `max_coast_s` end. When one blob covers the predicted boxes of several tracks (objects passing
each other merge into one foreground region), none of them takes the merged box: they all coast
on their predictions, so neither identity is lost or dragged. Afterwards tentative, short and static tracks are dropped, gaps inside a
track are filled by linear interpolation and the boxes are lightly smoothed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.signal import savgol_filter

from foley_assistant.core.tracks import Box
from foley_assistant.vision.motion import Detection


@dataclass(frozen=True)
class TrackerSettings:
    """Tuning of the association and of what counts as a real moving object."""

    max_coast_s: float = 0.6
    confirm_hits: int = 3
    min_track_s: float = 0.4
    min_travel: float = 0.03
    min_growth: float = 0.2
    gate_iou: float = 0.05
    gate_distance: float = 0.8
    velocity_memory: float = 0.7
    merge_coverage: float = 0.6


@dataclass
class _Track:
    observations: dict[int, np.ndarray] = field(default_factory=dict)
    coasted: dict[int, np.ndarray] = field(default_factory=dict)
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))
    fills: list[float] = field(default_factory=list)

    @property
    def last_frame(self) -> int:
        """Last frame the track was seen or knowingly hidden in a merged blob."""
        return max(max(self.observations), max(self.coasted, default=-1))

    @property
    def last_observed(self) -> int:
        return max(self.observations)

    def predict(self, frame: int) -> np.ndarray:
        last = self.last_observed
        return self.observations[last] + self.velocity * (frame - last)

    def update(self, frame: int, box: np.ndarray, fill: float, memory: float) -> None:
        last = self.last_observed
        step = (box - self.observations[last]) / max(frame - last, 1)
        self.velocity = memory * self.velocity + (1 - memory) * step
        self.observations[frame] = box
        self.fills.append(fill)

    def coast(self, frame: int) -> None:
        """Hidden inside a merged blob this frame: keep the predicted box, stay alive."""
        self.coasted[frame] = self.predict(frame)


@dataclass(frozen=True)
class TrackedBoxes:
    """A finished track: one box per frame from its first to its last frame (gaps filled)."""

    frames: np.ndarray
    boxes: np.ndarray
    observed: np.ndarray
    mean_fill: float


def _iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ix = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = ix * iy
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a[:, None] + area_b[None, :] - inter, 1e-9)


def _coverage(predicted: np.ndarray, detected: np.ndarray) -> np.ndarray:
    """Fraction of each predicted box's area that lies inside each detected box."""
    ix = np.clip(np.minimum(predicted[:, None, 2], detected[None, :, 2]) - np.maximum(predicted[:, None, 0], detected[None, :, 0]), 0, None)
    iy = np.clip(np.minimum(predicted[:, None, 3], detected[None, :, 3]) - np.maximum(predicted[:, None, 1], detected[None, :, 1]), 0, None)
    area = (predicted[:, 2] - predicted[:, 0]) * (predicted[:, 3] - predicted[:, 1])
    return ix * iy / np.maximum(area[:, None], 1e-9)


def _centre_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    ca = np.stack([(a[:, 0] + a[:, 2]) / 2, (a[:, 1] + a[:, 3]) / 2], axis=1)
    cb = np.stack([(b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2], axis=1)
    diagonal = np.hypot(a[:, 2] - a[:, 0], a[:, 3] - a[:, 1])
    return np.linalg.norm(ca[:, None, :] - cb[None, :, :], axis=2) / np.maximum(diagonal[:, None], 1e-6)


class MultiObjectTracker:
    """Feed detections frame by frame with `step`; collect finished tracks with `finish`."""

    def __init__(self, fps: float, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self.fps = fps
        self.max_coast = max(1, int(round(self.settings.max_coast_s * fps)))
        self._live: list[_Track] = []
        self._ended: list[_Track] = []

    def step(self, frame: int, detections: list[Detection]) -> None:
        """Associate one frame's detections with the live tracks."""
        still_live = []
        for track in self._live:
            (still_live if frame - track.last_frame <= self.max_coast else self._ended).append(track)
        self._live = still_live
        boxes = np.array([d.box.as_list() for d in detections]).reshape(-1, 4)
        matched_detections: set[int] = set()
        confirmed = [t for t in self._live if len(t.observations) >= self.settings.confirm_hits]
        if confirmed and len(boxes):
            covered = _coverage(np.array([t.predict(frame) for t in confirmed]), boxes) >= self.settings.merge_coverage
            for col in np.flatnonzero(covered.sum(axis=0) >= 2):
                for row in np.flatnonzero(covered[:, col]):
                    confirmed[row].coast(frame)
                matched_detections.add(int(col))
        waiting = [t for t in self._live if t.last_frame != frame]
        free = [i for i in range(len(detections)) if i not in matched_detections]
        if waiting and free:
            predicted = np.array([t.predict(frame) for t in waiting])
            iou = _iou_matrix(predicted, boxes[free])
            distance = _centre_distance(predicted, boxes[free])
            cost = 1.0 - iou + 0.5 * distance
            allowed = (iou >= self.settings.gate_iou) | (distance <= self.settings.gate_distance)
            cost[~allowed] = 1e6
            rows, cols = linear_sum_assignment(cost)
            for row, col in zip(rows, cols):
                if allowed[row, col]:
                    index = free[col]
                    waiting[row].update(frame, boxes[index], detections[index].fill, self.settings.velocity_memory)
                    matched_detections.add(index)
        for index, detection in enumerate(detections):
            if index not in matched_detections:
                self._live.append(_Track(observations={frame: boxes[index]}, fills=[detection.fill]))

    def finish(self) -> list[TrackedBoxes]:
        """End all tracks and return the ones that are real moving objects, ordered by start."""
        tracks = self._ended + self._live
        self._live, self._ended = [], []
        results = [r for r in (self._finalise(t) for t in tracks) if r is not None]
        return sorted(results, key=lambda r: (int(r.frames[0]), float(r.boxes[0, 0])))

    def _finalise(self, track: _Track) -> TrackedBoxes | None:
        observed_frames = np.array(sorted(track.observations))
        if len(observed_frames) < self.settings.confirm_hits:
            return None
        known = {**track.coasted, **track.observations}
        known_frames = np.array(sorted(f for f in known if f <= observed_frames[-1] or f in track.observations))
        frames = np.arange(known_frames[0], known_frames[-1] + 1)
        if len(frames) < self.settings.min_track_s * self.fps:
            return None
        known_boxes = np.array([known[f] for f in known_frames])
        boxes = np.stack([np.interp(frames, known_frames, known_boxes[:, k]) for k in range(4)], axis=1)
        centres = (boxes[:, [0, 1]] + boxes[:, [2, 3]]) / 2
        travel = float(np.max(np.ptp(centres, axis=0)))
        heights = boxes[:, 3] - boxes[:, 1]
        # An approaching or receding object grows or shrinks steadily; noise only flickers.
        trend = float(np.polyfit(np.arange(len(heights)), heights, 1)[0]) * len(heights)
        growth = abs(trend) / max(float(np.median(heights)), 1e-6)
        if travel < self.settings.min_travel and growth < self.settings.min_growth:
            return None
        if len(frames) >= 5:
            boxes = savgol_filter(boxes, window_length=5, polyorder=2, axis=0)
        boxes[:, [0, 2]] = np.clip(boxes[:, [0, 2]], 0.0, 1.0)
        boxes[:, [1, 3]] = np.clip(boxes[:, [1, 3]], 0.0, 1.0)
        return TrackedBoxes(frames, boxes, np.isin(frames, observed_frames), float(np.mean(track.fills)))
