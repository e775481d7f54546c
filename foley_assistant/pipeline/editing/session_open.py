"""What opening an editing session checks and chooses: the render settings edits are placed with,
whether a saved project still fits its timeline, and where a timeline's stems go by default."""

from __future__ import annotations

import logging
from pathlib import Path

from foley_assistant.core.errors import InputFileError, ProjectFileError
from foley_assistant.core.project import Project, ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.pipeline.spine.shot_sound import ShotSettings, shot_settings

log = logging.getLogger(__name__)

PROJECT_SUFFIXES = (".json",)


def session_settings(settings: ProjectSettings) -> ShotSettings:
    """The render settings an edit places stems with: the project's (`shot_settings`). When the
    project's SOFA file cannot be read any more, the spherical head stands in, with a warning."""
    try:
        return shot_settings(settings)
    except InputFileError as exc:
        log.warning("%s; edited stems are placed with the spherical-head model instead", exc)
        return shot_settings(settings, hrirs=False)


def check_project_fits(project: Project, project_file: Path, timeline_name: str, shots: list[Shot]) -> None:
    """Refuse (ProjectFileError) a project whose timeline has no shots, or whose stems belong to
    shots the timeline does not have (it changed since the project was saved)."""
    if not shots:
        raise ProjectFileError(f"{project_file}: its timeline '{timeline_name}' has no clips on its video tracks: there is nothing to open.")
    unknown = sorted({s.shot_id for s in project.stems} - {s.id for s in shots})
    if unknown:
        raise ProjectFileError(
            f"{project_file}: it has stems of shot {', '.join(unknown[:5])}, which its timeline '{timeline_name}' does not have (the timeline changed since the project was saved). Generate it again into a new folder."
        )


def default_output_folder(timeline_path: Path) -> Path:
    """Where a timeline's stems go unless the editor chooses: a folder beside the timeline."""
    return timeline_path.with_name(f"{timeline_path.stem}_foley")
