from fractions import Fraction

import numpy as np
import pytest

from foley_assistant.acoustics.panning import PanLaw, pan_from_azimuth, pan_gains
from foley_assistant.core.curves import Curve, Interpolation, Keyframe, SpatialCurves
from foley_assistant.eval.levels import level_difference_db
from foley_assistant.eval.spatial import SpatialEvalSettings, stereo_spatial_metrics
from foley_assistant.spatial.control import one_pole_smooth, smoothing_coefficient
from foley_assistant.spatial.curves import CurveSettings, OffscreenMode, curves_from_track, with_manual_keyframes
from foley_assistant.spatial.distance import distance_gain
from foley_assistant.spatial.render import mix, render_stem
from foley_assistant.spatial.settings import DistanceModel, StereoSettings

from .conftest import SR, TRAJECTORIES, make_shot, noise_burst


def _rms_db(x):
    return 10 * np.log10(np.mean(np.square(x, dtype=np.float64)))


@pytest.mark.parametrize("law", list(PanLaw))
@pytest.mark.parametrize("name", list(TRAJECTORIES))
def test_noise_burst_follows_known_trajectories(name, law):
    obj, shot = make_shot(TRAJECTORIES[name])
    stem = render_stem(noise_burst(3.0), curves_from_track(obj, shot), StereoSettings(pan_law=law))
    metrics = stereo_spatial_metrics(stem, SR, obj, shot, SpatialEvalSettings(pan_law=law))
    assert metrics.pearson_r >= 0.98, metrics
    assert metrics.mae_deg <= 3.0, metrics
    assert metrics.sign_agreement >= 0.95
    assert metrics.frames > 100


def test_constant_power_keeps_the_summed_power_across_a_sweep():
    obj, shot = make_shot(np.linspace(0.0, 1.0, 75), distance=2.0)  # at the reference distance: no level change
    dry = noise_burst(3.0, fade_s=0.001)
    stem = render_stem(dry, curves_from_track(obj, shot), StereoSettings())
    hop = 480
    frames = len(dry) // hop
    dry_power = np.square(dry[: frames * hop].astype(np.float64)).reshape(frames, hop).sum(1)
    out_power = np.square(stem[:, : frames * hop].astype(np.float64)).reshape(2, frames, hop).sum((0, 2))
    ratio_db = 10 * np.log10(out_power[2:-2] / dry_power[2:-2])
    assert np.max(np.abs(ratio_db)) <= 0.1
    assert level_difference_db(stem[:, : SR // 2]) > 10 and level_difference_db(stem[:, -SR // 2 :]) < -10


def test_no_gain_step_is_larger_than_the_smoothing_allows():
    """A hard jump of azimuth (-30 -> +30 deg) and of distance (2 -> 20 m): every per-sample change
    of each channel gain stays within k |jump| / B times the gain's steepest slope."""
    jump = lambda a, b: Curve((Keyframe(Fraction(0), a, Interpolation.HOLD), Keyframe(Fraction(1), b)))  # noqa: E731
    settings = StereoSettings(smoothing_ms=10.0, air_absorption=0.0)
    az_only = SpatialCurves("S", "O", jump(-30.0, 30.0), Curve.constant(2.0))
    gains = render_stem(np.ones(2 * SR, np.float32), az_only, settings).astype(np.float64)
    k = smoothing_coefficient(settings)
    grid = np.linspace(-30, 30, 6001)
    slopes = [np.max(np.abs(np.diff(g) / np.diff(grid))) for g in pan_gains(pan_from_azimuth(grid, 30.0))]
    allowed = k * 60.0 / settings.control_interval * max(slopes)
    steps = np.max(np.abs(np.diff(gains, axis=1)))
    assert steps <= allowed * 1.001 + 1e-6
    assert steps > 0.5 * allowed  # the bound is tight: the jump does happen, smoothly
    dist_only = SpatialCurves("S", "O", Curve.constant(0.0), jump(2.0, 20.0))
    level = render_stem(np.ones(2 * SR, np.float32), dist_only, settings)[0].astype(np.float64)
    d = np.linspace(2, 20, 10001)
    slope = np.max(np.abs(np.diff(distance_gain(d)) / np.diff(d))) * np.cos(np.pi / 4)
    assert np.max(np.abs(np.diff(level))) <= k * 18.0 / settings.control_interval * slope * 1.001 + 1e-6
    unsmoothed = np.abs(np.diff(pan_gains(pan_from_azimuth(np.array([-30.0, 30.0]), 30.0))[0]))[0]
    assert steps < unsmoothed / 100  # versus the raw jump


def test_one_pole_reaches_63_percent_at_the_time_constant():
    step = np.r_[np.zeros(10), np.ones(2000)]
    smoothed = one_pole_smooth(step, 0.02, 1000.0)
    assert smoothed[10 + 20] == pytest.approx(1 - np.exp(-1), abs=0.02)
    assert smoothed[9] == 0.0


def test_smoothing_time_constant_is_a_checked_setting():
    from foley_assistant.core.errors import FoleyError

    assert StereoSettings(smoothing_ms=50.0).smoothing_ms == 50.0
    with pytest.raises(FoleyError, match="10 to 50 ms"):
        StereoSettings(smoothing_ms=5.0)


def test_distance_models_follow_web_audio_clamped():
    d = np.array([0.5, 2.0, 4.0, 8.0, 500.0])
    np.testing.assert_allclose(distance_gain(d, DistanceModel.INVERSE, 2.0, 100.0), [1.0, 1.0, 0.5, 0.25, 0.02])
    np.testing.assert_allclose(distance_gain(d, DistanceModel.LINEAR, 2.0, 102.0), [1.0, 1.0, 0.98, 0.94, 0.0])
    np.testing.assert_allclose(distance_gain(d, DistanceModel.EXPONENTIAL, 2.0, 100.0, rolloff=2.0), [1.0, 1.0, 0.25, 1 / 16, 1 / 2500])
    np.testing.assert_allclose(distance_gain(d, DistanceModel.INVERSE, 2.0, 100.0, rolloff=0.5), [1.0, 1.0, 2 / 3, 0.4, 2 / 51])


def test_distance_lowers_the_level_by_the_model():
    near_obj, shot = make_shot(np.full(25, 0.5), distance=2.0)
    far_obj, _ = make_shot(np.full(25, 0.5), distance=8.0)
    settings = StereoSettings(air_absorption=0.0)
    near = render_stem(np.ones(SR), curves_from_track(near_obj, shot), settings)
    far = render_stem(np.ones(SR), curves_from_track(far_obj, shot), settings)
    assert 20 * np.log10(np.abs(near).max() / np.abs(far).max()) == pytest.approx(12.04, abs=0.05)


def _band_db(x, low, high):
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    f = np.fft.rfftfreq(len(x), 1 / SR)
    return 10 * np.log10(spectrum[(f >= low) & (f < high)].sum())


def test_air_absorption_darkens_with_distance():
    dry = noise_burst(2.0)
    tilt = {}
    for distance in (2.0, 60.0):
        curves = SpatialCurves("S", "O", Curve.constant(0.0), Curve.constant(distance))
        stem = render_stem(dry, curves, StereoSettings())[0]
        tilt[distance] = _band_db(stem, 15000, 20000) - _band_db(stem, 100, 1000)
    # The documented filter: y = g x + (1 - g) LP(x), LP a one-pole at 5 kHz, g = 0.99426 ** 58 (-2.9 dB).
    g = 0.99426 ** (60.0 - 2.0)
    b = 1 - np.exp(-2 * np.pi * 5000 / SR)
    f = np.linspace(100, 20000, 4000)
    z = np.exp(-2j * np.pi * f / SR)
    response = np.abs(g + (1 - g) * b / (1 - (1 - b) * z)) ** 2
    expected = 10 * np.log10(response[f >= 15000].mean() / response[f < 1000].mean())
    assert -3.0 < expected < -1.5
    assert tilt[60.0] - tilt[2.0] == pytest.approx(expected, abs=0.3)
    off = render_stem(dry, SpatialCurves("S", "O", Curve.constant(0.0), Curve.constant(60.0)), StereoSettings(air_absorption=0.0))[0]
    assert _band_db(off, 15000, 20000) - _band_db(off, 100, 1000) == pytest.approx(tilt[2.0], abs=0.2)


def _frequency(x):
    crossings = np.flatnonzero((x[:-1] < 0) & (x[1:] >= 0))
    return (len(crossings) - 1) / ((crossings[-1] - crossings[0]) / SR)


def test_doppler_raises_the_pitch_of_an_approaching_source_and_keeps_the_closest_point_in_sync():
    t = np.arange(2 * SR) / SR
    tone = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    speed = 50.0
    approach = SpatialCurves("S", "O", Curve.constant(0.0), Curve((Keyframe(Fraction(0), 110.0), Keyframe(Fraction(2), 10.0))))
    settings = StereoSettings(doppler=True, air_absorption=0.0, distance_model=DistanceModel.LINEAR, rolloff=0.0)
    moving = render_stem(tone, approach, settings)[0]
    assert _frequency(moving[SR // 4 : 7 * SR // 4]) == pytest.approx(1000 * (1 + speed / 343.3), rel=0.003)
    still = render_stem(tone, approach, StereoSettings(air_absorption=0.0, distance_model=DistanceModel.LINEAR, rolloff=0.0))[0]
    assert _frequency(still[SR // 4 : 7 * SR // 4]) == pytest.approx(1000, rel=0.001)
    # the sound starts late by the extra path (100 m / c) and catches up at the closest point
    # (output time t hears emission time t - d(t) / c, d(t) = 100 - 50 t beyond the closest point)
    assert np.flatnonzero(np.abs(moving) > 1e-3)[0] == pytest.approx(100 / (343.3 + speed) * SR, abs=60)
    np.testing.assert_allclose(moving[-3:], still[-3:], atol=0.06)  # in sync (within a sample) at the closest point


def test_interchannel_delay_delays_the_far_channel():
    half_right = float(np.degrees(np.arctan(0.5 * np.tan(np.radians(30)))))  # pan +0.5
    curves = SpatialCurves("S", "O", Curve.constant(half_right), Curve.constant(2.0))
    stem = render_stem(noise_burst(1.0), curves, StereoSettings(interchannel_delay_ms=0.5)).astype(np.float64)
    lags = np.arange(-40, 41)
    xcorr = [np.dot(stem[0, 100 + lag : -100 + lag], stem[1, 100:-100]) for lag in lags]
    assert lags[int(np.argmax(xcorr))] == 12  # 0.5 ms x 0.5 pan x 48 kHz: the left (far) channel lags
    plain = render_stem(noise_burst(1.0), curves, StereoSettings())
    assert level_difference_db(stem) == pytest.approx(level_difference_db(plain), abs=0.05)


def test_stems_sum_to_the_mix_within_minus_120_db():
    stems = []
    for seed, xs in enumerate(TRAJECTORIES.values()):
        obj, shot = make_shot(xs)
        stems.append(render_stem(noise_burst(3.0, seed), curves_from_track(obj, shot)))
    total = mix(stems, 3 * SR)
    residual = total.astype(np.float64) - np.sum([s.astype(np.float64) for s in stems], axis=0)
    assert 20 * np.log10(np.max(np.abs(residual)) + 1e-30) <= -120
    short = mix([np.ones((2, 10), np.float32) * 0.25, np.ones((2, 8), np.float32) * 0.5], 10)
    assert short[0, 0] == pytest.approx(0.75) and short[0, 9] == pytest.approx(0.25)


def _exit_render(mode, binaural=False):
    from foley_assistant.spatial.settings import BinauralSettings

    obj, shot = make_shot(TRAJECTORIES["exit"])
    curves = curves_from_track(obj, shot, 60.0, CurveSettings(offscreen=mode, fade_s=0.4))
    settings = StereoSettings(binaural=BinauralSettings() if binaural else None)
    return obj, shot, curves, render_stem(noise_burst(3.0), curves, settings)


def test_offscreen_hold_fade_and_keep_panning():
    obj, shot, held_curves, held = _exit_render(OffscreenMode.HOLD)
    gone = float(shot.fps.seconds(obj.last_frame + 1))
    after = slice(int((gone + 0.5) * SR), int(2.9 * SR))
    before = slice(int((gone - 0.4) * SR), int((gone - 0.1) * SR))
    assert _rms_db(held[:, after]) == pytest.approx(_rms_db(held[:, before]), abs=0.5)  # same level, same place
    assert held_curves.azimuth_deg.value_at(2.5) == pytest.approx(held_curves.azimuth_deg.value_at(gone))
    _, _, faded_curves, faded = _exit_render(OffscreenMode.FADE)
    assert _rms_db(faded[:, after]) < _rms_db(faded[:, before]) - 60  # silent once the fade is over
    assert faded_curves.gain.value_at(gone - 0.04 + 0.2) == pytest.approx(0.5, abs=0.06)  # halfway through 0.4 s
    _, _, kept_curves, _ = _exit_render(OffscreenMode.KEEP_PANNING)
    later = kept_curves.azimuth_deg.sample(np.array([gone, gone + 0.5, 2.9]))
    assert 30.0 < later[0] < later[1] < later[2] < 90.0  # past the frame edge and still moving out


def test_keep_panning_holds_an_object_that_vanishes_inside_the_frame():
    obj, shot = make_shot(np.linspace(0.3, 0.5, 40), shot_frames=75)
    curves = curves_from_track(obj, shot, 60.0, CurveSettings(offscreen=OffscreenMode.KEEP_PANNING))
    assert curves.azimuth_deg.value_at(2.9) == pytest.approx(curves.azimuth_deg.value_at(float(shot.fps.seconds(39))))


def test_manual_keyframes_override_the_tracked_pan_in_the_stem():
    obj, shot = make_shot(np.full(75, 0.8))  # tracked on the right
    tracked = curves_from_track(obj, shot)
    manual = Curve((Keyframe(Fraction(1), -25.0), Keyframe(Fraction(2), -25.0)))
    edited = with_manual_keyframes(tracked, azimuth_deg=manual, handover_s=0.25)
    stem = render_stem(noise_burst(3.0), edited, StereoSettings())
    assert level_difference_db(stem[:, int(1.2 * SR) : int(1.9 * SR)]) > 10  # left inside the manual span
    assert level_difference_db(stem[:, : int(0.6 * SR)]) < -5  # right outside it
    pan_track = np.abs(np.diff(stem[0, int(0.6 * SR) : int(1.1 * SR)] / np.maximum(np.abs(stem[1, int(0.6 * SR) : int(1.1 * SR)]), 1e-9)))
    assert np.isfinite(pan_track).all()
