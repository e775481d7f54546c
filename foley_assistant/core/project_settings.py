"""The project's settings: every choice that decides how a shot sounds, kept in the project file.

These are plain records (numbers, names, a path): the pipeline turns them into the render
settings of `spatial` (`pipeline.spine.placement`), which check the values. The defaults are the same
as those of `spatial.settings.StereoSettings`, `spatial.curves.CurveSettings` and
`spatial.loudness.LoudnessSettings` (a test keeps them so).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from foley_assistant.acoustics.head import HEAD_RADIUS_M
from foley_assistant.acoustics.panning import PanLaw


@dataclass(frozen=True)
class Placement:
    """How curves become a stem: pan law, distance model, binaural, and how tracks become curves.

    `pan_reference_deg` is the azimuth that pans hard left/right; None is screen-locked (half the
    project's field of view), which is what `generate` does. `sofa_path` (absolute) holds measured
    HRIRs for binaural; with `binaural` and no SOFA file, the spherical-head model is used.
    `offscreen`, `fade_s`, `edge_margin` and `handover_s` are the curve settings
    (`spatial.curves.CurveSettings`).
    """

    pan_law: PanLaw = PanLaw.CONSTANT_POWER
    pan_reference_deg: float | None = None
    distance_model: str = "inverse"
    reference_distance_m: float = 2.0
    rolloff: float = 1.0
    max_distance_m: float = 100.0
    air_absorption: float = 1.0
    doppler: bool = False
    speed_of_sound_m_s: float = 343.3
    interchannel_delay_ms: float = 0.0
    smoothing_ms: float = 20.0
    control_interval: int = 32
    binaural: bool = False
    sofa_path: str | None = None
    head_radius_m: float = HEAD_RADIUS_M
    hrir_block: int = 512
    offscreen: str = "hold"
    fade_s: float = 0.5
    edge_margin: float = 0.02
    handover_s: float = 0.25

    @property
    def mode(self) -> str:
        """stereo | binaural | binaural-sofa."""
        if self.sofa_path:
            return "binaural-sofa"
        return "binaural" if self.binaural else "stereo"

    def reference_deg(self, hfov_deg: float) -> float:
        """The pan reference azimuth for a camera of `hfov_deg` (screen-locked unless set)."""
        return hfov_deg / 2 if self.pan_reference_deg is None else self.pan_reference_deg

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["pan_law"] = self.pan_law.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Placement":
        """Read the JSON form; unknown keys are ignored, missing ones take the defaults."""
        known = {f.name: f for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key not in known or value is None:
                continue
            default = getattr(cls, key) if key != "pan_law" else PanLaw.CONSTANT_POWER
            if key == "pan_law":
                values[key] = PanLaw(value)
            elif isinstance(default, bool):
                values[key] = bool(value)
            elif isinstance(default, int):
                values[key] = int(value)
            elif isinstance(default, float) or key == "pan_reference_deg":
                values[key] = float(value)
            else:
                values[key] = str(value)
        return cls(**values)


LOUDNESS_SCOPES = ("reel", "shot")
MAX_HANDLES_S = 60.0
MAX_FADE_MS = 1000.0


@dataclass(frozen=True)
class LoudnessPolicy:
    """The mix brought to `target_lufs` (None: not normalised) under a true-peak ceiling.

    `scope` "reel" (the default) gives every shot of the reel one gain, measured on the reel's
    mix, so a source at a distance sounds the same in every shot; "shot" normalises each shot's
    mix on its own (what projects before version 6 did).
    """

    target_lufs: float | None = -23.0
    true_peak_ceiling_dbtp: float = -1.0
    scope: str = "reel"

    def __post_init__(self) -> None:
        if self.scope not in LOUDNESS_SCOPES:
            raise ValueError(f"loudness scope must be one of {', '.join(LOUDNESS_SCOPES)}, got {self.scope!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "LoudnessPolicy":
        target = data.get("target_lufs", -23.0)
        return cls(None if target is None else float(target), float(data.get("true_peak_ceiling_dbtp", -1.0)), str(data.get("scope", "reel")))


@dataclass(frozen=True)
class ProjectSettings:
    """Choices that apply to the whole project unless a shot or object overrides them.

    `engine` is the engine the stems were made with (a stem records its own); `seed` varies the
    generated sounds; `ambience` is the bed laid under each shot (none, auto or a bed's name);
    `detector` and `detector_model` name what the analysis used to name objects. `handles_s` is
    how far each stem runs on past both ends of the cut where the picture allows (0: none);
    `fade_ms` the fade at each edit of an exported item.
    """

    sample_rate: int = 48000
    engine: str = "procedural"
    hfov_deg: float = 60.0
    analysis_width: int = 320
    placement: Placement = field(default_factory=Placement)
    loudness: LoudnessPolicy = field(default_factory=LoudnessPolicy)
    seed: int = 0
    ambience: str = "none"
    detector: str = "nanodet"
    detector_model: str = "ssdlite320_mobilenet_v3_large"
    handles_s: float = 1.0
    fade_ms: float = 10.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.handles_s <= MAX_HANDLES_S:
            raise ValueError(f"handles must be 0 to {MAX_HANDLES_S:g} seconds, got {self.handles_s!r:.40}")
        if not 0.0 <= self.fade_ms <= MAX_FADE_MS:
            raise ValueError(f"the fade at an edit must be 0 to {MAX_FADE_MS:g} ms, got {self.fade_ms!r:.40}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_rate": self.sample_rate,
            "engine": self.engine,
            "hfov_deg": self.hfov_deg,
            "analysis_width": self.analysis_width,
            "placement": self.placement.to_dict(),
            "loudness": self.loudness.to_dict(),
            "seed": self.seed,
            "ambience": self.ambience,
            "detector": self.detector,
            "detector_model": self.detector_model,
            "handles_s": self.handles_s,
            "fade_ms": self.fade_ms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ProjectSettings":
        defaults = cls()
        return cls(
            sample_rate=int(data.get("sample_rate", defaults.sample_rate)),
            engine=str(data.get("engine", defaults.engine)),
            hfov_deg=float(data.get("hfov_deg", defaults.hfov_deg)),
            analysis_width=int(data.get("analysis_width", defaults.analysis_width)),
            placement=Placement.from_dict(data.get("placement") or {}),
            loudness=LoudnessPolicy.from_dict(data.get("loudness") or {}),
            seed=int(data.get("seed", defaults.seed)),
            ambience=str(data.get("ambience", defaults.ambience)),
            detector=str(data.get("detector", defaults.detector)),
            detector_model=str(data.get("detector_model", defaults.detector_model)),
            handles_s=float(data.get("handles_s", defaults.handles_s)),
            fade_ms=float(data.get("fade_ms", defaults.fade_ms)),
        )
