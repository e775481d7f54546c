"""Small signal helpers shared by the procedural voices: gains, filtered noise, envelopes, mixing.

Everything here is deterministic for a given `numpy.random.Generator`; nothing keeps state.
"""

from __future__ import annotations

import zlib

import numpy as np
from scipy import signal

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


def bandpass_noise(rng: np.random.Generator, n: int, sample_rate: int, centre_hz: float, q: float) -> np.ndarray:
    """`n` samples of white noise through a 2nd-order band-pass at `centre_hz` with quality `q`.

    The band is clamped below Nyquist; the filter is warmed up so the first sample is already noise.
    """
    nyquist = sample_rate / 2.0
    half = 1.0 / (2.0 * q)
    low = centre_hz * (np.sqrt(1.0 + half * half) - half)
    high = low + centre_hz / q
    low = float(np.clip(low, 10.0, nyquist * 0.9))
    high = float(np.clip(high, low * 1.05, nyquist * 0.95))
    sos = signal.butter(2, [low, high], btype="bandpass", fs=sample_rate, output="sos")
    noise = rng.standard_normal(n + _FILTER_WARMUP)
    return signal.sosfilt(sos, noise)[_FILTER_WARMUP:]


def lowpass(x: np.ndarray, sample_rate: int, cutoff_hz: float, order: int = 2) -> np.ndarray:
    """A causal Butterworth low-pass (cutoff clamped below Nyquist)."""
    cutoff = float(np.clip(cutoff_hz, 10.0, sample_rate * 0.45))
    sos = signal.butter(order, cutoff, btype="lowpass", fs=sample_rate, output="sos")
    return signal.sosfilt(sos, x)


def decay_envelope(n: int, sample_rate: int, tau_s: float, attack_s: float = 0.001) -> np.ndarray:
    """A raised-cosine attack of `attack_s` followed by an exponential decay with time constant `tau_s`."""
    t = np.arange(n) / sample_rate
    envelope = np.exp(-t / max(tau_s, 1e-4))
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
