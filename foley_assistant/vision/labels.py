"""A first label for a tracked object from the shape of its box, when no detector names it.

Motion alone cannot tell a person from a car; the box shape can, roughly: upright boxes are
people, long low boxes are vehicles, the rest are generic objects. The result is a guess that the
editor can change. With the neural detector, labels come from its COCO classes instead, mapped to
sound labels by the editable table resources/coco_labels.json (`coco_labels`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np

UPRIGHT_ASPECT = 1.5
WIDE_ASPECT = 0.7


def label_from_shape(boxes: np.ndarray, frame_width: int, frame_height: int) -> str:
    """'person', 'car' or 'object' from the median height/width ratio (in pixels) of the boxes.

    Boxes cut by the frame edge are ignored when others exist, since their shape is not the object's.
    """
    inside = (boxes[:, 0] > 0.005) & (boxes[:, 2] < 0.995)
    chosen = boxes[inside] if inside.sum() >= 3 else boxes
    widths = (chosen[:, 2] - chosen[:, 0]) * frame_width
    heights = (chosen[:, 3] - chosen[:, 1]) * frame_height
    aspect = float(np.median(heights / np.maximum(widths, 1e-6)))
    if aspect >= UPRIGHT_ASPECT:
        return "person"
    if aspect <= WIDE_ASPECT:
        return "car"
    return "object"


@dataclass(frozen=True)
class CocoLabels:
    """COCO class ids to names (torchvision's order) and the sound label of each sounding class."""

    categories: tuple[str, ...]
    sound_labels: dict[str, str]

    def sound_label(self, class_id: int) -> str | None:
        """The sound label of a detector class id, or None for a class that makes no sound."""
        if not 0 <= class_id < len(self.categories):
            return None
        return self.sound_labels.get(self.categories[class_id])


@lru_cache(maxsize=1)
def coco_labels() -> CocoLabels:
    """The editable COCO -> sound label table of resources/coco_labels.json."""
    data = json.loads((files("foley_assistant.resources") / "coco_labels.json").read_text(encoding="utf-8"))
    return CocoLabels(tuple(data["categories"]), {str(k): str(v) for k, v in data["sound_labels"].items()})
