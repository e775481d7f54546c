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
