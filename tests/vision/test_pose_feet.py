"""Feet of moving people from the shipped pose model, inside their tracked boxes."""

from __future__ import annotations

from dataclasses import replace

import pytest

from foley_assistant.synth import render_scene, walker_scene
from foley_assistant.vision.perception.movenet import PoseModel
from foley_assistant.vision.pose import MAX_PEOPLE, SCOUT_STEP, FeetReader, pose_span, wants_pose


def add_feet(objects, frames, pose):
    """The objects with feet, read frame by frame as analysis reads them."""
    reader = FeetReader(objects, pose)
    for index, image in frames:
        reader.see(index, image)
    return reader.result()


@pytest.fixture(scope="module")
def walker():
    spec = walker_scene(seed=3, duration_s=1.0, width=640, height=360, distance_m=5.0)
    frames, truth = render_scene(spec)
    track = truth.objects[0].as_track()
    return list(frames), replace(track, label="person")


def test_the_ankles_of_a_walker_land_at_the_bottom_of_its_box(walker):
    frames, person = walker
    (found,) = add_feet((person,), enumerate(frames), PoseModel(threads=2))
    assert all(f.feet is not None for f in found.frames)
    for f in found.frames:
        xl, yl, xr, yr = f.feet
        for x, y in ((xl, yl), (xr, yr)):
            assert f.box.x0 - 0.01 <= x <= f.box.x1 + 0.01
            assert f.box.y1 - 0.12 * f.box.height <= y <= f.box.y1 + 0.02


def test_only_moving_people_get_feet_and_only_their_frames_are_decoded(walker):
    frames, person = walker
    parked = replace(person, id="O2", label="car")
    standing = replace(person, id="O3", mover=False)
    result = add_feet((parked, person, standing), enumerate(frames), PoseModel(threads=2))
    assert [any(f.feet for f in o.frames) for o in result] == [False, True, False]
    assert pose_span((parked, standing)) is None
    assert pose_span((parked, person)) == (person.first_frame, person.last_frame + 1)


def test_a_crowd_gets_feet_for_its_largest_movers_only(walker):
    _, person = walker
    crowd = tuple(replace(person, id=f"O{i}", frames=tuple(replace(f, box=replace(f.box, y0=f.box.y1 - f.box.height * (0.5 + i / 20))) for f in person.frames)) for i in range(MAX_PEOPLE + 3))
    chosen = wants_pose(crowd)
    assert len(chosen) == MAX_PEOPLE
    assert chosen == list(range(3, MAX_PEOPLE + 3))  # the tallest boxes


def test_feet_that_do_not_move_are_looked_at_on_every_fourth_frame_only(walker):
    frames, person = walker
    still = [frames[0]] * len(frames)  # the walker frozen on its first frame, box and all
    standing = replace(person, frames=tuple(replace(f, box=person.frames[0].box) for f in person.frames))
    reader = FeetReader((standing,), PoseModel(threads=2))
    for index, image in enumerate(still):
        reader.see(index, image)
    assert reader.calls == -(-len(frames) // SCOUT_STEP)
    walking = FeetReader((person,), PoseModel(threads=2))
    for index, image in enumerate(frames):
        walking.see(index, image)
    assert walking.calls == len(frames)  # moving feet: every frame, the held ones included
    assert all(f.feet is not None for f in walking.result()[0].frames)
