"""Sound events: the moments where an object makes a sound (a footfall, an impact, a swish).

Kinds: "footfall" (a step lands), "impact" (a landing, a bounce, an abrupt stop, a collision),
"swish" (a fast movement peaks: whoosh), "entrance" / "exit" (the object comes into or leaves
the picture). `cause` says what in the picture gave the event, e.g. "bob" or "cadence" for a
footfall, "landing", "stop", "collision O2" or "frame bottom" for an impact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EVENT_KINDS = ("footfall", "impact", "swish", "entrance", "exit")


@dataclass(frozen=True)
class SoundEvent:
    """One sound-making moment of an object.

    `time_s` is seconds from the first frame of the shot (converted to a sample index once, at
    render time, with `sample_index`); `strength` is 0..1.
    """

    time_s: float
    kind: str
    strength: float = 1.0
    object_id: str = ""
    cause: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {EVENT_KINDS}, got {self.kind!r}")
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"event strength must be within 0..1, got {self.strength}")

    def sample_index(self, sample_rate: int) -> int:
        """The sample the event sounds on: time_s * sample_rate rounded to the nearest (halves up)."""
        return math.floor(self.time_s * sample_rate + 0.5)
