"""The playhead of an audition: where it is, how fast it moves, looping, pre-roll and J/K/L shuttle.

The position is in record time: seconds from the first frame of the timeline, over the whole cut,
so playback runs across cuts. It is a function of a clock (`clock()`, seconds, injectable): the
picture asks where the playhead is *now*, and the audio asks where it will be when a block reaches
the speakers (its DAC time on the same clock). Both read the same function, which is what keeps
them in sync.

Looping plays a range (`loop_range`: the editor's in/out marks, or the current shot) over and
over: past the out point the playhead goes back to the in point. Playing from outside the range
starts `preroll` seconds before the in point; the pre-roll is played once, then the range loops.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

SHUTTLE_SPEEDS = (1.0, 2.0, 4.0, 8.0)


@dataclass
class Transport:
    """Playhead over a span of `duration` seconds (0 = the timeline's first frame)."""

    duration: float
    clock: Callable[[], float] = time.monotonic
    loop: bool = True
    loop_range: tuple[float, float] | None = None  # None: the whole span
    preroll: float = 0.0
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

    @property
    def looped_span(self) -> tuple[float, float]:
        """The range a loop plays: `loop_range` inside the span, or the whole span."""
        if self.loop_range is None:
            return 0.0, self.duration
        start = min(max(self.loop_range[0], 0.0), self.duration)
        end = min(max(self.loop_range[1], start), self.duration)
        return (start, end) if end - start > 1e-9 else (0.0, self.duration)

    def position(self, at: float | None = None) -> float:
        """Seconds into the span at clock time `at` (now when None); wraps when looping, and stops
        at the ends otherwise."""
        if self._rate == 0.0:
            return self._position
        now = self.clock() if at is None else at
        raw = self._position + (now - self._anchor_time) * self._rate
        return float(self.wrap(np.array([raw]))[0])

    def wrap(self, raw: np.ndarray) -> np.ndarray:
        """Where unwrapped positions (seconds, counted on from the last anchor) land: in the loop
        range when looping (a pre-roll before the in point plays through), inside the span
        otherwise. Vectorized, so the audio maps a whole block at once."""
        raw = np.asarray(raw, dtype=np.float64)
        if not self.loop:
            return np.clip(raw, 0.0, self.duration)
        start, end = self.looped_span
        length = end - start
        if self._rate >= 0 or self._position < start:
            out = np.where(raw >= end, start + np.mod(raw - start, length), raw)
        else:
            out = np.where(raw < start, end - np.mod(start - raw, length), raw)
            out = np.where(out >= end, start + np.mod(out - start, length), out)
        return np.clip(out, 0.0, self.duration)

    def _anchor(self, position: float, rate: float) -> None:
        self._position = min(max(position, 0.0), self.duration)
        self._anchor_time = self.clock()
        self._rate = rate
        self.version += 1

    def play(self, rate: float = 1.0) -> None:
        """Play from the current position at `rate`: from the start when stopped at the end; when
        looping from outside the loop range (and its pre-roll), from `preroll` before the in point."""
        position = self.position()
        if not self.loop and rate > 0 and position >= self.duration:
            position = 0.0
        if self.loop and rate > 0:
            start, end = self.looped_span
            if not (start - self.preroll - 1e-9 <= position < end):
                position = max(start - self.preroll, 0.0)
        self._anchor(position, rate)

    def play_from(self, position: float, rate: float = 1.0) -> None:
        """Play from `position` exactly (a pre-roll start the window worked out)."""
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
        """Use another span (another timeline), paused at its start."""
        if duration <= 0:
            raise ValueError("a transport needs a positive duration")
        self.duration = duration
        self._anchor(0.0, 0.0)

    def set_loop_range(self, span: tuple[float, float] | None) -> None:
        """Loop over `span` (seconds) from now on, keeping the playhead where it is (and, when not
        looping, its anchor: playing on across a cut is not a jump)."""
        position = self.position()
        self.loop_range = span
        if self.loop:
            self._anchor(position, self._rate)


def _faster(speed: float) -> float:
    for candidate in SHUTTLE_SPEEDS:
        if candidate > speed + 1e-9:
            return candidate
    return SHUTTLE_SPEEDS[-1]
