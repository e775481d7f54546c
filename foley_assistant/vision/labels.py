"""Sound labels for tracked objects, voted from a detector's classes over the whole track.

A detector names each box with a COCO class; the editable table resources/coco_labels.json maps
every sound-making class to a sound label (the labels of voices.json and size_priors.json) and
gathers classes a detector confuses into groups (vehicle, animal...). A track's label is voted
over all its detections, weighted by score: first the group, which must hold a clear majority of
the evidence, then the class inside the group, which falls back to the group's own label when no
class is clear (a llama seen as a horse, then a sheep, is an `animal`, not a voice that flips).
A label the evidence does not support is worse than none: such a track is `unknown`, and the
editor picks. Box shape is never taken for a label.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Iterable

#: The label of a track whose evidence names nothing (motion without a detection, or a vote
#: without a clear majority). Voices treat it with a generic sound that follows the motion.
UNKNOWN = "unknown"
#: The share of the weighted evidence the winning group (and then class) must hold.
MAJORITY = 0.6
#: The least summed detector score that can name a track (one confident box of a fast pass-by).
MIN_EVIDENCE = 0.5
#: The least mean score per detector look at the track (its samples, seen or not): a thing the
#: detector names on a few of many looks, weakly, is not named by it (a robot's head called a car).
MIN_DENSITY = 0.25
_SILENT = "_silent"


@dataclass(frozen=True)
class CocoLabels:
    """COCO class ids to names (torchvision's order), the sound label of each sounding class,
    and the groups of classes a detector confuses with each other."""

    categories: tuple[str, ...]
    sound_labels: dict[str, str]
    groups: dict[str, tuple[str, ...]]
    group_labels: dict[str, str]

    def sounds(self, class_name: str) -> bool:
        """Whether a class makes a sound at all (a person, a car; not a chair or a fire hydrant)."""
        return class_name in self.sound_labels

    def group_of(self, class_name: str) -> str:
        """The group of a class name: a named group, the class itself for a sounding class
        outside every group, or a shared 'silent' group for classes that make no sound."""
        for group, members in self.groups.items():
            if class_name in members:
                return group
        return class_name if class_name in self.sound_labels else _SILENT


@dataclass(frozen=True)
class LabelVote:
    """A track's voted label and the evidence behind it, for the report and the editor."""

    label: str
    group: str | None
    share: float
    evidence: float
    classes: tuple[tuple[str, float], ...]
    sparse: bool = False

    @property
    def sounding(self) -> bool:
        """Whether the vote names something that makes a sound (not unknown, not a silent class)."""
        return self.label != UNKNOWN

    def describe(self) -> str:
        """One line saying why the label was chosen."""
        if not self.classes:
            return "no detection named it"
        seen = ", ".join(f"{name} {weight:.1f}" for name, weight in self.classes[:3])
        if self.sparse:
            return f"named too seldom and too weakly to trust ({seen})"
        if self.label == UNKNOWN:
            return f"no clear class (detector scores: {seen})"
        return f"{self.label}: {self.share:.0%} of the detector's evidence ({seen})"


def vote_label(detections: Iterable[tuple[str, float]], labels: CocoLabels | None = None, looks: int | None = None) -> LabelVote:
    """The label of a track from its detections' (class name, score) pairs.

    The winning group must hold `MAJORITY` of the summed score and the sum must reach
    `MIN_EVIDENCE` (and, when `looks` says how many times the detector looked at the track,
    `MIN_DENSITY` per look); inside the group a class needs the same majority, else the group's
    label is used. A track whose evidence is mostly classes that make no sound (a chair, a bench)
    is `unknown`: detection alone does not make a sound source.
    """
    labels = labels or coco_labels()
    per_class: dict[str, float] = defaultdict(float)
    for name, score in detections:
        per_class[name] += float(score)
    total = sum(per_class.values())
    ranked = tuple(sorted(per_class.items(), key=lambda item: -item[1]))
    if total < MIN_EVIDENCE:
        return LabelVote(UNKNOWN, None, 0.0, total, ranked)
    per_group: dict[str, float] = defaultdict(float)
    for name, weight in per_class.items():
        per_group[labels.group_of(name)] += weight
    group, group_weight = max(per_group.items(), key=lambda item: item[1])
    share = group_weight / total
    if share < MAJORITY or group == _SILENT:
        return LabelVote(UNKNOWN, None if group == _SILENT else group, share, total, ranked)
    if looks is not None and group_weight / max(1, looks) < MIN_DENSITY:
        return LabelVote(UNKNOWN, group, share, total, ranked, sparse=True)
    name, weight = max(((n, w) for n, w in per_class.items() if labels.group_of(n) == group), key=lambda item: item[1])
    if weight / group_weight >= MAJORITY:
        return LabelVote(labels.sound_labels[name], group, share, total, ranked)
    return LabelVote(labels.group_labels.get(group, UNKNOWN), group, share, total, ranked)


@lru_cache(maxsize=1)
def coco_labels() -> CocoLabels:
    """The editable COCO -> sound label table of resources/coco_labels.json."""
    data = json.loads((files("foley_assistant.resources") / "coco_labels.json").read_text(encoding="utf-8"))
    return CocoLabels(
        tuple(data["categories"]),
        {str(k): str(v) for k, v in data["sound_labels"].items()},
        {str(k): tuple(str(m) for m in v) for k, v in data.get("groups", {}).items()},
        {str(k): str(v) for k, v in data.get("group_labels", {}).items()},
    )
