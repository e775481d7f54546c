"""The export job: one interchange format from a generate folder (or its project file).

| format | file | what it carries |
| --- | --- | --- |
| otio | .otio | the cut + one audio track per lane, stems on the exact sample, curves in metadata |
| otioz | .otioz | the same, with the stem files bundled |
| otio, `nle=` | .otio | for an editor's own OTIO import (Resolve, Kdenlive): stems in frames, schemas downgraded (io.nle_otio) |
| rpp | .rpp | REAPER: a track per lane, dry items, pan and volume envelopes |
| aaf | .aaf | the cut + per lane two mono tracks (L/R splits of the stems, hard panned), or the dry source with pan automation (`aaf_mode="automation"`) |
| fcp7 | .xml | the cut + one track per lane (FCP 7 XML, frames) |
| edl | .edl | one CMX 3600 EDL per lane (`cut.01-person.edl` ...) |
| adm | .wav | ADM BWF for Dolby Atmos: one object per stem, Cartesian positions and gains over time |

Every export returns notes saying what the format left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from foley_assistant.core.errors import OutputError
from foley_assistant.core.lanes import assign_lanes
from foley_assistant.core.project import Project
from foley_assistant.core.safe_paths import resolve_inside
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate, seconds_to_samples
from foley_assistant.io.audio import read_audio, read_bext, write_bwf
from foley_assistant.io.exports.aaf import AAF_MODES, PanPoint, build_aaf_timeline, write_aaf
from foley_assistant.io.exports.adm import AdmObject, AdmPoint, write_adm_bwf
from foley_assistant.io.exports.edl import LEFT_OUT as EDL_LEFT_OUT
from foley_assistant.io.exports.edl import write_lane_edls
from foley_assistant.io.exports.fcp7 import write_fcp7
from foley_assistant.io.exports.rpp import write_rpp
from foley_assistant.io.json_files import read_project
from foley_assistant.io.nle_otio import write_nle_otio
from foley_assistant.io.timeline import LoadedTimeline, read_timeline
from foley_assistant.io.writeback import stem_track, with_stem_tracks
from foley_assistant.pipeline.deliver import PROJECT_FILE, build_rpp, dry_path_of, pan_gain_points, write_timeline_with_stems
from foley_assistant.pipeline.placement import project_stereo
from foley_assistant.spatial.settings import StereoSettings

EXPORT_FORMATS = ("otio", "otioz", "rpp", "aaf", "fcp7", "edl", "adm")
SUFFIXES = {"otio": ".otio", "otioz": ".otioz", "rpp": ".rpp", "aaf": ".aaf", "fcp7": ".xml", "edl": ".edl", "adm": ".wav"}


@dataclass
class ExportResult:
    """The files written and what the format could not carry."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def open_project(project_or_dir: Path) -> tuple[Project, Path, LoadedTimeline]:
    """The project, the folder its stem paths start from, and its timeline (read as it was).

    Every stem (and its dry source) must lie inside that folder, links followed: an export
    delivers only files the project made (UnsafePathError otherwise)."""
    project_file = project_or_dir / PROJECT_FILE if project_or_dir.is_dir() else project_or_dir
    project = read_project(project_file)
    for stem in project.stems:
        resolve_inside(project_file.parent, stem.path, "stem path")
        resolve_inside(project_file.parent, dry_path_of(stem), "dry source")
    rate = None if project.timeline_rate is None else FrameRate(*project.timeline_rate)
    return project, project_file.parent, read_timeline(project.timeline_path, rate)


def export_format(project_or_dir: Path, fmt: str, out: Path, *, aaf_mode: str = "split", nle: str | None = None) -> ExportResult:
    """Write `fmt` (one of EXPORT_FORMATS) for the project to `out`; with `nle` (otio only), for
    that editor's OTIO import (see io.nle_otio)."""
    if nle is not None and fmt != "otio":
        raise OutputError(f"--nle {nle} is for --format otio (an editor's own OTIO import), not {fmt}.")
    if fmt not in EXPORT_FORMATS:
        raise OutputError(f"cannot export {fmt!r}: this version writes {', '.join(EXPORT_FORMATS)}.")
    if aaf_mode not in AAF_MODES:
        raise OutputError(f"unknown AAF mode {aaf_mode!r}; choose {' or '.join(AAF_MODES)}.")
    project, root, loaded = open_project(project_or_dir)
    if out.resolve() == loaded.path.resolve():
        raise OutputError(f"--out {out} is the input timeline; choose another file name.")
    if out.suffix.lower() != SUFFIXES[fmt]:
        raise OutputError(f"--out for {fmt} should end in {SUFFIXES[fmt]} (got {out.name}).")
    stereo = project_stereo(project.settings, hrirs=False)  # the pans and gains the stems were placed with
    result = ExportResult(files=[out])
    if fmt == "rpp":
        write_rpp(out, build_rpp(project, loaded, stereo, root, out.parent))
    elif nle is not None:
        curves = {(c.shot_id, c.object_id): c for c in project.curves}
        lanes = assign_lanes(list(project.stems))
        write_nle_otio(with_stem_tracks(loaded.timeline, lanes, root, curves, frame_rate=loaded.rate), out, nle)
        result.notes.append(f"OTIO for {nle}: stems placed in frames (sample offsets in clip metadata), schemas of the OTIO {nle} reads")
    elif fmt in ("otio", "otioz"):
        write_timeline_with_stems(loaded, project, root, out)
    elif fmt == "aaf":
        result.files += export_aaf(project, loaded, root, out, stereo, aaf_mode)
        result.notes.append(
            "AAF: tracks are named by the writer, not by lane (the clips carry the lane); stems are linked, not embedded"
            + ("; no volume automation in AAF: the distance level is left out" if aaf_mode == "automation" else "")
            + ("; the ambience beds are not placed sources: they are in the split mode only" if aaf_mode == "automation" and _beds(project) else "")
        )
    elif fmt == "fcp7":
        curves = {(c.shot_id, c.object_id): c for c in project.curves}
        lanes = assign_lanes(list(project.stems))
        write_fcp7(with_stem_tracks(loaded.timeline, lanes, root, curves, frame_rate=loaded.rate), out)
        result.notes.append("FCP 7 XML: positions in frames (sample offsets in clip metadata); no pan or level automation")
    elif fmt == "edl":
        result.files = export_edl(project, loaded, root, out)
        result.notes.append(EDL_LEFT_OUT)
    else:
        export_adm(project, loaded, root, out, stereo)
        result.notes.append(
            "ADM: one mono object per stem (its dry source), X from the pan, gain from the distance; the stereo stems are not in it"
            + ("; nor are the ambience beds (not objects)" if _beds(project) else "")
        )
    return result


def _beds(project: Project) -> bool:
    return any(stem.is_ambience for stem in project.stems)


def _placed(project: Project) -> Project:
    """The project without its ambience beds (for the formats that carry only placed mono sources)."""
    return replace(project, stems=tuple(stem for stem in project.stems if not stem.is_ambience))


def _split_path(out: Path, stem: Stem, side: str) -> Path:
    return out.with_name(f"{out.stem}_media") / f"{Path(stem.path).stem}_{side}.wav"


def export_aaf(project: Project, loaded: LoadedTimeline, root: Path, out: Path, stereo: StereoSettings, mode: str) -> list[Path]:
    """Write the AAF (and, in split mode, the mono files it links to); returns the extra files."""
    lanes = assign_lanes(list(project.stems))
    curves = {(c.shot_id, c.object_id): c for c in project.curves}
    extra: list[Path] = []
    if mode == "split":
        split = {}
        for stem in project.stems:
            source = resolve_inside(root, stem.path, "stem path")
            audio, sample_rate = read_audio(source)
            bext = read_bext(source)
            pair = (_split_path(out, stem, "L"), _split_path(out, stem, "R"))
            for side, (path, channel) in zip("LR", zip(pair, audio[:2])):
                write_bwf(
                    path,
                    channel[None, :].astype(np.float32),
                    sample_rate,
                    time_reference=bext.time_reference if bext else 0,
                    description=f"{Path(stem.path).stem} {side} (split of the stereo stem)",
                    ixml={"note": stem.label, "track_names": [f"{stem.lane or stem.label} {side}"]},
                )
                extra.append(path)
            split[stem.path] = pair
        timeline = build_aaf_timeline(loaded.timeline, lanes, root, loaded.rate, curves, mode=mode, split_files=split)
    else:
        project = _placed(project)
        lanes = assign_lanes(list(project.stems))
        dry = {stem.path: resolve_inside(root, dry_path_of(stem), "dry source") for stem in project.stems}
        pans = {stem.path: [PanPoint(float(p.time_s), p.pan) for p in pan_gain_points(stem, curves.get((stem.shot_id, stem.object_id)), stereo)] for stem in project.stems}
        timeline = build_aaf_timeline(loaded.timeline, lanes, root, loaded.rate, curves, mode=mode, dry_files=dry, pans=pans)
    write_aaf(timeline, out)
    return extra


def export_edl(project: Project, loaded: LoadedTimeline, root: Path, out: Path) -> list[Path]:
    """One EDL per lane; returns the files."""
    curves = {(c.shot_id, c.object_id): c for c in project.curves}
    tracks = [stem_track(lane, stems, root, curves, loaded.rate) for lane, stems in assign_lanes(list(project.stems))]
    return write_lane_edls(loaded.name, tracks, out, loaded.rate, loaded.timeline.global_start_time)


def export_adm(project: Project, loaded: LoadedTimeline, root: Path, out: Path, stereo: StereoSettings) -> None:
    """Write the ADM BWF: one object per placed stem (not the ambience beds), from its dry source and curves."""
    project = _placed(project)
    curves = {(c.shot_id, c.object_id): c for c in project.curves}
    objects = []
    for stem in sorted(project.stems, key=lambda s: (s.record_start_sample, s.shot_id, s.object_id)):
        audio, sample_rate = read_audio(resolve_inside(root, dry_path_of(stem), "dry source"))
        if sample_rate != stem.sample_rate:
            raise OutputError(f"{dry_path_of(stem)} is at {sample_rate} Hz, not {stem.sample_rate}; generate again.")
        points = tuple(AdmPoint(p.time_s, x=p.pan, y=1.0, z=0.0, gain=p.gain) for p in pan_gain_points(stem, curves.get((stem.shot_id, stem.object_id)), stereo))
        objects.append(AdmObject(f"{stem.shot_id} {stem.object_id} {stem.label}", audio[0], stem.record_start_sample, points))
    start = seconds_to_samples(loaded.start_seconds, project.settings.sample_rate)
    write_adm_bwf(out, objects, timeline_start_since_midnight=start, programme=loaded.name, sample_rate=project.settings.sample_rate)
