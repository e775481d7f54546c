"""Reading a detection as one object's box when the object is only partly seen (vision.partial)."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.vision.partial import PartialSettings, measure

PICTURE = (320.0, 180.0)
SETTINGS = PartialSettings()
NO_RIVALS = np.zeros((0, 4))
SETTLED = np.array([True, True])


def corners(box):
    return np.array(box, dtype=float)


def test_a_whole_view_is_measured_as_detected():
    reading = measure(corners([100, 50, 130, 150]), corners([98, 50, 128, 150]), np.array([30.0, 100.0]), SETTLED, PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert reading.measured.all() and reading.whole.all()
    np.testing.assert_allclose(reading.box, [115, 100, 30, 100])


def test_an_object_leaving_the_picture_keeps_its_size_anchored_at_the_inner_edge():
    # Only 12 px of a 30 px wide walker still show at the left border: the inner (right) edge is
    # its own, the left one is the picture's.
    reading = measure(corners([0, 50, 12, 150]), corners([-16, 50, 14, 150]), np.array([30.0, 100.0]), SETTLED, PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert reading.measured[0] and not reading.measured[2] and not reading.whole[0]
    assert reading.box[0] == pytest.approx(12 - 15) and reading.box[2] == pytest.approx(30)


def test_an_object_going_behind_a_post_is_anchored_at_the_edge_that_moves_with_it():
    # A walker moving right reaches a post at x = 129: its right edge stops there, its left edge
    # (where the prediction says it is) is its own.
    predicted = corners([107, 80, 138, 180])
    reading = measure(corners([108, 80, 129, 180]), predicted, np.array([31.0, 100.0]), SETTLED, PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert reading.measured[0] and reading.box[0] == pytest.approx(108 + 15.5)
    assert not reading.whole[0] and reading.hidden_part


def test_a_blob_of_two_objects_gives_each_only_its_own_edges():
    # A car (wide, low) passing behind a walker (narrow, tall): one blob. Read as the car, the
    # blob's left, top and bottom edges are the walker's; its right edge is the car's.
    car = corners([70, 93, 150, 121])
    walker = corners([37, 86, 63, 138])
    blob = corners([37, 84, 149, 138])
    as_car = measure(blob, car, np.array([80.0, 28.0]), SETTLED, PICTURE, walker[None, :], np.ones(2), SETTINGS)
    assert not as_car.measured[2]  # not seen across: it cannot be measured as a whole car
    assert as_car.box[0] == pytest.approx(149 - 40)  # anchored at its own (right) edge
    assert not as_car.measured[1]  # top and bottom are the walker's
    as_walker = measure(blob, walker, np.array([26.0, 52.0]), SETTLED, PICTURE, car[None, :], np.ones(2), SETTINGS)
    assert as_walker.measured[0] and as_walker.box[0] == pytest.approx(37 + 13)
    assert as_walker.measured[1] and as_walker.measured[3]


def test_a_much_bigger_blob_is_not_taken_as_a_settled_object_growing():
    reading = measure(corners([100, 50, 180, 150]), corners([100, 50, 130, 150]), np.array([30.0, 100.0]), SETTLED, PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert reading.box[0] == pytest.approx(115) and reading.box[2] == pytest.approx(30)
    unsettled = measure(corners([100, 50, 180, 150]), corners([100, 50, 130, 150]), np.array([30.0, 100.0]), np.array([False, True]), PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert unsettled.box[2] == pytest.approx(80) and unsettled.whole[0]


def test_a_sliver_flags_the_other_axis_as_read_from_a_sliver():
    # A walker 22 x 100 px behind a post: only a 6 px wide slice of its side shows. Its bottom (a
    # raised foot, 2 px off) agrees with the prediction well enough to tell it is this walker,
    # but the slice's ends are not the walker's feet and head: its vertical reading is flagged.
    predicted = corners([107, 40, 129, 140])
    size = np.array([22.0, 100.0])
    slice_ = measure(corners([115, 52, 121, 138]), predicted, size, SETTLED, PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert slice_.hidden_part and slice_.measured[1]
    assert slice_.sliver.tolist() == [False, True]
    # Cut as narrow by the picture's border instead, the walker shows its whole height: not flagged.
    leaving = measure(corners([0, 40, 12, 140]), corners([-16, 40, 6, 140]), size, SETTLED, PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert leaving.measured[1] and leaving.sliver.tolist() == [False, False]
    whole = measure(corners([108, 41, 130, 141]), predicted, size, SETTLED, PICTURE, NO_RIVALS, np.ones(2), SETTINGS)
    assert not whole.sliver.any()
