"""What the shot spine makes for one object: its track, dry source, curves and placed stereo stem."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.tracks import ObjectTrack
from foley_assistant.generators.base import DryAudio


@dataclass(frozen=True)
class ObjectSound:
    """Everything made for one object of one shot."""

    shot_id: str
    track: ObjectTrack
    dry: DryAudio
    curves: SpatialCurves
    stereo: np.ndarray
    seed: int | None = None  # the seed the engine was given
