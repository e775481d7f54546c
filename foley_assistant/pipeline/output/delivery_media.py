"""The media a delivered session references, kept where the session file can find it after a move.

Every session file an export writes (REAPER project, OTIO, AAF, FCP 7 XML, EDL) references its
audio by a path relative to the folder the session file is in. When the files it needs already
lie inside that folder (an export into the generate folder itself, or the app's export after it
copied stems/ and dry/ there), they are referenced where they are; otherwise they are copied into
`<session name>_media/` beside the session file (keeping their stems/ and dry/ folders), so that
the folder holding the session file can be moved, zipped and opened elsewhere with nothing
offline. Only files the project names are ever copied: a stem, its dry source, a shot's mix; never
a leftover of an interrupted write (`.name.partial-xxxx.wav`) that lies beside them.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterable

from foley_assistant.core.errors import OutputError
from foley_assistant.core.project import Project
from foley_assistant.core.safe_paths import resolve_inside
from foley_assistant.io.atomic import atomic_path
from foley_assistant.pipeline.output.deliver import OutputLayout, dry_path_of


def media_folder_of(session: Path) -> Path:
    """Where a session file's media is copied when it is not beside it: `<name>_media/`."""
    return session.with_name(f"{session.stem}_media")


def project_files(project: Project, root: Path) -> list[str]:
    """The files the project made, relative to `root`: stems, dry sources (an ambience bed has
    none) and the mixes of the shots that have stems, in that order, those that exist."""
    layout = OutputLayout(root)
    stems = [stem.path for stem in project.stems]
    dry = [dry_path_of(stem) for stem in project.stems if not stem.is_ambience]
    mixes = [layout.mix(shot) for shot in dict.fromkeys(stem.shot_id for stem in project.stems)]
    return [relative for relative in dict.fromkeys(stems + dry + mixes) if resolve_inside(root, relative, "project file").is_file()]


def copy_files(root: Path, relatives: Iterable[str], destination: Path) -> list[Path]:
    """Copy each file (relative to `root`) to the same relative path under `destination`,
    atomically; returns the files written. A missing file is refused, naming it."""
    written = []
    for relative in relatives:
        source = resolve_inside(root, relative, "project file")  # never a file outside the project
        if not source.is_file():
            raise OutputError(f"{source} is missing: the project names it but it is not there; run generate again for its shot.")
        target = resolve_inside(destination, relative, "copied file")
        if target.resolve() != source.resolve():
            with atomic_path(target) as temporary:
                shutil.copyfile(source, temporary)
        written.append(target)
    return written


def is_inside(path: Path, folder: Path) -> bool:
    """Whether `path` lies inside `folder` (after resolving links and `..`)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def media_beside(session: Path, root: Path, needed: list[str]) -> tuple[Path, list[Path]]:
    """The folder the session's media paths start from, and the files copied for it.

    `needed` are the files (relative to `root`) the session references. When all of them lie
    inside the session file's folder, that is `root` itself and nothing is copied; otherwise
    they are copied into `<session name>_media/` (see the module docstring).
    """
    if all(is_inside(root / relative, session.parent) for relative in needed):
        return root, []
    folder = media_folder_of(session)
    return folder, copy_files(root, needed, folder)
