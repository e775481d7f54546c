"""The app's export: several interchange formats and a copy of the stems into one folder.

`export_bundle` writes each chosen format (`pipeline.handoff.export.export_format`: the written-back
timeline as otio or otioz, REAPER, AAF, FCP 7 XML, EDL, ADM BWF) as `<timeline name>.<suffix>` in
the destination (with `all_takes`, every take in the formats that carry them: REAPER takes, OTIO
and FCP 7 muted alternates; the others deliver the chosen take), and, when asked, copies the stems, dry sources and mixes there (`stems/`,
`dry/`, `mix/`): only the files the project names, never anything else lying in those folders
(a leftover `.partial` of an interrupted write). The session files then reference those copies
by relative paths; without the copy, each format copies what it references into
`<timeline name>_media/`. Either way the destination folder can be moved or zipped and opened
with nothing offline. Nothing in the project folder is overwritten, and every file is written
atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from foley_assistant.core.errors import OutputError
from foley_assistant.core.progress import ProgressCallback, ProgressEvent, ignore_progress
from foley_assistant.core.safe_paths import safe_file_part
from foley_assistant.pipeline.handoff.export import EXPORT_FORMATS, SUFFIXES, TAKE_FORMATS, export_format, open_project
from foley_assistant.pipeline.output.delivery_media import copy_files, project_files


@dataclass(frozen=True)
class ExportChoices:
    """What the editor asked the export dialog for."""

    destination: Path
    formats: tuple[str, ...] = ("otio", "rpp")
    copy_stems: bool = True
    all_takes: bool = False  # every take, in the formats that can carry them (TAKE_FORMATS)


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
    media_root = root
    if choices.copy_stems:
        if destination.resolve() == root.resolve():
            result.notes.append("the stems are already in this folder; nothing was copied")
        else:
            delivered = replace(project, stems=project.stems + project.takes) if choices.all_takes else project  # every take's files, when asked
            result.files += copy_files(root, project_files(delivered, root), destination)
            media_root = destination
        done += 1
        progress(ProgressEvent("export", done, steps, "stems copied"))
    base = safe_file_part(loaded.name.strip().replace(" ", "_"), "timeline")
    for fmt in choices.formats:
        out = destination / f"{base}{SUFFIXES[fmt]}"
        written = export_format(project_dir, fmt, out, media_root=media_root, all_takes=choices.all_takes and fmt in TAKE_FORMATS)
        result.files.extend(written.files)
        result.notes.extend(f"{fmt}: {note}" for note in written.notes)
        done += 1
        progress(ProgressEvent("export", done, steps, f"{fmt} written"))
    return result
