"""Small signal helpers shared by the procedural voices: gains, filtered noise, envelopes, mixing.

Everything here is deterministic for a given `numpy.random.Generator`; nothing keeps state.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from scipy import signal

#: Samples per chunk where a whole-shot signal is processed piece by piece (a multiple of every
#: voice's control block, 32 and 48), so the temporaries stay a few MB however long the shot is.
CHUNK_SAMPLES = 3 * 2**16
#: Samples per block of an object's sound: the generator mixes its voices, gates and writes them
#: a block at a time (about 33 s at 48 kHz; a shot no longer than this is one block).
BLOCK_SAMPLES = 8 * CHUNK_SAMPLES
_FILTER_WARMUP = 512  # samples of noise thrown away so a filter's start-up transient never shows


def db_to_gain(db: float) -> float:
    """Linear amplitude of a level in dB."""
    return float(10.0 ** (db / 20.0))


def event_rng(seed: int, key: str, index: int) -> np.random.Generator:
    """A random generator for one event of one object, independent of every other event.

    Deterministic in (seed, key, index): adding or removing an event never changes the others.
    """
    entropy = [seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF, zlib.crc32(key.encode("utf-8")), index & 0xFFFFFFFF]
    return np.random.default_rng(np.random.SeedSequence(entropy))


def vary(rng: np.random.Generator, spread: float) -> float:
    """A factor drawn uniformly from [1 - spread, 1 + spread]."""
    return float(rng.uniform(1.0 - spread, 1.0 + spread))


def bandpass_sos(centre_hz: float, q: float, sample_rate: int, sections: int = 2) -> np.ndarray:
    """`sections` cascaded RBJ band-pass biquads (0 dB at `centre_hz`, quality `q` each).

    Coefficients come straight from the formulas (no filter design call), so a new centre per
    event costs nothing. The centre is clamped to 10 Hz .. 0.45 of the sample rate.
    """
    centre = float(np.clip(centre_hz, 10.0, 0.45 * sample_rate))
    w = 2.0 * np.pi * centre / sample_rate
    alpha = np.sin(w) / (2.0 * max(q, 0.05))
    a0 = 1.0 + alpha
    row = [alpha / a0, 0.0, -alpha / a0, 1.0, -2.0 * np.cos(w) / a0, (1.0 - alpha) / a0]
    return np.array([row] * sections)


def one_pole_sos(cutoff_hz: float, sample_rate: int, kind: str = "lowpass") -> np.ndarray:
    """A first-order low- or high-pass (bilinear, cutoff clamped below Nyquist) as one sos row."""
    cutoff = float(np.clip(cutoff_hz, 1.0, 0.45 * sample_rate))
    k = np.tan(np.pi * cutoff / sample_rate)
    if kind == "lowpass":
        return np.array([[k / (1 + k), k / (1 + k), 0.0, 1.0, (k - 1) / (k + 1), 0.0]])
    return np.array([[1 / (1 + k), -1 / (1 + k), 0.0, 1.0, (k - 1) / (k + 1), 0.0]])


def bandpass_noise(rng: np.random.Generator, n: int, sample_rate: int, centre_hz: float, q: float) -> np.ndarray:
    """`n` samples of white noise through two cascaded band-passes at `centre_hz` with quality `q`.

    The filter is warmed up so the first sample is already noise.
    """
    noise = rng.standard_normal(n + _FILTER_WARMUP, dtype=np.float32)
    return signal.sosfilt(bandpass_sos(centre_hz, q, sample_rate).astype(np.float32), noise)[_FILTER_WARMUP:]


def decaying_bursts(times_s: np.ndarray, amplitudes: np.ndarray, n: int, sample_rate: int, tau_s: float) -> np.ndarray:
    """Sum of instant-attack exponential decays (time constant `tau_s`) starting at `times_s`: an envelope.

    Built as an impulse train through a one-pole filter, so a thousand bursts cost one pass.
    """
    impulses = np.zeros(n)
    at = np.round(np.asarray(times_s) * sample_rate).astype(np.int64)
    keep = (at >= 0) & (at < n)
    np.add.at(impulses, at[keep], np.asarray(amplitudes, dtype=np.float64)[keep])
    pole = np.exp(-1.0 / (max(tau_s, 1e-5) * sample_rate))
    return signal.lfilter([1.0], [1.0, -pole], impulses)


def lowpass(x: np.ndarray, sample_rate: int, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """A causal Butterworth-like low-pass: order/2 RBJ biquads (Q 0.707), cutoff clamped below Nyquist."""
    cutoff = float(np.clip(cutoff_hz, 10.0, sample_rate * 0.45))
    w = 2.0 * np.pi * cutoff / sample_rate
    alpha = np.sin(w) / (2.0 * np.sqrt(0.5))
    cos_w, a0 = np.cos(w), 1.0 + alpha
    row = [(1 - cos_w) / 2 / a0, (1 - cos_w) / a0, (1 - cos_w) / 2 / a0, 1.0, -2 * cos_w / a0, (1 - alpha) / a0]
    return signal.sosfilt(np.array([row] * max(1, order // 2)), x)


def decay_envelope(n: int, sample_rate: int, tau_s: float, attack_s: float = 0.001) -> np.ndarray:
    """A raised-cosine attack of `attack_s` followed by an exponential decay with time constant `tau_s`."""
    envelope = np.exp(np.arange(n, dtype=np.float32) * np.float32(-1.0 / (max(tau_s, 1e-4) * sample_rate)))
    attack = max(1, int(round(attack_s * sample_rate)))
    ramp = min(attack, n)
    envelope[:ramp] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / attack)
    return envelope


def fade_tail(x: np.ndarray, sample_rate: int, fade_s: float) -> np.ndarray:
    """`x` with a raised-cosine fade to zero over its last `fade_s` seconds (so truncation never clicks)."""
    n = min(len(x), max(1, int(round(fade_s * sample_rate))))
    out = x.copy()
    out[len(x) - n :] *= 0.5 + 0.5 * np.cos(np.pi * (np.arange(n) + 1) / n)
    return out


def normalize_peak(x: np.ndarray, peak: float) -> np.ndarray:
    """`x` scaled so its largest absolute sample is `peak` (silence stays silence)."""
    top = float(np.max(np.abs(x))) if len(x) else 0.0
    return x * (peak / top) if top > 0 else x


def control_points(n: int, block: int) -> np.ndarray:
    """Sample indices of a voice's control points over n samples: every `block` samples from 0,
    n // block + 2 of them, the last ones held on the final sample."""
    return np.minimum(np.arange(n // block + 2) * block, n - 1)


def ramp_span(values: np.ndarray, block: int, start: int, stop: int) -> np.ndarray:
    """Samples [start, stop) of `values` (given every `block` samples from 0) ramped linearly to
    every sample, in the dtype of `values`: value for value the same as ramping the whole signal
    at once."""
    first = start // block
    held = np.asarray(values)[first : -(-stop // block) + 1]
    step = (np.arange(block) / block).astype(held.dtype)
    skip = start - first * block
    return (held[:-1, None] + np.diff(held)[:, None] * step[None, :]).ravel()[skip : skip + stop - start]


def soft_limit_into(x: np.ndarray, out: np.ndarray, knee: float = 0.5) -> None:
    """`out` (float64, as long as `x`) = x, unchanged below `knee`; above it, peaks bent smoothly
    towards (never reaching) 1; a chunk at a time."""
    for start, stop in chunks(len(x)):
        piece = out[start:stop]
        piece[...] = x[start:stop]
        over = np.abs(piece) > knee
        if np.any(over):
            piece[over] = np.sign(piece[over]) * (knee + (1.0 - knee) * np.tanh((np.abs(piece[over]) - knee) / (1.0 - knee)))


def chunks(n: int) -> Iterator[tuple[int, int]]:
    """[start, stop) of the chunks (`CHUNK_SAMPLES` long, the last shorter) covering n samples."""
    for start in range(0, n, CHUNK_SAMPLES):
        yield start, min(start + CHUNK_SAMPLES, n)


def add_at(out: np.ndarray, sound: np.ndarray, start: int) -> None:
    """Mix `sound` into `out` starting at sample `start`, dropping whatever falls outside `out`."""
    begin = max(start, 0)
    end = min(start + len(sound), len(out))
    if end > begin:
        out[begin:end] += sound[begin - start : end - start]


def parabolic_offset(y: np.ndarray, i: int) -> float:
    """Sub-sample position of the extremum of a parabola through y[i-1], y[i], y[i+1]."""
    if i <= 0 or i >= len(y) - 1:
        return 0.0
    a, b, c = y[i - 1], y[i], y[i + 1]
    denominator = a - 2 * b + c
    if denominator == 0:
        return 0.0
    return float(np.clip(0.5 * (a - c) / denominator, -0.5, 0.5))


def blocks_of(n: int, size: int) -> Iterator[tuple[int, int]]:
    """[start, stop) of consecutive spans of `size` (the last shorter) covering n samples."""
    for start in range(0, n, size):
        yield start, min(start + size, n)


def stat_spans(n: int) -> Iterator[tuple[int, int]]:
    """The spans over which a whole-sound figure (a level, a spread) is measured: all n samples
    at once when they fit in a block (the very figure the whole array gives), else chunks."""
    if n:
        yield from blocks_of(n, n if n <= BLOCK_SAMPLES else CHUNK_SAMPLES)


class StatefulFilter:
    """An sos filter (in the dtype of its coefficients' cast, float32 by default) fed span by
    span, its state carried from one to the next: the same samples as filtering all at once."""

    def __init__(self, sos: np.ndarray, dtype: type = np.float32) -> None:
        self._sos = np.asarray(sos).astype(dtype)
        self._state = np.zeros((self._sos.shape[0], 2), dtype=dtype)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y, self._state = signal.sosfilt(self._sos, x, zi=self._state)
        return y


class MeanSquare:
    """The mean of x**2 over consecutive spans of one signal. A signal given as one span gets
    exactly `np.mean(x**2)` (in its dtype); several spans combine their means (in float64, then
    in the signal's dtype)."""

    def __init__(self) -> None:
        self._parts: list[tuple[Any, int]] = []

    def add(self, x: np.ndarray) -> None:
        if len(x):
            self._parts.append((np.mean(x**2), len(x)))

    def value(self) -> Any:
        if len(self._parts) == 1:
            return self._parts[0][0]
        if not self._parts:
            return 0.0
        total = sum(float(mean) * count for mean, count in self._parts) / sum(count for _, count in self._parts)
        return self._parts[0][0].dtype.type(total)


class StandardDeviation:
    """The standard deviation of a signal given as consecutive spans: exactly `np.std(x)` for one
    span, the spans' means and squared deviations combined (Chan et al.) for several."""

    def __init__(self) -> None:
        self._count, self._mean, self._m2 = 0, 0.0, 0.0
        self._single: float | None = None
        self._spans = 0

    def add(self, x: np.ndarray) -> None:
        if not len(x):
            return
        self._spans += 1
        self._single = float(np.std(x)) if self._spans == 1 else None
        mean = float(np.mean(x))
        m2 = float(np.sum((x - mean) ** 2))
        count = self._count + len(x)
        delta = mean - self._mean
        self._m2 += m2 + delta * delta * self._count * len(x) / count
        self._mean += delta * len(x) / count
        self._count = count

    def value(self) -> float:
        if self._single is not None:
            return self._single
        return float(np.sqrt(self._m2 / self._count)) if self._count else 0.0


def copy_rng(rng: np.random.Generator) -> np.random.Generator:
    """A generator in the same state as `rng` (drawing from it leaves `rng` where it was)."""
    twin = np.random.Generator(type(rng.bit_generator)())
    twin.bit_generator.state = rng.bit_generator.state
    return twin


def skip_normals(rng: np.random.Generator, n: int) -> None:
    """Advance `rng` past `n` float32 standard normals (drawn a chunk at a time and dropped), so
    that it draws what `rng.standard_normal(n, dtype=np.float32)` would have been followed by."""
    for start, stop in chunks(n):
        rng.standard_normal(stop - start, dtype=np.float32)
