"""The export stage: stems, dry sources and mixes as BWF, the written-back timeline, the REAPER
project, the tracks file, the project file and the report.

Layout of the output folder (CONTRACTS.md): stems/, mix/, timeline.otio, project.rpp, tracks.json,
report.json; plus dry/ (the mono sources the REAPER project pans with automation; an ambience
bed has none: it is not placed) and foley_project.json (what `export` and the app reopen).
Files are made in the folder's scratch area (`.scratch/`, laid out the same) and saved into the
folder as one set by `write_session_files`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from foley_assistant.acoustics.panning import pan_from_azimuth
from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.project import Project
from foley_assistant.core.safe_paths import MAX_ID_LENGTH, MAX_PART_LENGTH, resolve_inside, safe_file_part
from foley_assistant.core.samples import one_channel
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem, stem_file_stem
from foley_assistant.core.timebase import seconds_to_samples
from foley_assistant.io.audio import write_bwf
from foley_assistant.io.audio_blocks import Audio
from foley_assistant.io.exports.rpp import RppEnvelopePoint, RppItem, RppProject, RppTake, RppTrack, write_rpp
from foley_assistant.io.file_set import promote, scratch_dir
from foley_assistant.io.json_files import write_project, write_tracks
from foley_assistant.io.timeline import LoadedTimeline
from foley_assistant.io.writeback import write_with_stem_tracks
from foley_assistant.pipeline.output.guide import guide_tracks
from foley_assistant.pipeline.output.object_sound import ObjectSound
from foley_assistant.spatial.distance import settings_distance_gain
from foley_assistant.spatial.settings import StereoSettings

PROJECT_FILE = "foley_project.json"
MANIFEST_FILE = "foley_manifest.json"  # what was made and from what (pipeline.spine.manifest)
MANIFEST_SCHEMA = "foley_assistant.manifest/1"
STAGING = ".foley_batch"  # where a run writes its shots before the save moves them in
MAX_NAME_LENGTH = 2 * MAX_ID_LENGTH + MAX_PART_LENGTH + 2  # <shot>_<object>_<label>, bytes


@dataclass(frozen=True)
class OutputLayout:
    """Where each output goes inside the output folder."""

    root: Path

    def stem(self, name: str) -> str:
        """A stem's path (relative to the root) from its file name without suffix."""
        return f"stems/{safe_file_part(name, 'stem', MAX_NAME_LENGTH)}.wav"

    def dry(self, name: str) -> str:
        """A dry source's path (relative to the root) from its stem's file name without suffix."""
        return f"dry/{safe_file_part(name, 'stem', MAX_NAME_LENGTH)}.wav"

    def mix(self, shot_id: str) -> str:
        """A shot's mix (relative to the root)."""
        return f"mix/{safe_file_part(shot_id, 'shot')}_mix.wav"

    def all_fixed_files(self) -> list[Path]:
        """The single-instance files of the folder (used to check that no input is overwritten)."""
        names = ["timeline.otio", "project.rpp", "tracks.json", "report.json", PROJECT_FILE, MANIFEST_FILE]
        return [self.root / n for n in names]


def dry_path_of(stem: Stem) -> str:
    """The dry source that goes with a stem."""
    return f"dry/{Path(stem.path).name}"


def write_shot_audio(
    root: Path,
    relative: str,
    audio: Audio,
    sample_rate: int,
    shot: Shot,
    take: str,
    what: str,
    *,
    note: str | None = None,
    made_by: str = "",
    bit_depth: int = 24,
    description: str | None = None,
    handle_samples: int = 0,
) -> None:
    """Write one of a shot's audio files (stem, dry source, bed or mix) as BWF at the shot's record
    time, with the bext and iXML fields every file of the folder carries: the description
    "<clip> | <shot> <what> | TC <record in>" (unless `description` is given), iXML scene = shot,
    take = `take`, note, and, when `made_by` is given, a coding history naming it. A file with a
    handle before the cut (`handle_samples`) starts that much earlier. `relative` must stay
    inside `root` (UnsafePathError otherwise)."""
    stereo = audio.shape[0] == 2
    ixml: dict[str, object] = {"project": shot.clip_name, "scene": shot.id, "take": take}
    if note is not None:
        ixml["note"] = note
    ixml["track_names"] = ["L", "R"] if stereo else ["dry"]
    history = ""
    if made_by:
        history = f"A={'PCM' if bit_depth == 24 else 'PCM_FLOAT'},F={sample_rate},W={bit_depth},M={'stereo' if stereo else 'mono'},T=Foley Assistant {made_by}"
    write_bwf(
        resolve_inside(root, relative, "output file"),
        audio,
        sample_rate,
        bit_depth=bit_depth,
        time_reference=max(0, seconds_to_samples(shot.record_start_since_midnight, sample_rate) - handle_samples),
        description=description if description is not None else f"{shot.clip_name} | {shot.id} {what} | TC {shot.record_tc_in}",
        coding_history=history,
        ixml=ixml,
    )


def write_object(layout: OutputLayout, shot: Shot, sound: ObjectSound, engine: str, take: int = 1, handles: tuple[int, int] = (0, 0)) -> Stem:
    """Write an object's stereo stem and its dry source; return the stem record (with its take,
    the seed its engine was given and its `handles`: samples before and after the cut). A take
    after the first has its own files (`<shot>_<object>_<label>_t<take>.wav`): the earlier takes
    are kept."""
    sample_rate = sound.dry.sample_rate
    name = stem_file_stem(shot.id, sound.track.id, sound.track.label) + (f"_t{take}" if take > 1 else "")
    what = f"{sound.track.id} {sound.track.label} | {sound.dry.voice}"
    # The dry source is written as 32-bit float: after the shot's loudness gain it may exceed full
    # scale (the distance attenuates the stem, not the source), and a clipped source would sound
    # different when a DAW or the app places it again.
    for relative, audio, bits in ((layout.stem(name), sound.stereo, 24), (layout.dry(name), one_channel(sound.dry.samples), 32)):
        write_shot_audio(layout.root, relative, audio, sample_rate, shot, sound.track.id, what, note=sound.track.label, made_by=engine, bit_depth=bits, handle_samples=handles[0])
    return Stem(
        shot_id=shot.id,
        object_id=sound.track.id,
        label=sound.track.label,
        path=layout.stem(name),
        engine=engine,
        sample_rate=sample_rate,
        record_start_sample=shot.record_start_sample(sample_rate),
        length_samples=int(sound.stereo.shape[1]) - handles[0] - handles[1],
        take=take,
        seed=sound.seed,
        handle_start_samples=handles[0],
        handle_end_samples=handles[1],
    )


def write_mix(layout: OutputLayout, shot: Shot, mixed: Audio, sample_rate: int) -> str:
    """Write a shot's mix: the sum of its stems over the cut (their handles left out), an array
    or its blocks (`spatial.render.MixedStems`)."""
    relative = layout.mix(shot.id)
    write_shot_audio(layout.root, relative, mixed, sample_rate, shot, "mix", "foley mix")
    return relative


def write_session_files(layout: OutputLayout, loaded: LoadedTimeline, project: Project, stereo: StereoSettings) -> Project:
    """Save the folder: timeline with the foley tracks, REAPER project and tracks file, written into
    the folder's scratch area beside the renders waiting there (stems, dry sources, mixes), all
    moved into the folder as one set, and the project file, one generation up, written last
    (`io.file_set.promote`: a save cut short is undone when the folder is next opened).

    Returns the project as saved: each stem's lane filled in, its generation.
    """
    lanes = project.lanes()
    laned = replace(project, stems=tuple(s for _, stems in lanes for s in stems), generation=project.generation + 1)
    scratch = scratch_dir(layout.root)
    write_timeline_with_stems(loaded, laned, layout.root, scratch / "timeline.otio", home=layout.root)  # moved into the folder by the save
    write_rpp(scratch / "project.rpp", build_rpp(laned, loaded, stereo, layout.root, layout.root))
    write_tracks(scratch / "tracks.json", laned.tracks)
    promote(layout.root, laned.generation, lambda: write_project(layout.root / PROJECT_FILE, laned))
    return laned


def write_timeline_with_stems(loaded: LoadedTimeline, project: Project, stems_root: Path, path: Path, home: Path | None = None, alternates: list[tuple[str, list[Stem]]] | None = None) -> None:
    """Write the input timeline plus one audio track per object lane (.otio or .otioz), without
    copying the input (it is left as it was).

    In a .otio the stems are referenced relative to its folder (move the folder, they follow);
    a .otioz bundles them (the bundle rewrites the references to its own media/ folder). Each
    stem's clip carries the editor's mix (muted: disabled). `home` is the folder the file will
    live in when it is written somewhere else first (the scratch area of a save); its own folder
    by default. `alternates` are lanes of other takes, written after the others with every clip
    disabled (`pipeline.handoff.alternates`).
    """
    curves = project.curves_by_object()
    relative_to = None if path.suffix.lower() == ".otioz" else (home or path.parent)
    mixes = mixes_of(project) | {stem.path: StemMix(stem.path, mute=True) for _, stems in alternates or [] for stem in stems}
    write_with_stem_tracks(loaded.timeline, project.lanes() + (alternates or []), stems_root, path, curves, mixes, relative_to, project.settings.fade_ms, project.lane_gains)


def mixes_of(project: Project) -> dict[str, StemMix]:
    """The editor's mix of each stem that has one (gain, mute, solo), by stem path."""
    return {mix.path: mix for mix in project.mixer}


def mixes_with_lanes(project: Project) -> dict[str, StemMix]:
    """The editor's mix of each stem with its lane's gain added to its own (for the formats that
    have no gain of a track: AAF, FCP 7 XML, ADM), by stem path."""
    mixes = mixes_of(project)
    combined = dict(mixes)
    for path, lane_db in project.lane_gains_by_stem().items():
        if lane_db:
            mix = mixes.get(path, StemMix(path))
            combined[path] = replace(mix, gain_db=mix.gain_db + lane_db)
    return combined


@dataclass(frozen=True)
class PanGainPoint:
    """Where a stem's object is at a time: seconds from the stem's start, pan -1..+1, linear gain."""

    time_s: Fraction
    pan: float
    gain: float


def pan_gain_points(stem: Stem, curve: SpatialCurves | None, stereo: StereoSettings) -> list[PanGainPoint]:
    """The object's pan and distance gain at each azimuth keyframe inside the stem, by the same
    pan law and distance model the stem was rendered with (for automation in DAW formats)."""
    if curve is None:
        return []
    length = Fraction(stem.length_samples, stem.sample_rate)
    keyframes = [k for k in curve.azimuth_deg.keyframes if 0 <= k.time <= length]
    if not keyframes:
        return []
    times = np.array([float(k.time) for k in keyframes])
    pans = pan_from_azimuth(np.array([k.value for k in keyframes]), stereo.pan_reference_deg)
    gains = settings_distance_gain(curve.distance_m.sample(times), stereo) * curve.gain.sample(times)
    return [PanGainPoint(k.time, float(p), float(g)) for k, p, g in zip(keyframes, pans, gains)]


def build_rpp(project: Project, loaded: LoadedTimeline, stereo: StereoSettings, files_root: Path, rpp_dir: Path, all_takes: bool = False) -> RppProject:
    """A REAPER project: a track per lane, dry items at record time, pan and volume automation.

    The dry mono sources are panned by REAPER from the automation, so the editor can adjust the
    moves in the DAW; the envelopes follow the same curves the stems were rendered with. An
    ambience bed is not placed: its item is the stereo stem itself, with no envelope. Each item
    has the editor's gain (item volume) and mute, is trimmed to the cut with its source offset
    past the file's handle (so it can be slipped and extended), and fades in and out over the
    project's `fade_ms` (at most half the item). Item paths are relative to the folder the .rpp
    is written to (`rpp_dir`); stem paths are relative to `files_root`. Muted guide tracks of the
    picture and the production sound come last (`pipeline.output.guide`). With `all_takes`, each
    item carries the object's other takes as REAPER takes that do not play until chosen.
    """
    curves = project.curves_by_object()
    mixes = mixes_of(project)
    rate = loaded.rate
    global_start = loaded.timeline.global_start_time
    start_s = 0.0 if global_start is None else float(global_start.to_seconds())
    tracks = []
    for lane, stems in project.lanes():
        items, pan, volume = [], [], []
        for stem in stems:
            position = stem.record_start_sample / stem.sample_rate
            length = stem.length_samples / stem.sample_rate
            file = _relative_file(stem, files_root, rpp_dir)
            others = [t for t in project.takes_of(stem.shot_id, stem.object_id) if t.path != stem.path] if all_takes else []
            alternates = tuple(RppTake(f"{Path(t.path).stem} (take {t.take})", _relative_file(t, files_root, rpp_dir), t.handle_start_samples / t.sample_rate) for t in others)
            mix = mixes.get(stem.path, StemMix(stem.path))
            fade = min(project.settings.fade_ms / 1000, length / 2)
            offset = stem.handle_start_samples / stem.sample_rate
            items.append(
                RppItem(
                    name=Path(stem.path).stem,
                    file=file,
                    position_s=position,
                    length_s=length,
                    source_offset_s=offset,
                    gain=10 ** (mix.gain_db / 20),
                    mute=mix.mute,
                    fade_in_s=fade,
                    fade_out_s=fade,
                    alternates=alternates,
                )
            )
            if stem.is_ambience:
                continue
            for point in pan_gain_points(stem, curves.get((stem.shot_id, stem.object_id)), stereo):
                pan.append(RppEnvelopePoint(position + float(point.time_s), point.pan))
                volume.append(RppEnvelopePoint(position + float(point.time_s), point.gain))
        tracks.append(RppTrack(name=lane, items=tuple(items), pan=tuple(pan), volume=tuple(volume), gain=10 ** (project.lane_gain_db(lane) / 20)))
    tracks.extend(guide_tracks(loaded))
    return RppProject(
        tracks=tuple(tracks),
        sample_rate=project.settings.sample_rate,
        project_start_s=start_s,
        frame_rate=float(rate),
        notes=f"Foley Assistant: {loaded.name}",
    )


def _relative_file(stem: Stem, files_root: Path, rpp_dir: Path) -> str:
    """The file a REAPER item of the stem plays (its dry source; a bed's stereo stem), relative to the .rpp."""
    source = stem.path if stem.is_ambience else dry_path_of(stem)
    return Path(os.path.relpath(files_root.resolve() / source, rpp_dir.resolve())).as_posix()
