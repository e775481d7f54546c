"""Relinking: finding the media of shots whose files are not where the cut says.

Missing media is searched for in folders the user gives (recursively), in this order:

1. the file name the cut gives (case-insensitive), e.g. `A001_C002.mov`;
2. that name without its extension, with any extension (`A001_C002.mxf` for `A001_C002.mov`;
   picture files are preferred over others);
3. the reel or tape name, as a file name without extension (EDL and AAF reels);
4. the clip name, with or without its extension.

A choice made before (kept in the project as `media_relinks`, original -> chosen path) is used
first when its file still exists. The result says, per shot, found / missing / relinked, and
which choices to keep.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping

from foley_assistant.core.shot import Shot
from foley_assistant.io.media_paths import media_file_name

log = logging.getLogger(__name__)

#: Suffixes of picture files, preferred when a name without extension matches several files
#: (and taken by `generate` as a media file): containers, MPEG transport streams and raw
#: elementary video streams.
PICTURE_SUFFIXES = frozenset(
    {".mov", ".mp4", ".m4v", ".mxf", ".avi", ".mkv", ".webm", ".ts", ".m2t", ".mts", ".m2ts", ".mpg", ".mpeg", ".dv", ".r3d", ".braw", ".ari"}
    | {".h264", ".264", ".avc", ".h265", ".265", ".hevc", ".m2v", ".vc1"}
)


def relink_key(shot: Shot) -> str:
    """What a relink choice is remembered by: the cut's media path, else the clip name."""
    return shot.media_path or f"clip:{shot.clip_name}"


@dataclass(frozen=True)
class RelinkOutcome:
    """What happened to one shot's media."""

    shot_id: str
    status: str  # found | missing | relinked | not a file
    original: str | None
    path: str | None
    rule: str = ""  # which rule found it (for relinked)
    alternatives: int = 0  # other files that matched the same rule


@dataclass(frozen=True)
class RelinkResult:
    """The shots with their media resolved, what happened to each, and the choices to keep."""

    shots: list[Shot]
    outcomes: list[RelinkOutcome]
    choices: dict[str, str] = field(default_factory=dict)  # every choice to keep: earlier ones that still hold, and new

    def count(self, status: str) -> int:
        """How many shots ended with this media status."""
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        """One line: how many found / relinked / missing."""
        text = f"media: {self.count('found')} found, {self.count('relinked')} relinked, {self.count('missing')} missing"
        ambiguous = [o for o in self.outcomes if o.alternatives]
        if ambiguous:
            text += f" ({len(ambiguous)} relinked among several matching files: check them)"
        return text


class MediaIndex:
    """The files under some folders, by lower-case name and by lower-case name without extension."""

    def __init__(self, folders: Iterable[Path]) -> None:
        self.by_name: dict[str, list[Path]] = {}
        self.by_stem: dict[str, list[Path]] = {}
        for folder in folders:
            for root, directories, files in os.walk(folder):
                directories[:] = sorted(d for d in directories if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    path = Path(root) / name
                    self.by_name.setdefault(name.lower(), []).append(path)
                    self.by_stem.setdefault(Path(name).stem.lower(), []).append(path)

    def find(self, shot: Shot) -> tuple[Path, str, int] | None:
        """The best file for a shot: (path, rule, number of other matches), or None."""
        file_name = media_file_name(shot.media_path) if shot.media_path else ""
        rules: list[tuple[str, list[Path]]] = []
        if file_name:
            rules.append(("file name", self.by_name.get(file_name.lower(), [])))
            rules.append(("name without extension", self.by_stem.get(Path(file_name).stem.lower(), [])))
        if shot.reel:
            rules.append(("reel name", self.by_stem.get(shot.reel.lower(), [])))
        if shot.clip_name:
            rules.append(("clip name", self.by_name.get(shot.clip_name.lower(), []) + self.by_stem.get(shot.clip_name.lower(), [])))
            rules.append(("clip name without extension", self.by_stem.get(Path(shot.clip_name).stem.lower(), [])))
        for rule, candidates in rules:
            unique = list(dict.fromkeys(candidates))
            if unique:
                unique.sort(key=lambda p: p.suffix.lower() not in PICTURE_SUFFIXES)  # stable: pictures first
                return unique[0], rule, len(unique) - 1
        return None


def relink_shots(
    shots: list[Shot],
    folders: Iterable[str | os.PathLike[str]] = (),
    choices: Mapping[str, str] | None = None,
) -> RelinkResult:
    """Resolve every shot's media (see the module docstring); shots that are found stay as they are."""
    index = MediaIndex(Path(f) for f in folders)
    remembered = dict(choices or {})
    kept: dict[str, str] = {}
    resolved: list[Shot] = []
    outcomes: list[RelinkOutcome] = []
    for shot in shots:
        if shot.media_status in ("found", "not a file"):
            resolved.append(shot)
            outcomes.append(RelinkOutcome(shot.id, shot.media_status, shot.media_path, shot.media_path))
            continue
        key = relink_key(shot)
        chosen = remembered.get(key)
        if chosen and Path(chosen).is_file():
            match: tuple[Path, str, int] | None = (Path(chosen), "earlier choice", 0)
        else:
            match = index.find(shot) if index.by_name else None
        if match is None:
            resolved.append(shot)
            outcomes.append(RelinkOutcome(shot.id, "missing", shot.media_path, None))
            continue
        path, rule, alternatives = match
        kept[key] = str(path)
        resolved.append(replace(shot, media_path=str(path), media_status="relinked"))
        outcomes.append(RelinkOutcome(shot.id, "relinked", shot.media_path, str(path), rule, alternatives))
        log.info("relinked %s (%s) to %s by %s", shot.id, shot.clip_name, path, rule)
    still_there = {key: path for key, path in remembered.items() if Path(path).is_file()}
    return RelinkResult(resolved, outcomes, still_there | kept)
