"""What happens to a dry sound on its way to the listener, before it is panned or reaches the
ears: Doppler (a delay line of distance / c) and air absorption (a high shelf whose gain falls
with distance, OpenAL Soft style). Produced block by block (`ShapedSource`), the delay line and
the filter carrying their state across blocks."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import lfilter

from foley_assistant.core.samples import SpilledSamples
from foley_assistant.spatial.control import Controls, ControlSpan, ControlSpans
from foley_assistant.spatial.delay import DelayLine
from foley_assistant.spatial.distance import AIR_ABSORPTION_REFERENCE_HZ, air_absorption_gain_hf
from foley_assistant.spatial.settings import StereoSettings


def doppler_delay(distance_m: np.ndarray, least_m: float, settings: StereoSettings) -> np.ndarray:
    """Delay in samples at control rate, (d - d_min) / c (`least_m` the least distance over the
    whole sound): the pitch follows the distance's rate of change as in a real propagation delay
    (f' = f (1 - v / c) for v the rate of change of distance), while the moment of closest
    approach stays in sync with the picture."""
    return (distance_m - least_m) * settings.sample_rate / settings.speed_of_sound_m_s


def mono_length(dry: Any) -> int:
    """Samples in a dry mono source: an array (or anything `np.asarray` reads) or spilled samples."""
    return len(dry) if isinstance(dry, SpilledSamples) else int(np.asarray(dry).shape[0])


class AirAbsorption:
    """y = g x + (1 - g) LP(x): a first-order shelf, flat below and g(d) above ~5 kHz, where
    g = 0.99426 ** (factor x metres beyond the reference); darker the farther the object. The
    low-pass runs in float32 with its state carried from block to block."""

    def __init__(self, sample_rate: int) -> None:
        b = 1.0 - math.exp(-2.0 * math.pi * AIR_ABSORPTION_REFERENCE_HZ / sample_rate)
        self._b = np.array([b], dtype=np.float32)
        self._a = np.array([1.0, b - 1.0], dtype=np.float32)
        self._state = np.zeros(1, dtype=np.float32)

    def process(self, block: np.ndarray, gain_hf: np.ndarray) -> np.ndarray:
        """The shelved block for its per-sample high-frequency gains."""
        low, self._state = lfilter(self._b, self._a, block, zi=self._state)
        shelved = np.subtract(block, low)
        shelved *= gain_hf
        shelved += low
        return shelved


@dataclass(frozen=True)
class Shaping:
    """What the shaping of a sound needs from its whole length: the least and greatest distance
    (the Doppler delay counts from the least; the delay line holds the greatest) and the least
    high-frequency gain of the air (none below 1: no absorption filter)."""

    distance_least: float
    distance_most: float
    gain_hf_least: float


def shaping_of(spans: ControlSpans, settings: StereoSettings) -> Shaping:
    """The `Shaping` of an object's controls, from one pass over them a block at a time."""
    least, most = spans.extremes(lambda span: span.distance_m)
    gain_hf = spans.extremes(lambda span: air_absorption_gain_hf(span.distance_m, settings))[0] if settings.air_absorption > 0 else 1.0
    return Shaping(least, most, gain_hf)


def shaping_of_controls(controls: Controls, settings: StereoSettings) -> Shaping:
    """The `Shaping` of whole control arrays."""
    gain_hf = float(np.min(air_absorption_gain_hf(controls.distance_m, settings))) if settings.air_absorption > 0 else 1.0
    return Shaping(float(np.min(controls.distance_m)), float(np.max(controls.distance_m)), gain_hf)


class ShapedSource:
    """The dry mono sound (float32) after Doppler (when on) and air absorption (when on), one
    block at a time, each with the controls that cover it; blocks must be asked for in order,
    from sample 0."""

    def __init__(self, dry: Any, shaping: Shaping, settings: StereoSettings) -> None:
        if isinstance(dry, SpilledSamples):
            self._dry: Any = dry  # read a block at a time from its file (each read a new array)
        else:
            self._dry = np.asarray(dry, dtype=np.float32).view()
            self._dry.flags.writeable = False  # blocks may be views of it: nothing downstream writes to them
        self._settings = settings
        self._least = shaping.distance_least
        self._doppler = None
        if settings.doppler:
            self._doppler = DelayLine(float(doppler_delay(np.array([shaping.distance_most]), shaping.distance_least, settings)[0]))
        self._air = AirAbsorption(settings.sample_rate) if settings.air_absorption > 0 and shaping.gain_hf_least < 1.0 else None

    def block(self, start: int, stop: int, span: ControlSpan) -> np.ndarray:
        """Samples [start, stop) of the shaped sound (read-only: may be a view of the dry sound)."""
        signal = self._dry[start:stop]
        if self._doppler is not None:
            signal = self._doppler.process(signal, span.ramp(doppler_delay(span.distance_m, self._least, self._settings), start, stop))
        if self._air is not None:
            signal = self._air.process(signal, span.ramp(air_absorption_gain_hf(span.distance_m, self._settings), start, stop))
        return signal
