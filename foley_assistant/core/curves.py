"""Keyframed curves, and the spatial curves (azimuth, distance, gain) of one object.

Conventions: time is seconds from the first frame of the shot (exact `Fraction`), azimuth is in
degrees with 0 straight ahead and **positive to the right** (screen right = positive), distance is
in metres, gain is linear (1 = as placed, 0 = silent). Before the first keyframe and after the
last, a curve holds its end value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from typing import Any, Callable

import numpy as np


class Interpolation(Enum):
    """How a keyframe's value moves towards the next keyframe."""

    HOLD = "hold"
    LINEAR = "linear"
    SMOOTH = "smooth"  # cosine ease-in/ease-out


#: Decimals a keyframe's value keeps: those of the project file, so that what is saved is what was
#: used (a stem, and every export made later from the project, place an object alike).
VALUE_DECIMALS = 6


@dataclass(frozen=True)
class Keyframe:
    """A value at a time, and how to leave it (the value is kept to `VALUE_DECIMALS`)."""

    time: Fraction
    value: float
    interpolation: Interpolation = Interpolation.LINEAR

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", round(float(self.value), VALUE_DECIMALS))


@dataclass(frozen=True)
class Curve:
    """A function of time given by keyframes (at least one), sorted by time, one per time."""

    keyframes: tuple[Keyframe, ...]

    def __post_init__(self) -> None:
        if not self.keyframes:
            raise ValueError("a curve needs at least one keyframe")
        ordered = tuple(sorted(self.keyframes, key=lambda k: k.time))
        times = [k.time for k in ordered]
        if len(set(times)) != len(times):
            raise ValueError("a curve cannot have two keyframes at the same time")
        object.__setattr__(self, "keyframes", ordered)

    @classmethod
    def constant(cls, value: float) -> "Curve":
        """A curve that is the same value everywhere."""
        return cls((Keyframe(Fraction(0), float(value)),))

    @property
    def start(self) -> Fraction:
        return self.keyframes[0].time

    @property
    def end(self) -> Fraction:
        return self.keyframes[-1].time

    def value_at(self, time: Fraction | float) -> float:
        """The value at one time."""
        return float(self.sample(np.array([float(time)]))[0])

    def sample(self, times: np.ndarray) -> np.ndarray:
        """Values at many times (seconds, float array), vectorized."""
        return self.sampler()(times)

    def sampler(self) -> Callable[[np.ndarray], np.ndarray]:
        """`sample` with the keyframes read once: for a curve sampled many times (a span at a time)."""
        key_times = np.array([float(k.time) for k in self.keyframes])
        key_values = np.array([k.value for k in self.keyframes])
        linear = all(k.interpolation is Interpolation.LINEAR for k in self.keyframes[:-1])
        modes_all = np.array([_MODE_CODES[k.interpolation] for k in self.keyframes])

        def sample(times: np.ndarray) -> np.ndarray:
            times = np.asarray(times, dtype=np.float64)
            if len(key_times) == 1:
                return np.full(times.shape, key_values[0])
            if linear:
                return np.interp(times, key_times, key_values)  # piecewise linear, ends held: np.interp exactly
            segment = np.clip(np.searchsorted(key_times, times, side="right") - 1, 0, len(key_times) - 2)
            t0, t1 = key_times[segment], key_times[segment + 1]
            v0, v1 = key_values[segment], key_values[segment + 1]
            u = np.clip((times - t0) / (t1 - t0), 0.0, 1.0)
            modes = modes_all[segment]
            u = np.where(modes == _MODE_CODES[Interpolation.SMOOTH], (1 - np.cos(np.pi * u)) / 2, u)
            u = np.where(modes == _MODE_CODES[Interpolation.HOLD], 0.0, u)
            values = v0 + (v1 - v0) * u
            values = np.where(times >= key_times[-1], key_values[-1], values)
            return np.where(times <= key_times[0], key_values[0], values)

        return sample

    def with_keyframe(self, keyframe: Keyframe) -> "Curve":
        """A copy with this keyframe added (replacing one at the same time)."""
        kept = tuple(k for k in self.keyframes if k.time != keyframe.time)
        return Curve(kept + (keyframe,))

    def to_list(self) -> list[dict[str, Any]]:
        """JSON form: time as an exact "num/den" string."""
        return [{"t": str(k.time), "v": k.value, "i": k.interpolation.value} for k in self.keyframes]

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> "Curve":
        """Read the JSON form; a time or value that is not a finite number within bounds is a
        ValueError naming it."""
        if not isinstance(items, list):
            raise ValueError(f"a curve must be a list of keyframes, got {items!r:.60}")
        return cls(tuple(_keyframe(item) for item in items))


MAX_CURVE_SECONDS = 1_000_000  # no shot is longer (about 11.6 days)
MAX_CURVE_VALUE = 1e9


def _keyframe(item: dict[str, Any]) -> Keyframe:
    text = str(item["t"])
    try:
        time = Fraction(text)
    except ZeroDivisionError as exc:
        raise ValueError(f"curve key time {text!r} divides by zero") from exc
    if abs(time) > MAX_CURVE_SECONDS:
        raise ValueError(f"curve key time {text!r:.40} is beyond {MAX_CURVE_SECONDS} seconds")
    value = item["v"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or abs(value) > MAX_CURVE_VALUE:
        raise ValueError(f"curve key value {value!r:.40} at {text} is not a finite number")
    return Keyframe(time, float(value), Interpolation(item.get("i", "linear")))


_MODE_CODES = {Interpolation.HOLD: 0, Interpolation.LINEAR: 1, Interpolation.SMOOTH: 2}

DEFAULT_HANDOVER_STEP = Fraction(1, 100)


def with_override(base: Curve, manual: Curve, handover: Fraction, step: Fraction = DEFAULT_HANDOVER_STEP) -> Curve:
    """`base` with `manual` in charge over the manual keyframes' span, handed over smoothly.

    Inside [first manual key, last manual key] the result is the manual curve exactly. Over the
    `handover` seconds before that span it cross-fades from the base curve to the manual one with a
    cosine ramp (w = (1 - cos(pi u)) / 2), and over the `handover` seconds after it back again;
    the ramps are written as keyframes every `step` seconds (plus at the base curve's own keys).
    Outside the ramps the base curve is unchanged. A zero `handover` switches at the span's ends.
    """
    handover, step = Fraction(handover), Fraction(step)
    if handover < 0 or step <= 0:
        raise ValueError("the hand-over must be >= 0 seconds and its step > 0")
    first, last = manual.start, manual.end
    before = (first - handover, first)
    after = (last, last + handover)
    keys = [k for k in base.keyframes if k.time < before[0] or k.time > after[1]]
    keys.extend(manual.keyframes)
    for start, end, rising in ((before[0], before[1], True), (after[0], after[1], False)):
        if handover == 0:
            continue
        grid = {start + i * step for i in range(int(handover / step) + 1) if start + i * step <= end}
        grid.update(k.time for k in base.keyframes if start <= k.time <= end)
        grid.discard(first if rising else last)  # the span's own end is the manual key
        for time in sorted(grid):
            u = float((time - start) / handover)
            w = (1 - np.cos(np.pi * u)) / 2
            w = w if rising else 1 - w
            value = (1 - w) * base.value_at(time) + w * manual.value_at(time)
            keys.append(Keyframe(time, float(value)))
    return Curve(tuple(keys))


@dataclass(frozen=True)
class SpatialCurves:
    """Where one object's sound is over a shot: azimuth (degrees, + right), distance (m), and a
    linear gain (1 unless the object fades, e.g. after it leaves the frame)."""

    shot_id: str
    object_id: str
    azimuth_deg: Curve
    distance_m: Curve
    gain: Curve = Curve.constant(1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "shot": self.shot_id,
            "object": self.object_id,
            "azimuth_deg": self.azimuth_deg.to_list(),
            "distance_m": self.distance_m.to_list(),
            "gain": self.gain.to_list(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SpatialCurves":
        return cls(
            shot_id=str(data["shot"]),
            object_id=str(data["object"]),
            azimuth_deg=Curve.from_list(data["azimuth_deg"]),
            distance_m=Curve.from_list(data["distance_m"]),
            gain=Curve.from_list(data["gain"]) if "gain" in data else Curve.constant(1.0),
        )
