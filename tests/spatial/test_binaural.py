from fractions import Fraction

import numpy as np
import pytest

from foley_assistant.acoustics.head import expected_ild_db, woodworth_itd
from foley_assistant.core.curves import Curve, Interpolation, Keyframe, SpatialCurves
from foley_assistant.core.errors import InputFileError
from foley_assistant.eval.binaural import OCTAVE_BANDS_HZ, analysis_frames, band_ild_db, gcc_phat_itd
from foley_assistant.spatial.hrir import load_hrirs
from foley_assistant.spatial.render import render_stem
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings

from .conftest import SR, noise_burst

sofar = pytest.importorskip("sofar")


def _fixed(azimuth):
    return SpatialCurves("S", "O", Curve.constant(azimuth), Curve.constant(2.0))


def _itd_and_ild(stem):
    frames = analysis_frames(stem, 480, 2048)[:, 5:-5]
    itd = float(np.median(gcc_phat_itd(frames, SR)))
    ild = np.median(band_ild_db(frames, SR), axis=1)
    return itd, ild


@pytest.mark.parametrize("azimuth", [-70.0, -30.0, 0.0, 20.0, 55.0, 85.0])
def test_spherical_head_gives_woodworth_itd_and_head_shadow_ild(azimuth):
    stem = render_stem(noise_burst(1.0), _fixed(azimuth), StereoSettings(binaural=BinauralSettings()))
    itd, ild = _itd_and_ild(stem)
    assert itd == pytest.approx(float(woodworth_itd(azimuth)), abs=25e-6)
    expected = expected_ild_db(np.array(OCTAVE_BANDS_HZ), azimuth)  # the analogue Brown-Duda prototype
    np.testing.assert_allclose(ild[:4], expected[:4], atol=0.8)
    np.testing.assert_allclose(ild[4], expected[4], atol=2.0)  # 8 kHz: the bilinear transform warps a little
    if abs(azimuth) >= 20:
        assert np.sign(ild[-1]) == np.sign(azimuth) and abs(ild[-1]) > 3  # louder at the near ear up high


def _click_ratio(stem):
    """Largest second difference around the switch over the largest in steady state."""
    second = np.abs(np.diff(stem.astype(np.float64), 2, axis=1)).max(axis=0)
    return second[SR - 2400 : SR + 2400].max() / second[: SR - 4800].max()


def test_binaural_renderers_switch_direction_without_clicks(tmp_path):
    tone = np.sin(2 * np.pi * 500 * np.arange(2 * SR) / SR).astype(np.float32)
    jump = SpatialCurves("S", "O", Curve((Keyframe(Fraction(0), -60.0, Interpolation.HOLD), Keyframe(Fraction(1), 60.0))), Curve.constant(2.0))
    spherical = render_stem(tone, jump, StereoSettings(binaural=BinauralSettings()))
    assert _click_ratio(spherical) < 2.0
    measured = load_hrirs(_write_sofa(tmp_path / "set.sofa"), SR)
    sofa_stem = render_stem(tone, jump, StereoSettings(binaural=BinauralSettings(hrirs=measured)))
    assert _click_ratio(sofa_stem) < 2.0
    # the same jump without a cross-fade (one HRIR per half) would click:
    left_half = np.convolve(tone[:SR], measured.at(-60.0)[0])[:SR]
    right_half = np.convolve(tone[SR:], measured.at(60.0)[0])[:SR]
    hard = np.concatenate([left_half, right_half])[None, :]
    assert _click_ratio(hard) > 4


def _hrir(azimuth_right_deg, taps=128, rate=SR):
    """A toy HRIR pair: Woodworth delay on the far ear (integer samples), near ear louder."""
    itd = int(round(float(woodworth_itd(azimuth_right_deg)) * rate))
    pair = np.zeros((2, taps))
    side = np.sin(np.radians(azimuth_right_deg))
    pair[0, 8 + max(itd, 0)] = 1.0 - 0.5 * side  # left
    pair[1, 8 + max(-itd, 0)] = 1.0 + 0.5 * side  # right
    return pair


def _write_sofa(path, rate=SR, step=10):
    sofa = sofar.Sofa("SimpleFreeFieldHRIR")
    sofa_azimuth = np.arange(0, 360, step, dtype=float)  # SOFA: counter-clockwise, + left
    sofa.SourcePosition = np.stack([sofa_azimuth, np.zeros_like(sofa_azimuth), np.full_like(sofa_azimuth, 1.5)], axis=1)
    sofa.Data_IR = np.stack([_hrir(-a, rate=rate) for a in sofa_azimuth])
    sofa.Data_SamplingRate = rate
    sofa.ReceiverPosition = np.array([[0.0, 0.09, 0.0], [0.0, -0.09, 0.0]])
    sofar.write_sofa(str(path), sofa)
    return path


def test_sofa_set_is_read_in_this_projects_convention_and_interpolated(tmp_path):
    hrirs = load_hrirs(_write_sofa(tmp_path / "toy.sofa"), SR)
    assert hrirs.azimuth_deg[0] == -180.0 and hrirs.azimuth_deg[1] == -170.0 and len(hrirs.azimuth_deg) == 36  # sorted, + right
    np.testing.assert_allclose(hrirs.at(40.0), _hrir(40.0))  # a measured direction, exactly
    np.testing.assert_allclose(hrirs.at(45.0), (_hrir(40.0) + _hrir(50.0)) / 2)  # between two
    np.testing.assert_allclose(hrirs.at(-175.0), (_hrir(-170.0) + _hrir(180.0)) / 2)
    np.testing.assert_allclose(hrirs.at(175.0), (_hrir(170.0) + _hrir(180.0)) / 2)  # across the wrap
    stem = render_stem(noise_burst(1.0), _fixed(40.0), StereoSettings(binaural=BinauralSettings(hrirs=hrirs)))
    itd, ild = _itd_and_ild(stem)
    assert itd == pytest.approx(round(float(woodworth_itd(40.0)) * SR) / SR, abs=5e-6)  # right ear first
    side = np.sin(np.radians(40.0))
    assert ild[2] == pytest.approx(20 * np.log10((1 + 0.5 * side) / (1 - 0.5 * side)), abs=0.2)
    between = render_stem(noise_burst(1.0), _fixed(45.0), StereoSettings(binaural=BinauralSettings(hrirs=hrirs)))
    _, ild_between = _itd_and_ild(between)
    assert ild_between[2] > ild[2]  # further right than 40 degrees


def test_sofa_at_another_rate_is_resampled(tmp_path):
    hrirs = load_hrirs(_write_sofa(tmp_path / "44k.sofa", rate=44100), SR)
    assert hrirs.sample_rate == SR and "resampled from 44100 Hz" in hrirs.notes
    assert hrirs.hrirs.shape[2] == int(np.ceil(128 * SR / 44100))


def test_bad_sofa_files_are_refused_clearly(tmp_path):
    with pytest.raises(InputFileError, match="no SOFA file"):
        load_hrirs(tmp_path / "missing.sofa")
    junk = tmp_path / "junk.sofa"
    junk.write_bytes(b"not a netCDF file at all")
    with pytest.raises(InputFileError, match="could not be read as a SOFA file"):
        load_hrirs(junk)
