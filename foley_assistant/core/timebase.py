"""Exact time: rational frame rates, frames <-> seconds <-> samples, and SMPTE timecode.

Every conversion that can land between two integers takes an explicit `Rounding`.
Seconds are `fractions.Fraction`; frames and samples are `int`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

_NTSC_MULTIPLES = (24, 30, 48, 60, 96, 120)
_TIMECODE_PATTERN = re.compile(r"^(\d{1,2})[:;.,](\d{2})[:;.,](\d{2})([:;.,])(\d{2,3})$")


class Rounding(Enum):
    """How a rational position is turned into a whole frame or sample."""

    FLOOR = "floor"
    CEIL = "ceil"
    NEAREST = "nearest"  # halves round up (towards +infinity), deterministically


def round_fraction(value: Fraction, rounding: Rounding) -> int:
    """Round an exact rational to an integer with the given rule."""
    if rounding is Rounding.FLOOR:
        return math.floor(value)
    if rounding is Rounding.CEIL:
        return math.ceil(value)
    return math.floor(value + Fraction(1, 2))


@dataclass(frozen=True, order=True)
class FrameRate:
    """A frame rate as an exact fraction of frames per second, e.g. 24000/1001."""

    numerator: int
    denominator: int = 1

    def __post_init__(self) -> None:
        if self.numerator <= 0 or self.denominator <= 0:
            raise ValueError(f"frame rate must be positive, got {self.numerator}/{self.denominator}")
        divisor = math.gcd(self.numerator, self.denominator)
        if divisor != 1:
            object.__setattr__(self, "numerator", self.numerator // divisor)
            object.__setattr__(self, "denominator", self.denominator // divisor)

    @classmethod
    def parse(cls, value: "FrameRate | Fraction | float | int | str | tuple[int, int] | list[int]") -> "FrameRate":
        """Read a rate from a number, "24000/1001", "23.976", or a (num, den) pair.

        Decimal NTSC approximations (23.976, 29.97, 59.94...) snap to their exact x/1001 form.
        """
        if isinstance(value, FrameRate):
            return value
        if isinstance(value, (tuple, list)):
            if len(value) != 2:
                raise ValueError(f"a frame rate pair needs two numbers, got {value!r}")
            return cls(int(value[0]), int(value[1]))
        if isinstance(value, Fraction):
            return cls(value.numerator, value.denominator)
        if isinstance(value, int):
            return cls(value)
        if isinstance(value, str):
            text = value.strip()
            if "/" in text:
                num, _, den = text.partition("/")
                return cls(int(num), int(den))
            value = float(text)
        return cls._from_float(float(value))

    @classmethod
    def _from_float(cls, fps: float) -> "FrameRate":
        if not math.isfinite(fps) or fps <= 0:
            raise ValueError(f"frame rate must be a positive number, got {fps}")
        if abs(fps - round(fps)) < 1e-6:
            return cls(round(fps))
        for nominal in _NTSC_MULTIPLES:
            if abs(fps - nominal * 1000 / 1001) < 0.006:
                return cls(nominal * 1000, 1001)
        exact = Fraction(fps).limit_denominator(1001)
        return cls(exact.numerator, exact.denominator)

    @property
    def fps(self) -> Fraction:
        """Frames per second, exact."""
        return Fraction(self.numerator, self.denominator)

    @property
    def frame_duration(self) -> Fraction:
        """Seconds per frame, exact."""
        return Fraction(self.denominator, self.numerator)

    @property
    def timecode_base(self) -> int:
        """Frames counted per timecode second (24 for 23.976, 30 for 29.97)."""
        return max(1, round(self.numerator / self.denominator))

    @property
    def supports_drop_frame(self) -> bool:
        """Drop-frame timecode exists only at 30000/1001 and 60000/1001."""
        return self.denominator == 1001 and self.numerator in (30000, 60000)

    def as_tuple(self) -> tuple[int, int]:
        """(numerator, denominator), the form used in JSON files."""
        return (self.numerator, self.denominator)

    def __float__(self) -> float:
        return self.numerator / self.denominator

    def __str__(self) -> str:
        if self.denominator == 1:
            return str(self.numerator)
        return f"{self.numerator}/{self.denominator}"

    def seconds(self, frames: int | Fraction) -> Fraction:
        """The time of a (possibly fractional) frame count, exact."""
        return Fraction(frames) * self.frame_duration

    def frames(self, seconds: Fraction | int, rounding: Rounding) -> int:
        """The frame count at a time, rounded as asked."""
        return round_fraction(Fraction(seconds) * self.fps, rounding)

    def frame_to_sample(self, frame: int | Fraction, sample_rate: int, rounding: Rounding = Rounding.NEAREST) -> int:
        """The sample index where a frame starts (exact where the two grids meet)."""
        return seconds_to_samples(self.seconds(frame), sample_rate, rounding)

    def rescale_frames(self, frames: int, to_rate: "FrameRate", rounding: Rounding) -> int:
        """A frame count at this rate expressed at another rate."""
        return to_rate.frames(self.seconds(frames), rounding)


def seconds_to_samples(seconds: Fraction | int, sample_rate: int, rounding: Rounding = Rounding.NEAREST) -> int:
    """Sample index of a time at a sample rate."""
    return round_fraction(Fraction(seconds) * sample_rate, rounding)


def samples_to_seconds(samples: int, sample_rate: int) -> Fraction:
    """Exact time of a sample index."""
    return Fraction(samples, sample_rate)


def fade_frames(fade_ms: float, fps: Fraction) -> int:
    """A fade of `fade_ms` in whole frames of `fps` (for the formats that count transitions in
    frames: FCP 7 XML, AAF): at least one frame, none for no fade."""
    if fade_ms <= 0:
        return 0
    return max(1, round(Fraction(fade_ms) / 1000 * fps))


@dataclass(frozen=True)
class FrameRange:
    """A half-open run of frames [start, start + duration)."""

    start: int
    duration: int

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ValueError(f"a frame range cannot have a negative duration ({self.duration})")

    @property
    def end(self) -> int:
        """First frame after the range."""
        return self.start + self.duration

    def __contains__(self, frame: object) -> bool:
        return isinstance(frame, int) and self.start <= frame < self.end

    def shifted(self, offset: int) -> "FrameRange":
        """The same range moved by a number of frames."""
        return FrameRange(self.start + offset, self.duration)


def _drop_per_minute(rate: FrameRate) -> int:
    return 2 * (rate.timecode_base // 30)


def frames_to_timecode(frames: int, rate: FrameRate, drop_frame: bool | None = None) -> str:
    """SMPTE timecode of a frame count since midnight (wraps at 24 hours).

    Drop-frame (the default at 29.97 and 59.94) uses ';' before the frames field.
    """
    if frames < 0:
        raise ValueError(f"timecode cannot show a negative frame count ({frames})")
    if drop_frame is None:
        drop_frame = rate.supports_drop_frame
    if drop_frame and not rate.supports_drop_frame:
        raise ValueError(f"drop-frame timecode exists only at 29.97 and 59.94 fps, not {rate}")
    base = rate.timecode_base
    day = base * 86400
    if drop_frame:
        drop = _drop_per_minute(rate)
        per_minute = base * 60 - drop
        per_ten_minutes = base * 600 - drop * 9
        day = per_ten_minutes * 144
        frames %= day
        tens, rest = divmod(frames, per_ten_minutes)
        extra = drop * 9 * tens + drop * max(0, (rest - drop) // per_minute)
        frames += extra
    else:
        frames %= day
    hours, rest = divmod(frames, base * 3600)
    minutes, rest = divmod(rest, base * 60)
    seconds, frame = divmod(rest, base)
    width = 3 if base > 100 else 2
    separator = ";" if drop_frame else ":"
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{frame:0{width}d}"


def timecode_to_frames(timecode: str, rate: FrameRate) -> int:
    """Frame count since midnight of a timecode; ';' (or ',' '.') before the frames means drop-frame."""
    match = _TIMECODE_PATTERN.match(timecode.strip())
    if not match:
        raise ValueError(f"not a timecode: {timecode!r} (expected HH:MM:SS:FF)")
    hours, minutes, seconds = (int(match.group(i)) for i in (1, 2, 3))
    separator, frame = match.group(4), int(match.group(5))
    base = rate.timecode_base
    if minutes > 59 or seconds > 59 or frame >= base:
        raise ValueError(f"timecode {timecode!r} is out of range at {rate} fps")
    drop_frame = separator != ":"
    total = ((hours * 60 + minutes) * 60 + seconds) * base + frame
    if not drop_frame:
        return total
    if not rate.supports_drop_frame:
        raise ValueError(f"drop-frame timecode {timecode!r} given for {rate} fps; it exists only at 29.97 and 59.94")
    drop = _drop_per_minute(rate)
    if seconds == 0 and frame < drop and minutes % 10 != 0:
        raise ValueError(f"timecode {timecode!r} does not exist in drop-frame counting")
    total_minutes = hours * 60 + minutes
    return total - drop * (total_minutes - total_minutes // 10)
