"""What a detected box says about a tracked object that is only partly seen.

A moving-object detector reports what differs from the background, which is not always the whole
object: the picture's border cuts an object that enters or leaves, a post or another object in
front hides part of it, and two objects that touch come out as one blob. So each of the four edges
of a detection is judged on its own, per axis (x: left and right, y: top and bottom), against the
track's predicted box and its established size (the running size of its whole views):

* an edge on the picture's border (within `border_share` of it) is where the picture ends, not
  the object;
* an edge lying closer to the same edge of another object's predicted box (one that overlaps the
  detection) than to this object's is the other object's (two objects in one blob);
* when the detection is narrower than the established size by more than `size_tolerance`, part of
  the object is hidden: only the edge that agrees with the prediction (within `edge_tolerance` of
  the size plus twice the prediction's spread) is its own, and at least `min_visible` of the size
  must show;
* when it is bigger than the established size by more than `grow_tolerance`, and that size is
  settled (several whole views), the object and something else came out as one blob: the edges
  that agree with the prediction are its own;
* a detection narrower than the object on one axis is a sliver of it, whose extent on the other
  axis is suspect too (a slice of a person's side has no head): there only edges close to the
  prediction count;
* otherwise both edges are the object's.

Per axis, two trusted edges measure the box as detected (a whole view); one trusted edge anchors
a box of the established size at it (centre measured, size not); none leaves the prediction
standing. Without an established size yet (an object still entering the picture), the detection
is taken as it is, except for edges that another object claims.

A sliver of an object away from the picture's borders (narrower than the object on one axis
because something in front hides the rest) flags its reading of the other axis (`sliver`): good
enough to tell which object it is, not where it is (the ends of a slice of a walker's side are a
raised foot or a shoulder, not its feet and head), so the tracker does not learn that axis from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class PartialSettings:
    """Tolerances of the edge tests (fractions of the object's size; the border as a share of the
    picture's side)."""

    size_tolerance: float = 0.25
    grow_tolerance: float = 0.35
    edge_tolerance: float = 0.3
    min_visible: float = 0.2
    settled_views: int = 5
    border_share: float = 0.012

    def border(self, length: float) -> float:
        """How close to the picture's edge (pixels, along a side `length` long) an edge is on it:
        the detector's blur and the pan bands keep blobs a pixel or two short of the border."""
        return max(1.0, self.border_share * length)


@dataclass(frozen=True)
class Measurement:
    """A detection read as one object's box: `box` [cx, cy, w, h] (the whole object as far as the
    detection tells), `measured` which of cx, cy, w, h it measured (the rest are the prediction's
    or the established size's), `whole` per axis (x, y) whether the object was seen whole, and
    `at_least` per axis whether the detected extent is all the object's (no other object's edge
    in it), so that the object is at least that big, and `hidden_part` whether part of the object
    was hidden (a detection narrower or shorter than its size), which makes the other axis suspect
    too, and `sliver` per axis whether that axis was read from a sliver of the object (hidden in
    part on the other axis, away from the picture's borders): it tells which object, not where."""

    box: np.ndarray
    measured: np.ndarray
    whole: np.ndarray
    at_least: np.ndarray
    hidden_part: bool = False
    sliver: np.ndarray = field(default_factory=lambda: np.zeros(2, dtype=bool))


def measure(
    detected: np.ndarray,
    predicted: np.ndarray,
    size: np.ndarray,
    settled: np.ndarray,
    picture: tuple[float, float],
    rivals: np.ndarray,
    spread: np.ndarray,
    settings: PartialSettings,
) -> Measurement:
    """Read a detected box (corners) as the object whose predicted box (corners) is `predicted`.

    `size` is the object's established (w, h), NaN where not known yet, and `settled` per axis
    whether enough whole views back it; `picture` the frame's (width, height); `rivals` the
    predicted corner boxes of other objects overlapping the detection; `spread` the standard
    deviation of the predicted centre (x, y) in pixels."""
    box = np.zeros(4)
    measured = np.zeros(4, dtype=bool)
    whole = np.zeros(2, dtype=bool)
    at_least = np.zeros(2, dtype=bool)
    extents = detected[2:4] - detected[0:2]
    known = np.isfinite(size)
    narrow = known & (extents < (1.0 - settings.size_tolerance) * np.where(known, size, 0.0))
    # Narrow because something in front hides part of it, or because the picture ends there: the
    # detection or the prediction reaches a border (a pan's bands keep blobs some pixels short of
    # it), on either axis (the part of a car still in the picture may be lower than its cabin).
    margins = np.array([settings.border(length) for length in picture])
    ends = np.asarray(picture) - margins
    at_border = (np.minimum(detected[0:2], predicted[0:2]) <= margins) | (np.maximum(detected[2:4], predicted[2:4]) >= ends)
    hidden = narrow & ~at_border.any()
    for axis in (0, 1):
        lo, hi = axis, axis + 2
        strict = bool(narrow[1 - axis])  # a sliver of the object: its extent on this axis is suspect too
        start, end = _axis_edges(detected, predicted, float(size[axis]), bool(settled[axis]), float(picture[axis]), rivals, float(spread[axis]), axis, strict, settings)
        at_least[axis] = not (len(rivals) and _claimed(detected, predicted, rivals, lo, hi).any())
        extent = float(size[axis]) if known[axis] else predicted[hi] - predicted[lo]
        if start and end:
            low, high = detected[lo], detected[hi]
            measured[axis] = measured[axis + 2] = True
            margin = settings.border(picture[axis])
            whole[axis] = detected[lo] > margin and detected[hi] < picture[axis] - margin
        elif start:
            low, high = detected[lo], detected[lo] + extent
            measured[axis] = True
        elif end:
            low, high = detected[hi] - extent, detected[hi]
            measured[axis] = True
        else:
            low, high = predicted[lo], predicted[hi]
        box[axis] = (low + high) / 2
        box[axis + 2] = high - low
    return Measurement(box, measured, whole, at_least, bool(narrow.any()), hidden[::-1].copy())


def _claimed(detected: np.ndarray, predicted: np.ndarray, rivals: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Whether another object's predicted edge lies closer to the detection's low and high edge."""
    return np.array([bool(np.any(np.abs(detected[k] - rivals[:, k]) < abs(detected[k] - predicted[k]))) for k in (lo, hi)])


def _axis_edges(
    detected: np.ndarray,
    predicted: np.ndarray,
    size: float,
    settled: bool,
    length: float,
    rivals: np.ndarray,
    spread: float,
    axis: int,
    strict: bool,
    settings: PartialSettings,
) -> tuple[bool, bool]:
    """Whether the detection's low and high edge on one axis are the object's own (see the module).
    `strict`: the detection is a sliver on the other axis, so only edges close to the prediction
    count on this one."""
    lo, hi = axis, axis + 2
    edges = (lo, hi)
    margin = settings.border(length)
    border = (detected[lo] <= margin, detected[hi] >= length - margin)
    offsets = [abs(detected[k] - predicted[k]) for k in edges]
    claimed = _claimed(detected, predicted, rivals, lo, hi) if len(rivals) else (False, False)
    if not np.isfinite(size):
        # Not seen whole yet: the detection is the best there is, but for another object's edges.
        return (not claimed[0], not claimed[1])
    free = [not border[i] and not claimed[i] for i in range(2)]
    extent = detected[hi] - detected[lo]
    near = [free[i] and offsets[i] <= settings.edge_tolerance * size + 2.0 * spread + 1.0 for i in range(2)]
    if strict:
        return tuple(free[i] and offsets[i] <= settings.edge_tolerance / 3 * size + 1.0 for i in range(2))
    if extent > (1.0 + settings.grow_tolerance) * size:
        # Much bigger than the object has been: the object and something else in one blob, and
        # the edges that agree with the prediction are the object's; unless its size is not
        # settled yet (first seen in part), when it is simply bigger than thought.
        return (near[0], near[1]) if settled else (free[0], free[1])
    if extent >= (1.0 - settings.size_tolerance) * size:
        return (free[0], free[1])
    if extent < settings.min_visible * size:
        return (False, False)
    # Narrower than the object: part of it is hidden, and only an edge that agrees with the
    # prediction is its own (the closer one, when both seem to).
    candidates = [i for i in range(2) if near[i]]
    if not candidates:
        return (False, False)
    best = min(candidates, key=lambda i: offsets[i])
    return (best == 0, best == 1)
