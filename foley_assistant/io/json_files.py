"""Reading and writing the tracks file and the project file (versioned JSON)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from foley_assistant.core.errors import InputFileError, ProjectFileError
from foley_assistant.core.project import Project
from foley_assistant.core.tracks import TracksDocument
from foley_assistant.io.atomic import write_json_atomic


def read_json(path: str | os.PathLike[str], what: str) -> Any:
    """Parse a JSON file, with a clear error naming `what` it should have been."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{what} not found: {path}. Check the path.")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"cannot read the {what} {path}: {exc.strerror}. Check its permissions.") from exc
    except UnicodeDecodeError as exc:
        raise InputFileError(f"{path} is not a valid {what} (it is not UTF-8 text: {exc.reason}).") from exc
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, a number too long to convert, nesting too deep
        problem = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise InputFileError(f"{path} is not a valid {what} (JSON error: {problem:.200}).") from exc


def read_tracks(path: str | os.PathLike[str]) -> TracksDocument:
    """Read a tracks file (schema foley_assistant.tracks/1); what is malformed is refused,
    naming the file, the shot, the object and the frame."""
    data = read_json(path, "tracks file")
    try:
        return TracksDocument.from_dict(data)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{path}: {exc}") from exc


def write_tracks(path: str | os.PathLike[str], tracks: TracksDocument) -> None:
    """Write a tracks file atomically."""
    write_json_atomic(path, tracks.to_dict())


def read_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file of any known version (older versions are migrated); what is
    malformed is refused, naming the file and where in it."""
    data = read_json(path, "project file")
    try:
        return Project.from_dict(data)
    except ProjectFileError as exc:
        raise ProjectFileError(f"{path}: {exc}") from exc


def write_project(path: str | os.PathLike[str], project: Project) -> None:
    """Write a project file atomically in the current version."""
    write_json_atomic(path, project.to_dict())
