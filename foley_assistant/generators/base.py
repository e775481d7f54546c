"""What every generator engine produces and the call it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.tracks import ObjectTrack, ShotTracks


@dataclass(frozen=True)
class DryAudio:
    """Mono dry sound of one object over one shot.

    `samples` is float32 of shape (n,), sample 0 at the shot's first frame
    (`shot.frame_range.start`). `events` are the moments it sounds, by time; `voice` names what
    made it. `sources` says, per event, which voice or which file (and cut) sounded it (empty
    when the engine does not say). `engine` is the engine that really made it when it is not the
    generator's own (a library generator that found nothing and fell back to "procedural").
    """

    samples: np.ndarray
    sample_rate: int
    events: tuple[SoundEvent, ...]
    voice: str
    sources: tuple[str, ...] = ()
    engine: str = ""

    def __post_init__(self) -> None:
        if self.sources and len(self.sources) != len(self.events):
            raise ValueError(f"{len(self.sources)} sources for {len(self.events)} events: give one per event or none")

    def event_log(self) -> list[dict[str, object]]:
        """The events as JSON-ready records: time, sample, kind, strength, cause and source."""
        return [
            {
                "time_s": round(e.time_s, 6),
                "sample": e.sample_index(self.sample_rate),
                "kind": e.kind,
                "strength": round(e.strength, 3),
                "cause": e.cause,
                "source": self.sources[i] if self.sources else self.voice,
            }
            for i, e in enumerate(self.events)
        ]


class DryGenerator(Protocol):
    """An engine that turns an object's track into its dry sound."""

    engine: str

    def generate(self, obj: ObjectTrack, shot: ShotTracks, n_samples: int, sample_rate: int, seed: int) -> DryAudio:
        """Dry audio of `n_samples` samples for `obj` over `shot`, deterministic for a seed."""
        ...
