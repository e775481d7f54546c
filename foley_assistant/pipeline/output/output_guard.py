"""What `generate` may overwrite in its output folder: only files it wrote itself.

A file of the user's in the output folder that shares a name with an output (their own
`project.rpp`, a WAV in `stems/`) is never overwritten: `check_no_foreign_files` refuses the run
before anything is written, naming the files, unless `--force`. The product's files are those
listed in the folder's record (`.foley_assistant_outputs.json`, written by `record_outputs` at
the end of every run), those its project file names (stems the app made since), and, in a folder
holding the product's own project or report, the fixed files and the review pictures; and the
manifest of finished shots when it is the product's (a run killed before its first save).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from foley_assistant.core.errors import OutputError
from foley_assistant.core.stem import Stem
from foley_assistant.io.atomic import is_partial, write_json_atomic
from foley_assistant.pipeline.output.deliver import MANIFEST_FILE, MANIFEST_SCHEMA, PROJECT_FILE, OutputLayout, dry_path_of

RECORD_FILE = ".foley_assistant_outputs.json"
RECORD_SCHEMA = "foley_assistant.outputs/1"
FIXED_FILES = ("timeline.otio", "project.rpp", "tracks.json", "report.json", PROJECT_FILE, MANIFEST_FILE, "review.html")


def _json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def _files_under(root: Path, folder: str) -> list[str]:
    base = root / folder
    if not base.is_dir():
        return []
    return sorted(p.relative_to(root).as_posix() for p in base.rglob("*") if (p.is_file() or p.is_symlink()) and not is_partial(p.name))


def product_files(root: Path) -> set[str]:
    """The files (relative POSIX paths) of `root` that Foley Assistant wrote (see the module docstring)."""
    record = _json(root / RECORD_FILE)
    made: set[str] = set()
    if isinstance(record, dict) and record.get("schema") == RECORD_SCHEMA and isinstance(record.get("files"), list):
        made.update(str(f) for f in record["files"])
    # One document read at a time, and only what is needed kept: a long shot's project, report
    # and manifest hold every frame's keyframes, events and boxes.
    project = _json(root / PROJECT_FILE)
    ours = isinstance(project, dict) and project.get("schema") == "foley_assistant.project"
    stems = project.get("stems") if isinstance(project, dict) else None
    del project
    if not ours:
        report = _json(root / "report.json")
        ours = isinstance(report, dict) and report.get("tool") == "foley-assistant"
        del report
    manifest = _json(root / MANIFEST_FILE)
    if isinstance(manifest, dict) and manifest.get("schema") == MANIFEST_SCHEMA:
        made.add(MANIFEST_FILE)  # a run killed before its first save left only this
    del manifest
    if ours:
        made.update(FIXED_FILES)
        made.update(_files_under(root, "review"))
    for stem in stems if isinstance(stems, list) else []:
        if isinstance(stem, dict) and isinstance(stem.get("path"), str):
            made.update((stem["path"], f"dry/{Path(stem['path']).name}", OutputLayout(root).mix(str(stem.get("shot_id", "")))))
    return made


def check_no_foreign_files(root: Path, shot_ids: Iterable[str], force: bool = False, extra: Iterable[str] = ()) -> None:
    """Refuse (OutputError) a run that could overwrite files in `root` the product did not write:
    the fixed files and `extra` ones, the mixes of `shot_ids`, anything in stems/, dry/ and
    review/. `force` allows it."""
    if force or not root.is_dir():
        return
    layout = OutputLayout(root)
    candidates = [*FIXED_FILES, *extra, *(layout.mix(s) for s in shot_ids), *(f for folder in ("stems", "dry", "review") for f in _files_under(root, folder))]
    existing = [c for c in dict.fromkeys(candidates) if os.path.lexists(root / c)]
    if not existing:
        return
    made = product_files(root)
    foreign = [c for c in existing if c not in made]
    if foreign:
        listing = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise OutputError(f"{root} holds files Foley Assistant did not write that this run would overwrite: {listing}. Move them, choose another --out folder, or pass --force to overwrite them.")


def record_outputs(root: Path, stems: Iterable[Stem], shot_ids: Iterable[str], extra: Iterable[str] = ()) -> None:
    """Record what a run wrote in `root`: its stems and their dry sources, the mixes of
    `shot_ids`, its fixed files, `extra` ones and review pictures, with what was recorded before."""
    layout = OutputLayout(root)
    made = product_files(root) | {f for f in (*FIXED_FILES, *extra) if (root / f).is_file()} | set(_files_under(root, "review"))
    for stem in stems:
        made.add(stem.path)
        if not stem.is_ambience:
            made.add(dry_path_of(stem))
    made.update(layout.mix(s) for s in shot_ids)
    write_json_atomic(root / RECORD_FILE, {"schema": RECORD_SCHEMA, "files": sorted(f for f in made if os.path.lexists(root / f))})
