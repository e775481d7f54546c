"""What happens to a dry sound on its way to the listener, before it is panned or reaches the
ears: Doppler (a delay line of distance / c) and air absorption (a high shelf whose gain falls
with distance, OpenAL Soft style). Produced block by block (`ShapedSource`), the delay line and
the filter carrying their state across blocks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.signal import lfilter

from foley_assistant.core.samples import SpilledSamples
from foley_assistant.spatial.control import Controls, per_sample_span
from foley_assistant.spatial.delay import DelayLine
from foley_assistant.spatial.distance import AIR_ABSORPTION_REFERENCE_HZ, air_absorption_gain_hf
from foley_assistant.spatial.settings import StereoSettings


def doppler_delay(controls: Controls, settings: StereoSettings) -> np.ndarray:
    """Delay in samples at control rate, (d - d_min) / c: the pitch follows the distance's rate of
    change as in a real propagation delay (f' = f (1 - v / c) for v the rate of change of
    distance), while the moment of closest approach stays in sync with the picture."""
    distance = controls.distance_m
    return (distance - float(np.min(distance))) * settings.sample_rate / settings.speed_of_sound_m_s


def mono_length(dry: Any) -> int:
    """Samples in a dry mono source: an array (or anything `np.asarray` reads) or spilled samples."""
    return len(dry) if isinstance(dry, SpilledSamples) else int(np.asarray(dry).shape[0])


class AirAbsorption:
    """y = g x + (1 - g) LP(x): a first-order shelf, flat below and g(d) above ~5 kHz, where
    g = 0.99426 ** (factor x metres beyond the reference); darker the farther the object. The
    low-pass runs in float32 with its state carried from block to block."""

    def __init__(self, gain_hf: np.ndarray, interval: int, sample_rate: int) -> None:
        b = 1.0 - math.exp(-2.0 * math.pi * AIR_ABSORPTION_REFERENCE_HZ / sample_rate)
        self._b = np.array([b], dtype=np.float32)
        self._a = np.array([1.0, b - 1.0], dtype=np.float32)
        self._state = np.zeros(1, dtype=np.float32)
        self._gain_hf = gain_hf
        self._interval = interval

    def process(self, block: np.ndarray, start: int) -> np.ndarray:
        """The shelved block of samples [start, start + len(block))."""
        low, self._state = lfilter(self._b, self._a, block, zi=self._state)
        shelved = np.subtract(block, low)
        shelved *= per_sample_span(self._gain_hf, self._interval, start, start + block.shape[0])
        shelved += low
        return shelved


class ShapedSource:
    """The dry mono sound (float32) after Doppler (when on) and air absorption (when on), one
    block at a time; blocks must be asked for in order, from sample 0."""

    def __init__(self, dry: np.ndarray, controls: Controls, settings: StereoSettings) -> None:
        if isinstance(dry, SpilledSamples):
            self._dry: Any = dry  # read a block at a time from its file (each read a new array)
        else:
            self._dry = np.asarray(dry, dtype=np.float32).view()
            self._dry.flags.writeable = False  # blocks may be views of it: nothing downstream writes to them
        self._interval = controls.interval
        self._doppler_delay = doppler_delay(controls, settings) if settings.doppler else None
        self._doppler = DelayLine(float(np.max(self._doppler_delay))) if self._doppler_delay is not None else None
        self._air = None
        if settings.air_absorption > 0:
            gain_hf = air_absorption_gain_hf(controls.distance_m, settings)
            if float(np.min(gain_hf)) < 1.0:
                self._air = AirAbsorption(gain_hf, controls.interval, settings.sample_rate)

    def block(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) of the shaped sound (read-only: may be a view of the dry sound)."""
        signal = self._dry[start:stop]
        if self._doppler is not None:
            signal = self._doppler.process(signal, per_sample_span(self._doppler_delay, self._interval, start, stop))
        if self._air is not None:
            signal = self._air.process(signal, start)
        return signal
