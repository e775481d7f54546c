"""Autosave and crash recovery: unsaved work kept beside the app's settings, offered back on the
next start if the app did not close cleanly.

Each open project has one recovery file, `<folder>/<hash of the project file path>.json`,
holding the project file path, when it was written and the whole project. Saving the project or
closing it normally removes it; a recovery file still there at start-up is unsaved work. It is
offered once: declined, it is removed; a file that cannot be restored (damaged, or its project's
folder gone) is renamed `*.unrestorable` (kept, for a person to look at, and never offered again).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.project import Project
from foley_assistant.io.atomic import write_json_atomic

log = logging.getLogger(__name__)

RECOVERY_SCHEMA = "foley_assistant.recovery/1"


@dataclass(frozen=True)
class RecoveryEntry:
    """Unsaved work found at start-up."""

    path: Path  # the recovery file
    project_file: Path  # where the project is saved
    saved_at: float  # seconds since the epoch

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"{self.project_file} (autosaved {when})"


class RecoveryStore:
    """The folder of recovery files."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def _file(self, project_file: Path) -> Path:
        digest = hashlib.sha1(str(Path(project_file).resolve()).encode()).hexdigest()[:16]
        return self.folder / f"{digest}.json"

    def write(self, project_file: Path, project: Project) -> Path:
        """Keep `project` as the unsaved state of `project_file` (atomically)."""
        target = self._file(project_file)
        write_json_atomic(target, {"schema": RECOVERY_SCHEMA, "project_file": str(Path(project_file).resolve()), "saved_at": time.time(), "project": project.to_dict()})
        return target

    def entry_for(self, project_file: Path) -> RecoveryEntry | None:
        """The unsaved work of one project, if any is kept."""
        path = self._file(project_file)
        return next((e for e in self.pending() if e.path == path), None)

    def set_aside(self, entry: RecoveryEntry) -> Path:
        """Keep a recovery file that could not be restored under another name, out of the offers."""
        kept = entry.path.with_suffix(".unrestorable")
        entry.path.replace(kept)
        return kept

    def discard(self, project_file: Path) -> None:
        """The project was saved or closed cleanly: forget its unsaved state."""
        self._file(project_file).unlink(missing_ok=True)

    def pending(self) -> list[RecoveryEntry]:
        """Recovery files left by sessions that did not end cleanly, newest first (unreadable ones
        are skipped and logged, never deleted)."""
        entries = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(data, dict) or data.get("schema") != RECOVERY_SCHEMA:
                    continue
                entries.append(RecoveryEntry(path, Path(data["project_file"]), float(data["saved_at"])))
            except (OSError, ValueError, RecursionError, KeyError, TypeError) as exc:
                log.warning("skipping unreadable recovery file %s: %s", path, exc)
        return sorted(entries, key=lambda e: e.saved_at, reverse=True)

    def load(self, entry: RecoveryEntry) -> Project:
        """The unsaved project of an entry."""
        try:
            data = json.loads(entry.path.read_text(encoding="utf-8"))
            return Project.from_dict(data["project"])
        except (OSError, ValueError, RecursionError, KeyError, TypeError) as exc:
            raise FoleyError(f"the recovery file {entry.path} cannot be read ({str(exc) or type(exc).__name__:.200}); the work in it is lost.") from exc
        except FoleyError as exc:
            raise FoleyError(f"the recovery file {entry.path}: {exc}; the work in it is lost.") from exc
