"""What happens to a dry sound on its way to the listener, before it is panned or reaches the
ears: Doppler (a delay line of distance / c) and air absorption (a high shelf whose gain falls
with distance, OpenAL Soft style)."""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from foley_assistant.spatial.control import Controls, per_sample
from foley_assistant.spatial.delay import fractional_delay
from foley_assistant.spatial.distance import AIR_ABSORPTION_REFERENCE_HZ, air_absorption_gain_hf
from foley_assistant.spatial.settings import StereoSettings


def doppler(signal: np.ndarray, controls: Controls, settings: StereoSettings) -> np.ndarray:
    """Delay the sound by (d - d_min) / c: its pitch follows the distance's rate of change as in
    a real propagation delay (f' = f (1 - v / c) for v the rate of change of distance), while the
    moment of closest approach stays in sync with the picture."""
    distance = controls.distance_m
    delay = (distance - float(np.min(distance))) * settings.sample_rate / settings.speed_of_sound_m_s
    return fractional_delay(signal, per_sample(delay, controls.interval, controls.n_samples))


def air_absorption(signal: np.ndarray, controls: Controls, settings: StereoSettings) -> np.ndarray:
    """y = g x + (1 - g) LP(x): a first-order shelf, flat below and g(d) above ~5 kHz, where
    g = 0.99426 ** (factor x metres beyond the reference); darker the farther the object."""
    gain_hf = air_absorption_gain_hf(controls.distance_m, settings)
    if float(np.min(gain_hf)) >= 1.0:
        return signal
    b = 1.0 - math.exp(-2.0 * math.pi * AIR_ABSORPTION_REFERENCE_HZ / settings.sample_rate)
    # lfilter's float64 path is about three times faster than its float32 one
    low = lfilter([b], [1.0, b - 1.0], signal.astype(np.float64)).astype(np.float32)
    g = per_sample(gain_hf, controls.interval, controls.n_samples)
    return low + g * (signal - low)


def shaped_source(dry: np.ndarray, controls: Controls, settings: StereoSettings) -> np.ndarray:
    """The dry mono sound (float32) after Doppler (when on) and air absorption (when on)."""
    signal = np.asarray(dry, dtype=np.float32)
    if settings.doppler:
        signal = doppler(signal, controls, settings)
    if settings.air_absorption > 0:
        signal = air_absorption(signal, controls, settings)
    return signal
