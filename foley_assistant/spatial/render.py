"""Rendering a dry mono source along its spatial curves into a stereo stem, and mixing stems.

Per sample: the curves are evaluated at the sample times, smoothed by a one-pole low-pass
(time constant `smoothing_ms`, so automation never zips), turned into a pan position and a
distance gain, and applied with the constant-power law.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from foley_assistant.core.curves import Curve, SpatialCurves
from foley_assistant.spatial.distance import inverse_distance_gain
from foley_assistant.spatial.pan import constant_power_gains, pan_from_azimuth


@dataclass(frozen=True)
class StereoSettings:
    """How curves become channel gains."""

    sample_rate: int = 48000
    pan_reference_deg: float = 30.0
    reference_distance_m: float = 2.0
    rolloff: float = 1.0
    max_distance_m: float = 100.0
    smoothing_ms: float = 20.0
    control_interval: int = 32


def one_pole_smooth(values: np.ndarray, time_constant_s: float, rate: float) -> np.ndarray:
    """y += k (x - y), k = 1 - exp(-1 / (rate * tau)); starts settled on the first value."""
    if time_constant_s <= 0 or len(values) == 0:
        return values
    k = 1.0 - np.exp(-1.0 / (rate * time_constant_s))
    smoothed, _ = lfilter([k], [1.0, -(1.0 - k)], values, zi=[values[0] * (1.0 - k)])
    return smoothed


def curve_per_sample(curve: Curve, n_samples: int, settings: StereoSettings) -> np.ndarray:
    """The curve at every sample, evaluated at control rate, smoothed, then linearly upsampled."""
    step = settings.control_interval
    control_positions = np.arange(0, n_samples + step, step)
    control = curve.sample(control_positions / settings.sample_rate)
    control = one_pole_smooth(control, settings.smoothing_ms / 1000.0, settings.sample_rate / step)
    return np.interp(np.arange(n_samples), control_positions, control)


def channel_gains(curves: SpatialCurves, n_samples: int, settings: StereoSettings) -> np.ndarray:
    """(2, n) gains for left and right."""
    azimuth = curve_per_sample(curves.azimuth_deg, n_samples, settings)
    distance = curve_per_sample(curves.distance_m, n_samples, settings)
    left, right = constant_power_gains(pan_from_azimuth(azimuth, settings.pan_reference_deg))
    level = inverse_distance_gain(distance, settings.reference_distance_m, settings.rolloff, settings.max_distance_m)
    return np.stack([left * level, right * level])


def render_stereo(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings | None = None) -> np.ndarray:
    """Stereo stem (2, n) float32 of a mono dry signal (n,) placed along its curves."""
    settings = settings or StereoSettings()
    dry = np.asarray(dry, dtype=np.float64)
    return (channel_gains(curves, dry.shape[0], settings) * dry[None, :]).astype(np.float32)


def mix(stems: list[np.ndarray], n_samples: int) -> np.ndarray:
    """Sum of stereo stems (each (2, n)) into one (2, n) float32 mix."""
    total = np.zeros((2, n_samples), dtype=np.float64)
    for stem in stems:
        total[:, : stem.shape[1]] += stem[:, :n_samples]
    return total.astype(np.float32)
