"""Tracking synthetic scenes against their exact ground truth."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.core.timebase import FrameRate
from foley_assistant.synth import crossing_scene, render_scene, street_scene, walker_scene
from foley_assistant.vision.analyze import track_objects
from foley_assistant.vision.camera_motion import estimate_homographies
from foley_assistant.vision.distance import distances_from_boxes, focal_length_px
from foley_assistant.vision.perception.nanodet import NanoDet


def shipped_detector() -> NanoDet:
    """The shipped detector, as analysis runs it by default."""
    return NanoDet(threads=2)


def analyze(spec):
    """The objects that get a stem (movers) in a rendered scene, and its truth; candidates (a
    still thing the detector named, kept for the editor without a stem) are left out."""
    frames, truth = render_scene(spec)
    objects = track_objects(enumerate(frames), spec.rate, spec.width, spec.height, detector=shipped_detector())
    return tuple(o for o in objects if o.mover), truth


def match_error(obj, truth_obj) -> tuple[float, int]:
    """Mean |centre x error| over the frames both have, and how many frames that is."""
    truth = {f.frame: f.box.center_x for f in truth_obj.frames if f.confidence > 0.5}
    errors = [abs(f.box.center_x - truth[f.frame]) for f in obj.frames if f.frame in truth]
    return (float(np.mean(errors)) if errors else np.inf), len(errors)


def best_match(objects, truth_obj):
    return min(objects, key=lambda o: match_error(o, truth_obj)[0])


def test_static_camera_walker(tmp_path):
    objects, truth = analyze(walker_scene(seed=3, duration_s=3.0, width=320, height=180))
    (walker,) = objects
    error, shared = match_error(walker, truth.objects[0])
    assert walker.label == "person"
    assert error < 0.01 and shared >= 0.9 * len([f for f in truth.objects[0].frames if f.confidence > 0.5])
    true_distance = np.array([f.distance_m for f in truth.objects[0].frames])
    estimated = np.array([f.distance_m for f in walker.frames])
    assert np.median(np.abs(estimated - np.median(true_distance)) / np.median(true_distance)) < 0.15


def test_panning_camera_adds_no_background_tracks():
    spec = walker_scene(seed=4, duration_s=3.0, width=320, height=180, pan_deg_per_s=4.0)
    objects, truth = analyze(spec)
    assert len(objects) == 1, [(o.label, o.first_frame, o.last_frame) for o in objects]
    error, _ = match_error(objects[0], truth.objects[0])
    assert error < 0.015


def test_pan_is_measured_as_a_rotation():
    frames, _ = render_scene(walker_scene(seed=5, duration_s=1.0, width=320, height=180, pan_deg_per_s=6.0))
    homographies = estimate_homographies(list(frames))
    f = focal_length_px(320, 60.0)
    yaw = np.radians(6.0 * 24 / 25)  # the camera turned right by this much at the last frame
    # A point straight ahead in the last frame was yaw to the right of the first frame's centre line.
    centre = np.array([160.0, 90.0, 1.0])
    mapped = homographies[-1] @ centre
    assert mapped[0] / mapped[2] - 160.0 == pytest.approx(f * np.tan(yaw), abs=1.0)
    # and the frame edge moves more than the centre, as a rotation (not a translation) does
    edge = homographies[-1] @ np.array([319.0, 90.0, 1.0])
    assert edge[0] / edge[2] - 319.0 > mapped[0] / mapped[2] - 160.0 + 1.0


def test_static_camera_is_exactly_static():
    frames, _ = render_scene(walker_scene(seed=5, duration_s=2.0, width=320, height=180))
    assert all(np.array_equal(h, np.eye(3)) for h in estimate_homographies(list(frames)))


def test_crossing_walkers_keep_their_identities():
    objects, truth = analyze(crossing_scene(seed=6, duration_s=4.0, width=320, height=180))
    people = [o for o in objects if o.label == "person"]
    assert len(people) == 2, [(o.label, o.first_frame, o.last_frame) for o in objects]
    for truth_obj in truth.objects:
        match = best_match(people, truth_obj)
        error, shared = match_error(match, truth_obj)
        assert error < 0.03
    assert best_match(people, truth.objects[0]).id != best_match(people, truth.objects[1]).id


def test_noise_and_lighting_drift():
    spec = street_scene(seed=8, duration_s=3.0, width=320, height=180, noise_sigma=6.0, lighting_drift=0.15)
    objects, truth = analyze(spec)
    labels = sorted(o.label for o in objects)
    assert labels == ["car", "person"], labels
    for truth_obj in truth.objects:
        error, _ = match_error(best_match(objects, truth_obj), truth_obj)
        assert error < 0.03


def test_pinhole_distance_and_cut_boxes():
    f = focal_length_px(640, 60.0)
    height_px = f * 1.7 / 10.0
    boxes = np.array([[0.4, 0.3, 0.45, 0.3 + height_px / 360]] * 6)
    np.testing.assert_allclose(distances_from_boxes(boxes, "person", 640, 360, 60.0), 10.0, rtol=1e-6)
    cut = boxes.copy()
    cut[2:4, 3] = 1.0  # cut by the bottom edge: take the neighbours' distance
    cut[2:4, 1] = 0.9
    np.testing.assert_allclose(distances_from_boxes(cut, "person", 640, 360, 60.0), 10.0, rtol=1e-6)
    near = boxes.copy()
    near[2:5] = [0.0, 0.0, 1.0, 1.0]  # filling the frame: no farther than a whole person 360 px tall
    assert np.all(distances_from_boxes(near, "person", 640, 360, 60.0)[2:5] <= f * 1.7 / 360 + 1e-9)


def test_frame_rate_does_not_change_the_answer():
    spec = walker_scene(seed=9, duration_s=2.5, width=320, height=180, rate=FrameRate(30000, 1001))
    objects, truth = analyze(spec)
    assert len(objects) == 1 and match_error(objects[0], truth.objects[0])[0] < 0.01
