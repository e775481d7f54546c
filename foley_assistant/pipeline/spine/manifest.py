"""The manifest of an output folder: each shot made, from what, into which files.

`foley_manifest.json` lists, per shot, the key of its inputs (the shot's cut and media file,
size and modification time, the settings, engine and seed, the tracks it was given, the editor's
keyframes, the product's version), and once it is finished, what was made (tracks, curves,
stems, metrics: enough to put it back into the project without making it again) and the sha256
of each of its files. The driver of a run writes it after every shot, atomically, so a run
killed at any moment leaves a manifest of the shots whose files are complete.

`generate --resume` takes a shot as finished when its entry has the key of today's inputs and
each of its files is there (in the run's staging folder or in the folder itself) with its
sha256; everything else is made again. A failed shot is recorded with why, and is tried again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foley_assistant import __version__
from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.digest import file_sha256
from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.core.errors import ProjectFileError
from foley_assistant.core.project_settings import ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.io.atomic import write_json_atomic
from foley_assistant.io.json_files import read_json
from foley_assistant.pipeline.output.deliver import MANIFEST_FILE, MANIFEST_SCHEMA, OutputLayout, dry_path_of
from foley_assistant.pipeline.spine.made import MadeShot


def _media_facts(path: str | None) -> dict[str, Any]:
    if not path:
        return {"media": None}
    try:
        stat = os.stat(path)
    except OSError:
        return {"media": str(path), "size": None, "mtime_ns": None}
    return {"media": str(Path(path).resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def shot_inputs(shot: Shot, settings: ProjectSettings, engine: str, tracks: ShotTracks | None, manual: tuple[ManualCurves, ...]) -> dict[str, Any]:
    """What a shot's files are made from, as JSON: a change in any of it makes the shot again."""
    return {
        "version": __version__,
        "shot": {
            "id": shot.id,
            "clip": shot.clip_name,
            "record": [shot.record_range.start, shot.record_range.duration, list(shot.timeline_rate.as_tuple()), shot.global_start_frame],
            "source": [shot.source_range.start, shot.source_range.duration, list(shot.source_rate.as_tuple()), str(shot.speed), shot.source_from_timecode],
            **_media_facts(shot.media_path),
        },
        "settings": settings.to_dict(),
        "engine": engine,
        "seed": settings.seed,
        "tracks": None if tracks is None else hashlib.sha256(json.dumps(TracksDocument((tracks,)).to_dict(), sort_keys=True).encode()).hexdigest(),
        "manual": [m.to_dict() for m in manual],
    }


def inputs_key(inputs: dict[str, Any]) -> str:
    """The sha256 of the inputs' JSON."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def made_files(made: MadeShot, layout: OutputLayout) -> list[str]:
    """The files a made shot wrote, relative to its folder: stems, dry sources, the mix."""
    files = [s.path for s in made.stems] + [dry_path_of(s) for s in made.stems if not s.is_ambience]
    return files + [layout.mix(made.shot_id)]


def _made_to_dict(made: MadeShot) -> dict[str, Any]:
    return {
        "tracks": TracksDocument((made.tracks,)).to_dict(),
        "curves": [c.to_dict() for c in made.curves],
        "stems": [s.to_dict() for s in made.stems],
        "manual": [m.to_dict() for m in made.manual],
        "metrics": made.metrics,
        "loudness": made.loudness,
        "bed": made.bed,
    }


def _made_from_dict(shot: Shot, data: dict[str, Any]) -> MadeShot:
    return MadeShot(
        shot,
        TracksDocument.from_dict(data["tracks"]).shots[0],
        tuple(SpatialCurves.from_dict(c) for c in data["curves"]),
        tuple(Stem.from_dict(s) for s in data["stems"]),
        tuple(ManualCurves.from_dict(m) for m in data["manual"]),
        dict(data["metrics"]),
        data["loudness"],
        data["bed"],
    )


@dataclass
class Manifest:
    """The manifest of the folder `root` (see the module docstring)."""

    root: Path
    shots: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.root / MANIFEST_FILE

    @classmethod
    def load(cls, root: Path) -> "Manifest":
        """The folder's manifest (empty when it has none, or one this version cannot read)."""
        path = Path(root) / MANIFEST_FILE
        if not path.is_file():
            return cls(Path(root))
        try:
            data = read_json(path, "manifest")
        except (ProjectFileError, OSError):
            return cls(Path(root))
        if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA or not isinstance(data.get("shots"), dict):
            return cls(Path(root))
        return cls(Path(root), {str(k): v for k, v in data["shots"].items() if isinstance(v, dict)})

    def save(self) -> None:
        """Write the manifest atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.path, {"schema": MANIFEST_SCHEMA, "shots": self.shots})

    def record_made(self, made: MadeShot, inputs: dict[str, Any], roots: tuple[Path, ...]) -> None:
        """A shot finished, each of its files in the first of `roots` that has it; saved at once."""
        layout = OutputLayout(roots[0])
        files = {name: file_sha256(next((root / name for root in roots if (root / name).is_file()), roots[0] / name)) for name in made_files(made, layout)}
        self.shots[made.shot_id] = {"status": "done", "key": inputs_key(inputs), "inputs": inputs, "files": files, "made": _made_to_dict(made)}
        self.save()

    def record_failed(self, shot: Shot, inputs: dict[str, Any], reason: str) -> None:
        """A shot that gave nothing, and why; saved at once (it is tried again on --resume)."""
        self.shots[shot.id] = {"status": "failed", "key": inputs_key(inputs), "inputs": inputs, "error": reason}
        self.save()

    def finished(self, shot: Shot, inputs: dict[str, Any], roots: tuple[Path, ...]) -> MadeShot | None:
        """The shot as made before, when its entry has these inputs and each of its files is in
        one of `roots` (the first that has it) with its sha256; otherwise None."""
        entry = self.shots.get(shot.id)
        if not entry or entry.get("status") != "done" or entry.get("key") != inputs_key(inputs):
            return None
        files = entry.get("files")
        if not isinstance(files, dict) or not files:
            return None
        for name, digest in files.items():
            if not any((root / name).is_file() and file_sha256(root / name) == digest for root in roots):
                return None
        try:
            return _made_from_dict(shot, entry["made"])
        except (KeyError, TypeError, ValueError, IndexError, ProjectFileError):
            return None
