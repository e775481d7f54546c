"""What the shot spine makes for one object: its track, dry source, curves and placed stereo stem."""

from __future__ import annotations

from dataclasses import dataclass

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.tracks import ObjectTrack
from foley_assistant.generators.base import DryAudio
from foley_assistant.spatial.render import Stereo


@dataclass(frozen=True)
class ObjectSound:
    """Everything made for one object of one shot: `stereo` is its placed stem, a (2, n) array
    (the neural engine's) or a `PlacedStem` rendered from `dry` as it is read (never held whole)."""

    shot_id: str
    track: ObjectTrack
    dry: DryAudio
    curves: SpatialCurves
    stereo: Stereo
    seed: int | None = None  # the seed the engine was given
