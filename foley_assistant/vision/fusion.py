"""What sounds in a sub-shot: detector tracks and motion evidence fused into objects, each with a
label, a mover decision and a confidence.

Two kinds of evidence meet here. The detector (every few frames) says *what* is in the picture
and where its whole body is; the camera-compensated motion detector (every frame) says *what moves
against the background*. An object is:

- a detector track whose moving parts show against the background on enough of its frames (an
  arm that scratches a neck, legs that walk), or that travels in the stabilized picture: a mover,
  labelled by the detector's vote (`labels.vote_label`); a detector track that does neither (a
  parked car, a bollard that only moves with the pan) is kept as a candidate the editor can
  accept, with no stem by default;
- a motion track that no detector track explains (a cartoon character, a robot): labelled
  `unknown`, a mover by default only when its evidence is strong (long, solid, not a sliver),
  else a candidate. Motion tracks inside a detector track are that object's parts, never objects
  of their own, so one person never becomes three tracks.

A very fast mover (a car crossing the frame in four frames) may be sampled by the detector once:
its motion track gives the per-frame boxes and the detection its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from foley_assistant.vision.boxes import area, intersection, iou
from foley_assistant.vision.detector_tracks import DetectorTrack, absorb
from foley_assistant.vision.labels import UNKNOWN, LabelVote, coco_labels, vote_label
from foley_assistant.vision.tracker import TrackedBoxes


@dataclass(frozen=True)
class FusionSettings:
    """Thresholds of the mover decision; shares are of an object's frames."""

    attach_share: float = 0.5
    whole_part_iou: float = 0.5
    ride_iou: float = 0.5
    mover_motion_share: float = 0.25
    mover_travel_heights: float = 0.75
    travel_needs_share: float = 0.1
    least_height: float = 0.1  # of the frame height: the least height travel is measured in
    unnamed_motion_share: float = 0.6
    animate_groups: tuple[str, ...] = ("person", "animal", "vehicle")
    blob_inside: float = 0.6
    blob_min_share: float = 0.01
    min_samples: int = 2
    brief_samples: int = 4
    brief_min_score: float = 0.45
    brief_travel_heights: float = 0.5
    motion_only_min_s: float = 0.8
    double_inside: float = 0.8
    double_share: float = 0.8
    handover_inside: float = 0.5
    handover_share: float = 0.75
    handover_min_frames: int = 3


@dataclass(frozen=True)
class FusedObject:
    """One object of a sub-shot, ready to become an `ObjectTrack`."""

    frames: np.ndarray
    boxes: np.ndarray
    observed: np.ndarray
    label: str
    source: str
    mover: bool
    confidence: float
    evidence: str
    vote: LabelVote | None = None


def fuse(
    detector_tracks: list[DetectorTrack],
    motion_tracks: list[TrackedBoxes],
    blobs: dict[int, np.ndarray],
    fps: float,
    stride: int = 1,
    settings: FusionSettings | None = None,
    frame_height: float = 0.0,
    vote: Callable[..., LabelVote] = vote_label,
) -> list[FusedObject]:
    """The sub-shot's objects from its detector tracks, its motion tracks and its per-frame motion
    blobs (`blobs[frame]`: (n, 4) normalized boxes of foreground found against the background)."""
    settings = settings or FusionSettings()
    detector_tracks = _join_handovers(detector_tracks, settings)
    detector_tracks = _join_through_motion(detector_tracks, motion_tracks, settings)
    owners = _attach(motion_tracks, detector_tracks, settings)
    _claim_whole(motion_tracks, detector_tracks, owners, settings, stride)
    fused: list[FusedObject] = []
    for index, track in enumerate(detector_tracks):
        parts = [m for m, owner in zip(motion_tracks, owners) if owner == index]
        made = _from_detector(track, parts, blobs, stride, settings, vote, frame_height)
        if made is not None:
            fused.append(made)
    for motion, owner in zip(motion_tracks, owners):
        if owner is None:
            fused.append(_from_motion(motion, fps, settings))
    return _without_doubles(fused, settings)


def _without_doubles(fused: list[FusedObject], settings: FusionSettings) -> list[FusedObject]:
    """The objects less those that double another of their group: an object whose box lies
    (`double_inside` of its area) inside the box of a mover of the same group, or of an object
    seen longer, on `double_share` of its frames is the same thing seen twice (one car boxed as a
    truck and as an airplane, linked into two tracks). Movers and longer tracks are kept first."""
    labels = coco_labels()
    ordered = sorted(range(len(fused)), key=lambda i: (not fused[i].mover, -len(fused[i].frames), -fused[i].confidence))
    kept: list[int] = []
    for index in ordered:
        candidate = fused[index]
        group = labels.group_of(candidate.label) if candidate.label != UNKNOWN else None
        if not any(
            (group is None or labels.group_of(fused[k].label) == group)
            and _inside_on(candidate.frames, candidate.boxes, fused[k].frames, fused[k].boxes, settings.double_inside) >= settings.double_share
            for k in kept
        ):
            kept.append(index)
    return [fused[i] for i in sorted(kept)]


def _inside_on(frames: np.ndarray, boxes: np.ndarray, other_frames: np.ndarray, other_boxes: np.ndarray, inside: float) -> float:
    """The share of a track's frames on which at least `inside` of its box's area lies inside
    the other track's box (frames the other track does not have count against)."""
    held = sum(area(box) > 0 and intersection(box, other) >= inside * area(box) for box, other in _shared_boxes(frames, boxes, other_frames, other_boxes))
    return held / max(1, len(frames))


def _join_handovers(tracks: list[DetectorTrack], settings: FusionSettings) -> list[DetectorTrack]:
    """Two tracks of one object that hand over, joined: the later starts while the earlier is
    seen and outlives it, both of one group, and on `handover_share` of the frames they share
    (at least `handover_min_frames`) more than `handover_inside` of the smaller box lies inside
    the larger (a llama boxed whole as a giraffe, then by its body as a dog, while the first box
    slides onto a passing car). The later track takes the earlier one's samples before its own
    first; the earlier one's later samples still vote."""
    labels = coco_labels()
    ordered = sorted(tracks, key=lambda t: t.frames[0])
    gone: set[int] = set()
    for later in ordered:
        for k, earlier in enumerate(ordered):
            if k in gone or earlier is later or not earlier.frames[0] < later.frames[0] <= earlier.frames[-1] < later.frames[-1]:
                continue
            if labels.group_of(earlier.main_class()) != labels.group_of(later.main_class()) or not _hand_over(earlier, later, settings):
                continue
            before = [i for i, f in enumerate(earlier.frames) if f < later.frames[0]]
            later.extra_votes.extend((earlier.classes[i], earlier.scores[i]) for i in range(len(earlier.frames)) if i not in before)
            later.extra_votes.extend(earlier.extra_votes)
            for name, column in (("frames", earlier.frames), ("boxes", earlier.boxes), ("stabilized", earlier.stabilized), ("classes", earlier.classes), ("scores", earlier.scores)):
                setattr(later, name, [column[i] for i in before] + getattr(later, name))
            gone.add(k)
            break
    return [t for k, t in enumerate(ordered) if k not in gone]


def _hand_over(earlier: DetectorTrack, later: DetectorTrack, settings: FusionSettings) -> bool:
    """Whether, on the frames two tracks share, the smaller box mostly lies inside the larger
    (see `_join_handovers`)."""
    shared = _shared_boxes(*earlier.per_frame(), *later.per_frame())
    if len(shared) < settings.handover_min_frames:
        return False
    held = sum(min(area(a), area(b)) > 0 and intersection(a, b) > settings.handover_inside * min(area(a), area(b)) for a, b in shared)
    return held >= settings.handover_share * len(shared)


def _join_through_motion(detector_tracks: list[DetectorTrack], motion_tracks: list[TrackedBoxes], settings: FusionSettings) -> list[DetectorTrack]:
    """Detector tracks that follow one another along the same motion track (the detector lost a
    ball entering the frame and found it again) joined into one: each lies on the motion track
    on most of its samples, and they share at most one sampled frame."""
    tracks = list(detector_tracks)
    labels = coco_labels()
    for motion in motion_tracks:
        boxes = {int(f): b for f, b in zip(motion.frames, motion.boxes)}
        riding = [t for t in tracks if labels.sounds(t.main_class()) and _rides(t, boxes, settings)]
        riding.sort(key=lambda t: t.frames[0])
        host = None
        for track in riding:
            if host is not None and len(set(host.frames) & set(track.frames)) <= 1:
                absorb(host, track)
                tracks.remove(track)
            else:
                host = track if host is None or sum(track.scores) > sum(host.scores) else host
    return tracks


def _rides(track: DetectorTrack, motion_boxes: dict[int, np.ndarray], settings: FusionSettings) -> bool:
    """Whether a detector track lies on a motion track (IoU >= 0.5: the same thing, not a bigger
    one in front of it) on most of its samples."""
    on = [iou(box, motion_boxes[f]) >= settings.ride_iou for f, box in zip(track.frames, track.boxes) if f in motion_boxes]
    return len(on) >= max(1, settings.attach_share * len(track.frames)) and float(np.mean(on)) >= settings.attach_share


def _attach(motion_tracks: list[TrackedBoxes], detector_tracks: list[DetectorTrack], settings: FusionSettings) -> list[int | None]:
    """For each motion track, the detector track it is a part of (None when none explains it): of
    the detector tracks that hold it on enough of its frames, the one sampled most often (a box
    the detector gave once does not take a walker's motion from the walker's own track)."""
    spans = [track.per_frame() for track in detector_tracks]
    owners: list[int | None] = []
    for motion in motion_tracks:
        holding = []
        for index, (frames, boxes) in enumerate(spans):
            share = _inside_share(motion.frames, motion.boxes, frames, boxes, len(detector_tracks[index].frames))
            if share >= settings.attach_share:
                holding.append((len(detector_tracks[index].frames), share, index))
        owners.append(max(holding)[2] if holding else None)
    return owners


def _claim_whole(motion_tracks: list[TrackedBoxes], detector_tracks: list[DetectorTrack], owners: list[int | None], settings: FusionSettings, stride: int) -> None:
    """Give each unowned motion track to a detector track that is the same thing where they meet
    (mean IoU >= `whole_part_iou`) when the detector saw it on under half of its looks over the
    motion track's frames: a ball the detector names on a few frames of its six seconds is one
    object, followed by the motion tracker the rest of the time, not a brief detection beside an
    unnamed motion candidate. (A thing the detector sees steadily, a chair, does not take in
    motion that only overlaps it.)"""
    spans = [track.per_frame() for track in detector_tracks]
    for k, motion in enumerate(motion_tracks):
        if owners[k] is not None:
            continue
        looks = max(1, len(motion.frames) // max(1, stride))
        first, last = int(motion.frames[0]), int(motion.frames[-1])
        seldom = [sum(first <= f <= last for f in t.frames) < 0.5 * looks for t in detector_tracks]
        fits = [(_mean_iou(motion.frames, motion.boxes, frames, boxes) if seldom[index] else 0.0, index) for index, (frames, boxes) in enumerate(spans)]
        best = max(fits, default=(0.0, None))
        if best[0] >= settings.whole_part_iou:
            owners[k] = best[1]


def _inside_share(frames: np.ndarray, boxes: np.ndarray, other_frames: np.ndarray, other_boxes: np.ndarray, samples: int) -> float:
    """The share of a motion track's frames on which it lies mostly inside the other track's box
    (or overlaps it well). A detector track sampled once or twice counts over the motion track's
    whole span if it holds the motion box on its frames (a fast pass-by)."""
    shared = _shared_boxes(frames, boxes, other_frames, other_boxes)
    if not shared:
        return 0.0
    inside = [intersection(a, b) >= 0.5 * max(area(a), 1e-9) or iou(a, b) >= 0.3 for a, b in shared]
    if samples < 3:
        return float(np.mean(inside))
    return float(np.sum(inside)) / len(frames)


def _from_detector(
    track: DetectorTrack,
    parts: list[TrackedBoxes],
    blobs: dict[int, np.ndarray],
    stride: int,
    settings: FusionSettings,
    vote: Callable[..., LabelVote],
    frame_height: float,
) -> FusedObject | None:
    looks = (track.frames[-1] - track.frames[0]) // max(1, stride) + 1
    decision = vote(track.votes(), looks=looks)
    frames, boxes = track.per_frame()
    observed = np.isin(frames, track.frames)
    if len(track.frames) < settings.min_samples:
        if not parts or not decision.sounding:
            return None  # one box, nothing moving there (or nothing that sounds): a detector's passing mistake
        longest = max(parts, key=lambda p: len(p.frames))
        frames, boxes, observed = longest.frames, longest.boxes, longest.observed
    else:
        whole = [p for p in parts if _mean_iou(p.frames, p.boxes, frames, boxes) >= settings.whole_part_iou]
        if whole:
            frames, boxes, observed = _prefer_motion_boxes(frames, boxes, observed, whole)
    share = _moving_share(frames, boxes, blobs, parts, settings)
    travel = _travel_heights(track, frame_height * settings.least_height)
    if len(track.frames) < settings.min_samples and parts:
        travel = max(travel, _box_travel(boxes, settings.least_height if frame_height else 0.0))  # seen once: its motion shows the travel
    # Travel alone is weak evidence under a moving camera (parallax, a box cut by the border), so
    # it counts only with some motion of the object's own against the background.
    travels = travel >= settings.mover_travel_heights and share >= settings.travel_needs_share
    # People, animals and vehicles move parts of themselves in place (an arm, legs, wheels); a
    # thing (a chair, a bottle, a ball) sounds only when it moves as a whole: motion inside its
    # box is something in front of it or behind it (the scenery in a car's window behind a seat).
    animate = decision.group in settings.animate_groups
    moves = (share >= settings.mover_motion_share and animate) or travels or (len(track.frames) < settings.min_samples and bool(parts))
    if len(track.frames) < settings.brief_samples:
        # A few looks (a pass-by seen on 2-3 frames) need one confident look and real travel:
        # a handheld close-up makes weak, jumping boxes of things that are not there.
        moves = moves and max(track.scores) >= settings.brief_min_score and travel >= settings.brief_travel_heights
    strength = min(1.0, max(share / (2 * settings.mover_motion_share), travel / (2 * settings.mover_travel_heights)))
    score = float(np.mean(track.scores))
    # A thing the detector cannot name (a robot, a cartoon character) but that moves against the
    # background on most of its frames is a mover of unknown kind; a class that makes no sound is not.
    unnamed_mover = decision.label == UNKNOWN and decision.group is not None and share >= settings.unnamed_motion_share
    mover = (moves and decision.sounding) or unnamed_mover
    confidence = round(float(np.clip(score * (0.5 + 0.5 * strength) if mover else score * 0.5 * strength, 0.0, 1.0)), 4)
    why = f"detector track of {len(track.frames)} samples; {decision.describe()}; moving parts on {share:.0%} of its frames; travels {travel:.2f} of its height"
    if not decision.sounding:
        why += "; not a sound source by its class" if decision.group is None else ""
    return FusedObject(frames, boxes, observed, decision.label, "detector", mover, confidence, why, decision)


def _from_motion(motion: TrackedBoxes, fps: float, settings: FusionSettings) -> FusedObject:
    seconds = len(motion.frames) / fps
    solid = float(np.clip(motion.mean_fill, 0.0, 1.0))
    confidence = round(solid * min(1.0, seconds / (2 * settings.motion_only_min_s)), 4)
    # Motion that no detector ever looked at as a thing is, on real pictures, mostly scenery in a
    # window, an effect or a reflection: a candidate for the editor, never a stem by default.
    mover = False
    why = f"moves against the background for {seconds:.1f} s (fill {solid:.2f}); no detector saw a thing there: a candidate"
    return FusedObject(motion.frames, motion.boxes, motion.observed, UNKNOWN, "tracker", mover, confidence, why)


def _mean_iou(frames: np.ndarray, boxes: np.ndarray, other_frames: np.ndarray, other_boxes: np.ndarray) -> float:
    """Mean IoU of two tracks over the frames they share (0 when none)."""
    shared = [iou(a, b) for a, b in _shared_boxes(frames, boxes, other_frames, other_boxes)]
    return float(np.mean(shared)) if shared else 0.0


def _shared_boxes(frames: np.ndarray, boxes: np.ndarray, other_frames: np.ndarray, other_boxes: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(this box, the other track's box) on every frame of this track that the other has."""
    lookup = {int(f): b for f, b in zip(other_frames, other_boxes)}
    return [(b, lookup[int(f)]) for f, b in zip(frames, boxes) if int(f) in lookup]


def _prefer_motion_boxes(frames: np.ndarray, boxes: np.ndarray, observed: np.ndarray, whole: list[TrackedBoxes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The detector track's frames, widened to its whole-body motion tracks' frames, with the
    motion tracker's boxes wherever it has them: it measures every frame, and reads partial views
    (a walker behind a post) that a detector sampled every few frames cannot."""
    rows = {int(f): (b, bool(o)) for f, b, o in zip(frames, boxes, observed)}
    for part in whole:
        for f, b, o in zip(part.frames, part.boxes, part.observed):
            rows[int(f)] = (b, bool(o) or rows.get(int(f), (None, False))[1])
    ordered = sorted(rows)
    span = np.arange(ordered[0], ordered[-1] + 1)
    known = np.array(ordered)
    table = np.array([rows[f][0] for f in ordered])
    filled = np.stack([np.interp(span, known, table[:, k]) for k in range(4)], axis=1)
    seen = np.array([rows.get(int(f), (None, False))[1] for f in span])
    return span, filled, seen


def _moving_share(frames: np.ndarray, boxes: np.ndarray, blobs: dict[int, np.ndarray], parts: list[TrackedBoxes], settings: FusionSettings) -> float:
    """The share of an object's frames on which foreground that belongs to it shows against the
    background: a motion blob mostly inside its box (and not a speck of it), or one of its parts."""
    part_frames = {int(f) for part in parts for f in part.frames}
    moving = 0
    for frame, box in zip(frames, boxes):
        if int(frame) in part_frames:
            moving += 1
            continue
        found = blobs.get(int(frame))
        if found is None or len(found) == 0:
            continue
        size = max(area(box), 1e-9)
        for blob in found:
            inter = intersection(blob, box)
            if inter >= settings.blob_inside * max(area(blob), 1e-9) and inter >= settings.blob_min_share * size:
                moving += 1
                break
    return moving / max(1, len(frames))


def _travel_heights(track: DetectorTrack, least_height: float = 0.0) -> float:
    """How far the object's centre ranges in the stabilized picture, in its own heights (at least
    `least_height` pixels: a few pixels of jitter are not many heights of a tiny far object)."""
    if len(track.frames) < 2:
        return 0.0
    centres = track.stabilized_centres()
    heights = np.array([b[3] - b[1] for b in track.stabilized])
    reach = float(np.max(centres.max(axis=0) - centres.min(axis=0)))
    return reach / max(float(np.median(heights)), least_height, 1e-6)


def _box_travel(boxes: np.ndarray, least_height: float) -> float:
    """How far a run of normalized boxes' centre ranges, in their median height (at least
    `least_height` of the frame's)."""
    if len(boxes) < 2:
        return 0.0
    centres = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
    reach = float(np.max(centres.max(axis=0) - centres.min(axis=0)))
    height = float(np.median(boxes[:, 3] - boxes[:, 1]))
    return reach / max(height, least_height, 1e-6)
