"""The loudness of a mix measured in blocks (spatial.block_loudness) is pyloudnorm's and scipy's
figure for the whole array, whatever the block size; the block mix is the whole-array sum."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import resample_poly

from foley_assistant.spatial.block_loudness import BlockMeter
from foley_assistant.spatial.loudness import LoudnessSettings, loudness_gain, loudness_gain_of_blocks
from foley_assistant.spatial.render import mix, mix_blocks


def _signal(n: int, seed: int = 3) -> np.ndarray:
    """Noise swelling from quiet to loud, with a silent stretch (so both gates have work)."""
    rng = np.random.default_rng(seed)
    audio = (rng.standard_normal((2, n)) * np.linspace(0.0005, 0.4, n)).astype(np.float32)
    audio[:, n // 3 : n // 2] = 0.0
    audio[1, 100:103] = [0.9, -0.95, 0.9]  # an intersample peak above the sample peak
    return audio


@pytest.mark.parametrize("rate", [48000, 44100])
@pytest.mark.parametrize("block", [77, 4800, 2**15, None])
def test_the_block_meter_gives_the_whole_array_loudness_and_true_peak(rate, block):
    audio = _signal(rate * 5 + 321)
    n = audio.shape[1]
    meter = BlockMeter(n, rate, 2)
    step = block or n
    for start in range(0, n, step):
        meter.add(audio[:, start : start + step])
    expected = pyloudnorm.Meter(rate).integrated_loudness(audio.astype(np.float64).T)
    assert meter.integrated_lufs() == pytest.approx(expected, abs=1e-9)
    peak = max(float(np.max(np.abs(resample_poly(audio.astype(np.float64), 4, 1, axis=-1)))), float(np.max(np.abs(audio))))
    assert meter.true_peak_dbtp() == pytest.approx(20 * math.log10(peak), abs=1e-9)
    assert meter.true_peak_dbtp() > 20 * math.log10(float(np.max(np.abs(audio))))  # the peak between samples counts


def test_silence_and_short_signals_read_as_silent():
    meter = BlockMeter(48000, 48000, 2)
    meter.add(np.zeros((2, 48000), dtype=np.float32))
    assert meter.integrated_lufs() == -math.inf and meter.true_peak_dbtp() == -math.inf
    short = BlockMeter(1000, 48000, 2)
    short.add(_signal(1000))
    assert short.integrated_lufs() == -math.inf and math.isfinite(short.true_peak_dbtp())


def test_a_meter_refuses_a_reading_before_every_sample_came_and_more_samples_than_announced():
    meter = BlockMeter(100, 48000, 2)
    meter.add(np.zeros((2, 60)))
    with pytest.raises(ValueError, match="60 of 100"):
        meter.integrated_lufs()
    with pytest.raises(ValueError, match="more than the 100"):
        meter.add(np.zeros((2, 41)))


def test_the_block_mix_is_the_whole_sum_and_the_gain_of_its_blocks_the_gain_of_the_array():
    stems = [_signal(150_001, seed) for seed in (1, 2)] + [_signal(90_000, 4)]  # one shorter stem
    whole = np.zeros((2, 150_001))
    for stem in stems:
        whole[:, : stem.shape[1]] += stem
    assert np.array_equal(mix(stems, 150_001), whole.astype(np.float32))
    assert np.array_equal(np.concatenate(list(mix_blocks(stems, 150_001, block=1000)), axis=1), whole.astype(np.float32))
    settings = LoudnessSettings()
    streamed = loudness_gain_of_blocks(lambda: mix_blocks(stems, 150_001, block=4096), 150_001, 48000, settings)
    assert streamed == loudness_gain(whole.astype(np.float32), 48000, settings)
    expected = pyloudnorm.Meter(48000).integrated_loudness(whole.astype(np.float32).astype(np.float64).T)
    assert streamed.input_lufs == pytest.approx(expected, abs=1e-9)
    assert streamed.gain_db == pytest.approx(min(-23.0 - expected, -1.0 - streamed.input_true_peak_dbtp), abs=1e-9)
