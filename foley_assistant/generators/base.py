"""What every generator engine produces and the call it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.tracks import ObjectTrack, ShotTracks


@dataclass(frozen=True)
class LayerEvent:
    """What a layer of an object's voice (cloth under footsteps...) sounded, for the event log.

    `layer` numbers the layers from 1 (the main voice is 0 and logs its own events); `voice` is
    the layer's voice name; `engine` the engine that made it ("library" or "procedural", the
    fallback when the library held nothing for it); `source` the file (and cut) or the
    procedural voice. One-shot layers log each event they sounded; continuous layers (cloth, an
    engine) log the object's entrance and exit.
    """

    layer: int
    voice: str
    engine: str
    source: str
    event: SoundEvent


@dataclass(frozen=True)
class DryAudio:
    """Mono dry sound of one object over one shot.

    `samples` is float32 of shape (n,), sample 0 at the shot's first frame
    (`shot.frame_range.start`). `events` are the moments it sounds, by time; `voice` names what
    made it. `sources` says, per event, which voice or which file (and cut) sounded it (empty
    when the engine does not say). `engine` is the engine that really made it when it is not the
    generator's own (a library generator that found nothing and fell back to "procedural").
    `layers` says what the voice's layers sounded (see `LayerEvent`). `reason` says why this
    voice was chosen, in words (for report.json and the editor).
    """

    samples: np.ndarray
    sample_rate: int
    events: tuple[SoundEvent, ...]
    voice: str
    sources: tuple[str, ...] = ()
    engine: str = ""
    layers: tuple[LayerEvent, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        if self.sources and len(self.sources) != len(self.events):
            raise ValueError(f"{len(self.sources)} sources for {len(self.events)} events: give one per event or none")

    def event_log(self) -> list[dict[str, object]]:
        """The events as JSON-ready records: time, sample, kind, strength, cause and source; then
        the layers' records, each with its "layer" number, "voice" and "engine" too."""
        log = [self._record(e, self.sources[i] if self.sources else self.voice) for i, e in enumerate(self.events)]
        for layer in self.layers:
            log.append({**self._record(layer.event, layer.source), "layer": layer.layer, "voice": layer.voice, "engine": layer.engine})
        return log

    def _record(self, event: SoundEvent, source: str) -> dict[str, object]:
        return {
            "time_s": round(event.time_s, 6),
            "sample": event.sample_index(self.sample_rate),
            "kind": event.kind,
            "strength": round(event.strength, 3),
            "cause": event.cause,
            "source": source,
        }


class DryGenerator(Protocol):
    """An engine that turns an object's track into its dry sound."""

    engine: str

    def generate(self, obj: ObjectTrack, shot: ShotTracks, n_samples: int, sample_rate: int, seed: int) -> DryAudio:
        """Dry audio of `n_samples` samples for `obj` over `shot`, deterministic for a seed."""
        ...
