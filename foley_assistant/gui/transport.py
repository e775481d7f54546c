"""The playhead of an audition: where it is, how fast it moves, looping, and J/K/L shuttle.

The position is a function of a clock (`clock()`, seconds, injectable): the picture asks where the
playhead is *now*, and the audio asks where it will be when a block reaches the speakers (its DAC
time on the same clock). Both read the same function, which is what keeps them in sync.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable

SHUTTLE_SPEEDS = (1.0, 2.0, 4.0, 8.0)


@dataclass
class Transport:
    """Playhead over a span of `duration` seconds (0 = the shot's first frame)."""

    duration: float
    clock: Callable[[], float] = time.monotonic
    loop: bool = True
    _position: float = 0.0
    _anchor_time: float = 0.0
    _rate: float = 0.0
    version: int = field(default=0)  # bumped on every jump or speed change (the audio re-anchors)

    def __post_init__(self) -> None:
        if self.duration <= 0:
            raise ValueError("a transport needs a positive duration")

    @property
    def rate(self) -> float:
        """Playback speed: 0 paused, 1 forward, -1 reverse, 2 double speed..."""
        return self._rate

    @property
    def playing(self) -> bool:
        return self._rate != 0.0

    def position(self, at: float | None = None) -> float:
        """Seconds into the span at clock time `at` (now when None); wraps when looping, and stops
        at the ends otherwise."""
        if self._rate == 0.0:
            return self._position
        now = self.clock() if at is None else at
        raw = self._position + (now - self._anchor_time) * self._rate
        if self.loop:
            return math.fmod(raw, self.duration) % self.duration
        return min(max(raw, 0.0), self.duration)

    def _anchor(self, position: float, rate: float) -> None:
        self._position = min(max(position, 0.0), self.duration)
        self._anchor_time = self.clock()
        self._rate = rate
        self.version += 1

    def play(self, rate: float = 1.0) -> None:
        """Play from the current position at `rate` (from the start when stopped at the end)."""
        position = self.position()
        if not self.loop and rate > 0 and position >= self.duration:
            position = 0.0
        self._anchor(position, rate)

    def pause(self) -> None:
        """Stop where the playhead is."""
        self._anchor(self.position(), 0.0)

    def toggle(self) -> None:
        """Space: pause when playing, play forward at normal speed when paused."""
        self.pause() if self.playing else self.play(1.0)

    def seek(self, position: float) -> None:
        """Jump to `position` seconds, keeping the speed."""
        self._anchor(position, self._rate)

    def shuttle_forward(self) -> None:
        """L: play forward; each further press goes faster (1x, 2x, 4x, 8x)."""
        self.play(_faster(self._rate) if self._rate > 0 else SHUTTLE_SPEEDS[0])

    def shuttle_reverse(self) -> None:
        """J: play in reverse; each further press goes faster."""
        self.play(-_faster(-self._rate) if self._rate < 0 else -SHUTTLE_SPEEDS[0])

    def step(self, seconds: float) -> None:
        """Pause and move by `seconds` (a frame step with the arrow keys)."""
        self._anchor(self.position() + seconds, 0.0)

    def set_duration(self, duration: float) -> None:
        """Use another span (another shot), paused at its start."""
        if duration <= 0:
            raise ValueError("a transport needs a positive duration")
        self.duration = duration
        self._anchor(0.0, 0.0)


def _faster(speed: float) -> float:
    for candidate in SHUTTLE_SPEEDS:
        if candidate > speed + 1e-9:
            return candidate
    return SHUTTLE_SPEEDS[-1]
