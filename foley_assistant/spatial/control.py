"""Automation: curves evaluated at control rate, smoothed by a one-pole low-pass, and ramped
linearly to every sample, so no parameter ever steps (automation never zips).

Control points sit at samples 0, B, 2B, ... (B = `control_interval`), one past the end. Between
two control points a parameter moves on a straight line, so its per-sample change is at most
k |jump| / B for a jump in the curve, with k = 1 - exp(-B / (fs tau)).

The renderers work in blocks of about `RENDER_BLOCK_SAMPLES` (`render_blocks`), each starting on a
control point, and ramp each parameter over one block at a time (`per_sample_span`): the
intermediates stay in the CPU cache however long the sound is, and every ramped value is exactly
the one a whole-signal ramp would give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
from scipy.signal import lfilter

from foley_assistant.core.curves import Curve, SpatialCurves
from foley_assistant.spatial.settings import StereoSettings


def one_pole_smooth(values: np.ndarray, time_constant_s: float, rate: float) -> np.ndarray:
    """y += k (x - y), k = 1 - exp(-1 / (rate * tau)); starts settled on the first value."""
    if time_constant_s <= 0 or len(values) == 0:
        return values
    k = 1.0 - np.exp(-1.0 / (rate * time_constant_s))
    smoothed, _ = lfilter([k], [1.0, -(1.0 - k)], values, zi=[values[0] * (1.0 - k)])
    return smoothed


def smoothing_coefficient(settings: StereoSettings) -> float:
    """k of the one-pole smoother at control rate."""
    return 1.0 - float(np.exp(-settings.control_interval / (settings.sample_rate * settings.smoothing_ms / 1000.0)))


@dataclass(frozen=True)
class Controls:
    """Smoothed parameters at the control points (samples 0, B, 2B, ... up to one past the end)."""

    interval: int
    n_samples: int
    azimuth_deg: np.ndarray
    distance_m: np.ndarray
    gain: np.ndarray


def control_positions(n_samples: int, interval: int) -> np.ndarray:
    """Sample positions of the control points: ceil(n / B) + 1 of them."""
    return np.arange(-(-n_samples // interval) + 1) * interval


def smoothed_control(curve: Curve, positions: np.ndarray, settings: StereoSettings) -> np.ndarray:
    """A curve at the control points, smoothed with the settings' time constant."""
    values = curve.sample(positions / settings.sample_rate)
    return one_pole_smooth(values, settings.smoothing_ms / 1000.0, settings.sample_rate / settings.control_interval)


def controls_of(curves: SpatialCurves, n_samples: int, settings: StereoSettings) -> Controls:
    """Every parameter of an object's curves at control rate, smoothed."""
    positions = control_positions(n_samples, settings.control_interval)
    return Controls(
        interval=settings.control_interval,
        n_samples=n_samples,
        azimuth_deg=smoothed_control(curves.azimuth_deg, positions, settings),
        distance_m=smoothed_control(curves.distance_m, positions, settings),
        gain=smoothed_control(curves.gain, positions, settings),
    )


@lru_cache(maxsize=8)
def _ramps(interval: int, count: int) -> np.ndarray:
    """(0, 1/B, ..., (B-1)/B) repeated `count` times, float32, read-only."""
    ramp = np.tile(np.arange(interval, dtype=np.float32) / np.float32(interval), count)
    ramp.flags.writeable = False
    return ramp


def per_sample(control: np.ndarray, interval: int, n_samples: int) -> np.ndarray:
    """Control-rate values ramped linearly to every sample (float32, length `n_samples`):
    start + (i / B) x slope, built from long runs (repeated slopes and starts) rather than
    `count` short rows."""
    start = np.asarray(control[:-1], dtype=np.float32)
    slope = np.diff(control).astype(np.float32)
    values = np.repeat(slope, interval)
    values *= _ramps(interval, start.shape[0])
    values += np.repeat(start, interval)
    return values[:n_samples]


class ControlStream:
    """`smoothed_control` of one curve, computed a run of control points at a time: `values(a, b)`
    gives points [a, b), asked for in order (a run may start again at the last point of the one
    before, as consecutive blocks do); value for value the whole curve at once."""

    def __init__(self, curve: Curve, settings: StereoSettings) -> None:
        self._sample = curve.sampler()
        self._rate = settings.sample_rate
        self._interval = settings.control_interval
        tau = settings.smoothing_ms / 1000.0
        self._k = 1.0 - np.exp(-1.0 / (settings.sample_rate / settings.control_interval * tau)) if tau > 0 else None
        self._state: np.ndarray | None = None
        self._base, self._held = 0, np.zeros(0)

    def values(self, a: int, b: int) -> np.ndarray:
        if a < self._base:
            raise ValueError(f"control points must be read in order: asked for {a}, past {self._base}")
        end = self._base + len(self._held)
        fresh = self._sample(np.arange(max(a, end), b) * self._interval / self._rate) if b > end else np.zeros(0)
        if self._k is not None and len(fresh):
            if self._state is None:
                self._state = np.array([fresh[0] * (1.0 - self._k)])
            fresh, self._state = lfilter([self._k], [1.0, -(1.0 - self._k)], fresh, zi=self._state)
        kept = self._held[max(0, a - self._base) :]
        self._held = np.concatenate([kept, fresh]) if len(kept) else fresh
        self._base = a
        return self._held[: b - a]


@dataclass(frozen=True)
class ControlSpan:
    """The controls at the points that cover samples [start, stop) (from point start // interval)."""

    interval: int
    start: int
    stop: int
    azimuth_deg: np.ndarray
    distance_m: np.ndarray
    gain: np.ndarray

    def ramp(self, values: np.ndarray, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) (within this span) of control values given at this span's points."""
        origin = self.start // self.interval * self.interval
        return per_sample_span(values, self.interval, start - origin, stop - origin)


class ControlSpans:
    """An object's controls over n samples, computed a block at a time (`spans`, each call from
    the start again): memory of one block however long the sound, the same values as `controls_of`."""

    def __init__(self, curves: SpatialCurves, n_samples: int, settings: StereoSettings) -> None:
        self._curves, self._n, self._settings = curves, n_samples, settings
        self.interval = settings.control_interval
        self.n_samples = n_samples
        self._count = -(-n_samples // self.interval) + 1

    def spans(self, block: int = 0) -> Iterator[ControlSpan]:
        """The controls of each render block (`render_blocks(n, interval, block)`), in order."""
        streams = [ControlStream(c, self._settings) for c in (self._curves.azimuth_deg, self._curves.distance_m, self._curves.gain)]
        for start, stop in render_blocks(self._n, self.interval, block or RENDER_BLOCK_SAMPLES):
            first, last = start // self.interval, min(-(-stop // self.interval) + 1, self._count)
            azimuth, distance, gain = (stream.values(first, last) for stream in streams)
            yield ControlSpan(self.interval, start, stop, azimuth, distance, gain)

    def extremes(self, measure: Callable[[ControlSpan], np.ndarray]) -> tuple[float, float]:
        """The least and greatest of `measure` (control values of a span) over every span."""
        low, high = np.inf, -np.inf
        for span in self.spans():
            values = measure(span)
            if len(values):
                low, high = min(low, float(np.min(values))), max(high, float(np.max(values)))
        return low, high


RENDER_BLOCK_SAMPLES = 2**15  # ~0.7 s at 48 kHz: a block's float32 intermediates fit in L2 cache


def render_blocks(n_samples: int, interval: int, block: int = RENDER_BLOCK_SAMPLES) -> Iterator[tuple[int, int]]:
    """[start, stop) spans covering n samples, each about `block` long and starting on a control
    point (a multiple of `interval`)."""
    step = max(1, block // interval) * interval
    for start in range(0, n_samples, step):
        yield start, min(start + step, n_samples)


def per_sample_span(control: np.ndarray, interval: int, start: int, stop: int) -> np.ndarray:
    """Samples [start, stop) of `per_sample(control, interval, n)`, equal to the whole-signal
    ramp value for value (cheapest when `start` is a multiple of `interval`)."""
    first = start // interval
    skip = start - first * interval
    ramp = per_sample(control[first : -(-stop // interval) + 1], interval, stop - start + skip)
    return ramp[skip:] if skip else ramp
