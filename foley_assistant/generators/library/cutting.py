"""Cutting library sounds to picture: one-shots out of a file, beds looped or trimmed to a length.

One-shots: a file may hold one hit or a take of many (a walk, a series of knocks). Its onsets are
where the 2 ms energy envelope rises through a threshold (30 dB under the file's peak, and at
least 12 dB over its noise floor) after having been 6 dB under it for 90 % of the 40 ms before. Each cut
runs from 2 ms before its onset to 2 ms before the next one (at most `max_length_s`), ends with a
10 ms raised-cosine fade, and keeps its 2 ms pre-roll so it can be placed with its attack exactly
on an event.

Beds: the file's body (silence trimmed off both ends) is tiled from a random start with
equal-power crossfades of `crossfade_s` at every join, or a random stretch of it is taken when it
is long enough; the result is exactly the length asked for. `varispeed` reads a bed at a
changing rate (an engine's RPM following speed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from math import gcd

import numpy as np
import soundfile
from scipy import ndimage
from scipy.signal import resample_poly

from foley_assistant.core.errors import InputFileError

PREROLL_S = 0.002
FADE_OUT_S = 0.01


@dataclass(frozen=True)
class Cut:
    """A one-shot cut from a file: where it starts in the file (s), its samples, its pre-roll (samples)."""

    offset_s: float
    samples: np.ndarray
    preroll: int


def load_mono(path: str | os.PathLike[str], sample_rate: int) -> np.ndarray:
    """A file's samples, mixed to mono float64 and resampled to `sample_rate` (polyphase)."""
    try:
        data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except (soundfile.SoundFileError, RuntimeError, OSError) as exc:
        raise InputFileError(f"cannot read the library sound {path} ({exc}); re-index the library.") from exc
    mono = data.mean(axis=1)
    if rate != sample_rate and len(mono):
        divisor = gcd(int(rate), int(sample_rate))
        mono = resample_poly(mono, sample_rate // divisor, int(rate) // divisor)
    return mono


def envelope_db(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """The 2 ms RMS envelope in dB."""
    power = ndimage.uniform_filter1d(x * x, max(1, int(0.002 * sample_rate)))
    return 10.0 * np.log10(np.maximum(power, 1e-20))


def one_shots(x: np.ndarray, sample_rate: int, max_length_s: float) -> list[Cut]:
    """The one-shot cuts of a file (see the module docstring); [] for silence."""
    if len(x) == 0 or not np.any(x):
        return []
    env = envelope_db(x, sample_rate)
    floor = float(np.percentile(env, 10))
    threshold = max(float(env.max()) - 30.0, floor + 12.0)
    quiet_for = int(0.04 * sample_rate)
    below = np.concatenate([[0], np.cumsum(env < threshold - 6.0)])  # below[i]: quiet samples before i
    rising = np.flatnonzero((env[1:] >= threshold) & (env[:-1] < threshold)) + 1
    onsets = [int(i) for i in rising if below[i] - below[max(0, i - quiet_for)] >= 0.9 * min(i, quiet_for)]
    if env[0] >= threshold:
        onsets = [0] + onsets
    preroll = int(PREROLL_S * sample_rate)
    limit = int(max_length_s * sample_rate)
    cuts = []
    for k, onset in enumerate(onsets):
        start = max(0, onset - preroll)
        end = min(len(x), start + limit, onsets[k + 1] - preroll if k + 1 < len(onsets) else len(x))
        if end - start < 4 * preroll:
            continue
        cuts.append(Cut(start / sample_rate, fade_out(x[start:end].copy(), sample_rate, FADE_OUT_S), onset - start))
    return cuts


def fade_out(x: np.ndarray, sample_rate: int, seconds: float) -> np.ndarray:
    """x with a raised-cosine fade over its last `seconds`."""
    n = min(len(x), max(1, int(seconds * sample_rate)))
    x[len(x) - n :] *= 0.5 + 0.5 * np.cos(np.pi * (np.arange(n) + 1) / n)
    return x


def body(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """The file without the silence at its ends (40 dB under its peak)."""
    if len(x) == 0:
        return x
    env = envelope_db(x, sample_rate)
    loud = np.flatnonzero(env >= env.max() - 40.0)
    return x[loud[0] : loud[-1] + 1] if len(loud) else x


def bed(x: np.ndarray, n: int, sample_rate: int, rng: np.random.Generator, crossfade_s: float = 0.1) -> np.ndarray:
    """Exactly n samples of the file's body: a random stretch of it, or tiled with equal-power crossfades."""
    source = body(x, sample_rate)
    if n <= 0 or len(source) == 0:
        return np.zeros(max(n, 0))
    if len(source) >= n:
        start = int(rng.integers(0, len(source) - n + 1))
        return source[start : start + n].copy()
    fade = max(1, min(int(crossfade_s * sample_rate), len(source) // 3))
    ramp = np.linspace(0.0, np.pi / 2, fade)
    fade_in, fade_out_curve = np.sin(ramp), np.cos(ramp)
    start = int(rng.integers(0, max(1, len(source) - fade)))
    out = np.zeros(n + len(source))
    at = 0
    piece = source[start:]
    while at < n:
        segment = piece.copy()
        if at > 0:
            segment[:fade] *= fade_in  # over the faded tail of the piece before
        out[at : at + len(segment)] += segment
        tail_start = at + len(segment) - fade
        out[tail_start : at + len(segment)] *= fade_out_curve[: at + len(segment) - tail_start]
        at = tail_start
        piece = source
    return out[:n]


def varispeed(x: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """x read at a changing rate (1 = as recorded), one output sample per rate value, linear interpolation.

    `x` must hold at least sum(rate) + 1 samples.
    """
    positions = np.concatenate([[0.0], np.cumsum(rate[:-1])])
    return np.interp(positions, np.arange(len(x)), x)
