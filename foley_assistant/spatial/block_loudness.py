"""BS.1770-4 integrated loudness and true peak of a signal fed in blocks, in memory that does not
grow with its length.

The integrated loudness is pyloudnorm's, step for step: the same K-weighting filters (designed by
pyloudnorm for the sample rate, run with their state carried from block to block), the same
400 ms gating blocks with 75 % overlap (their sample bounds computed with pyloudnorm's own
expressions), the same absolute (-70 LUFS) and relative (-10 LU) gates. Only each gating
block's sum of squares is gathered as the signal streams past, from the sums over the stretches
between consecutive block bounds. The true peak is the largest magnitude of the signal
oversampled 4x (scipy's polyphase `resample_poly`), each block resampled with enough of its
neighbours on either side that the result is the whole signal's.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.signal import lfilter, resample_poly

SILENT = -float("inf")
OVERSAMPLING = 4
CHANNEL_GAINS = (1.0, 1.0, 1.0, 1.41, 1.41)  # BS.1770 channel weights (L, R, C, Ls, Rs)
ABSOLUTE_GATE_LUFS = -70.0
#: Input samples of context on each side of a block for the 4x resampler (its filter spans 10).
PEAK_CONTEXT = 64


class BlockMeter:
    """Feed (channels, m) blocks in order with `add`, `n_samples` in all; then read
    `integrated_lufs()` and `true_peak_dbtp()`. A block may have any length."""

    def __init__(self, n_samples: int, sample_rate: int, channels: int) -> None:
        import pyloudnorm  # imported here: it takes most of a second to load

        meter = pyloudnorm.Meter(sample_rate)
        self.n_samples, self.rate, self.channels = int(n_samples), sample_rate, channels
        self._stages = [(np.asarray(s.b, dtype=np.float64), np.asarray(s.a, dtype=np.float64), float(s.passband_gain)) for s in meter._filters.values()]
        self._state = [np.zeros((channels, max(len(b), len(a)) - 1)) for b, a, _ in self._stages]
        gate, step = meter.block_size, 1.0 - meter.overlap
        count = int(np.round(((n_samples / sample_rate - gate) / (gate * step)))) + 1
        self._gate_samples = gate * sample_rate
        lower = np.array([int(gate * (j * step) * sample_rate) for j in range(max(count, 0))], dtype=np.int64)
        upper = np.array([int(gate * (j * step + 1) * sample_rate) for j in range(max(count, 0))], dtype=np.int64)
        self._lower, self._upper = np.clip(lower, 0, n_samples), np.clip(upper, 0, n_samples)
        self._edges = np.unique(np.concatenate([[0, n_samples], self._lower, self._upper]))
        self._segments = np.zeros((channels, max(len(self._edges) - 1, 0)))
        self._position = 0
        self._peak = 0.0
        self._tail = np.zeros((channels, 0))  # the last PEAK_CONTEXT samples, for the next block's resampling
        self._pending = np.zeros((channels, 0))  # samples whose right-hand context has not arrived yet

    def add(self, block: np.ndarray) -> None:
        """The next samples, shape (channels, m)."""
        signal = np.asarray(block, dtype=np.float64).reshape(self.channels, -1)
        if self._position + signal.shape[1] > self.n_samples:
            raise ValueError(f"more than the {self.n_samples} samples announced")
        self._weigh(signal)
        self._peak_of(signal, final=self._position + signal.shape[1] == self.n_samples)
        self._position += signal.shape[1]

    def _weigh(self, signal: np.ndarray) -> None:
        weighted = signal
        for index, (b, a, gain) in enumerate(self._stages):
            weighted, self._state[index] = lfilter(b, a, weighted, axis=1, zi=self._state[index])
            weighted = weighted * gain
        start, stop = self._position, self._position + signal.shape[1]
        if stop == start or self._segments.shape[1] == 0:
            return
        first = int(np.searchsorted(self._edges, start, side="right")) - 1
        inside = self._edges[(self._edges > start) & (self._edges < stop)] - start
        sums = np.add.reduceat(np.square(weighted), np.concatenate([[0], inside]).astype(np.intp), axis=1)
        self._segments[:, first : first + sums.shape[1]] += sums

    def _peak_of(self, signal: np.ndarray, final: bool) -> None:
        if signal.shape[1]:
            self._peak = max(self._peak, float(np.max(np.abs(signal))))
        waiting = np.concatenate([self._pending, signal], axis=1)
        ready = waiting.shape[1] if final else max(0, waiting.shape[1] - PEAK_CONTEXT)
        if ready == 0:
            self._pending = waiting
            return
        context = np.concatenate([self._tail, waiting], axis=1)
        resampled = resample_poly(context, OVERSAMPLING, 1, axis=1)
        left = self._tail.shape[1] * OVERSAMPLING
        self._peak = max(self._peak, float(np.max(np.abs(resampled[:, left : left + ready * OVERSAMPLING]))))
        done = np.concatenate([self._tail, waiting[:, :ready]], axis=1)
        self._tail, self._pending = done[:, -PEAK_CONTEXT:], waiting[:, ready:]

    def integrated_lufs(self) -> float:
        """BS.1770-4 integrated loudness (LUFS), -inf for silence or a signal shorter than one
        400 ms gating block."""
        if self._position != self.n_samples:
            raise ValueError(f"{self._position} of {self.n_samples} samples were measured")
        if self.n_samples < int(0.4 * self.rate) or len(self._lower) == 0:
            return SILENT
        prefix = np.concatenate([np.zeros((self.channels, 1)), np.cumsum(self._segments, axis=1)], axis=1)
        lo, hi = np.searchsorted(self._edges, self._lower), np.searchsorted(self._edges, self._upper)
        z = (1.0 / self._gate_samples) * (prefix[:, hi] - prefix[:, lo])
        weights = np.array(CHANNEL_GAINS[: self.channels])[:, None]
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", category=RuntimeWarning)
            blocks = -0.691 + 10.0 * np.log10(np.sum(weights * z, axis=0))
            above = blocks >= ABSOLUTE_GATE_LUFS
            relative = -0.691 + 10.0 * np.log10(np.sum(weights[:, 0] * np.mean(z[:, above], axis=1))) - 10.0
            kept = (blocks > relative) & (blocks > ABSOLUTE_GATE_LUFS)
            gated = np.nan_to_num(np.mean(z[:, kept], axis=1))
            value = float(-0.691 + 10.0 * np.log10(np.sum(weights[:, 0] * gated)))
        return value if math.isfinite(value) else SILENT

    def true_peak_dbtp(self) -> float:
        """The largest magnitude of the signal and of its 4x oversampling, in dBTP; -inf for silence."""
        if self._position != self.n_samples:
            raise ValueError(f"{self._position} of {self.n_samples} samples were measured")
        return 20.0 * math.log10(self._peak) if self._peak > 0 else SILENT
