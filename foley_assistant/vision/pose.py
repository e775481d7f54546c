"""Where a walker's feet are, frame by frame: the pose model's ankles inside each person's box.

Footfalls are read from the feet (`generators.procedural.gait.pose_footfalls`), not from the
box's bob: a heel strikes when the feet are furthest apart. The pose model (the shipped MoveNet
Lightning) runs inside the track's box of each person that moves: on every `SCOUT_STEP`-th
frame to see whether the feet move at all, and on every frame wherever they do (the frames
since the last look are held back, so a walker's feet are read on every frame from its first);
a person who stands or sits (arms and head moving, feet still) costs a quarter of the frames.
A frame whose two ankles are not both seen with some confidence gets no feet. Left and right may
swap on side views, which does not matter to the distance between the feet.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Iterable, Protocol

import numpy as np

from foley_assistant.core.tracks import Box, ObjectTrack

#: The labels whose feet the (human) pose model can read.
POSE_LABELS = ("person",)
#: An ankle seen with less confidence than this is not used.
MIN_ANKLE_SCORE = 0.2
#: At most this many people per shot get a pose (the largest movers): bounded time in a crowd.
MAX_PEOPLE = 6
LEFT_ANKLE, RIGHT_ANKLE = 15, 16
#: Feet are looked at on every this many frames of a person; every frame where they move.
SCOUT_STEP = 4
#: An ankle that moves this far (in box heights, relative to the box) between two looks is a
#: moving foot; so is a foot that comes into view or leaves it.
FOOT_MOVES = 0.03

Feet = tuple[float, float, float, float]


class PoseEstimator(Protocol):
    """Something that gives 17 COCO keypoints (x, y, score), normalized, of the person in a box."""

    def keypoints(self, frame: np.ndarray, box: Box) -> np.ndarray: ...


def wants_pose(objects: Iterable[ObjectTrack]) -> list[int]:
    """Indices of the objects whose feet are read: moving people, the largest `MAX_PEOPLE`."""
    people = [(i, o) for i, o in enumerate(objects) if o.mover and o.label in POSE_LABELS]
    people.sort(key=lambda item: -float(np.median([f.box.height for f in item[1].frames])))
    return sorted(i for i, _ in people[:MAX_PEOPLE])


class FeetReader:
    """Reads the feet of a shot's moving people from frames fed one at a time (`see`), so that one
    decode can serve several shots; `result` gives the objects with their `feet`. Frames seen
    since each person's last look are held (at most `SCOUT_STEP` - 1 of them) until the next
    look says whether their feet are read too."""

    def __init__(self, objects: tuple[ObjectTrack, ...], pose: PoseEstimator) -> None:
        self.objects = objects
        self.pose = pose
        self.chosen = wants_pose(objects)
        self.boxes = {i: {f.frame: f.box for f in objects[i].frames} for i in self.chosen}
        self.feet: dict[int, dict[int, Feet]] = {i: {} for i in self.chosen}
        self.held: dict[int, deque[tuple[int, np.ndarray]]] = {i: deque() for i in self.chosen}
        self.looks: dict[int, deque[tuple[int, Feet | None, Box]]] = {i: deque() for i in self.chosen}  # (count, feet, box)
        self.dense: dict[int, bool] = {i: False for i in self.chosen}
        self.frames_seen: dict[int, int] = {i: 0 for i in self.chosen}
        self.calls = 0

    def see(self, index: int, image: np.ndarray) -> None:
        """Read the ankles of every chosen person present in media frame `index` (now, or with
        the next look at them)."""
        for i in self.chosen:
            box = self.boxes[i].get(index)
            if box is None or box.area <= 0:
                continue
            self.frames_seen[i] += 1
            if not self.dense[i] and (self.frames_seen[i] - 1) % SCOUT_STEP:
                self.held[i].append((index, image))
                continue
            feet = self._read(i, index, image, box)
            looks = self.looks[i]
            while len(looks) > 1 and looks[1][0] <= self.frames_seen[i] - SCOUT_STEP:
                looks.popleft()  # compare with the look SCOUT_STEP frames back (or the one before)
            moving = bool(looks) and _feet_move(looks[0][1:], (feet, box), image.shape[1] / image.shape[0])
            if moving:
                while self.held[i]:
                    held_index, held_image = self.held[i].popleft()
                    self._read(i, held_index, held_image, self.boxes[i][held_index])
            self.held[i].clear()
            self.dense[i] = moving
            looks.append((self.frames_seen[i], feet, box))

    def _read(self, i: int, index: int, image: np.ndarray, box: Box) -> Feet | None:
        self.calls += 1
        points = self.pose.keypoints(image, box)
        left, right = points[LEFT_ANKLE], points[RIGHT_ANKLE]
        if min(float(left[2]), float(right[2])) < MIN_ANKLE_SCORE:
            return None
        feet = (float(left[0]), float(left[1]), float(right[0]), float(right[1]))
        self.feet[i][index] = feet
        return feet

    def result(self) -> tuple[ObjectTrack, ...]:
        """The objects, the chosen people with `feet` where both ankles were seen."""
        updated = list(self.objects)
        for i in self.chosen:
            found = self.feet[i]
            updated[i] = replace(self.objects[i], frames=tuple(replace(f, feet=found.get(f.frame)) for f in self.objects[i].frames))
        return tuple(updated)


def _feet_move(before: tuple[Feet | None, Box], now: tuple[Feet | None, Box], aspect: float) -> bool:
    """Whether the feet moved between two looks: an ankle moved `FOOT_MOVES` box heights or more,
    in the frame (a walker crossing it) or against its box (a walker the camera follows), or the
    feet came into view or left it. Coordinates are normalized; `aspect` is the frame's width over
    its height."""
    (feet_a, box_a), (feet_b, box_b) = before, now
    if feet_a is None or feet_b is None:
        return (feet_a is None) != (feet_b is None)
    least = FOOT_MOVES * max(box_a.height, box_b.height, 1e-6)
    for k in (0, 2):
        dx, dy = (feet_b[k] - feet_a[k]) * aspect, feet_b[k + 1] - feet_a[k + 1]
        box_dx, box_dy = (box_b.center_x - box_a.center_x) * aspect, box_b.y1 - box_a.y1
        if np.hypot(dx, dy) >= least or np.hypot(dx - box_dx, dy - box_dy) >= least:
            return True
    return False


def pose_span(objects: tuple[ObjectTrack, ...]) -> tuple[int, int] | None:
    """The media frames [first, end) that `FeetReader` needs to see, or None when no one is chosen."""
    chosen = wants_pose(objects)
    if not chosen:
        return None
    return min(objects[i].first_frame for i in chosen), max(objects[i].last_frame for i in chosen) + 1
