"""The editor's corrections to a shot's object tracks, as pure functions (the commands in
`core.commands` apply them to the project).

A moved or resized box is a keyframe: the box given at that frame is kept exactly, and the same
correction fades out over the neighbouring frames (a cosine taper over `spread` frames on each
side, stopping at other manual keyframes), so one drag fixes a drifting stretch without a jump.
"""

from __future__ import annotations

import math
from dataclasses import replace

from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, quantized

MANUAL_CONFIDENCE = 1.0


def next_object_id(shot: ShotTracks) -> str:
    """The first free id of the form O<n>, after the highest one in use."""
    numbers = [int(o.id[1:]) for o in shot.objects if o.id.startswith("O") and o.id[1:].isdigit()]
    return f"O{max(numbers, default=0) + 1}"


def replace_object(shot: ShotTracks, obj: ObjectTrack) -> ShotTracks:
    """The shot with `obj` in place of the object with the same id."""
    shot.object(obj.id)  # a clear KeyError when it is not there
    return replace(shot, objects=tuple(obj if o.id == obj.id else o for o in shot.objects))


def set_box(obj: ObjectTrack, frame: int, box: Box, spread: int = 12, manual_frames: frozenset[int] = frozenset()) -> ObjectTrack:
    """`obj` with `box` at `frame` (added if the object had no box there), the correction tapered
    over `spread` frames each side; frames in `manual_frames` (earlier keyframes) are not moved and
    stop the taper. A resized box changes the distance with it: a thing whose picture is taller is
    nearer, in proportion (a pinhole camera), on every frame the correction reaches."""
    box = box.clipped()
    by_frame = {f.frame: f for f in obj.frames}
    old = by_frame.get(frame)
    distance = _rescaled_distance(old.distance_m, old.box, box) if old else _nearest_distance(obj, frame)
    by_frame[frame] = TrackedFrame(frame, box, MANUAL_CONFIDENCE, distance)
    if old is not None and spread > 0:
        delta = [n - o for n, o in zip(box.as_list(), old.box.as_list())]
        for direction in (-1, 1):
            for step in range(1, spread + 1):
                other = frame + direction * step
                if other in manual_frames or other not in by_frame:
                    break
                weight = (1 + math.cos(math.pi * step / (spread + 1))) / 2
                near = by_frame[other]
                moved = [v + weight * d for v, d in zip(near.box.as_list(), delta)]
                x0, y0, x1, y1 = moved
                moved_box = Box(x0, y0, max(x0, x1), max(y0, y1)).clipped()
                by_frame[other] = replace(near, box=moved_box, distance_m=_rescaled_distance(near.distance_m, near.box, moved_box))
    return replace(obj, frames=tuple(quantized(f) for f in by_frame.values()))


def _rescaled_distance(distance_m: float | None, before: Box, after: Box) -> float | None:
    """The distance of a thing whose box went from `before` to `after`: inversely proportional to
    its height (unchanged for a box that only moved, or one without a height)."""
    if distance_m is None or before.height <= 0 or after.height <= 0:
        return distance_m
    return distance_m * before.height / after.height


def _nearest_distance(obj: ObjectTrack, frame: int) -> float | None:
    known = [f for f in obj.frames if f.distance_m is not None]
    if not known:
        return None
    return min(known, key=lambda f: abs(f.frame - frame)).distance_m


def merge_objects(keep: ObjectTrack, other: ObjectTrack) -> ObjectTrack:
    """One object from two (the tracker split one thing in two): `keep`'s id and label; where
    both have a box the more confident one wins (`keep`'s on a tie)."""
    by_frame = {f.frame: f for f in other.frames}
    for f in keep.frames:
        if f.frame not in by_frame or f.confidence >= by_frame[f.frame].confidence:
            by_frame[f.frame] = f
    source = "manual" if "manual" in (keep.source, other.source) else keep.source
    return replace(keep, source=source, frames=tuple(by_frame.values()))


def split_object(obj: ObjectTrack, frame: int, new_id: str) -> tuple[ObjectTrack, ObjectTrack]:
    """Two objects from one (the tracker joined two things): boxes before `frame` stay with `obj`,
    the rest go to a new object `new_id` with the same label."""
    before = tuple(f for f in obj.frames if f.frame < frame)
    after = tuple(f for f in obj.frames if f.frame >= frame)
    if not before or not after:
        raise ValueError(f"object {obj.id} has boxes only on one side of frame {frame}: there is nothing to split")
    return replace(obj, frames=before), replace(obj, id=new_id, frames=after)


#: A new object whose boxes overlap a corrected one's by this much (mean IoU over the frames they
#: share) is the same thing found again.
SAME_THING_IOU = 0.3


def corrected_objects(shot: ShotTracks | None) -> tuple[ObjectTrack, ...]:
    """The objects of a shot that the editor drew or corrected by hand."""
    return () if shot is None else tuple(o for o in shot.objects if o.source == "manual")


def merge_analysis(old: ShotTracks, new: ShotTracks) -> ShotTracks:
    """A fresh analysis of a shot that keeps the editor's corrections: every corrected object of
    `old` as it was, and the objects of `new` that are not one of them found again (their boxes
    overlap by `SAME_THING_IOU` or more on the frames both have), renumbered after them."""
    kept = list(corrected_objects(old))
    merged = replace(new, objects=tuple(kept))
    for obj in new.objects:
        if any(_same_thing(obj, mine) for mine in kept):
            continue
        merged = replace(merged, objects=merged.objects + (replace(obj, id=next_object_id(merged)),))
    return merged


def _same_thing(a: ObjectTrack, b: ObjectTrack) -> bool:
    boxes = {f.frame: f.box for f in b.frames}
    shared = [f.box.iou(boxes[f.frame]) for f in a.frames if f.frame in boxes]
    return bool(shared) and sum(shared) / len(shared) >= SAME_THING_IOU
