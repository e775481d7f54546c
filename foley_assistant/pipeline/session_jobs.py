"""The long jobs of an editing session, run off the UI thread over immutable inputs.

- `analyze_job`: track the objects of some shots (the analyze stage of `generate`);
- `generate_job`: sound and place every object of some shots with the project's tracks (analyzing
  the shots that have none), normalize each shot's loudness, write stems, dry sources and mixes;
- `regenerate_job`: a new take of one object's sound (another seed, or another engine), at the
  level of the take it replaces;
- `follow_job`: follow a box the editor drew, forward and backward through the shot.

Each takes a progress callback and a cancel token (`pipeline.progress.JobContext`) and returns
plain data; `merge_generated` turns a generate result into the next project.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from foley_assistant.core.commands import manual_curves_of, with_shot_tracks
from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.errors import Cancelled, FoleyError, MediaError
from foley_assistant.core.project import Project
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRange
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks
from foley_assistant.generators.procedural.voice_map import VoiceMap
from foley_assistant.io.video import probe_video, read_frames
from foley_assistant.pipeline.ambience import bed_file_stem, check_ambience, make_bed, write_bed
from foley_assistant.pipeline.analyze import analyze_shot
from foley_assistant.pipeline.deliver import OutputLayout, write_mix, write_object
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.sound import ObjectSound, choose_engine, normalize_loudness, object_seed, sound_shot
from foley_assistant.spatial.curves import CurveSettings, curves_from_track, with_manual_keyframes
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.render import mix, render_stem
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.vision.analyze import AnalysisSettings
from foley_assistant.vision.seeded import seeded_track

ANALYSIS_WIDTH = 320


@dataclass(frozen=True)
class GeneratedShot:
    """What a generate job made for one shot."""

    shot_id: str
    tracks: ShotTracks
    curves: tuple[SpatialCurves, ...]
    stems: tuple[Stem, ...]


@dataclass(frozen=True)
class GenerateJobResult:
    shots: tuple[GeneratedShot, ...]
    cancelled: bool
    notes: tuple[str, ...] = ()


def analyze_job(shots: list[Shot], project: Project, context: JobContext) -> list[ShotTracks]:
    """Tracks for each shot, in order (a cancelled job returns the shots finished)."""
    settings = AnalysisSettings(hfov_deg=project.settings.hfov_deg)
    done = []
    try:
        for shot in shots:
            done.append(analyze_shot(shot, context, settings, project.settings.analysis_width))
    except Cancelled:
        pass
    return done


def _effective(project: Project, tracks: ShotTracks, obj: ObjectTrack, curve_settings: CurveSettings | None = None) -> SpatialCurves:
    base = curves_from_track(obj, tracks, project.settings.hfov_deg, curve_settings)
    manual = manual_curves_of(project, tracks.shot_id, obj.id)
    return base if manual.is_empty else with_manual_keyframes(base, manual.azimuth_deg, manual.distance_m)


def generate_job(
    shots: list[Shot],
    project: Project,
    out_dir: Path,
    stereo: StereoSettings,
    context: JobContext,
    engine_name: str | None = None,
    seed: int = 0,
    library_dirs: tuple[Path, ...] = (),
    model_dir: Path | None = None,
    curve_settings: CurveSettings | None = None,
    ambience: str = "none",
) -> GenerateJobResult:
    """Generate the stems of `shots` into `out_dir` with the project's tracks (and manual
    curves), and an ambience bed per shot unless `ambience` is "none" (as `generate
    --ambience`); shots without tracks are analyzed first. Finished shots are kept when
    cancelled."""
    check_ambience(ambience)
    voices = VoiceMap.bundled()
    hfov = project.settings.hfov_deg
    engine = choose_engine(engine_name or project.settings.engine, hfov, library_dirs, None, model_dir)
    layout = OutputLayout(out_dir)
    analysis = AnalysisSettings(hfov_deg=hfov)
    made: list[GeneratedShot] = []
    notes = [engine.note] if engine.note else []
    cancelled = False
    try:
        for shot in shots:
            tracks = next((s for s in project.tracks.shots if s.shot_id == shot.id), None)
            if tracks is None:
                tracks = analyze_shot(shot, context, analysis, project.settings.analysis_width)
            sounds = sound_shot(shot, tracks, engine, stereo, hfov, seed, context, curve_settings)
            sounds = [_with_manual(project, tracks, sound, stereo, curve_settings) for sound in sounds]
            n_samples = shot.duration_samples(stereo.sample_rate)
            bed = make_bed(ambience, tracks, n_samples, stereo.sample_rate, seed, voices)
            beds = [bed.stereo] if bed is not None else []
            sounds, loudness = normalize_loudness(sounds, n_samples, stereo.sample_rate, LoudnessSettings(), beds)
            if bed is not None and loudness is not None:
                bed = bed.scaled(10 ** (loudness.gain_db / 20))
            stems = tuple(write_object(layout, shot, sound, sound.dry.engine or engine.used) for sound in sounds)
            if bed is not None:
                stems += (write_bed(layout.root, layout.stem(bed_file_stem(shot.id, bed.bed)), shot, bed, stereo.sample_rate),)
            write_mix(layout, shot, mix([s.stereo for s in sounds] + ([bed.stereo] if bed is not None else []), n_samples), stereo.sample_rate)
            made.append(GeneratedShot(shot.id, tracks, tuple(s.curves for s in sounds), stems))
    except Cancelled:
        cancelled = True
    finally:
        notes.extend(engine.close())
    return GenerateJobResult(tuple(made), cancelled, tuple(notes))


def _with_manual(project: Project, tracks: ShotTracks, sound: ObjectSound, stereo: StereoSettings, curve_settings: CurveSettings | None) -> ObjectSound:
    manual = manual_curves_of(project, tracks.shot_id, sound.track.id)
    if manual.is_empty or sound.dry.engine == "neural":
        return sound
    curves = _effective(project, tracks, sound.track, curve_settings)
    return replace(sound, curves=curves, stereo=render_stem(sound.dry.samples, curves, stereo))


def merge_generated(project: Project, result: GenerateJobResult) -> Project:
    """The project with each generated shot's tracks, curves and stems in place of the old ones;
    those shots are no longer 'edited'."""
    for shot in result.shots:
        project = with_shot_tracks(project, shot.tracks)
        stems = tuple(s for s in project.stems if s.shot_id != shot.shot_id) + shot.stems
        kept_paths = {s.path for s in stems}
        project = replace(
            project,
            curves=tuple(c for c in project.curves if c.shot_id != shot.shot_id) + shot.curves,
            stems=stems,
            mixer=tuple(m for m in project.mixer if m.path in kept_paths),
            edited_shots=tuple(s for s in project.edited_shots if s != shot.shot_id),
            selected_shots=tuple(dict.fromkeys(project.selected_shots + (shot.shot_id,))),
        )
    return project


@dataclass(frozen=True)
class RegeneratedStem:
    stem: Stem
    take: int


def regenerate_job(
    shot: Shot,
    project: Project,
    stem: Stem,
    dry_before: np.ndarray,
    out_dir: Path,
    stereo: StereoSettings,
    context: JobContext,
    take: int,
    engine_name: str | None = None,
    library_dirs: tuple[Path, ...] = (),
    curve_settings: CurveSettings | None = None,
) -> RegeneratedStem:
    """A new take of one object's dry sound (seed varied by `take`, or another engine), scaled to
    the RMS level of the take it replaces, placed along the object's curves and written."""
    if stem.is_ambience:
        raise FoleyError(f"{stem.path} is the shot's ambience bed; generate the shot again (with another bed if you like) to replace it.")
    tracks = project.tracks.shot(shot.id)
    obj = tracks.object(stem.object_id)
    name = engine_name or stem.engine
    if name == "neural":
        raise FoleyError("a single neural stem cannot be made again on its own yet; generate the whole shot with the neural engine.")
    engine = choose_engine(name, project.settings.hfov_deg, library_dirs)
    try:
        context.report("generate", 0, 1, f"{shot.id} {obj.id} take {take}")
        n_samples = shot.duration_samples(stereo.sample_rate)
        dry = engine.generator.generate(obj, tracks, n_samples, stereo.sample_rate, object_seed(take * 7919, shot.id, obj.id))
    finally:
        engine.close()
    before_rms = float(np.sqrt(np.mean(np.square(dry_before, dtype=np.float64)))) if dry_before.size else 0.0
    new_rms = float(np.sqrt(np.mean(np.square(dry.samples, dtype=np.float64))))
    gain = before_rms / new_rms if before_rms > 0 and new_rms > 0 else 1.0
    dry = replace(dry, samples=(dry.samples * gain).astype(np.float32))
    curves = _effective(project, tracks, obj, curve_settings)
    placed = render_stem(dry.samples, curves, stereo)
    written = write_object(OutputLayout(out_dir), shot, ObjectSound(shot.id, obj, dry, curves, placed), dry.engine or engine.used)
    context.report("generate", 1, 1, f"{shot.id} {obj.id} take {take}")
    return RegeneratedStem(replace(written, lane=stem.lane), take)


def follow_job(shot: Shot, media_range: FrameRange, frame: int, box: Box, label: str, hfov_deg: float, context: JobContext) -> ObjectTrack:
    """Follow a drawn box through the shot's frames (media frame numbers)."""
    if shot.media_path is None:
        raise MediaError(f"shot {shot.id} has no media to follow an object in; relink it.")
    info = probe_video(shot.media_path)
    frames = []
    for index, image in read_frames(shot.media_path, media_range, analysis_width=ANALYSIS_WIDTH, gray=False, cancel=context.cancel):
        frames.append((index, image))
        if len(frames) % 25 == 0:
            context.report("follow", len(frames), media_range.duration, f"{shot.id} reading frames")
    if not any(i == frame for i, _ in frames):
        raise FoleyError(f"frame {frame} is outside shot {shot.id}; draw the box on a frame of the shot.")
    context.report("follow", media_range.duration, media_range.duration, f"{shot.id} following {label}")
    return seeded_track(frames, frame, box, label, info.width, info.height, hfov_deg)
