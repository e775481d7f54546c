"""Events read from hand-built tracks with known footfalls, contacts and speeds."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from foley_assistant.generators.procedural import (
    cadence_steps_per_s,
    footfall_events,
    impact_events,
    speed_curve,
)

FRAME_S = 1 / 25  # the scenes' frame rate


def _errors(found: list[float], truth: list[float]) -> np.ndarray:
    """For each found time, the distance to the nearest true time."""
    truth_array = np.array(truth)
    return np.array([np.min(np.abs(truth_array - t)) for t in found])


@pytest.mark.parametrize(
    "options",
    [{}, {"bottom_only": True}, {"distance_m": None}, {"steps_per_s": 1.5, "bob": 0.006}, {"steps_per_s": 2.4}],
    ids=["box-bobs", "bottom-bobs", "no-distance", "slow-small-bob", "fast"],
)
def test_footfalls_are_the_lowest_points_of_the_bob(scenes: SimpleNamespace, options: dict) -> None:
    scene = scenes.walker(**options)
    times = [e.time_s for e in footfall_events(scene.obj, scene.shot)]
    inner = [t for t in scene.truth if scene.first_s + 3 * FRAME_S <= t <= scene.last_s - 3 * FRAME_S]
    assert times, "no footfalls found"
    assert np.max(_errors(times, list(scene.truth))) < FRAME_S  # every event is a real footfall
    assert np.max(_errors(inner, times)) < FRAME_S  # every footfall well inside the life is found
    assert np.median(_errors(times, list(scene.truth))) < 0.010  # and sub-frame accurate
    assert len(times) == len(set(np.round(times, 3)))


def test_footfalls_stay_within_the_life_and_carry_the_object(scenes: SimpleNamespace) -> None:
    scene = scenes.walker()
    events = footfall_events(scene.obj, scene.shot)
    assert all(scene.first_s <= e.time_s <= scene.last_s for e in events)
    assert all(e.kind == "footfall" and e.object_id == "O1" and 0 < e.strength <= 1 for e in events)
    assert [e.time_s for e in events] == sorted(e.time_s for e in events)


def test_a_static_box_takes_no_steps(scenes: SimpleNamespace) -> None:
    scene = scenes.static_box()
    assert footfall_events(scene.obj, scene.shot) == ()
    assert impact_events(scene.obj, scene.shot) == ()


def test_without_a_visible_bob_steps_follow_the_cadence_of_the_speed(scenes: SimpleNamespace) -> None:
    scene = scenes.walker(bob=0.0, speed_m_s=1.4)
    times = np.array([e.time_s for e in footfall_events(scene.obj, scene.shot)])
    expected_interval = 1 / float(cadence_steps_per_s(1.4))  # 1 / 1.95 steps/s
    assert len(times) >= 6
    assert np.allclose(np.diff(times), expected_interval, rtol=0.05)


def test_running_is_faster_and_harder_than_walking(scenes: SimpleNamespace) -> None:
    walk = footfall_events(*_obj_shot(scenes.walker(bob=0.0, speed_m_s=1.2)))
    run = footfall_events(*_obj_shot(scenes.walker(bob=0.0, speed_m_s=4.0)))
    assert np.median(np.diff([e.time_s for e in run])) < 0.8 * np.median(np.diff([e.time_s for e in walk]))
    assert min(e.strength for e in run) > max(e.strength for e in walk)


def test_steps_continue_while_the_walker_is_hidden(scenes: SimpleNamespace) -> None:
    scene = scenes.walker(gap=(40, 50))  # unseen from 1.60 s to 1.96 s; a true footfall at 1.709 s
    times = [e.time_s for e in footfall_events(scene.obj, scene.shot)]
    hidden = [t for t in scene.truth if 1.6 <= t < 2.0]
    assert hidden and np.max(_errors(hidden, times)) < FRAME_S


def test_impacts_are_at_the_contacts_and_weaken_with_each_bounce(scenes: SimpleNamespace) -> None:
    scene = scenes.bouncing_ball()
    events = impact_events(scene.obj, scene.shot)
    times = [e.time_s for e in events]
    strengths = [e.strength for e in events]
    assert len(events) >= 4
    assert np.max(_errors(times, list(scene.truth))) < FRAME_S
    assert np.max(_errors(list(scene.truth[:4]), times)) < 0.005  # the four big bounces, within 5 ms
    assert all(a > b for a, b in zip(strengths, strengths[1:]))
    assert strengths[0] > 0.9 and all(e.kind == "impact" for e in events)


def test_a_walker_makes_no_impacts(scenes: SimpleNamespace) -> None:
    scene = scenes.walker()
    assert impact_events(scene.obj, scene.shot) == ()


def test_speed_curve_reads_metres_per_second(scenes: SimpleNamespace) -> None:
    scene = scenes.car(cruise_m_s=8.0, cruise_s=2.5, accel_m_s2=4.0, accel_s=2.0)
    curve = speed_curve(scene.obj, scene.shot)
    speed, accel = curve.at(np.array([1.0, 2.0, 3.5, 4.2]))
    assert speed[0] == pytest.approx(8.0, abs=0.3) and speed[1] == pytest.approx(8.0, abs=0.3)
    assert speed[2] == pytest.approx(12.0, abs=0.6) and speed[3] == pytest.approx(14.8, abs=0.8)
    assert abs(accel[0]) < 0.3 and accel[2] == pytest.approx(4.0, abs=0.5)
    assert len(curve.times_s) == len(scene.obj.frames)


def test_field_of_view_scales_speed(scenes: SimpleNamespace) -> None:
    scene = scenes.car()
    wide = speed_curve(scene.obj, scene.shot, hfov_deg=60.0).at(np.array([1.0]))[0][0]
    narrow = speed_curve(scene.obj, scene.shot, hfov_deg=30.0).at(np.array([1.0]))[0][0]
    assert narrow / wide == pytest.approx(np.tan(np.radians(15)) / np.tan(np.radians(30)), rel=0.01)


def _obj_shot(scene: SimpleNamespace) -> tuple:
    return scene.obj, scene.shot
