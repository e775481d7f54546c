"""The project: everything the editor decided about a cut, and its versioned JSON form.

A project file is `{"schema": "foley_assistant.project", "version": N, ...}`. Loading an older
version runs the registered migrations one step at a time (N -> N+1) up to `PROJECT_VERSION`;
a newer version than this build knows is refused with a message saying to upgrade.

`generation` counts the saves of a project folder. A save renders every file into the folder's
scratch area, moves them into place and writes the project file last, one generation up
(`io.file_set`): a folder whose save was cut short holds a journal of a newer generation than
its project file, and is put back to the project's generation when it is next opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import MAX_GAIN_DB, ManualCurves, StemMix
from foley_assistant.core.errors import ProjectFileError
from foley_assistant.core.lanes import assign_lanes
from foley_assistant.core.project_settings import Placement, ProjectSettings
from foley_assistant.core.stem import Stem
from foley_assistant.core.tracks import TracksDocument

PROJECT_SCHEMA = "foley_assistant.project"
PROJECT_VERSION = 7

Migration = Callable[[dict[str, Any]], dict[str, Any]]


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """Version 2 keeps how the timeline was read: the rate of an EDL (which stores none) and the
    folders media was searched in. A version-1 project read its timeline at the file's own rate
    and searched nowhere."""
    data.setdefault("timeline_rate", None)
    data.setdefault("media_search_folders", [])
    return data


def _v2_to_v3(data: dict[str, Any]) -> dict[str, Any]:
    """Version 3 keeps the editor's work from the desktop app: manual curve keyframes, the
    monitor mix of each stem and the shots edited since they were generated. A version-2
    project has none."""
    data.setdefault("manual_curves", [])
    data.setdefault("mixer", [])
    data.setdefault("edited_shots", [])
    return data


def _v3_to_v4(data: dict[str, Any]) -> dict[str, Any]:
    """Version 4 records how the stems were placed and levelled (`settings.placement`,
    `settings.loudness`) and the seed, ambience and detector of the run, so that exports and the
    app reproduce them. A version-3 project recorded none: it gets what `generate` did by
    default (screen-locked stereo at its field of view, -23 LUFS, seed 0, no ambience)."""
    settings = dict(data.get("settings") or {})
    settings.setdefault("placement", Placement().to_dict())
    settings.setdefault("loudness", {"target_lufs": -23.0, "true_peak_ceiling_dbtp": -1.0})
    defaults = ProjectSettings()
    for key in ("seed", "ambience", "detector", "detector_model"):
        settings.setdefault(key, getattr(defaults, key))
    data["settings"] = settings
    return data


def _v4_to_v5(data: dict[str, Any]) -> dict[str, Any]:
    """Version 5 counts the saves of the folder (`generation`, written last by a save, so that a
    save cut short is recognised). A version-4 project is generation 0."""
    data.setdefault("generation", 0)
    return data


def _v5_to_v6(data: dict[str, Any]) -> dict[str, Any]:
    """Version 6 records the loudness scope (`settings.loudness.scope`: one gain for the reel, or
    each shot normalised on its own) and the reel's gain (`reel_gain_db`), the stems' handles
    (`settings.handles_s`, each stem's `handle_start_samples`/`handle_end_samples`) and the fade
    at each edit of an export (`settings.fade_ms`). A version-5 project normalised each shot on
    its own, and keeps doing so; its stems have no handles; its exports get the 10 ms fades.
    Version 6 also keeps the earlier takes of each stem (`takes`); a version-5 project kept none."""
    settings = dict(data.get("settings") or {})
    loudness = settings.get("loudness")
    if isinstance(loudness, dict):
        settings["loudness"] = {**loudness, "scope": loudness.get("scope", "shot")}
    elif loudness is None:
        settings["loudness"] = {"target_lufs": -23.0, "true_peak_ceiling_dbtp": -1.0, "scope": "shot"}
    settings.setdefault("handles_s", 0.0)
    settings.setdefault("fade_ms", 10.0)
    data["settings"] = settings
    data.setdefault("reel_gain_db", None)
    data.setdefault("takes", [])
    return data


def _v6_to_v7(data: dict[str, Any]) -> dict[str, Any]:
    """Version 7 keeps a gain per lane (`lane_gains`, dB by lane name), on top of each stem's own
    gain. A version-6 project had none: every lane at 0 dB."""
    data.setdefault("lane_gains", {})
    return data


#: MIGRATIONS[n] turns a version-n document into a version-(n+1) document.
MIGRATIONS: dict[int, Migration] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5, 5: _v5_to_v6, 6: _v6_to_v7}


@dataclass(frozen=True)
class Project:
    """The editor's decisions: which timeline, which shots, the tracks, curves and stems.

    `timeline_rate` is the rate the timeline was read at when the file does not store one (an
    EDL), so that reopening it gives the same shots. `media_relinks` maps the media a shot's clip
    names (its path, or "clip:<name>") to the file chosen for it; `media_search_folders` are the
    folders searched.

    `curves` are the curves the stems were rendered with (the tracked curves with `manual_curves`
    on top); `mixer` holds the stems' monitor settings that differ from unity; `edited_shots` are
    the shots the editor changed since they were generated; `generation` is the number of the
    save that wrote the project file (see the module docstring). `reel_gain_db` is the one gain
    the reel's stems were given under the "reel" loudness scope (None: not measured yet, or the
    "shot" scope); shots made again later take it, so they match the others. `takes` are the
    stems' other takes (each Regenerate makes one and keeps the one it replaced): `stems` holds the
    chosen take of each object, `takes` the others, with their files. `lane_gains` is the gain of
    each lane (dB, by lane name, as `lanes()` names them; a lane not listed is at 0 dB): it applies
    to every stem on the lane, on top of the stem's own gain in `mixer`.
    """

    timeline_path: str
    settings: ProjectSettings = field(default_factory=ProjectSettings)
    selected_shots: tuple[str, ...] = ()
    tracks: TracksDocument = field(default_factory=TracksDocument)
    curves: tuple[SpatialCurves, ...] = ()
    stems: tuple[Stem, ...] = ()
    media_relinks: dict[str, str] = field(default_factory=dict)
    timeline_rate: tuple[int, int] | None = None
    media_search_folders: tuple[str, ...] = ()
    manual_curves: tuple[ManualCurves, ...] = ()
    mixer: tuple[StemMix, ...] = ()
    edited_shots: tuple[str, ...] = ()
    generation: int = 0
    reel_gain_db: float | None = None
    takes: tuple[Stem, ...] = ()
    lane_gains: dict[str, float] = field(default_factory=dict)

    def lane_gain_db(self, lane: str) -> float:
        """The gain of a lane in dB (0 when the editor set none)."""
        return self.lane_gains.get(lane, 0.0)

    def lane_gains_by_stem(self) -> dict[str, float]:
        """The gain (dB) of the lane each stem is on, by stem path."""
        return {stem.path: self.lane_gain_db(lane) for lane, stems in self.lanes() for stem in stems}

    def takes_of(self, shot_id: str, object_id: str) -> list[Stem]:
        """Every take of an object's stem (the chosen one among them), by take number."""
        return sorted((s for s in self.stems + self.takes if (s.shot_id, s.object_id) == (shot_id, object_id)), key=lambda s: s.take)

    def curves_by_object(self) -> dict[tuple[str, str], SpatialCurves]:
        """Every object's curves, by (shot id, object id)."""
        return {(c.shot_id, c.object_id): c for c in self.curves}

    def curves_of(self, shot_id: str, object_id: str) -> SpatialCurves | None:
        """One object's curves, or None when it has none."""
        return next((c for c in self.curves if (c.shot_id, c.object_id) == (shot_id, object_id)), None)

    def lanes(self) -> list[tuple[str, list[Stem]]]:
        """The stems in foley lanes, as every session and export lays them out (`core.lanes`)."""
        return assign_lanes(list(self.stems))

    def to_dict(self) -> dict[str, Any]:
        """The current-version JSON form."""
        return {
            "schema": PROJECT_SCHEMA,
            "version": PROJECT_VERSION,
            "timeline": self.timeline_path,
            "settings": self.settings.to_dict(),
            "selected_shots": list(self.selected_shots),
            "tracks": self.tracks.to_dict(),
            "curves": [c.to_dict() for c in self.curves],
            "stems": [s.to_dict() for s in self.stems],
            "media_relinks": dict(self.media_relinks),
            "timeline_rate": None if self.timeline_rate is None else list(self.timeline_rate),
            "media_search_folders": list(self.media_search_folders),
            "manual_curves": [m.to_dict() for m in self.manual_curves],
            "mixer": [m.to_dict() for m in self.mixer],
            "edited_shots": list(self.edited_shots),
            "generation": self.generation,
            "reel_gain_db": self.reel_gain_db,
            "takes": [s.to_dict() for s in self.takes],
            "lane_gains": {lane: round(gain, 3) for lane, gain in sorted(self.lane_gains.items())},
        }

    @classmethod
    def from_dict(cls, data: Any) -> "Project":
        """Read any known version, migrating it to the current one. Anything malformed is a
        ProjectFileError saying what and where (e.g. "curves 3 (S001 O1): curve key time '1/0'
        divides by zero"); a stem path that leads outside the project folder is one of them."""
        data = migrate_project_dict(data)
        try:
            tracks = TracksDocument.from_dict(data["tracks"])
        except ProjectFileError as exc:
            raise ProjectFileError(str(exc).replace("the tracks file", "the project's tracks", 1)) from exc
        except KeyError as exc:
            raise ProjectFileError('the project file is malformed: it has no "tracks"') from exc
        try:
            return cls(
                timeline_path=str(data["timeline"]),
                settings=_settings(data.get("settings", {})),
                selected_shots=tuple(str(s) for s in data.get("selected_shots", [])),
                tracks=tracks,
                curves=_each(data, "curves", SpatialCurves.from_dict),
                stems=_each(data, "stems", Stem.from_dict),
                media_relinks={str(k): str(v) for k, v in _mapping(data, "media_relinks").items()},
                timeline_rate=_rate_pair(data.get("timeline_rate")),
                media_search_folders=tuple(str(f) for f in data.get("media_search_folders", [])),
                manual_curves=_each(data, "manual_curves", ManualCurves.from_dict),
                mixer=_each(data, "mixer", StemMix.from_dict),
                edited_shots=tuple(str(s) for s in data.get("edited_shots", [])),
                generation=int(data.get("generation", 0)),
                reel_gain_db=_gain_db(data.get("reel_gain_db")),
                takes=_each(data, "takes", Stem.from_dict),
                lane_gains=_lane_gains(_mapping(data, "lane_gains")),
            )
        except _READ_ERRORS as exc:
            problem = f"{exc.args[0]!r} is missing" if isinstance(exc, KeyError) else str(exc)
            raise ProjectFileError(f"the project file is malformed: {problem}") from exc


def migrate_project_dict(data: Any, migrations: dict[int, Migration] | None = None) -> dict[str, Any]:
    """Bring a project document of any known version up to `PROJECT_VERSION`."""
    steps = MIGRATIONS if migrations is None else migrations
    if not isinstance(data, dict) or data.get("schema") != PROJECT_SCHEMA:
        raise ProjectFileError(f'this is not a Foley Assistant project (expected "schema": "{PROJECT_SCHEMA}")')
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise ProjectFileError(f"the project file has no valid version number (found {version!r})")
    if version > PROJECT_VERSION:
        raise ProjectFileError(f"the project was saved by a newer Foley Assistant (project version {version}; this one reads up to {PROJECT_VERSION}). Upgrade Foley Assistant to open it.")
    while version < PROJECT_VERSION:
        if version not in steps:
            raise ProjectFileError(f"no migration from project version {version}; the file cannot be upgraded")
        data = steps[version](dict(data))
        version += 1
        data["version"] = version
    return data


_READ_ERRORS = (KeyError, TypeError, ValueError, OverflowError, ZeroDivisionError, IndexError, AttributeError)


def _each(data: dict[str, Any], key: str, parse: Callable[[Any], Any]) -> tuple[Any, ...]:
    """Each item of the list `data[key]` parsed; a bad one is a ValueError naming it."""
    items = data.get(key, [])
    if not isinstance(items, list):
        raise ValueError(f'"{key}" must be a list')
    parsed = []
    for number, item in enumerate(items, start=1):
        try:
            parsed.append(parse(item))
        except _READ_ERRORS as exc:
            names = " ".join(str(item.get(k)) for k in ("shot", "object", "shot_id", "object_id", "path") if isinstance(item, dict) and k in item)
            problem = f"{exc.args[0]!r} is missing" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"{key} {number}{f' ({names:.80})' if names else ''}: {problem}") from exc
    return tuple(parsed)


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f'"{key}" must be an object')
    return value


def _settings(settings: Any) -> ProjectSettings:
    """The project's settings; the numbers every shot depends on are checked to be within what
    the product can work with."""
    if not isinstance(settings, dict):
        raise ValueError('"settings" must be an object')
    sample_rate = settings.get("sample_rate", 48000)
    hfov = settings.get("hfov_deg", 60.0)
    width = settings.get("analysis_width", 320)
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or not 8000 <= sample_rate <= 384000:
        raise ValueError(f"settings: sample_rate {sample_rate!r:.40} is not a sample rate (8000 to 384000)")
    if isinstance(hfov, bool) or not isinstance(hfov, (int, float)) or not 1.0 <= hfov <= 179.0:
        raise ValueError(f"settings: hfov_deg {hfov!r:.40} is not a field of view (1 to 179 degrees)")
    if isinstance(width, bool) or not isinstance(width, int) or not 16 <= width <= 8192:
        raise ValueError(f"settings: analysis_width {width!r:.40} is not a picture width (16 to 8192)")
    for key in ("placement", "loudness"):
        if settings.get(key) is not None and not isinstance(settings[key], dict):
            raise ValueError(f'settings: "{key}" must be an object')
    return ProjectSettings.from_dict(settings)


def _gain_db(value: Any) -> float | None:
    """The reel's gain: None, or a finite number of dB within +-120."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -120.0 <= value <= 120.0:
        raise ValueError(f"reel_gain_db {value!r:.40} is not a gain in dB (-120 to 120, or null)")
    return float(value)


def _lane_gains(gains: dict[str, Any]) -> dict[str, float]:
    """The lanes' gains: a finite number of dB within the monitor's range per lane name."""
    checked = {}
    for lane, value in gains.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not -MAX_GAIN_DB <= value <= MAX_GAIN_DB:
            raise ValueError(f"lane_gains: the gain of lane {lane!r:.60} is {value!r:.40}, not a level in dB (within +-{MAX_GAIN_DB:g})")
        checked[str(lane)] = float(value)
    return checked


def _rate_pair(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        numerator, denominator = (int(v) for v in value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"timeline_rate must be two positive whole numbers, got {value!r:.60}") from exc
    if numerator <= 0 or denominator <= 0 or denominator > 10**7 or not 1 <= numerator / denominator <= 1000:
        raise ValueError(f"timeline_rate must be two positive whole numbers giving 1 to 1000 fps, got {value!r:.60}")
    return numerator, denominator
