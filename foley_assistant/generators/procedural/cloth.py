"""Cloth and body movement: the rustle of clothes and the soft shifts of a moving body.

Rustle: high-band noise (two bands near 3 and 6 kHz) chopped by a crackle of tiny decaying bursts
(a Poisson stream, 150-400 per second while moving, 1.5-4 ms each), times an activity curve.
Body: a low, soft band of noise (near 350 Hz) following the same activity.
Activity: a share of the speed (0.35 at 1.5 m/s), plus a swish per step (the legs brushing, 40 %
of a step after each footfall, a raised-cosine bump lasting half a step, +-30 % in size), plus
sudden changes of speed (|acceleration|). Each step's bump, the crackle and the noise are drawn
anew, so no two steps rustle alike. Gains are computed at the control rate and ramped.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import (
    MeanSquare,
    StandardDeviation,
    StatefulFilter,
    bandpass_sos,
    chunks,
    control_points,
    copy_rng,
    db_to_gain,
    ramp_span,
    skip_normals,
    stat_spans,
)

CONTROL_BLOCK = 32
RMS_DBFS = -40.0  # RMS of the rustle at full activity (steps of a walk are about -36 dBFS RMS)
STEP_SWISH_DELAY = 0.4  # of a step period after the footfall


def render_cloth(
    speed_m_s: np.ndarray,
    accel_m_s2: np.ndarray,
    footfalls_s: list[float],
    rng: np.random.Generator,
    sample_rate: int,
    floor: float = 0.0,
) -> np.ndarray:
    """Cloth rustle and body movement for per-sample speed and acceleration and the step times (s).

    `floor` is the least activity while the object is there (0..1): the generic voice of a
    thing that moves in place (an arm, a head) keeps a soft movement sound even at no speed."""
    n = len(speed_m_s)
    out = np.zeros(n)
    if n:
        at = control_points(n, CONTROL_BLOCK)
        cloth_into(out, np.asarray(speed_m_s, dtype=np.float64)[at], np.asarray(accel_m_s2, dtype=np.float64)[at], footfalls_s, rng, sample_rate, floor)
    return out


def cloth_into(
    out: np.ndarray,
    speed_c: np.ndarray,
    accel_c: np.ndarray,
    footfalls_s: list[float],
    rng: np.random.Generator,
    sample_rate: int,
    floor: float = 0.0,
) -> None:
    """`render_cloth` into `out` (float64, n samples) from the speed and acceleration at its control
    points (`dsp.control_points(n, CONTROL_BLOCK)`), a chunk at a time (`ClothVoice`)."""
    voice = ClothVoice(len(out), speed_c, accel_c, footfalls_s, rng, sample_rate, floor)
    for start, stop in chunks(len(out)):
        out[start:stop] = voice.block(start, stop)


class ClothVoice:
    """The cloth of `render_cloth` over n samples, a span at a time (`block`, asked for in order
    from sample 0), in memory that does not grow with n beyond the control-rate gains and the
    crackle's burst times. Its levels are set over the whole sound, as when it was made at once:
    two cheap passes over its noise (the crackle's spread, then the rustle's and body's power),
    then the spans themselves, value for value those of the whole sound at once."""

    def __init__(
        self,
        n: int,
        speed_c: np.ndarray,
        accel_c: np.ndarray,
        footfalls_s: list[float],
        rng: np.random.Generator,
        sample_rate: int,
        floor: float = 0.0,
    ) -> None:
        self._n = n
        activity = _activity(speed_c, accel_c, footfalls_s, rng, sample_rate, floor)
        rate = 150.0 + 250.0 * float(np.clip(np.mean(activity), 0.0, 1.0))
        times = rng.uniform(0, n / sample_rate, rng.poisson(rate * n / sample_rate))
        amplitudes = rng.uniform(0.2, 1.0, len(times)) ** 2
        tau_s = rng.uniform(0.0015, 0.004)
        at = np.round(times * sample_rate).astype(np.int64)
        keep = (at >= 0) & (at < n)
        order = np.argsort(at[keep], kind="stable")  # np.add.at sums repeated places in this order
        self._burst_at, self._burst_amplitude = at[keep][order], amplitudes[keep][order]
        self._pole = np.exp(-1.0 / (max(tau_s, 1e-5) * sample_rate))
        self._gain = db_to_gain(RMS_DBFS) * activity
        self._sample_rate = sample_rate
        # The three noises are consecutive draws of `rng` (n normals each), read side by side.
        streams = [copy_rng(rng)]
        for _ in range(2):
            following = copy_rng(streams[-1])
            skip_normals(following, n)
            streams.append(following)
        spread, crackle = StandardDeviation(), _Crackle(self._burst_at, self._burst_amplitude, self._pole)
        for start, stop in stat_spans(n):
            spread.add(crackle(start, stop))
        self._spread = spread.value()
        rustle_power, body_power = MeanSquare(), MeanSquare()
        noise = self._noise([copy_rng(g) for g in streams])
        for start, stop in stat_spans(n):
            rustle, body = noise(stop - start)
            rustle_power.add(rustle)
            body_power.add(body)
        self._rustle_rms = np.sqrt(rustle_power.value()) + 1e-12
        self._body_rms = np.sqrt(body_power.value()) + 1e-12
        self._next = self._noise([rng, streams[1], streams[2]])
        self._done = 0

    def _noise(self, streams: list[np.random.Generator]) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
        """A reader of (rustle, body) spans in order (float32; the rustle chopped by the crackle,
        neither yet normalised), the noises drawn from `streams` and filtered with carried state."""
        crackle = _Crackle(self._burst_at, self._burst_amplitude, self._pole)
        rate = self._sample_rate
        rustle_filters = (StatefulFilter(bandpass_sos(3000.0, 1.0, rate)), StatefulFilter(bandpass_sos(6000.0, 1.2, rate)))
        body_filter = StatefulFilter(bandpass_sos(350.0, 0.8, rate))
        position = 0

        def read(m: int) -> tuple[np.ndarray, np.ndarray]:
            nonlocal position
            chopped = crackle(position, position + m)
            chopped /= self._spread + 1e-12
            chopped += 0.35
            rustle = rustle_filters[0](streams[0].standard_normal(m, dtype=np.float32))
            rustle += 0.6 * rustle_filters[1](streams[1].standard_normal(m, dtype=np.float32))
            rustle *= chopped.astype(np.float32)
            body = body_filter(streams[2].standard_normal(m, dtype=np.float32))
            position += m
            return rustle, body

        return read

    def block(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) of the cloth (float64; spans asked for in order from 0)."""
        if start != self._done:
            raise ValueError(f"cloth spans must follow each other: asked for {start}, next is {self._done}")
        out = np.empty(stop - start)
        for first, last in chunks(stop - start):
            rustle, body = self._next(last - first)
            rustle /= self._rustle_rms
            body /= self._body_rms
            out[first:last] = ramp_span(self._gain, CONTROL_BLOCK, start + first, start + last) * (rustle + 0.5 * body)
        self._done = stop
        return out


class _Crackle:
    """The crackle (bursts through a one-pole decay, float64) read span by span, in order."""

    def __init__(self, at: np.ndarray, amplitude: np.ndarray, pole: float) -> None:
        self._at, self._amplitude, self._pole = at, amplitude, pole
        self._state = np.zeros(1)

    def __call__(self, start: int, stop: int) -> np.ndarray:
        impulses = np.zeros(stop - start)
        lo, hi = np.searchsorted(self._at, [start, stop])
        np.add.at(impulses, self._at[lo:hi] - start, self._amplitude[lo:hi])
        out, self._state = signal.lfilter([1.0], [1.0, -self._pole], impulses, zi=self._state)
        return out


def _activity(speed_c: np.ndarray, accel_c: np.ndarray, footfalls_s: list[float], rng: np.random.Generator, sample_rate: int, floor: float) -> np.ndarray:
    """Activity at the control points: a share of the speed and of |acceleration|, a swish per step."""
    control_rate = sample_rate / CONTROL_BLOCK
    count = len(speed_c)
    activity = 0.35 * np.clip(speed_c / 1.5, 0.0, 2.0) + 0.15 * np.clip(np.abs(accel_c) / 2.0, 0.0, 2.0)
    steps = np.asarray(sorted(footfalls_s))
    periods = np.diff(steps) if len(steps) > 1 else np.array([0.5])
    for j, step in enumerate(steps):
        period = float(np.clip(periods[min(j, len(periods) - 1)], 0.25, 1.0))
        centre = step + STEP_SWISH_DELAY * period
        half = 0.25 * period
        size = rng.uniform(0.45, 0.85)
        # Only the control points near the bump can be inside it (the same points as over all of t).
        lo = max(0, int(np.floor((centre - half) * control_rate)) - 1)
        hi = min(count, int(np.ceil((centre + half) * control_rate)) + 2)
        t = np.arange(lo, hi) / control_rate
        inside = np.abs(t - centre) < half
        activity[lo:hi][inside] += size * 0.5 * (1 + np.cos(np.pi * (t[inside] - centre) / half))
    return np.clip(np.maximum(activity, floor), 0.0, 1.5)
