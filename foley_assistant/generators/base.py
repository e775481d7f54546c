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
    (`shot.frame_range.start`). `events` are the moments it sounds; `voice` names what made it.
    """

    samples: np.ndarray
    sample_rate: int
    events: tuple[SoundEvent, ...]
    voice: str


class DryGenerator(Protocol):
    """An engine that turns an object's track into its dry sound."""

    engine: str

    def generate(self, obj: ObjectTrack, shot: ShotTracks, n_samples: int, sample_rate: int, seed: int) -> DryAudio:
        """Dry audio of `n_samples` samples for `obj` over `shot`, deterministic for a seed."""
        ...
