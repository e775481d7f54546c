"""The export job: one interchange format from a generate folder (or its project file).

| format | file | what it carries |
| --- | --- | --- |
| otio | .otio | the cut + one audio track per lane, stems on the exact sample, curves in metadata |
| otioz | .otioz | the same, with the stem files bundled |
| otio, `nle=` | .otio | for an editor's own OTIO import (Resolve, Kdenlive): stems in frames, schemas downgraded (io.nle_otio) |
| rpp | .rpp | REAPER: a track per lane, dry items, pan and volume envelopes |
| aaf | .aaf | the cut + per lane two mono tracks (L/R splits of the stems, hard panned), or the dry source with pan automation (`aaf_mode="automation"`); fades as Mono Audio Dissolve transitions, other takes as Selector alternates |
| fcp7 | .xml | the cut + one track per lane (FCP 7 XML, frames), or the dry sources with pan and level filters (`aaf_mode="automation"`) |
| edl | .edl | one CMX 3600 EDL per lane (`cut.01-person.edl` ...) |
| adm | .wav | ADM BWF for Dolby Atmos: one object per stem, Cartesian positions and gains over time |

Every export returns notes saying what the format left out. Each session file references its
media by paths relative to its own folder, copying what is not inside that folder into
`<name>_media/` beside it (`pipeline.output.delivery_media`), so the folder can be moved.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import numpy as np
import opentimelineio as otio

from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import OutputError
from foley_assistant.core.project import Project
from foley_assistant.core.safe_paths import resolve_inside
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate, fade_frames, seconds_to_samples
from foley_assistant.io.audio import read_audio, read_bext, write_bwf
from foley_assistant.io.exports.aaf import AAF_MODES, LevelPoint, PanPoint, build_aaf_timeline, write_aaf
from foley_assistant.io.exports.adm import AdmBed, AdmObject, AdmPoint, write_adm_bwf
from foley_assistant.io.exports.edl import LEFT_OUT as EDL_LEFT_OUT
from foley_assistant.io.exports.edl import write_lane_edls
from foley_assistant.io.exports.fcp7 import add_edit_fades, clip_mix_metadata, write_fcp7
from foley_assistant.io.exports.rpp import write_rpp
from foley_assistant.io.json_files import read_project
from foley_assistant.io.nle_otio import write_nle_otio
from foley_assistant.io.timeline import LoadedTimeline, read_timeline
from foley_assistant.io.writeback import stem_track, with_stem_tracks
from foley_assistant.pipeline.handoff.alternates import alternate_lanes, muted
from foley_assistant.pipeline.output.deliver import PROJECT_FILE, build_rpp, dry_path_of, mixes_of, mixes_with_lanes, pan_gain_points, write_timeline_with_stems
from foley_assistant.pipeline.output.delivery_media import media_beside, media_folder_of
from foley_assistant.pipeline.spine.placement import project_stereo
from foley_assistant.spatial.settings import StereoSettings

EXPORT_FORMATS = ("otio", "otioz", "rpp", "aaf", "fcp7", "edl", "adm")
#: The formats that can deliver every take (`all_takes`).
TAKE_FORMATS = ("rpp", "otio", "otioz", "fcp7", "aaf")
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
    for stem in project.stems + project.takes:
        resolve_inside(project_file.parent, stem.path, "stem path")
        resolve_inside(project_file.parent, dry_path_of(stem), "dry source")
    rate = None if project.timeline_rate is None else FrameRate(*project.timeline_rate)
    return project, project_file.parent, read_timeline(project.timeline_path, rate)


def export_format(
    project_or_dir: Path,
    fmt: str,
    out: Path,
    *,
    aaf_mode: str = "split",
    nle: str | None = None,
    media_root: Path | None = None,
    all_takes: bool = False,
) -> ExportResult:
    """Write `fmt` (one of EXPORT_FORMATS) for the project to `out`; with `nle` (otio only), for
    that editor's OTIO import (see io.nle_otio).

    Media is referenced relative to `out`'s folder: the project's files where they lie when they
    are inside that folder, otherwise copies of them in `<out name>_media/` (see
    `pipeline.output.delivery_media`); `media_root` is where the project's files are read from for
    that (default: the project's own folder; the app's export passes its copy of them). The
    chosen take of each stem is delivered; with `all_takes` (TAKE_FORMATS) the other takes too:
    in REAPER as takes of the same item that do not play until chosen, in OTIO and FCP 7 XML as
    muted alternates on lanes of their own (`pipeline.handoff.alternates`), in AAF as the
    alternates of a Selector whose selected segment is the chosen take.
    """
    if all_takes and fmt not in TAKE_FORMATS:
        raise OutputError(f"--all-takes is for --format {', '.join(TAKE_FORMATS)} (takes of an item, or muted alternate tracks); {fmt} delivers the chosen take.")
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
    with removed_if_failed(out):
        return _write_export(project, root, loaded, fmt, out, aaf_mode, nle, media_root, all_takes)


@contextlib.contextmanager
def removed_if_failed(out: Path) -> Iterator[None]:
    """Run an export to `out`; if it fails, remove what it wrote: `out` and the files of its
    `<name>_media/` folder that were not there before (and that folder, if it was made and is
    left empty). Nothing that was there before is touched."""
    folder = media_folder_of(out)
    out_existed = out.exists()
    folder_existed = folder.exists()
    before = {p for p in folder.rglob("*")} if folder_existed else set()
    try:
        yield
    except BaseException:
        if folder.is_dir():
            for path in sorted(folder.rglob("*"), key=lambda p: -len(p.parts)):
                if path not in before and path.is_file():
                    path.unlink()
                elif path not in before and path.is_dir() and not any(path.iterdir()):
                    path.rmdir()
            if not folder_existed and not any(folder.iterdir()):
                folder.rmdir()
        if not out_existed and out.is_file():
            out.unlink()
        raise


def _write_export(project: Project, root: Path, loaded: LoadedTimeline, fmt: str, out: Path, aaf_mode: str, nle: str | None, media_root: Path | None, all_takes: bool) -> ExportResult:
    """The writing half of `export_format` (its checks done)."""
    stereo = project_stereo(project.settings, hrirs=False)  # the pans and gains the stems were placed with
    result = ExportResult(files=[out])
    needed = referenced_media(replace(project, stems=project.stems + project.takes) if all_takes else project, fmt, aaf_mode, nle)
    media, copied = media_beside(out, media_root or root, needed)
    result.files += copied
    curves = project.curves_by_object()
    lanes = project.lanes()
    mixes = mixes_of(project)
    if fmt == "rpp":
        write_rpp(out, build_rpp(project, loaded, stereo, media, out.parent, all_takes))
    elif nle is not None:
        # An editor's own OTIO import is not known to resolve relative URLs: absolute file URLs
        # of the project's own stems (this is for importing where the project is, as the Resolve
        # script does; a delivery to move is plain otio or otioz).
        write_nle_otio(with_stem_tracks(loaded.timeline, lanes, root, curves, frame_rate=loaded.rate, mixes=mixes, fade_ms=project.settings.fade_ms, lane_gains=project.lane_gains), out, nle)
        result.notes.append(
            f"OTIO for {nle}: stems placed in frames (sample offsets in clip metadata), schemas of the OTIO {nle} reads; "
            "stems referenced by absolute paths in the project folder (for a delivery to move, use --format otio or otioz)"
        )
    elif fmt in ("otio", "otioz"):
        write_timeline_with_stems(loaded, project, media, out, alternates=alternate_lanes(project) if all_takes else None)
    elif fmt == "aaf":
        extra, unfaded = export_aaf(project, loaded, root, media, out, stereo, aaf_mode, alternate_lanes(project) if all_takes else [])
        result.files += extra
        frames = fade_frames(project.settings.fade_ms, loaded.rate.fps)
        result.notes.append(
            "AAF: tracks are named by the writer, not by lane (the clips carry the lane); stems are linked, not embedded"
            + ("; the distance level is each clip's Audio Gain (varying Amplitude)" if aaf_mode == "automation" else "")
            + ("; the ambience beds are not placed sources: they are in the split mode only" if aaf_mode == "automation" and _beds(project) else "")
            + (f"; fades at the edits are Mono Audio Dissolve transitions of {frames} frame{'s' if frames != 1 else ''} (the sound tracks count in frames)" if frames else "")
            + (f"; {unfaded} edit{'s' if unfaded != 1 else ''} between abutting stems with no media past the cut stay cuts" if unfaded else "")
            + ("; the other takes are the alternates of a Selector around each chosen take (readers that do not know alternates play the chosen take)" if all_takes else "")
        )
    elif fmt == "fcp7":
        timeline, unfaded = fcp7_timeline(project, loaded, media, out, stereo, aaf_mode, alternate_lanes(project) if all_takes else [])
        write_fcp7(timeline, out)
        frames = fade_frames(project.settings.fade_ms, loaded.rate.fps)
        result.notes.append(
            "FCP 7 XML: positions in frames (sample offsets in clip metadata); "
            + (
                "the dry sources with pan and distance level keyframed in the Audio Pan and Audio Levels filters"
                if aaf_mode == "automation"
                else "the stems carry their pan and distance in the audio (--stereo automation: dry sources with pan and level keyframes)"
            )
            + (f"; fades at the edits are Cross Fade (+3dB) transitions of {frames} frame{'s' if frames != 1 else ''} (FCP 7 counts them in frames)" if frames else "")
            + (f"; {unfaded} edit{'s' if unfaded != 1 else ''} between abutting stems with no media past the cut stay cuts" if unfaded else "")
        )
    elif fmt == "edl":
        result.files = export_edl(project, loaded, media, out) + copied
        result.notes.append(EDL_LEFT_OUT)
    else:
        export_adm(project, loaded, root, out, stereo)
        result.notes.append(
            "ADM: one mono object per stem (its dry source), X from the pan, gain from the distance times the editor's gain; the stereo stems are not in it"
            + ("; the ambience beds are one 2.0 bed (DirectSpeakers) on the first two channels" if _beds(project) else "")
            + ("; the muted stems are left out" if any(m.mute for m in project.mixer) else "")
        )
    return result


def referenced_media(project: Project, fmt: str, aaf_mode: str, nle: str | None = None) -> list[str]:
    """The project's files (relative to its folder) a format's session file references: the
    stems (otio, fcp7, edl), the dry sources and ambience beds (rpp, AAF and FCP 7 automation), none
    (otioz and ADM hold their audio; AAF split references the splits it writes; an editor's
    OTIO, `nle`, references the project's own stems absolutely)."""
    automation = aaf_mode == "automation"
    if fmt == "rpp" or (fmt == "fcp7" and automation):
        return [stem.path if stem.is_ambience else dry_path_of(stem) for stem in project.stems]
    if fmt == "aaf" and automation:
        return [dry_path_of(stem) for stem in project.stems if not stem.is_ambience]
    if fmt in ("otio", "fcp7", "edl") and nle is None:
        return [stem.path for stem in project.stems]
    return []


def _beds(project: Project) -> bool:
    return any(stem.is_ambience for stem in project.stems)


def _placed(project: Project) -> Project:
    """The project without its ambience beds (for the formats that carry only placed mono sources)."""
    return replace(project, stems=tuple(stem for stem in project.stems if not stem.is_ambience))


def _split_path(out: Path, stem: Stem, side: str) -> Path:
    return out.with_name(f"{out.stem}_media") / f"{Path(stem.path).stem}_{side}.wav"


def export_aaf(
    project: Project, loaded: LoadedTimeline, root: Path, media: Path, out: Path, stereo: StereoSettings, mode: str, alternates: list[tuple[str, list[Stem]]] | None = None
) -> tuple[list[Path], int]:
    """Write the AAF (and, in split mode, the mono files it links to) with the project's fade at
    each edit; returns the extra files and the number of edits left as cuts.

    The stems are read from `root`; the dry sources (automation mode) are referenced in `media`;
    every media URL is relative to the AAF's folder. `alternates` are lanes of other takes
    (`pipeline.handoff.alternates`): each rides as an alternate of its chosen take, with the
    chosen take's mix."""
    curves = project.curves_by_object()
    mixes = mixes_with_lanes(project)  # AAF has no gain of a track: the lane's is in each clip's
    if mode == "automation":
        project = _placed(project)
        alternates = [(lane, [s for s in stems if not s.is_ambience]) for lane, stems in alternates or []]
    chosen = {(stem.shot_id, stem.object_id): stem for stem in project.stems}
    others = [stem for _, stems in alternates or [] for stem in stems]
    mixes |= {stem.path: replace(mixes[choice.path], path=stem.path) for stem in others if (choice := chosen[(stem.shot_id, stem.object_id)]).path in mixes}
    every = list(project.stems) + others
    extra: list[Path] = []
    if mode == "split":
        split = {}
        for stem in every:
            pair = _write_split(root, out, stem)
            extra += pair
            split[stem.path] = pair
        options: dict[str, object] = {"split_files": split}
    else:
        points = {stem.path: pan_gain_points(stem, curves.get((stem.shot_id, stem.object_id)), stereo) for stem in every}
        options = {
            "dry_files": {stem.path: resolve_inside(media, dry_path_of(stem), "dry source") for stem in every},
            "pans": {path: [PanPoint(float(p.time_s), p.pan) for p in stem_points] for path, stem_points in points.items()},
            "levels": {path: [LevelPoint(float(p.time_s), p.gain) for p in stem_points] for path, stem_points in points.items()},
        }
    timeline = build_aaf_timeline(loaded.timeline, project.lanes(), root, loaded.rate, curves, mode=mode, mixes=mixes, relative_to=out.parent, alternates=alternates, **options)
    return extra, write_aaf(timeline, out, fade_frames(project.settings.fade_ms, loaded.rate.fps))


def _write_split(root: Path, out: Path, stem: Stem) -> tuple[Path, Path]:
    """Write the stem's left and right channels as mono BWFs beside the AAF; returns them."""
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
    return pair


def fcp7_timeline(
    project: Project, loaded: LoadedTimeline, media: Path, out: Path, stereo: StereoSettings, mode: str, alternates: list[tuple[str, list[Stem]]] | None = None
) -> tuple[otio.schema.Timeline, int]:
    """The timeline the FCP 7 XML writer takes: the stems with the editor's mix (split), or
    (automation) the dry sources with their pan and distance level keyframed (ambience beds, not
    placed, stay the stereo stem); media relative to the XML's folder; the project's fade at each
    edit as an audio transition (`io.exports.fcp7.add_edit_fades`). Also returns the number of
    edits left as cuts (abutting stems with no media past the cut). `alternates` are lanes of
    other takes, after the others, every clip disabled."""
    curves = project.curves_by_object()
    mixes = mixes_with_lanes(project) | muted(alternates or [])  # nor has FCP 7 XML a level of a track
    fps = float(loaded.rate)

    def source(stem: Stem) -> Path:
        return media / (stem.path if stem.is_ambience else dry_path_of(stem))

    def filters(stem: Stem, _frames: int) -> dict[str, object]:
        if mode != "automation" or stem.is_ambience:
            return clip_mix_metadata(mixes.get(stem.path))
        points = pan_gain_points(stem, curves.get((stem.shot_id, stem.object_id)), stereo)
        frames = [round(float(p.time_s) * fps) for p in points]
        return clip_mix_metadata(mixes.get(stem.path), [(f, p.gain) for f, p in zip(frames, points)], [(f, p.pan) for f, p in zip(frames, points)])

    lanes = project.lanes() + (alternates or [])
    media_path = source if mode == "automation" else None
    timeline = with_stem_tracks(
        loaded.timeline, lanes, media, curves, frame_rate=loaded.rate, media_path=media_path, decorate=filters, mixes=mixes, relative_to=out.parent, fade_ms=project.settings.fade_ms
    )
    frames = fade_frames(project.settings.fade_ms, loaded.rate.fps)
    unfaded = sum(add_edit_fades(track, frames) for track in list(timeline.tracks)[len(timeline.tracks) - len(lanes) :])
    return timeline, unfaded


def export_edl(project: Project, loaded: LoadedTimeline, media: Path, out: Path) -> list[Path]:
    """One EDL per lane, its SOURCE FILE comments relative to the EDL's folder; returns the files."""
    curves = project.curves_by_object()
    tracks = [stem_track(lane, stems, media, curves, loaded.rate, relative_to=out.parent) for lane, stems in project.lanes()]
    return write_lane_edls(loaded.name, tracks, out, loaded.rate, loaded.timeline.global_start_time)


def export_adm(project: Project, loaded: LoadedTimeline, root: Path, out: Path, stereo: StereoSettings) -> None:
    """Write the ADM BWF: the ambience beds as one 2.0 bed (DirectSpeakers), and one object per
    placed stem, from its dry source and curves, its gain the distance level times the editor's
    gain (its own and its lane's). Muted stems are left out."""
    mixes = mixes_with_lanes(project)  # an object's gain: its own and its lane's
    playing = [stem for stem in project.stems if not mixes.get(stem.path, StemMix(stem.path)).mute]
    if project.stems and not playing:
        raise OutputError("every stem is muted: there is nothing to write as ADM objects or bed; unmute some in the app.")
    curves = project.curves_by_object()
    objects = []
    for stem in sorted((s for s in playing if not s.is_ambience), key=lambda s: (s.record_start_sample, s.shot_id, s.object_id)):
        editor = 10 ** (mixes.get(stem.path, StemMix(stem.path)).gain_db / 20)
        audio = _cut_of(root, dry_path_of(stem), stem)
        points = tuple(AdmPoint(p.time_s, x=p.pan, y=1.0, z=0.0, gain=p.gain * editor) for p in pan_gain_points(stem, curves.get((stem.shot_id, stem.object_id)), stereo))
        objects.append(AdmObject(f"{stem.shot_id} {stem.object_id} {stem.label}", audio[0], stem.record_start_sample, points))
    bed = _ambience_bed([s for s in playing if s.is_ambience], root, mixes)
    start = seconds_to_samples(loaded.start_seconds, project.settings.sample_rate)
    write_adm_bwf(out, objects, bed=bed, timeline_start_since_midnight=start, programme=loaded.name, sample_rate=project.settings.sample_rate)


def _cut_of(root: Path, path: str, stem: Stem) -> np.ndarray:
    """The part of a stem's file (or its dry source's) that plays in the cut (ADM covers the cut)."""
    audio, sample_rate = read_audio(resolve_inside(root, path, "stem file"))
    if sample_rate != stem.sample_rate:
        raise OutputError(f"{path} is at {sample_rate} Hz, not {stem.sample_rate}; generate again.")
    return audio[:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]


def _ambience_bed(beds: list[Stem], root: Path, mixes: dict[str, StemMix]) -> AdmBed | None:
    """The ambience beds (stereo stems), each at its record position and the editor's gain, summed
    into one stereo bed; None when there are none."""
    if not beds:
        return None
    first = min(s.record_start_sample for s in beds)
    audio = np.zeros((2, max(s.record_end_sample for s in beds) - first), dtype=np.float64)
    for stem in beds:
        cut = _cut_of(root, stem.path, stem)
        gain = 10 ** (mixes.get(stem.path, StemMix(stem.path)).gain_db / 20)
        at = stem.record_start_sample - first
        audio[:, at : at + cut.shape[1]] += gain * (cut if cut.shape[0] == 2 else np.repeat(cut[:1], 2, axis=0))
    return AdmBed("Ambience bed", audio, first)
