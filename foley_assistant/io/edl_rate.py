"""The frame rate of a CMX 3600 EDL, which the file itself does not store.

An EDL's timecodes only count frames. The rate is taken from the user (`--rate`), else from
`FCM: DROP FRAME` (29.97 drop-frame), else assumed to be 24. When a timecode shows a frame
number the rate cannot have (frame 24 at 24 fps), the smallest common rate that has it is
inferred instead, and the note says so; a rate the user gave that the timecodes contradict is an
error. The reader always says which rate it used and why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from foley_assistant.core.errors import TimelineError
from foley_assistant.core.timebase import FrameRate

DEFAULT_EDL_RATE = FrameRate(24)
#: Rates tried, in order, when the timecodes show more frames than the assumed rate allows.
INFERABLE_RATES = (FrameRate(25), FrameRate(30), FrameRate(50), FrameRate(60))
DROP_FRAME_RATE = FrameRate(30000, 1001)

_EVENT = re.compile(r"^\s*\d{3,}\s")
_TIMECODE = re.compile(r"\b(\d{2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})\b")
_DROP_FRAME_HEADER = re.compile(r"^\s*FCM:\s*DROP\s+FRAME", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class EdlRate:
    """The rate to read an EDL at, and a sentence saying where it came from."""

    rate: FrameRate
    note: str


def _highest_frame(text: str) -> tuple[int, str, int] | None:
    """(frame field, the timecode, event number) of the highest frame field on an event line."""
    best: tuple[int, str, int] | None = None
    for line in text.splitlines():
        if not _EVENT.match(line):
            continue
        event = int(line.split()[0])
        for match in _TIMECODE.finditer(line):
            frame = int(match.group(5))
            if best is None or frame > best[0]:
                best = (frame, match.group(0), event)
    return best


def _uses_drop_frame(text: str) -> bool:
    if _DROP_FRAME_HEADER.search(text):
        return True
    return any(m.group(4) in ";.," for line in text.splitlines() if _EVENT.match(line) for m in _TIMECODE.finditer(line))


def edl_rate(text: str, name: str, given: FrameRate | None) -> EdlRate:
    """Choose the rate to read the EDL `text` at (see the module docstring)."""
    highest = _highest_frame(text)
    if given is not None:
        if highest is not None and highest[0] >= given.timecode_base:
            frame, timecode, event = highest
            raise TimelineError(
                f"'{name}' cannot be at {given} fps: event {event:03d} has timecode {timecode}, frame {frame}, which {given} fps does not have. Pass the cut's real rate with --rate (e.g. 25 or 30)."
            )
        return EdlRate(given, f"read '{name}' at {given} fps, as given with --rate")
    if _uses_drop_frame(text):
        return EdlRate(DROP_FRAME_RATE, f"read '{name}' at 29.97 fps drop-frame, as its FCM line or timecodes say; pass --rate to override")
    if highest is None or highest[0] < DEFAULT_EDL_RATE.timecode_base:
        return EdlRate(
            DEFAULT_EDL_RATE,
            f"an EDL does not store its frame rate: '{name}' was read at {DEFAULT_EDL_RATE} fps; pass --rate if the cut runs at another rate",
        )
    frame, timecode, event = highest
    for rate in INFERABLE_RATES:
        if frame < rate.timecode_base:
            ntsc = " (29.97 non-drop looks the same: pass --rate 29.97 if that is the cut's rate)" if rate == FrameRate(30) else ""
            return EdlRate(
                rate,
                f"'{name}' was read at {rate} fps, inferred because event {event:03d} has timecode {timecode} "
                f"(frame {frame}, more than {DEFAULT_EDL_RATE} fps has){ntsc}; pass --rate if that is wrong",
            )
    raise TimelineError(f"'{name}' has timecode {timecode} in event {event:03d}, with frame {frame}: more frames than any common rate. Check the EDL, or pass its rate with --rate.")
