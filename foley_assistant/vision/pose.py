"""Where a walker's feet are, frame by frame: the pose model's ankles inside each person's box.

Footfalls are read from the feet (`generators.procedural.gait.pose_footfalls`), not from the
box's bob: a heel strikes when the feet are furthest apart. The pose model (the shipped MoveNet
Lightning) runs on every frame of each person that moves, inside the track's box; a frame whose
two ankles are not both seen with some confidence gets no feet. Left and right may swap on side
views, which does not matter to the distance between the feet.
"""

from __future__ import annotations

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
    decode can serve several shots; `result` gives the objects with their `feet`."""

    def __init__(self, objects: tuple[ObjectTrack, ...], pose: PoseEstimator) -> None:
        self.objects = objects
        self.pose = pose
        self.chosen = wants_pose(objects)
        self.boxes = {i: {f.frame: f.box for f in objects[i].frames} for i in self.chosen}
        self.feet: dict[int, dict[int, tuple[float, float, float, float]]] = {i: {} for i in self.chosen}

    def see(self, index: int, image: np.ndarray) -> None:
        """Read the ankles of every chosen person present in media frame `index`."""
        for i in self.chosen:
            box = self.boxes[i].get(index)
            if box is None or box.area <= 0:
                continue
            points = self.pose.keypoints(image, box)
            left, right = points[LEFT_ANKLE], points[RIGHT_ANKLE]
            if min(float(left[2]), float(right[2])) >= MIN_ANKLE_SCORE:
                self.feet[i][index] = (float(left[0]), float(left[1]), float(right[0]), float(right[1]))

    def result(self) -> tuple[ObjectTrack, ...]:
        """The objects, the chosen people with `feet` where both ankles were seen."""
        updated = list(self.objects)
        for i in self.chosen:
            found = self.feet[i]
            updated[i] = replace(self.objects[i], frames=tuple(replace(f, feet=found.get(f.frame)) for f in self.objects[i].frames))
        return tuple(updated)


def pose_span(objects: tuple[ObjectTrack, ...]) -> tuple[int, int] | None:
    """The media frames [first, end) that `FeetReader` needs to see, or None when no one is chosen."""
    chosen = wants_pose(objects)
    if not chosen:
        return None
    return min(objects[i].first_frame for i in chosen), max(objects[i].last_frame for i in chosen) + 1
