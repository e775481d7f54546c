"""Sound events: the moments where an object makes a sound (a footfall, an impact)."""

from __future__ import annotations

from dataclasses import dataclass

EVENT_KINDS = ("footfall", "impact", "entrance", "exit")


@dataclass(frozen=True)
class SoundEvent:
    """One sound-making moment of an object.

    `time_s` is seconds from the first frame of the shot (converted to a sample index once, at
    render time); `strength` is 0..1.
    """

    time_s: float
    kind: str
    strength: float = 1.0
    object_id: str = ""

    def __post_init__(self) -> None:
        if self.kind not in EVENT_KINDS:
            raise ValueError(f"event kind must be one of {EVENT_KINDS}, got {self.kind!r}")
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"event strength must be within 0..1, got {self.strength}")
