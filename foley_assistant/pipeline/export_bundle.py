"""The app's export: several interchange formats and a copy of the stems into one folder.

`export_bundle` writes each chosen format (`pipeline.export.export_format`: the written-back
timeline as otio or otioz, REAPER, AAF, FCP 7 XML, EDL, ADM BWF) as `<timeline name>.<suffix>` in
the destination, and, when asked, copies the stems, dry sources and mixes there (`stems/`,
`dry/`, `mix/`). Nothing in the project folder is overwritten, and every file is written
atomically.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from foley_assistant.core.errors import OutputError
from foley_assistant.core.progress import ProgressCallback, ProgressEvent, ignore_progress
from foley_assistant.core.project import Project
from foley_assistant.core.safe_paths import resolve_inside, safe_file_part
from foley_assistant.io.atomic import atomic_path
from foley_assistant.pipeline.deliver import OutputLayout, dry_path_of
from foley_assistant.pipeline.export import EXPORT_FORMATS, SUFFIXES, export_format, open_project


def project_files(project: Project) -> list[str]:
    """The audio files the project made, relative to its folder: each stem, its dry source and
    each shot's mix (only these are copied: never a file someone else put in those folders)."""
    layout = OutputLayout(Path("."))
    files = [stem.path for stem in project.stems]
    files += [dry_path_of(stem) for stem in project.stems if not stem.is_ambience]
    files += [layout.mix(shot_id) for shot_id in dict.fromkeys(stem.shot_id for stem in project.stems)]
    return files


@dataclass(frozen=True)
class ExportChoices:
    """What the editor asked the export dialog for."""

    destination: Path
    formats: tuple[str, ...] = ("otio", "rpp")
    copy_stems: bool = True


@dataclass
class BundleResult:
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def export_bundle(project_dir: Path, choices: ExportChoices, progress: ProgressCallback = ignore_progress) -> BundleResult:
    """Write the chosen formats (and the stems copy) for the project saved in `project_dir`."""
    unknown = [f for f in choices.formats if f not in EXPORT_FORMATS]
    if unknown:
        raise OutputError(f"cannot export {', '.join(unknown)}: this version writes {', '.join(EXPORT_FORMATS)}.")
    if not choices.formats and not choices.copy_stems:
        raise OutputError("nothing to export: choose at least one format or the stems folder.")
    project, root, loaded = open_project(project_dir)
    destination = Path(choices.destination)
    if destination.exists() and not destination.is_dir():
        raise OutputError(f"{destination} is a file; choose a folder to export into.")
    destination.mkdir(parents=True, exist_ok=True)
    result = BundleResult()
    steps = len(choices.formats) + (1 if choices.copy_stems else 0)
    done = 0
    if choices.copy_stems:
        if destination.resolve() == root.resolve():
            result.notes.append("the stems are already in this folder; nothing was copied")
        else:
            for relative in project_files(project):
                source = resolve_inside(root, relative, "project file")
                if not source.is_file():
                    continue
                target = resolve_inside(destination, relative, "copied file")
                with atomic_path(target) as temporary:
                    shutil.copyfile(source, temporary)
                result.files.append(target)
        done += 1
        progress(ProgressEvent("export", done, steps, "stems copied"))
    base = safe_file_part(loaded.name.strip().replace(" ", "_"), "timeline")
    for fmt in choices.formats:
        out = destination / f"{base}{SUFFIXES[fmt]}"
        written = export_format(project_dir, fmt, out)
        result.files.extend(written.files)
        result.notes.extend(f"{fmt}: {note}" for note in written.notes)
        done += 1
        progress(ProgressEvent("export", done, steps, f"{fmt} written"))
    return result
