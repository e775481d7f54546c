"""Reading and writing the tracks file and the project file (versioned JSON)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from foley_assistant.core.errors import InputFileError
from foley_assistant.core.project import Project
from foley_assistant.core.tracks import TracksDocument
from foley_assistant.io.atomic import write_json_atomic


def read_json(path: str | os.PathLike[str], what: str) -> Any:
    """Parse a JSON file, with a clear error naming `what` it should have been."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{what} not found: {path}. Check the path.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputFileError(f"{path} is not a valid {what} (JSON error: {exc}).") from exc


def read_tracks(path: str | os.PathLike[str]) -> TracksDocument:
    """Read a tracks file (schema foley_assistant.tracks/1)."""
    return TracksDocument.from_dict(read_json(path, "tracks file"))


def write_tracks(path: str | os.PathLike[str], tracks: TracksDocument) -> None:
    """Write a tracks file atomically."""
    write_json_atomic(path, tracks.to_dict())


def read_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file of any known version (older versions are migrated)."""
    return Project.from_dict(read_json(path, "project file"))


def write_project(path: str | os.PathLike[str], project: Project) -> None:
    """Write a project file atomically in the current version."""
    write_json_atomic(path, project.to_dict())
