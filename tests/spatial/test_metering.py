"""Momentary and short-term loudness and true peak over time, checked against BS.1770's own
definitions (pyloudnorm's integrated loudness of a steady tone, the analytic peak of a sine)."""

from __future__ import annotations

import numpy as np
import pyloudnorm
import pytest

from foley_assistant.spatial.metering import LevelTimeline, reading

SR = 48000


def tone(seconds: float, amplitude: float, frequency: float = 997.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return amplitude * np.sin(2 * np.pi * frequency * t)


def test_a_steady_tone_reads_its_bs1770_loudness_on_both_meters():
    stereo = np.stack([tone(4.0, 0.1), tone(4.0, 0.1)])
    levels = LevelTimeline.of(stereo, SR)
    reference = pyloudnorm.Meter(SR).integrated_loudness(stereo.T)
    assert levels.momentary_lufs(3.5) == pytest.approx(reference, abs=0.05)
    assert levels.short_term_lufs(3.5) == pytest.approx(reference, abs=0.05)
    assert levels.true_peak_dbtp(3.5) == pytest.approx(-20.0, abs=0.05)


def test_the_meters_follow_the_sound_in_time():
    quiet_then_loud = np.concatenate([tone(2.0, 0.01), tone(2.0, 0.3)])
    levels = LevelTimeline.of(quiet_then_loud, SR)
    before, after = levels.momentary_lufs(1.9), levels.momentary_lufs(2.5)
    assert after - before == pytest.approx(20 * np.log10(30), abs=0.2)  # 30x the amplitude
    assert levels.short_term_lufs(2.5) < after - 5  # 3 s still mostly remembers the quiet part
    assert levels.true_peak_dbtp(1.0) == pytest.approx(-40.0, abs=0.1) and levels.true_peak_dbtp(3.0) == pytest.approx(20 * np.log10(0.3), abs=0.1)


def test_an_inter_sample_peak_is_caught():
    # A sine at a quarter of the sample rate, phase 45 degrees: every sample is at 0.707 of the peak.
    n = np.arange(SR)
    signal = np.sin(2 * np.pi * (SR / 4) * n / SR + np.pi / 4)
    levels = LevelTimeline.of(signal * 0.5, SR)
    sample_peak = 20 * np.log10(np.max(np.abs(signal * 0.5)))
    assert levels.true_peak_dbtp(0.5) > sample_peak + 2.5  # the true peak (about -6 dBTP) is 3 dB over the samples


def test_silence_reads_a_dash():
    levels = LevelTimeline.of(np.zeros((2, SR)), SR)
    assert reading(levels.momentary_lufs(0.5)) == "—" and reading(-23.04) == "-23.0"
