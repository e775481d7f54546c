"""One time language for a shot: every place the editor reads a time (object list, viewer,
status bar, curve editor, messages) says the timeline's record timecode, worked out here.

Analysis and edits count media frames (frames of the clip's file); the editor thinks in record
time. Media frame m of a shot whose picture starts at media frame `media_start` and runs at
`media_fps` (the rate the tracks are timed at: the file's rate times the clip's speed) lies
(m - media_start) / media_fps seconds into the shot; its record frame is the shot's first record
frame plus those seconds in timeline frames, rounded down, and never past the shot's last frame
(so the last picture of a shot never reads as the next shot's first)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRate, frames_to_timecode


@dataclass(frozen=True)
class ShotClock:
    """Record time of a shot's media frames and of seconds into the shot."""

    shot: Shot
    media_start: int
    media_fps: FrameRate

    @property
    def first_record_frame(self) -> int:
        """The shot's first frame in the timeline's frames, counted from midnight."""
        return self.shot.global_start_frame + self.shot.record_range.start

    def record_frame_at(self, seconds: float | Fraction) -> int:
        """The record frame shown `seconds` into the shot (clamped to the shot)."""
        offset = math.floor(Fraction(seconds).limit_denominator(1_000_000) * self.shot.timeline_rate.fps + Fraction(1, 1_000_000))
        return self.first_record_frame + min(max(offset, 0), max(self.shot.record_range.duration - 1, 0))

    def seconds_of(self, media_frame: int) -> Fraction:
        """Seconds into the shot of a media frame."""
        return Fraction(media_frame - self.media_start) / self.media_fps.fps

    def timecode_at(self, seconds: float | Fraction) -> str:
        """The record timecode `seconds` into the shot."""
        return frames_to_timecode(self.record_frame_at(seconds), self.shot.timeline_rate)

    def timecode_of(self, media_frame: int) -> str:
        """The record timecode of a media frame of the shot."""
        return self.timecode_at(self.seconds_of(media_frame))

    def span_of(self, first_media_frame: int, last_media_frame: int) -> str:
        """ "10:00:01:02-10:00:03:11": the record timecodes of two media frames."""
        return f"{self.timecode_of(first_media_frame)}–{self.timecode_of(last_media_frame)}"
