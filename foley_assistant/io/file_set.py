"""A project folder's scratch area, and saving the files rendered there as one set.

Unsaved work is rendered into `<folder>/.scratch/`, laid out as the folder is (`stems/x.wav`,
`mix/S001_mix.wav`, `project.rpp`...), so that the folder itself keeps holding what its saved
project references. Saving (`promote`) moves the scratch files into the folder and writes the
project file last:

1. a journal, `.scratch/save.json`, names the save's generation and each file, and whether the
   folder had it before (written atomically, before anything moves);
2. each file the folder had is kept in `.scratch/previous/` (a hard link, or a copy), then the new
   one is renamed over it (each rename is atomic);
3. the caller writes the project file, with the new generation in it;
4. the scratch area is removed.

A save that fails in the process (an error on the way) is undone at once: the replaced files go
back, and the new ones back into the scratch area, so the unsaved work can be saved again.

A save cut short (a crash, a full disk) leaves the journal. `settle`, called when the folder is
opened with the generation of its project file, tells the two cases apart: a journal of a newer
generation than the project means the project file was never written, so the files kept in
`previous/` go back and the files new to the folder are removed (the folder is the old set
again); otherwise the save finished and only the clean-up remains. Scratch files without a
journal are unsaved renders of a session that ended without saving: they are dropped (the app's
autosave keeps the unsaved project, and a session restored from it renders them again).

A background job writes into a folder of its own inside the scratch area (`job_dir`, under
`.scratch/.jobs/`), which a save never moves: its files join the scratch area (`adopt`) only when
the session takes the job's result, so a job that failed half-way leaves nothing to be saved.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from pathlib import Path
from typing import Any, Callable

from foley_assistant.core.errors import FoleyError, OutputError
from foley_assistant.io.atomic import write_json_atomic
from foley_assistant.io.json_files import read_json

log = logging.getLogger(__name__)

SCRATCH = ".scratch"
JOURNAL = "save.json"
PREVIOUS = "previous"
JOBS = ".jobs"
JOURNAL_SCHEMA = "foley_assistant.save_journal/1"


def scratch_dir(root: str | os.PathLike[str]) -> Path:
    """The scratch area of a project folder."""
    return Path(root) / SCRATCH


def scratch_files(root: str | os.PathLike[str]) -> list[str]:
    """The files rendered in the scratch area, as paths relative to it (sorted; the journal, the
    kept files and half-written temporary files are not renders)."""
    scratch = scratch_dir(root)
    if not scratch.is_dir():
        return []
    found = []
    for path in scratch.rglob("*"):
        relative = path.relative_to(scratch)
        if path.is_file() and relative.parts[0] not in (JOURNAL, PREVIOUS) and not any(part.startswith(".") for part in relative.parts):
            found.append(relative.as_posix())
    return sorted(found)


def job_dir(root: str | os.PathLike[str]) -> Path:
    """A new folder for one job's files, inside the scratch area (not created here)."""
    return scratch_dir(root) / JOBS / secrets.token_hex(6)


def adopt(root: str | os.PathLike[str], job: str | os.PathLike[str]) -> list[str]:
    """Move a job's files into the scratch area (over the renders there of the same files), and
    remove the job's folder. Returns the files, relative to the scratch area."""
    job, scratch = Path(job), scratch_dir(root)
    moved = []
    for path in sorted(p for p in job.rglob("*") if p.is_file()):
        relative = path.relative_to(job)
        if any(part.startswith(".") for part in relative.parts):
            continue  # a half-written temporary file
        (scratch / relative).parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, scratch / relative)
        moved.append(relative.as_posix())
    shutil.rmtree(job, ignore_errors=True)
    return moved


def drop_scratch(root: str | os.PathLike[str]) -> None:
    """Remove the scratch area and everything in it (unsaved renders are discarded)."""
    shutil.rmtree(scratch_dir(root), ignore_errors=True)


def promote(root: str | os.PathLike[str], generation: int, write_last: Callable[[], None]) -> list[str]:
    """Move every file of the scratch area into the folder as one set, then call `write_last`
    (which writes the project file of `generation`), then remove the scratch area; see the module
    docstring. Returns the files moved. A failure on the way puts the folder back as it was, and
    the renders back in the scratch area (a later save can try again), and raises."""
    root = Path(root)
    scratch = scratch_dir(root)
    files = scratch_files(root)
    entries = [{"path": relative, "existed": (root / relative).is_file()} for relative in files]
    write_json_atomic(scratch / JOURNAL, {"schema": JOURNAL_SCHEMA, "generation": generation, "files": entries})
    try:
        for entry in entries:
            relative = str(entry["path"])
            target = root / relative
            if entry["existed"]:
                _keep(target, scratch / PREVIOUS / relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(scratch / relative, target)
        write_last()
    except OSError as exc:
        roll_back(root, keep_renders=True)
        raise OutputError(f"saving into {root} failed ({exc}); the folder was left as it was saved before and the unsaved work is kept. Free some space and save again.") from exc
    except BaseException:
        roll_back(root, keep_renders=True)
        raise
    drop_scratch(root)
    return files


def _keep(target: Path, kept: Path) -> None:
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.unlink(missing_ok=True)
    try:
        os.link(target, kept)
    except OSError:  # a file system without hard links
        shutil.copy2(target, kept)


def roll_back(root: str | os.PathLike[str], keep_renders: bool = False) -> list[str]:
    """Undo the save in the journal: the files it had replaced are put back and those it added
    removed. With `keep_renders` its new files go back into the scratch area (as they were before
    the save); otherwise the scratch area is dropped. Returns the files put back or removed."""
    root = Path(root)
    scratch = scratch_dir(root)
    journal = _read_journal(root)
    undone = []
    for entry in [] if journal is None else journal["files"]:
        relative = str(entry["path"])
        target, kept, render = root / relative, scratch / PREVIOUS / relative, scratch / relative
        if render.is_file():  # the save never moved this file: the folder still has its own
            kept.unlink(missing_ok=True)
            continue
        if keep_renders and target.is_file():
            os.replace(target, render)
        if entry["existed"] and kept.is_file():
            os.replace(kept, target)
        elif not entry["existed"]:
            target.unlink(missing_ok=True)
        undone.append(relative)
    if keep_renders:
        (scratch / JOURNAL).unlink(missing_ok=True)
        shutil.rmtree(scratch / PREVIOUS, ignore_errors=True)
    else:
        drop_scratch(root)
    return undone


def settle(root: str | os.PathLike[str], generation: int) -> str:
    """Make a project folder hold the set of files of its project file's `generation` (see the
    module docstring). Returns what was done, for a log line ("" when there was nothing to do)."""
    root = Path(root)
    if not scratch_dir(root).exists():
        return ""
    journal = _read_journal(root)
    if journal is not None and int(journal["generation"]) > generation:
        undone = roll_back(root)
        message = f"a save of {root} was cut short: {len(undone)} file(s) put back as saved (generation {generation})"
    elif journal is not None:
        drop_scratch(root)
        message = f"a save of {root} had finished (generation {generation}); its scratch area was cleared"
    else:
        dropped = len(scratch_files(root))
        drop_scratch(root)
        message = f"{dropped} unsaved render(s) left in {scratch_dir(root)} were dropped" if dropped else ""
    if message:
        log.warning(message)
    return message


def settle_folder(root: str | os.PathLike[str], project_file: str | os.PathLike[str]) -> str:
    """`settle` a folder by the generation of its project file (a folder without one has saved
    nothing yet: a journal there is of a first save cut short). A project file that cannot be read
    leaves the folder alone: opening it says what is wrong."""
    project_file = Path(project_file)
    if not scratch_dir(root).exists():
        return ""
    generation = -1
    if project_file.is_file():
        try:
            data = read_json(project_file, "project file")
            generation = int(data.get("generation", 0)) if isinstance(data, dict) else -1
        except (FoleyError, TypeError, ValueError):
            return ""
    return settle(root, generation)


def _read_journal(root: Path) -> dict[str, Any] | None:
    path = scratch_dir(root) / JOURNAL
    if not path.is_file():
        return None
    data = read_json(path, "save journal")
    if not isinstance(data, dict) or data.get("schema") != JOURNAL_SCHEMA:
        raise OutputError(f"{path} is not a save journal of Foley Assistant; move it away and open the project again.")
    return data
