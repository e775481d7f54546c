"""Loudness and true peak over time, as a loudness meter shows them at a playhead (BS.1770 /
EBU R 128): momentary (400 ms), short-term (3 s) and true peak.

A stem is measured once, in 100 ms blocks: per block the K-weighted mean square of each channel
(the BS.1770 pre-filter and high-pass, as pyloudnorm designs them for the sample rate) and the
block's true peak (the largest magnitude of the signal upsampled 4x, as BS.1770 Annex 2 asks).
A reading at any time is then a few sums over blocks: momentary loudness is
-0.691 + 10 log10 of the channels' mean square over the last 4 blocks, short-term over the
last 30; true peak is the largest block peak over the last 4 blocks (a peak meter's short hold).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

BLOCK_S = 0.1
MOMENTARY_BLOCKS = 4
SHORT_TERM_BLOCKS = 30
OVERSAMPLE = 4
SILENCE_DB = -120.0


@dataclass(frozen=True)
class LevelTimeline:
    """Per 100 ms block of a stem: the channels' summed K-weighted mean square and the true peak."""

    power: np.ndarray  # (blocks,)
    true_peak: np.ndarray  # (blocks,), linear
    block_s: float = BLOCK_S

    @classmethod
    def of(cls, audio: np.ndarray, sample_rate: int) -> "LevelTimeline":
        """Measure a (channels, samples) or (samples,) signal."""
        import pyloudnorm
        from scipy.signal import lfilter, resample_poly

        signal = np.atleast_2d(np.asarray(audio, dtype=np.float64))
        block = max(1, int(round(BLOCK_S * sample_rate)))
        count = max(1, -(-signal.shape[1] // block))
        padded = np.zeros((signal.shape[0], count * block))
        padded[:, : signal.shape[1]] = signal
        weighted = padded
        for stage in pyloudnorm.Meter(sample_rate)._filters.values():  # the BS.1770 K-weighting
            weighted = lfilter(stage.b, stage.a, weighted, axis=1) * stage.passband_gain
        power = np.mean(weighted.reshape(signal.shape[0], count, block) ** 2, axis=2).sum(axis=0)
        upsampled = resample_poly(padded, OVERSAMPLE, 1, axis=1)
        peaks = np.abs(upsampled).reshape(signal.shape[0], count, block * OVERSAMPLE).max(axis=(0, 2))
        return cls(power, np.maximum(peaks, np.abs(padded).reshape(signal.shape[0], count, block).max(axis=(0, 2))))

    def _window(self, seconds: float, blocks: int) -> slice:
        end = min(len(self.power), max(1, int(math.floor(seconds / self.block_s)) + 1))
        return slice(max(0, end - blocks), end)

    def _loudness(self, seconds: float, blocks: int) -> float:
        window = self.power[self._window(seconds, blocks)]
        mean = float(np.sum(window) / blocks)  # a window that starts before the stem counts silence
        return -0.691 + 10 * math.log10(mean) if mean > 0 else SILENCE_DB

    def momentary_lufs(self, seconds: float) -> float:
        """Momentary loudness (the 400 ms ending in the block at `seconds`), LUFS."""
        return self._loudness(seconds, MOMENTARY_BLOCKS)

    def short_term_lufs(self, seconds: float) -> float:
        """Short-term loudness (the 3 s ending there), LUFS."""
        return self._loudness(seconds, SHORT_TERM_BLOCKS)

    def true_peak_dbtp(self, seconds: float) -> float:
        """The true peak of the last 400 ms, dBTP."""
        peak = float(np.max(self.true_peak[self._window(seconds, MOMENTARY_BLOCKS)]))
        return 20 * math.log10(peak) if peak > 0 else SILENCE_DB


def reading(value: float) -> str:
    """A meter's number: one decimal, or a dash below the meter's floor."""
    return "—" if value <= -70.0 else f"{value:.1f}"
