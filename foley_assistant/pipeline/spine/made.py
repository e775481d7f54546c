"""A shot made by the spine: what was written for it and what the report says of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.tracks import ShotTracks


@dataclass(frozen=True)
class MadeShot:
    """One shot through the spine, written: its tracks, the curves and stems made (bed last), the
    editor's keyframes they were placed with, and what the report says of it (`metrics` by stem
    path, the loudness step, the bed)."""

    shot: Shot
    tracks: ShotTracks
    curves: tuple[SpatialCurves, ...]
    stems: tuple[Stem, ...]
    manual: tuple[ManualCurves, ...] = ()
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    loudness: dict[str, Any] | None = None
    bed: dict[str, str] | None = None

    @property
    def shot_id(self) -> str:
        return self.shot.id
