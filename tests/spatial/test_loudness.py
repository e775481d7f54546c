import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample

from foley_assistant.core.errors import FoleyError
from foley_assistant.spatial.loudness import LoudnessSettings, integrated_loudness, loudness_gain, true_peak_dbtp
from foley_assistant.spatial.render import mix

SR = 48000


def _stems(seconds=3.0):
    rng = np.random.default_rng(3)
    n = int(seconds * SR)
    return [(rng.standard_normal((2, n)) * level).astype(np.float32) for level in (0.02, 0.005, 0.05)]


def test_one_gain_brings_the_mix_to_the_target_and_stems_still_sum_to_it():
    stems = _stems()
    result = loudness_gain(mix(stems, 3 * SR), SR, LoudnessSettings(target_lufs=-23.0))
    gain = 10 ** (result.gain_db / 20)
    scaled = [s * gain for s in stems]
    scaled_mix = mix(scaled, 3 * SR)
    measured = pyloudnorm.Meter(SR).integrated_loudness(scaled_mix.T.astype(np.float64))
    assert measured == pytest.approx(-23.0, abs=0.05) and result.output_lufs == pytest.approx(measured, abs=0.01)
    assert not result.limited_by_true_peak
    residual = scaled_mix - np.sum(scaled, axis=0)
    assert 20 * np.log10(np.max(np.abs(residual)) + 1e-30) < -120


def _true_peak_8x(audio):
    return 20 * np.log10(np.max(np.abs(resample(audio.astype(np.float64), audio.shape[1] * 8, axis=1))))


def test_true_peak_ceiling_is_enforced_on_inter_sample_peaks():
    t = np.arange(2 * SR)
    tone = np.sin(np.pi / 2 * t + np.pi / 4)  # fs/4 sampled at +-45 deg: every sample is 0.707 of the peak
    tone *= np.clip(np.minimum(t, t[::-1]) / (0.05 * SR), 0, 1)  # faded in and out: no edge overshoot
    audio = np.stack([tone, tone]).astype(np.float32) * 0.5
    bursts = audio * (np.sin(np.pi * (t % (SR // 2)) / (0.04 * SR)) ** 2 * ((t % (SR // 2)) < 0.04 * SR))  # peaky, quiet
    sample_peak = 20 * np.log10(np.abs(audio).max())
    assert true_peak_dbtp(audio) == pytest.approx(sample_peak + 3.01, abs=0.1)
    result = loudness_gain(bursts, SR, LoudnessSettings(target_lufs=-10.0, true_peak_ceiling_dbtp=-1.0))
    assert result.limited_by_true_peak and result.output_true_peak_dbtp == pytest.approx(-1.0, abs=1e-6)
    assert _true_peak_8x(bursts * 10 ** (result.gain_db / 20)) <= -1.0 + 0.05
    assert 20 * np.log10(np.abs(bursts).max()) + result.gain_db < -3.5  # the sample peak alone would have allowed more
    assert result.output_lufs < -10.5  # the ceiling wins over the target, and the report says so
    assert result.to_dict()["limited_by_true_peak"] is True


def test_short_or_silent_mixes():
    t = np.arange(SR // 4)
    short = np.stack([np.sin(2 * np.pi * 1000 * t / SR) * np.hanning(len(t))] * 2).astype(np.float32) * 0.99
    result = loudness_gain(short, SR, LoudnessSettings())
    assert integrated_loudness(short, SR) == -np.inf
    assert result.output_true_peak_dbtp == pytest.approx(-1.0) and result.gain_db < -0.9 and "too short" in result.note
    silent = loudness_gain(np.zeros((2, SR)), SR, LoudnessSettings())
    assert silent.gain_db == 0.0 and silent.to_dict()["loudness_lufs"] is None


def test_settings_are_checked():
    with pytest.raises(FoleyError, match="loudness target"):
        LoudnessSettings(target_lufs=5.0)
    with pytest.raises(FoleyError, match="true-peak"):
        LoudnessSettings(true_peak_ceiling_dbtp=3.0)
