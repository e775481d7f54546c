"""The long jobs of an editing session, run off the UI thread over immutable inputs.

- `analyze_job`: track the objects of some shots (the analyze stage of `generate`; a shot that
  fails is reported and the others go on);
- `generate_job`: the shots through the shot spine (`pipeline.spine.shot_spine`, as `generate` does)
  with the project's settings, tracks and manual keyframes (shots without tracks are analyzed);
  `EditSession.apply_generated` puts the result into the project and writes the report;
- `regenerate_job`: a new take of one object's sound (another seed, or another engine), at the
  level of the take it replaces;
- `follow_job`: follow a box the editor drew, forward and backward through the shot.

Each takes a progress callback and a cancel token (`pipeline.progress.JobContext`) and returns
plain data. The jobs that make audio write it into a folder of their own in the output folder's
scratch area (`io.file_set.job_dir`); the session adopts those files when it takes the result,
and its next save moves them into the folder.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from foley_assistant.core.commands import manual_curves_of
from foley_assistant.core.errors import Cancelled, FoleyError, MediaError
from foley_assistant.core.project import Project, ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRange
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks
from foley_assistant.generators.base import DryAudio
from foley_assistant.io.file_set import job_dir
from foley_assistant.io.video import probe_video, read_frames
from foley_assistant.pipeline.output.deliver import OutputLayout, write_object
from foley_assistant.pipeline.output.object_sound import ObjectSound
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.analyze import AnalysisReport, analyzed_shots
from foley_assistant.pipeline.spine.handles import extended_tracks, shifted_curves, stem_handles
from foley_assistant.pipeline.spine.shot_sound import ShotSettings, analysis_settings
from foley_assistant.pipeline.spine.shot_spine import EngineOptions, ShotRun, check_shots, run_shots
from foley_assistant.pipeline.spine.sound import EngineChoice, choose_engine, object_seed, sounding_objects
from foley_assistant.spatial.curves import object_curves
from foley_assistant.spatial.render import render_stem
from foley_assistant.vision.seeded import seeded_track

ANALYSIS_WIDTH = 320


@dataclass(frozen=True)
class AnalyzeJobResult:
    """The tracks of the shots analyzed, in order, and the shots that could not be (with why)."""

    tracks: tuple[ShotTracks, ...]
    failed: tuple[tuple[str, str], ...] = ()
    cancelled: bool = False


def analyze_job(shots: list[Shot], project: Project, context: JobContext) -> AnalyzeJobResult:
    """Tracks for each shot, in order; a shot that fails is reported and the others go on; a
    cancelled job returns the shots finished."""
    report = AnalysisReport()
    done: list[ShotTracks] = []
    cancelled = False
    try:
        done.extend(analyzed_shots(shots, context, analysis_settings(project.settings), project.settings.analysis_width, report))
    except Cancelled:
        cancelled = True
    return AnalyzeJobResult(tuple(done), tuple(report.failed), cancelled)


def generate_job(
    shots: list[Shot],
    project: Project,
    out_dir: Path,
    context: JobContext,
    settings: ProjectSettings | None = None,
    engines: EngineOptions = EngineOptions(),
) -> ShotRun:
    """The shots through the shot spine into `out_dir`, with `settings` (the project's unless
    given: the app passes the engine and ambience the editor chose), the project's tracks and
    manual keyframes. The inputs are checked first, as `generate` checks them; finished shots are
    kept when cancelled. The files go into a job folder in the scratch area of `out_dir`
    (`ShotRun.files_dir`)."""
    known = project.tracks
    usable, skipped = check_shots(shots, known, out_dir, (Path(project.timeline_path),))
    others = {s.shot_id for s in project.stems} - {s.id for s in usable}  # the reel's other shots keep their gain
    reel_gain = project.reel_gain_db if others else None
    run = run_shots(usable, settings or project.settings, job_dir(out_dir), context, known=known, manual=project.manual_curves, engines=engines, reel_gain_db=reel_gain)
    run.skipped[:0] = skipped
    return run


@dataclass(frozen=True)
class RegeneratedStem:
    """The new take of a stem, and the job folder its stem and dry files were written into."""

    stem: Stem
    take: int
    files_dir: Path


def regenerate_job(
    shot: Shot,
    project: Project,
    stem: Stem,
    dry_before: np.ndarray,
    out_dir: Path,
    rendered: ShotSettings,
    context: JobContext,
    take: int,
    engine_name: str | None = None,
    library_dirs: tuple[Path, ...] = (),
    model_dir: Path | None = None,
) -> RegeneratedStem:
    """A new take of one object's dry sound (seed varied by `take`, or another engine), scaled to
    the RMS level of the take it replaces, placed along the object's curves (with the editor's
    keyframes) by the project's render settings (`rendered`) and written into a job folder in the
    scratch area of `out_dir`. A neural take is the model's stem of this object alone, still
    conditioned on every object of the shot, its dry output kept (`model_dir`: the model folder,
    by default the one `generate` would use)."""
    if stem.is_ambience:
        raise FoleyError(f"{stem.path} is the shot's ambience bed; generate the shot again (with another bed if you like) to replace it.")
    tracks = project.tracks.shot(shot.id)
    obj = tracks.object(stem.object_id)
    name = engine_name or stem.engine
    engine = choose_engine(name, project.settings.hfov_deg, library_dirs, model_dir=model_dir)
    if name == "neural" and engine.neural is None:
        engine.close()
        raise FoleyError(f"a new neural take of {obj.id} cannot be made: {engine.note}")
    stereo = rendered.stereo
    try:
        context.report("generate", 0, 1, f"{shot.id} {obj.id} take {take}")
        handles = stem_handles(stem, tracks)  # the new take runs as far past the cut as the old one
        extended = extended_tracks(tracks, handles)
        n_samples = stem.file_length_samples
        used_seed = object_seed(take * 7919, shot.id, obj.id)
        if engine.neural is not None:  # neural stems have no handles
            dry = _neural_take(engine, shot, tracks, obj, rendered, take * 7919, context, project)
        else:
            dry = engine.generator.generate(extended.object(obj.id), extended, n_samples, stereo.sample_rate, used_seed)
            dry = replace(dry, samples=np.asarray(dry.samples))  # a long sound read from its temporary file: the app's edits take arrays
    finally:
        engine.close()
    before_rms = float(np.sqrt(np.mean(np.square(dry_before, dtype=np.float64)))) if dry_before.size else 0.0
    new_rms = float(np.sqrt(np.mean(np.square(dry.samples, dtype=np.float64))))
    gain = before_rms / new_rms if before_rms > 0 and new_rms > 0 else 1.0
    dry = replace(dry, samples=(dry.samples * gain).astype(np.float32))
    curves = object_curves(obj, tracks, project.settings.hfov_deg, rendered.curves, manual_curves_of(project, shot.id, obj.id))
    placed = render_stem(dry.samples, shifted_curves(curves, Fraction(stem.handle_start_samples, stem.sample_rate)), stereo)
    files_dir = job_dir(out_dir)
    sound = ObjectSound(shot.id, obj, dry, curves, placed, used_seed)
    written = write_object(OutputLayout(files_dir), shot, sound, dry.engine or engine.used, take, (stem.handle_start_samples, stem.handle_end_samples))
    context.report("generate", 1, 1, f"{shot.id} {obj.id} take {take}")
    return RegeneratedStem(replace(written, lane=stem.lane), take, files_dir)


def _neural_take(engine: EngineChoice, shot: Shot, tracks: ShotTracks, obj: ObjectTrack, rendered: ShotSettings, seed: int, context: JobContext, project: Project) -> DryAudio:
    """The model's dry output for one object of a shot (the procedural engine's sound where the
    model left it silent, as in `generate`); a clear error when the worker failed."""
    tracks = sounding_objects(tracks)
    made = engine.neural.sound_shot(
        shot,
        tracks,
        rendered.stereo,
        project.settings.hfov_deg,
        seed,
        context,
        lambda track: engine.generator.generate(track, tracks, shot.duration_samples(rendered.stereo.sample_rate), rendered.stereo.sample_rate, object_seed(seed, shot.id, track.id)),
        rendered.curves,
        targets=(obj.id,),
    )
    if not made:
        notes = "; ".join(engine.neural.notes) or "the neural worker failed"
        raise FoleyError(f"a new neural take of {obj.id} could not be made ({notes}). Try again, or choose another engine for it.")
    return made[0].dry


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
