"""A first label for a tracked object from the shape of its box, when no detector names it.

Motion alone cannot tell a person from a car; the box shape can, roughly: upright boxes are
people, long low boxes are vehicles, the rest are generic objects. The result is a guess that the
editor can change; the neural detector (later) replaces it.
"""

from __future__ import annotations

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
