"""What the editor decided on top of the analysis: manual curve keyframes, the monitor mix of each
stem, and which shots were touched since they were generated.

These are plain data held by the `Project`; the edit commands (`core.commands`) change them, and
their JSON forms live here so the project file stays one versioned document.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from foley_assistant.core.curves import Curve

CURVE_PARAMETERS = ("azimuth_deg", "distance_m")
MAX_GAIN_DB = 200.0


class ShotState(str, Enum):
    """How far a shot has come, as the timeline shows it."""

    NOT_ANALYZED = "not analyzed"
    ANALYZED = "analyzed"
    GENERATED = "generated"
    EDITED = "edited"


@dataclass(frozen=True)
class ManualCurves:
    """The editor's keyframes for one object; each takes over its tracked curve over its span
    (with a hand-over on each side). None: that parameter follows the tracker."""

    shot_id: str
    object_id: str
    azimuth_deg: Curve | None = None
    distance_m: Curve | None = None

    def curve(self, parameter: str) -> Curve | None:
        """The manual curve of `parameter` ("azimuth_deg" or "distance_m")."""
        check_parameter(parameter)
        return self.azimuth_deg if parameter == "azimuth_deg" else self.distance_m

    @property
    def is_empty(self) -> bool:
        return self.azimuth_deg is None and self.distance_m is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "shot": self.shot_id,
            "object": self.object_id,
            "azimuth_deg": None if self.azimuth_deg is None else self.azimuth_deg.to_list(),
            "distance_m": None if self.distance_m is None else self.distance_m.to_list(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ManualCurves":
        def curve(key: str) -> Curve | None:
            items = data.get(key)
            return Curve.from_list(items) if items else None

        return cls(str(data["shot"]), str(data["object"]), curve("azimuth_deg"), curve("distance_m"))


@dataclass(frozen=True)
class StemMix:
    """How a stem is monitored: gain in dB, mute and solo. The stem files stay at unity; the gain
    and mute apply to audition, the mix meter and the shot's mix file."""

    path: str
    gain_db: float = 0.0
    mute: bool = False
    solo: bool = False

    @property
    def is_default(self) -> bool:
        return self.gain_db == 0.0 and not self.mute and not self.solo

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "gain_db": round(self.gain_db, 3), "mute": self.mute, "solo": self.solo}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "StemMix":
        gain = data.get("gain_db", 0.0)
        if isinstance(gain, bool) or not isinstance(gain, (int, float)) or not -MAX_GAIN_DB <= gain <= MAX_GAIN_DB:
            raise ValueError(f"the monitor gain of {data['path']!r:.80} is {gain!r:.40}, not a level in dB (within +-{MAX_GAIN_DB:g})")
        return cls(str(data["path"]), float(gain), bool(data.get("mute", False)), bool(data.get("solo", False)))


def audible_gains(mixes: dict[str, StemMix], paths: list[str]) -> dict[str, float]:
    """Linear gain per stem path as heard: muted stems are 0; when any stem of `paths` is soloed,
    only soloed stems sound."""
    soloed = any(mixes.get(p, StemMix(p)).solo for p in paths)
    gains = {}
    for path in paths:
        mix = mixes.get(path, StemMix(path))
        audible = (mix.solo or not soloed) and not mix.mute
        gains[path] = 10 ** (mix.gain_db / 20) if audible else 0.0
    return gains


def check_parameter(parameter: str) -> None:
    if parameter not in CURVE_PARAMETERS:
        raise ValueError(f"curve parameter must be one of {CURVE_PARAMETERS}, got {parameter!r}")
