"""The export job: one interchange format from a generate folder (or its project file)."""

from __future__ import annotations

from pathlib import Path

from foley_assistant.core.errors import OutputError
from foley_assistant.core.project import Project
from foley_assistant.io.exports.rpp import write_rpp
from foley_assistant.io.json_files import read_project
from foley_assistant.io.timeline import LoadedTimeline, read_timeline
from foley_assistant.io.writeback import write_timeline
from foley_assistant.pipeline.deliver import PROJECT_FILE, build_rpp, build_timeline
from foley_assistant.spatial.settings import StereoSettings

EXPORT_FORMATS = ("otio", "otioz", "rpp")


def open_project(project_or_dir: Path) -> tuple[Project, Path, LoadedTimeline]:
    """The project, the folder its stem paths start from, and its timeline."""
    project_file = project_or_dir / PROJECT_FILE if project_or_dir.is_dir() else project_or_dir
    project = read_project(project_file)
    return project, project_file.parent, read_timeline(project.timeline_path)


def export_format(project_or_dir: Path, fmt: str, out: Path) -> None:
    """Write `fmt` (otio, otioz or rpp) for the project to `out`."""
    if fmt not in EXPORT_FORMATS:
        raise OutputError(f"cannot export {fmt!r}: this version writes {', '.join(EXPORT_FORMATS)}.")
    project, root, loaded = open_project(project_or_dir)
    if out.resolve() == loaded.path.resolve():
        raise OutputError(f"--out {out} is the input timeline; choose another file name.")
    expected_suffix = {"otio": ".otio", "otioz": ".otioz", "rpp": ".rpp"}[fmt]
    if out.suffix.lower() != expected_suffix:
        raise OutputError(f"--out for {fmt} should end in {expected_suffix} (got {out.name}).")
    if fmt == "rpp":
        write_rpp(out, build_rpp(project, loaded, StereoSettings(sample_rate=project.settings.sample_rate), root, out.parent))
    else:
        write_timeline(build_timeline(loaded, project, root), out)
