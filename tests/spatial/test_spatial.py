from fractions import Fraction

import numpy as np
import pytest

from foley_assistant.core.curves import Curve, Keyframe, SpatialCurves
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.eval.levels import level_difference_db
from foley_assistant.spatial.curves import azimuth_from_screen_x, curves_from_track
from foley_assistant.spatial.distance import inverse_distance_gain
from foley_assistant.spatial.pan import constant_power_gains, pan_from_azimuth
from foley_assistant.spatial.render import StereoSettings, mix, one_pole_smooth, render_stereo

SR = 48000


def test_azimuth_through_the_pinhole():
    np.testing.assert_allclose(azimuth_from_screen_x([0.0, 0.5, 1.0], 60.0), [-30.0, 0.0, 30.0], atol=1e-9)
    assert azimuth_from_screen_x(0.75, 90.0) == pytest.approx(np.degrees(np.arctan(0.5)))


def test_screen_locked_pan_is_linear_in_screen_x():
    x = np.linspace(0, 1, 11)
    np.testing.assert_allclose(pan_from_azimuth(azimuth_from_screen_x(x, 60.0), 30.0), 2 * x - 1, atol=1e-12)
    assert pan_from_azimuth(80.0) == 1.0 and pan_from_azimuth(-80.0) == -1.0


def test_constant_power_law():
    pans = np.linspace(-1, 1, 21)
    left, right = constant_power_gains(pans)
    np.testing.assert_allclose(left**2 + right**2, 1.0)
    assert 20 * np.log10(constant_power_gains(0.0)[0]) == pytest.approx(-3.0103, abs=1e-3)
    assert constant_power_gains(-1.0) == pytest.approx((1.0, 0.0))


def test_inverse_distance_gain_is_clamped_and_halves_at_double_distance():
    gains = inverse_distance_gain(np.array([0.5, 2.0, 4.0, 8.0, 500.0]), reference_m=2.0, max_m=100.0)
    np.testing.assert_allclose(gains, [1.0, 1.0, 0.5, 0.25, 0.02])


def test_one_pole_reaches_63_percent_at_the_time_constant():
    step = np.r_[np.zeros(10), np.ones(2000)]
    smoothed = one_pole_smooth(step, 0.02, 1000.0)
    assert smoothed[10 + 20] == pytest.approx(1 - np.exp(-1), abs=0.02)
    assert smoothed[9] == 0.0


def _shot_with_track(xs: np.ndarray, distance: float = 4.0) -> tuple[ObjectTrack, ShotTracks]:
    frames = tuple(TrackedFrame(10 + i, Box(x - 0.05, 0.3, x + 0.05, 0.9), 1.0, distance) for i, x in enumerate(xs))
    obj = ObjectTrack("O1", "person", "tracker", frames)
    return obj, ShotTracks("S001", "m.mp4", FrameRate(25), FrameRange(10, len(xs)), 640, 360, (obj,))


def test_curves_from_track_use_shot_time_and_fill_distance():
    obj, shot = _shot_with_track(np.full(25, 0.25))
    frames = list(obj.frames)
    frames[3] = TrackedFrame(13, frames[3].box, 1.0, None)
    obj = ObjectTrack("O1", "person", "tracker", tuple(frames))
    curves = curves_from_track(obj, shot, 60.0)
    assert curves.azimuth_deg.keyframes[0].time == 0
    assert curves.azimuth_deg.keyframes[5].time == Fraction(5, 25)
    assert curves.azimuth_deg.value_at(0.5) == pytest.approx(float(azimuth_from_screen_x(0.25)))
    assert curves.distance_m.keyframes[3].value == pytest.approx(4.0)


def test_object_in_left_third_is_more_than_6_db_louder_on_the_left():
    obj, shot = _shot_with_track(np.linspace(0.12, 0.3, 50))
    dry = np.random.default_rng(0).standard_normal(2 * SR).astype(np.float32) * 0.1
    stem = render_stereo(dry, curves_from_track(obj, shot), StereoSettings())
    assert stem.shape == (2, 2 * SR) and stem.dtype == np.float32
    assert level_difference_db(stem) >= 6.0


def test_moving_object_pans_across_and_never_zips():
    obj, shot = _shot_with_track(np.linspace(0.05, 0.95, 50))
    dry = np.ones(2 * SR)
    stem = render_stereo(dry, curves_from_track(obj, shot), StereoSettings())
    assert level_difference_db(stem[:, : SR // 4]) > 10
    assert level_difference_db(stem[:, -SR // 4 :]) < -10
    assert np.max(np.abs(np.diff(stem, axis=1))) < 1e-3  # smooth automation, no steps


def test_distance_lowers_the_level():
    near_obj, shot = _shot_with_track(np.full(25, 0.5), distance=2.0)
    far_obj, _ = _shot_with_track(np.full(25, 0.5), distance=8.0)
    dry = np.ones(SR)
    near = render_stereo(dry, curves_from_track(near_obj, shot))
    far = render_stereo(dry, curves_from_track(far_obj, shot))
    assert 20 * np.log10(np.abs(near).max() / np.abs(far).max()) == pytest.approx(12.04, abs=0.05)


def test_mix_is_the_sum_of_the_stems():
    a = np.ones((2, 10), dtype=np.float32) * 0.25
    b = np.ones((2, 8), dtype=np.float32) * 0.5
    total = mix([a, b], 10)
    assert total[0, 0] == pytest.approx(0.75) and total[0, 9] == pytest.approx(0.25)


def test_manual_keyframes_drive_the_stem_directly():
    curves = SpatialCurves("S1", "O1", Curve((Keyframe(Fraction(0), -30.0), Keyframe(Fraction(1), 30.0))), Curve.constant(2.0))
    stem = render_stereo(np.ones(SR), curves, StereoSettings(smoothing_ms=10.0))
    mid = SR // 2
    assert stem[0, mid] == pytest.approx(stem[1, mid], rel=0.05)
