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


def test_a_bounce_goes_on_after_the_picture_can_show_it(scenes: SimpleNamespace) -> None:
    scene = scenes.bouncing_ball(drop_height_m=1.2, restitution=0.7)
    events = impact_events(scene.obj, scene.shot)
    truth = [t for t in scene.truth if t < scene.last_s]
    assert len(truth) >= 7
    assert len(events) == len(truth)  # every bounce, the quick ones at the end too, and no more
    assert np.max(_errors([e.time_s for e in events], truth)) < FRAME_S
    assert events[0].cause == "landing" and {e.cause for e in events[1:]} == {"bounce"}


def test_a_landing_just_below_the_frame_bottom_is_an_impact(scenes: SimpleNamespace) -> None:
    scene = scenes.off_the_bottom(ground_below=True)
    events = impact_events(scene.obj, scene.shot)
    assert len(scene.truth) >= 3 and len(events) >= 3
    assert np.max(_errors([e.time_s for e in events[:3]], list(scene.truth))) < FRAME_S
    assert events[0].cause == "frame bottom"


def test_falling_out_of_the_picture_is_no_impact(scenes: SimpleNamespace) -> None:
    scene = scenes.off_the_bottom(ground_below=False)
    assert impact_events(scene.obj, scene.shot) == ()


@pytest.mark.parametrize("jitter_px", [0.0, 1.5])
def test_hitting_a_wall_is_an_abrupt_stop(scenes: SimpleNamespace, jitter_px: float) -> None:
    scene = scenes.wall_hit(jitter_px=jitter_px)
    events = impact_events(scene.obj, scene.shot)
    assert len(events) == 1
    assert events[0].time_s == pytest.approx(scene.truth[0], abs=FRAME_S / 2)
    assert events[0].cause == "stop" and events[0].strength == pytest.approx(4.5 / 8.0, abs=0.06)  # 3 m/s to -1.5 m/s


def test_steady_motion_with_tracker_jitter_makes_no_impact(scenes: SimpleNamespace) -> None:
    scene = scenes.wall_hit(hit_s=10.0, jitter_px=2.0)  # never reaches the wall
    assert impact_events(scene.obj, scene.shot) == ()
    car = scenes.car()
    assert impact_events(car.obj, car.shot) == ()  # accelerating steadily is no impact either


def test_an_abrupt_stop_against_another_box_is_a_collision(scenes: SimpleNamespace) -> None:
    from dataclasses import replace

    from foley_assistant.core.tracks import Box, ObjectTrack, TrackedFrame

    scene = scenes.wall_hit()
    at_hit = [f for f in scene.obj.frames if abs(f.frame / 25 - scene.truth[0]) < 0.1][0]
    wall = ObjectTrack("O9", "door", "tracker", tuple(TrackedFrame(k, Box(at_hit.box.x1, 0.2, at_hit.box.x1 + 0.05, 0.8), 0.9, 6.0) for k in range(75)))
    shot = replace(scene.shot, objects=(scene.obj, wall))
    events = impact_events(scene.obj, shot)
    assert [e.cause for e in events] == ["collision O9"]
    far = ObjectTrack("O9", "door", "tracker", tuple(replace(f, distance_m=30.0) for f in wall.frames))
    assert [e.cause for e in impact_events(scene.obj, replace(scene.shot, objects=(scene.obj, far)))] == ["stop"]


def test_a_fast_swipe_is_a_swish_at_its_peak_speed(scenes: SimpleNamespace) -> None:
    from foley_assistant.generators.procedural import swish_events

    scene = scenes.wall_hit(hit_s=10.0, speed_m_s=1.0)
    assert swish_events(scene.obj, scene.shot) == ()  # slow and steady: nothing
    from foley_assistant.core.tracks import Box, ObjectTrack, TrackedFrame

    frames = []
    for k in range(75):
        t = k / 25
        x_m = 4.0 * 0.25 * np.sqrt(2 * np.pi) * 0.5 * (1 + __import__("math").erf((t - 1.5) / (0.25 * np.sqrt(2))))  # speed 4 m/s peak at 1.5 s
        cx = 0.2 + x_m / (6.0 * 1.1547)
        frames.append(TrackedFrame(k, Box(cx - 0.01, 0.4, cx + 0.01, 0.44), 0.9, 6.0))
    obj = ObjectTrack("O7", "sword", "tracker", tuple(frames))
    shot = scenes.wall_hit().shot.__class__("S1", "clip", scene.shot.fps, scene.shot.frame_range, scene.shot.width, scene.shot.height, (obj,))
    swishes = swish_events(obj, shot)
    assert len(swishes) == 1 and swishes[0].time_s == pytest.approx(1.5, abs=0.02)
    assert swishes[0].kind == "swish" and 0.1 < swishes[0].strength < 1.0


def test_entrances_and_exits_say_why(scenes: SimpleNamespace) -> None:
    from foley_assistant.generators.procedural import presence_events

    scene = scenes.walker(enter=10, leave=110)  # appears mid-frame at 0.4 s, gone after 4.44 s
    events = presence_events(scene.obj, scene.shot)
    assert [(e.kind, e.cause) for e in events] == [("entrance", "appears"), ("exit", "disappears")]
    assert events[0].time_s == pytest.approx(0.4) and events[1].time_s == pytest.approx(4.44)
    assert events[0].sample_index(48000) == 19200


def test_footfalls_from_a_jittery_box_cut_by_the_frame_side(scenes: SimpleNamespace) -> None:
    """A tracker's box: +-0.4 % of its height of jitter on every edge, and the first second cut
    by the frame's left side (growing as the walker comes in). Footfalls still land on the bob."""
    from dataclasses import replace

    from foley_assistant.core.tracks import Box

    scene = scenes.walker(bob=0.008)
    rng = np.random.default_rng(3)
    frames = []
    glitches = {1060, 1061, 1085}  # a tracker merge: the box jumps for a frame or two
    for f in scene.obj.frames:
        b = f.box
        jitter = rng.normal(0.0, 0.004 * b.height, 4) + (0.12 * b.height if f.frame in glitches else 0.0)
        t = (f.frame - 1000) / 25
        x0 = b.x0 if t > 1.4 else 0.0  # cut by the left side while coming in
        top = b.y0 + jitter[1] + (0.05 * b.height if t <= 1.4 else 0.0)
        frames.append(replace(f, box=Box(x0, top, max(x0 + 1e-3, b.x1 + jitter[2]), b.y1 + jitter[3])))
    noisy = replace(scene.obj, frames=tuple(frames))
    times = [e.time_s for e in footfall_events(noisy, scene.shot)]
    inner = [t for t in scene.truth if 0.5 <= t <= scene.last_s - 0.2]  # including those while it comes in
    assert np.max(_errors(inner, times)) < FRAME_S  # every true step found
    assert np.median(_errors(times, list(scene.truth))) < 0.015


def test_steps_go_on_at_the_cadence_where_the_bob_cannot_be_read(scenes: SimpleNamespace) -> None:
    """Behind a low wall the box shows no bob for 1.6 s: the walker still walks, in step."""
    from dataclasses import replace

    from foley_assistant.core.tracks import Box

    scene = scenes.walker(bob=0.01, leave=140)
    rng = np.random.default_rng(4)
    flat = []
    for f in scene.obj.frames:
        t = (f.frame - 1000) / 25
        if 2.0 <= t < 3.6:  # bob hidden: top and bottom steady, only jitter
            y0, y1 = 0.3 + rng.normal(0, 0.0004), 0.3 + f.box.height + rng.normal(0, 0.0004)
            flat.append(replace(f, box=Box(f.box.x0, y0, f.box.x1, y1)))
        else:
            flat.append(f)
    times = [e.time_s for e in footfall_events(replace(scene.obj, frames=tuple(flat)), scene.shot)]
    hidden = [t for t in scene.truth if 2.1 <= t < 3.5]
    assert hidden and np.max(_errors(hidden, times)) < FRAME_S
    assert len([t for t in times if 2.1 <= t < 3.5]) == len(hidden)


def test_a_car_filling_the_frame_as_it_passes_is_nearest_there(scenes: SimpleNamespace) -> None:
    """A box cut by the frame says only that the object is no farther than its visible part puts
    it: the car seen whole at the right edge comes much nearer on the frames it fills from top to
    bottom, and the three-frame life keeps that (its distance is not smoothed over 0.3 s)."""
    from foley_assistant.generators.procedural.kinematics import track_motion

    scene = scenes.pass_by()
    (segment,) = track_motion(scene.obj, scene.shot, height_m=1.5).segments
    z = segment.distance_m
    assert z[0] / z[1] > 1.6 and z[0] / z[2] > 1.6  # the whole car at the edge is 0.47 of the height, the cut ones at least 1.0
