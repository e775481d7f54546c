"""Link a detector's boxes, sampled every few frames, into tracks that follow whole objects.

The detector runs on a stride (every `stride` frames: a neural detector costs tens of
milliseconds a frame). Its boxes are linked in the sub-shot's stabilized coordinates (each
frame's pixels carried to the first frame's by the camera-motion homographies), so a pan moves
nothing there and a constant-velocity prediction follows a real mover, even one that crosses the
frame in a few frames. Association is one Hungarian assignment per sampled frame on 1 - IoU
with the prediction, gated by overlap or, for a fast mover, by centre distance relative to its
size; classes of different groups cost more (a car does not become a person). Between samples,
boxes are interpolated per frame in image coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.optimize import linear_sum_assignment

from foley_assistant.vision.boxes import area, intersection, iou
from foley_assistant.vision.labels import CocoLabels, coco_labels
from foley_assistant.vision.motion import Detection

_FORBIDDEN = 1e6

#: The group whose members never link with another group's (people and animals are confused by
#: detectors and may; a vehicle is not).
VEHICLE = "vehicle"
#: Pieces may overlap by this many frames and still be joined (a new track begun a sample before
#: the old one gave up).
JOIN_OVERLAP = 3
#: Pieces whose heights differ by more than this (log ratio, about 1.35x) are not one object.
JOIN_RESIZE = 0.3
#: A track of this many samples or fewer is brief: a box or two the detector gave in passing.
BRIEF_SAMPLES = 2

#: A loose box: at least this much bigger than the tracked object it holds...
LOOSE_GROWTH = 1.6
#: ...holding this share of that object's box...
LOOSE_HOLDS = 0.8
#: ...on this share of its looks, with an area that wanders this much (coefficient of variation).
LOOSE_SHARE = 0.6
LOOSE_WANDER = 0.3

#: Homography from a frame's analysis pixels to the sub-shot's stabilized pixels.
ToReference = Callable[[int], np.ndarray]


@dataclass(frozen=True)
class LinkSettings:
    """Tuning of the linking; times in seconds, sizes relative to the object's own box."""

    max_gap_s: float = 0.8
    duplicate_iou: float = 0.45
    fold_iou: float = 0.55
    join_gap_s: float = 2.0
    covered_samples: int = 8
    covered_share: float = 0.7
    group_box_holds: float = 0.8
    gate_iou: float = 0.1
    gate_centre: float = 0.9
    group_change_cost: float = 0.35
    resize_cost: float = 0.5
    max_resize: float = 0.4  # log of the largest change of height between two looks (1.5x)
    young_resize: float = 0.4  # the same against the last look, for anything but a vehicle (1.5x)
    young_resize_per_frame: float = 0.05  # ... widened by this much per frame between the looks
    velocity_memory: float = 0.5


@dataclass
class DetectorTrack:
    """One object through the sampled frames: its boxes (normalized, image coordinates), its
    stabilized boxes (pixels of the first frame), and the detector's classes and scores."""

    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    stabilized: list[np.ndarray] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))
    extra_votes: list[tuple[str, float]] = field(default_factory=list)

    def height(self) -> float:
        """The track's settled height: the median of its last five stabilized boxes' heights (one
        odd box, part of two people crossing, does not move it)."""
        return float(np.median([b[3] - b[1] for b in self.stabilized[-5:]]))

    def settled(self) -> bool:
        """Whether the track's size has been steady over its last five looks (within 15 %): a
        walker seen whole at one distance, not a close-up whose box comes and goes with the
        framing."""
        heights = [b[3] - b[1] for b in self.stabilized[-5:]]
        return len(heights) == 5 and (max(heights) - min(heights)) <= 0.15 * float(np.median(heights))

    def main_class(self) -> str:
        """The class with the most detector score on this track."""
        weights: dict[str, float] = {}
        for name, score in zip(self.classes, self.scores):
            weights[name] = weights.get(name, 0.0) + score
        return max(weights, key=weights.__getitem__) if weights else ""

    def votes(self) -> list[tuple[str, float]]:
        """Every (class, score) the detector gave this object, merged duplicates included."""
        return list(zip(self.classes, self.scores)) + self.extra_votes

    def predicted(self, frame: int) -> np.ndarray:
        """The stabilized box expected at `frame` (constant velocity of its centre)."""
        shift = self.velocity * (frame - self.frames[-1])
        return self.stabilized[-1] + np.concatenate([shift, shift])

    def add(self, frame: int, box: np.ndarray, stabilized: np.ndarray, detection: Detection, memory: float) -> None:
        """Take in one detection."""
        if self.frames:
            elapsed = max(1, frame - self.frames[-1])
            step = (_centre(stabilized) - _centre(self.stabilized[-1])) / elapsed
            self.velocity = step if len(self.frames) == 1 else memory * self.velocity + (1 - memory) * step
        self.frames.append(frame)
        self.boxes.append(box)
        self.stabilized.append(stabilized)
        self.classes.append(detection.label or "")
        self.scores.append(float(detection.score))

    def per_frame(self) -> tuple[np.ndarray, np.ndarray]:
        """Every frame from the first sample to the last, with boxes interpolated linearly."""
        frames = np.arange(self.frames[0], self.frames[-1] + 1)
        known = np.array(self.frames)
        boxes = np.array(self.boxes)
        return frames, np.stack([np.interp(frames, known, boxes[:, k]) for k in range(4)], axis=1)

    def stabilized_centres(self) -> np.ndarray:
        """The centre of each sampled stabilized box, (n, 2) in pixels of the first frame."""
        return np.array([_centre(b) for b in self.stabilized])


def link_detections(
    samples: list[tuple[int, list[Detection]]],
    to_reference: ToReference,
    width: int,
    height: int,
    fps: float,
    settings: LinkSettings | None = None,
    labels: CocoLabels | None = None,
) -> list[DetectorTrack]:
    """Tracks from detections on sampled frames, given in increasing frame order.

    `to_reference(frame)` maps a frame's analysis pixels (`width` x `height`) to the stabilized
    pixels; detections are normalized boxes with a class name in `label`."""
    settings = settings or LinkSettings()
    labels = labels or coco_labels()
    scale = np.array([width, height, width, height], dtype=np.float64)
    max_gap = max(1, int(round(settings.max_gap_s * fps)))
    live: list[DetectorTrack] = []
    ended: list[DetectorTrack] = []
    for frame, detections in samples:
        still = []
        for track in live:
            (ended if frame - track.frames[-1] > max_gap else still).append(track)
        live = still
        detections, others = fold_overlaps(without_group_boxes(detections, labels, settings.group_box_holds), settings.fold_iou, labels)
        if not detections:
            continue
        image = np.array([d.box.as_list() for d in detections], dtype=np.float64)
        stable = np.array([_carry(box * scale, to_reference(frame)) for box in image])
        groups = [labels.group_of(d.label or "") for d in detections]
        cost = np.full((len(live), len(detections)), _FORBIDDEN)
        for row, track in enumerate(live):
            predicted = track.predicted(frame)
            group = labels.group_of(track.classes[-1])
            sounds = labels.sounds(track.classes[-1])
            for col, box in enumerate(stable):
                if labels.sounds(detections[col].label or "") != sounds:
                    continue  # a person does not become a fire hydrant behind which it walks
                if (groups[col] == VEHICLE) != (group == VEHICLE):
                    continue  # a car does not become a person or a dog, nor the other way
                overlap = iou(predicted, box)
                near = np.linalg.norm(_centre(predicted) - _centre(box)) <= settings.gate_centre * _size(predicted).max()
                if overlap < settings.gate_iou and not near:
                    continue
                # A change of size costs too: where two people cross, the near one's box is the
                # bigger, and neither suddenly becomes the other's size.
                resize = abs(float(np.log(max(_size(box)[1], 1e-6) / max(track.height(), 1e-6))))
                if resize > settings.max_resize and track.settled():
                    continue  # a steady-sized object does not jump to another's size (two people crossing)
                if group != VEHICLE and _growth(box, track.stabilized[-1]) > settings.young_resize + settings.young_resize_per_frame * (frame - track.frames[-1]):
                    continue  # nor does a person or an animal triple its size in two frames (a passing car onto a llama's legs)
                cost[row, col] = 1.0 - overlap + settings.resize_cost * resize + (settings.group_change_cost if groups[col] != group else 0.0)
        used: set[int] = set()
        if live:
            rows, cols = linear_sum_assignment(cost)
            for row, col in zip(rows, cols):
                if cost[row, col] < _FORBIDDEN:
                    live[row].add(frame, image[col], stable[col], detections[col], settings.velocity_memory)
                    live[row].extra_votes.extend(others[col])
                    used.add(int(col))
        for col, detection in enumerate(detections):
            if col not in used:
                track = DetectorTrack()
                track.add(frame, image[col], stable[col], detection, settings.velocity_memory)
                track.extra_votes.extend(others[col])
                live.append(track)
    merged = merge_duplicates(ended + live, settings.duplicate_iou, labels)
    joined = join_fragments(merged, max(max_gap, int(round(settings.join_gap_s * fps))), labels, settings)
    merged = merge_duplicates(joined, settings.duplicate_iou, labels)  # pieces joined may now cover one another
    return without_loose(without_covered(merged, settings.covered_samples, settings.covered_share), labels)


def without_group_boxes(detections: list[Detection], labels: CocoLabels, holds: float) -> list[Detection]:
    """One frame's detections less the boxes around others of their group: a box that holds two
    or more smaller ones (two people side by side), or one at least half its size smaller and
    more confident than itself (a loose box around a person), is neither of them."""
    boxes = [np.array(d.box.as_list()) for d in detections]
    groups = [labels.group_of(d.label or "") for d in detections]
    kept = []
    for i, detection in enumerate(detections):
        size = area(boxes[i])
        inside = [j for j in range(len(detections)) if j != i and groups[j] == groups[i] and area(boxes[j]) < 0.7 * size and intersection(boxes[i], boxes[j]) >= holds * area(boxes[j])]
        loose = any(area(boxes[j]) <= 0.5 * size and detections[j].score > detection.score for j in inside)
        if len(inside) < 2 and not loose:
            kept.append(detection)
    return kept


def fold_overlaps(detections: list[Detection], min_iou: float, labels: CocoLabels) -> tuple[list[Detection], list[list[tuple[str, float]]]]:
    """One frame's detections with boxes of other classes on the same thing folded into the most
    confident one (a ball called a sports ball and a sheep at once is one thing); returns the kept
    detections and, for each, the (class, score) of those folded into it, which still vote. A
    class that makes no sound never folds into one that does, nor the other way (a walker passing
    in front of a post is not partly a fire hydrant)."""
    kept: list[Detection] = []
    folded: list[list[tuple[str, float]]] = []
    for detection in sorted(detections, key=lambda d: -d.score):
        sounds = labels.sounds(detection.label or "")
        host = next((i for i, k in enumerate(kept) if k.box.iou(detection.box) >= min_iou and labels.sounds(k.label or "") == sounds), None)
        if host is None:
            kept.append(detection)
            folded.append([])
        else:
            folded[host].append((detection.label or "", float(detection.score)))
    return kept, folded


def join_fragments(tracks: list[DetectorTrack], max_gap: int, labels: CocoLabels, settings: LinkSettings | None = None) -> list[DetectorTrack]:
    """Pieces of one object's track joined: a track that starts within `max_gap` frames after
    another ended, of a class that sounds alike (both sound or both do not; the same group, or
    one of them unnamed by a group), where the earlier one is expected (constant velocity), is
    the same thing seen again after the detector lost it (a llama hidden by a passing car). Unless
    it is a vehicle (which may pass close to the camera at speed), the later piece must be of a
    size the earlier could grow to in the gap (`LinkSettings.young_resize`)."""
    settings = settings or LinkSettings()
    ordered = sorted(tracks, key=lambda t: t.frames[0])
    kept: list[DetectorTrack] = []
    for track in ordered:
        first = track.frames[0]
        best, best_score = None, 0.0
        for earlier in kept:
            gap = first - earlier.frames[-1]
            if not -JOIN_OVERLAP <= gap <= max_gap or not _compatible(earlier, track, labels):
                continue
            predicted = earlier.stabilized[-1] if gap > max_gap // 2 else earlier.predicted(first)
            box = track.stabilized[0]
            if earlier.settled() and abs(float(np.log(max(_size(box)[1], 1e-6) / max(earlier.height(), 1e-6)))) > JOIN_RESIZE:
                continue  # not the same size: another object where the first was lost (two people crossing)
            if labels.group_of(earlier.main_class()) != VEHICLE and _growth(box, earlier.stabilized[-1]) > settings.young_resize + settings.young_resize_per_frame * max(gap, 0):
                continue
            overlap = iou(predicted, box)
            near = np.linalg.norm(_centre(predicted) - _centre(box)) <= 0.5 * max(_size(predicted).max(), _size(box).max())
            score = overlap + (0.3 if near else 0.0)
            if (overlap >= 0.3 or near) and score > best_score:
                best, best_score = earlier, score
        if best is None:
            kept.append(track)
        else:
            absorb(best, track)
    return kept


def _compatible(a: DetectorTrack, b: DetectorTrack, labels: CocoLabels) -> bool:
    """Whether two tracks may be one object: both sound or both do not, and their groups agree."""
    first, second = a.main_class(), b.main_class()
    if labels.sounds(first) != labels.sounds(second):
        return False
    groups = labels.group_of(first), labels.group_of(second)
    return groups[0] == groups[1] or (VEHICLE not in groups and not all(g in labels.groups for g in groups)) or set(groups) == {"person", "animal"}


def without_covered(tracks: list[DetectorTrack], max_samples: int, share: float) -> list[DetectorTrack]:
    """Tracks less the short ones that only ever cover longer tracks' boxes: a track of at most
    `max_samples` samples whose box is, on every one of them, at least `share` covered by the boxes
    of longer tracks there (a box around a walker and the car passing him, which is neither) adds
    nothing; its classes go to the longer track it overlaps most."""
    longer_first = sorted(tracks, key=lambda t: -len(t.frames))
    kept: list[DetectorTrack] = []
    for track in longer_first:
        if len(track.frames) <= max_samples and kept and _covered(track, kept, share):
            host = max(kept, key=lambda k: sum(intersection(b, dict(zip(k.frames, k.boxes)).get(f, np.zeros(4))) for f, b in zip(track.frames, track.boxes)))
            host.extra_votes.extend(track.votes())
            continue
        kept.append(track)
    return sorted(kept, key=lambda t: t.frames[0])


def without_loose(tracks: list[DetectorTrack], labels: CocoLabels) -> list[DetectorTrack]:
    """Tracks less the loose boxes around a tracked object: a track with fewer looks than another
    of its group whose box, on most of its looks, holds that object's box and is much bigger, and
    whose size wanders (a box now around one seated man, now around him and his neighbour), is no
    object of its own; its classes go to the object it holds. A passer-by in front of someone
    keeps a steady size and stays."""
    kept: list[DetectorTrack] = []
    for track in sorted(tracks, key=lambda t: -len(t.frames)):
        host = next((k for k in kept if labels.group_of(k.main_class()) == labels.group_of(track.main_class()) and _loose_around(track, k)), None)
        if host is None:
            kept.append(track)
        else:
            host.extra_votes.extend(track.votes())
    return sorted(kept, key=lambda t: t.frames[0])


def _loose_around(track: DetectorTrack, host: DetectorTrack) -> bool:
    """Whether `track` is a loose box around `host` (see `without_loose`)."""
    areas = np.array([area(b) for b in track.boxes])
    if len(track.frames) >= len(host.frames) or float(np.std(areas)) < LOOSE_WANDER * float(np.mean(areas)):
        return False
    frames, boxes = host.per_frame()
    lookup = dict(zip(frames.tolist(), boxes))
    holding = sum(
        1
        for frame, box in zip(track.frames, track.boxes)
        if frame in lookup and area(box) >= LOOSE_GROWTH * area(lookup[frame]) and intersection(box, lookup[frame]) >= LOOSE_HOLDS * area(lookup[frame])
    )
    return holding >= LOOSE_SHARE * len(track.frames)


def _covered(track: DetectorTrack, others: list[DetectorTrack], share: float) -> bool:
    spans = [o.per_frame() for o in others]
    lookups = [dict(zip(frames.tolist(), boxes)) for frames, boxes in spans]
    for frame, box in zip(track.frames, track.boxes):
        cover = sum(intersection(box, lookup[frame]) for lookup in lookups if frame in lookup)
        if cover < share * area(box):
            return False
    return True


def merge_duplicates(tracks: list[DetectorTrack], min_iou: float, labels: CocoLabels) -> list[DetectorTrack]:
    """Tracks that cover the same object on most of their shared samples (two boxes a detector
    gave one thing, linked apart) merged into the one with more evidence; a track of a class that
    makes no sound never merges with one that does."""
    tracks = sorted(tracks, key=lambda t: -sum(t.scores))
    kept: list[DetectorTrack] = []
    for track in tracks:
        sounds = labels.sounds(track.main_class())
        host = next((k for k in kept if labels.sounds(k.main_class()) == sounds and _same_object(k, track, min_iou)), None)
        if host is None:
            kept.append(track)
        else:
            absorb(host, track)
    return sorted(kept, key=lambda t: t.frames[0])


def _same_object(a: DetectorTrack, b: DetectorTrack, min_iou: float) -> bool:
    """Whether `b` is a second track of `a`'s object: on most of their shared samples their boxes
    overlap well; a brief track (a box or two where two people cross) also when it lies mostly
    inside `a`'s box on every shared sample."""
    boxes_a = dict(zip(a.frames, a.stabilized))
    shared = [(boxes_a[f], box) for f, box in zip(b.frames, b.stabilized) if f in boxes_a]
    if len(shared) < max(1, 0.5 * min(len(a.frames), len(b.frames))):
        return False
    if float(np.mean([iou(x, y) for x, y in shared])) >= min_iou:
        return True
    brief = len(b.frames) <= BRIEF_SAMPLES < len(a.frames)
    return brief and all(intersection(x, y) >= 0.5 * area(y) for x, y in shared)


def absorb(host: DetectorTrack, other: DetectorTrack) -> None:
    """Add the other track's samples on frames the host lacks; its classes always count in the vote."""
    have = set(host.frames)
    rows = list(zip(host.frames, host.boxes, host.stabilized, host.classes, host.scores))
    for frame, box, stable, name, score in zip(other.frames, other.boxes, other.stabilized, other.classes, other.scores):
        if frame not in have:
            rows.append((frame, box, stable, name, score))
        else:
            host.extra_votes.append((name, score))
    rows.sort(key=lambda row: row[0])
    host.frames, host.boxes, host.stabilized, host.classes, host.scores = (list(column) for column in zip(*rows))


def _carry(box: np.ndarray, homography: np.ndarray) -> np.ndarray:
    """A pixel box carried through a homography (its four corners, then their bounding box)."""
    x0, y0, x1, y1 = box
    corners = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x0, y1, 1.0], [x1, y1, 1.0]]) @ np.asarray(homography, dtype=np.float64).T
    points = corners[:, :2] / corners[:, 2:3]
    return np.concatenate([points.min(axis=0), points.max(axis=0)])


def _growth(box: np.ndarray, before: np.ndarray) -> float:
    """How much a box's height differs from an earlier box's (absolute log ratio)."""
    return abs(float(np.log(max(_size(box)[1], 1e-6) / max(_size(before)[1], 1e-6))))


def _centre(box: np.ndarray) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])


def _size(box: np.ndarray) -> np.ndarray:
    return np.array([box[2] - box[0], box[3] - box[1]])
