from fractions import Fraction

import numpy as np
import pytest

from foley_assistant.core.curves import Curve, Interpolation, Keyframe, SpatialCurves


def curve(*points, mode=Interpolation.LINEAR):
    return Curve(tuple(Keyframe(Fraction(t), v, mode) for t, v in points))


def test_linear_interpolation_and_held_ends():
    c = curve((1, 0.0), (3, 10.0))
    values = c.sample(np.array([0.0, 1.0, 2.0, 2.5, 3.0, 9.0]))
    np.testing.assert_allclose(values, [0.0, 0.0, 5.0, 7.5, 10.0, 10.0])


def test_linear_curves_sample_as_the_general_path_does():
    """All-linear curves take a fast path (np.interp); it agrees with the segment-by-segment one,
    which a first smooth segment forces, wherever the two curves are the same."""
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.uniform(0.01, 0.1, 200))
    values = rng.normal(0.0, 30.0, 200)
    linear = Curve(tuple(Keyframe(Fraction(t).limit_denominator(10**6), v) for t, v in zip(times, values)))
    eased_start = Curve((Keyframe(linear.keyframes[0].time, values[0], Interpolation.SMOOTH),) + linear.keyframes[1:])
    t = np.r_[-1.0, rng.uniform(float(linear.keyframes[1].time), float(linear.end) + 1.0, 5000), [float(k.time) for k in linear.keyframes[1:]]]
    np.testing.assert_allclose(linear.sample(t), eased_start.sample(t), rtol=0, atol=1e-12)


def test_hold_and_smooth_modes():
    held = curve((0, 1.0), (2, 3.0), mode=Interpolation.HOLD)
    assert held.value_at(1.99) == 1.0 and held.value_at(2) == 3.0
    smooth = curve((0, 0.0), (2, 1.0), mode=Interpolation.SMOOTH)
    assert smooth.value_at(1) == pytest.approx(0.5)
    assert smooth.value_at(0.5) == pytest.approx((1 - np.cos(np.pi * 0.25)) / 2)
    assert smooth.value_at(0.5) < 0.25  # eases in


def test_keyframes_are_sorted_unique_and_replaceable():
    c = curve((2, 2.0), (0, 0.0))
    assert [k.time for k in c.keyframes] == [0, 2]
    with pytest.raises(ValueError):
        curve((1, 0.0), (1, 1.0))
    edited = c.with_keyframe(Keyframe(Fraction(2), 5.0))
    assert edited.value_at(2) == 5.0 and len(edited.keyframes) == 2
    assert c.value_at(2) == 2.0  # the original is unchanged


def test_constant_and_json_round_trip_keeps_exact_times():
    c = curve((Fraction(1001, 24000), 1.5), (Fraction(2002, 24000), -3.0), mode=Interpolation.SMOOTH)
    again = Curve.from_list(c.to_list())
    assert again == c
    assert Curve.constant(4.0).sample(np.array([-1.0, 100.0])).tolist() == [4.0, 4.0]
    spatial = SpatialCurves("S001", "O1", c, Curve.constant(5.0))
    assert SpatialCurves.from_dict(spatial.to_dict()) == spatial


def test_manual_keyframes_take_over_with_a_smooth_hand_over():
    from foley_assistant.core.curves import with_override

    tracked = curve(*[(Fraction(i, 25), 10.0) for i in range(0, 101)])  # 0..4 s at 10
    manual = curve((1, -20.0), (2, -20.0))
    merged = with_override(tracked, manual, Fraction(1, 4))
    t = np.linspace(0, 4, 4001)
    values = merged.sample(t)
    inside = (t >= 1) & (t <= 2)
    np.testing.assert_allclose(values[inside], -20.0)  # the manual curve rules its span exactly
    np.testing.assert_allclose(values[(t < 0.75) | (t > 2.25)], 10.0)  # untouched outside the hand-over
    assert merged.value_at(Fraction(7, 8)) == pytest.approx(-5.0, abs=0.2)  # halfway through the ramp
    # smooth: the cosine ramp's steepest slope is pi/2 * 30 / 0.25 s = 188 per second
    assert np.max(np.abs(np.diff(values))) / (t[1] - t[0]) < 200
    abrupt = with_override(tracked, manual, Fraction(0))
    assert abrupt.value_at(Fraction(24, 25)) == 10.0 and abrupt.value_at(1) == -20.0  # within one tracked frame


def test_gain_curve_defaults_and_round_trips():
    spatial = SpatialCurves("S1", "O1", Curve.constant(0.0), Curve.constant(3.0))
    assert spatial.gain.value_at(5) == 1.0
    data = spatial.to_dict()
    del data["gain"]  # files written before the gain curve existed
    assert SpatialCurves.from_dict(data) == spatial
    faded = SpatialCurves("S1", "O1", Curve.constant(0.0), Curve.constant(3.0), curve((0, 1.0), (1, 0.0)))
    assert SpatialCurves.from_dict(faded.to_dict()) == faded
