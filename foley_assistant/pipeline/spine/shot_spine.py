"""The shot spine: the one way a shot's sound is made, whichever job asks for it.

    analyze (when no tracks are known) -> events and dry sources (the engine) -> placement along
    each object's curves (tracked, with the editor's keyframes on top) -> levels (one loudness
    gain per shot, the ambience bed under it) -> the shot's files (stems, dry sources, bed, mix)
    -> under the "reel" loudness scope, one gain for all the shots of the run, those a resumed
    run took as finished included (`pipeline.spine.reel_levels`, applied here, in the driver)

`run_shots` takes shots through it: a shot that cannot be analyzed is skipped with its reason and
the others go on; a cancelled run keeps the shots it finished. The sound of a shot is computed by
`pipeline.spine.shot_sound.compute_shot`, in this process (`--executor serial`) or in worker
processes (`local`, `ray`: `pipeline.spine.batch`), and its files are written here by
`write_shot`, whoever computed it. The settings come from the project
(`core.project_settings.ProjectSettings`), turned into render settings once per run (per worker)
(`shot_settings`, through `pipeline.spine.placement`). `generate` (the command line) and the app's
generate job both call `check_shots` and `run_shots`, and put the result into their project with
`merge_made`; they differ only in how they report progress and where they stop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

from foley_assistant.core.commands import with_shot_tracks
from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.core.errors import Cancelled, FoleyError, MediaError, OutputError
from foley_assistant.core.project import Project
from foley_assistant.core.project_settings import ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.eval.levels import stem_levels
from foley_assistant.generators.procedural.voice_map import VoiceMap
from foley_assistant.pipeline.output.deliver import OutputLayout, write_mix, write_object
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.ambience import bed_file_stem, check_ambience, write_bed
from foley_assistant.pipeline.spine.analyze import AnalysisReport
from foley_assistant.pipeline.spine.batch import BatchProgress, drive
from foley_assistant.pipeline.spine.executors import SERIAL, ExecutorSpec, open_pool
from foley_assistant.pipeline.spine.handles import cut_times
from foley_assistant.pipeline.spine.made import MadeShot
from foley_assistant.pipeline.spine.reel_levels import level_reel
from foley_assistant.pipeline.spine.shot_sound import EngineSpec, ShotJob, ShotOutcome, ShotSound, compute_shot, shot_settings
from foley_assistant.pipeline.spine.sound import EngineChoice, choose_engine
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.render import MixedStems

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineOptions:
    """Where the engines find what they need: the SFX library and its index, the neural model."""

    library_dirs: tuple[Path, ...] = ()
    library_db: Path | None = None
    model_dir: Path | None = None


@dataclass
class ShotRun:
    """What a run of the spine did: the shots asked for, those made and those skipped (with why),
    the settings used (`engine`: the one that ran), notes, whether it was cancelled, the seconds
    its stages took, the folder its files were written into, the executor and the shots resumed."""

    shots: list[Shot]
    settings: ProjectSettings
    engine_requested: str
    made: list[MadeShot] = field(default_factory=list)
    skipped: list[tuple[Shot, str]] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # shot id -> why its media gave nothing (also in `skipped`)
    notes: list[str] = field(default_factory=list)
    cancelled: bool = False
    library_stats: dict[str, Any] | None = None
    timings_s: dict[str, float] = field(default_factory=dict)  # wall seconds per stage, of the job so far
    cpu_s: dict[str, float] = field(default_factory=dict)
    files_dir: Path | None = None
    reel_gain_db: float | None = None  # the one gain of the reel ("reel" loudness scope)
    executor: str = "serial"  # where the shots were computed (serial | local | ray)
    resumed: tuple[str, ...] = ()  # shots taken as a run before had made them (--resume)

    @property
    def status(self) -> str:
        """cancelled; failed (no shot made: each failed); incomplete (some failed); complete."""
        if self.cancelled:
            return "cancelled"
        if self.failed:
            return "incomplete" if self.made else "failed"
        return "complete"

    @property
    def stems(self) -> list[Stem]:
        return [stem for made in self.made for stem in made.stems]


def check_shots(shots: list[Shot], known: TracksDocument | None, out_dir: Path, inputs: tuple[Path, ...]) -> tuple[list[Shot], list[tuple[Shot, str]]]:
    """The shots that can be made and those refused (with why), checked before anything is
    written: a shot without known tracks needs its media; no output may overwrite an input (the
    timeline, media, tracks file: `inputs` and each shot's media). Raises when none can be made."""
    skipped = [(s, f"shot {s.id} ({s.clip_name}) {s.refusal}") for s in shots if s.refusal]
    usable = [s for s in shots if not s.refusal]
    if not usable:
        raise FoleyError("none of the chosen shots can be processed: " + "; ".join(reason for _, reason in skipped))
    have = set() if known is None else {s.shot_id for s in known.shots}
    missing = [s for s in usable if s.id not in have and s.media_status not in ("found", "relinked")]
    if missing:
        listing = "; ".join(f"{s.id} ({s.clip_name}): {s.media_path or 'no file reference'}" for s in missing)
        raise MediaError(f"media not found for {listing}. Put the media at that path, give the folders it is in with --search, or pass --tracks from an earlier analysis.")
    spared = {Path(p).resolve() for p in inputs} | {Path(s.media_path).resolve() for s in usable if s.media_path}
    out = Path(out_dir).resolve()
    for candidate in OutputLayout(out).all_fixed_files():
        if candidate in spared:
            raise OutputError(f"writing to {out} would overwrite the input {candidate}. Choose another --out folder.")
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder. Choose a folder path.")
    return usable, skipped


def run_shots(
    shots: list[Shot],
    settings: ProjectSettings,
    out_dir: Path,
    context: JobContext,
    *,
    known: TracksDocument | None = None,
    manual: tuple[ManualCurves, ...] = (),
    engines: EngineOptions = EngineOptions(),
    notes: tuple[str, ...] = (),
    analysis_report: AnalysisReport | None = None,
    reel_gain_db: float | None = None,
    executor: ExecutorSpec = SERIAL,
    finished: Mapping[str, MadeShot] | None = None,
    finished_roots: tuple[Path, ...] = (),
    on_made: Callable[[MadeShot], None] | None = None,
    on_failed: Callable[[Shot, str], None] | None = None,
) -> ShotRun:
    """Make each shot's stems, dry sources, bed and mix in `out_dir` (see the module docstring).

    `known` tracks are used for their shots, the others are analyzed; `manual` are the editor's
    keyframes (objects of known tracks only); `notes` come first in the run's notes. `executor`
    says where the shots are computed (the files are written here, by the caller's process,
    whichever it is); `finished` are shots already made (by a run this one resumes), taken as
    they are, their files in `out_dir` or else in `finished_roots`; `on_made` and `on_failed`
    hear of each shot as soon as it is written or given up (`on_made` again when the reel's gain
    changed its files). `reel_gain_db` is the gain of the reel the shots belong to when other
    shots of it are kept (None: measured on the shots of this run, finished ones included).
    A cancelled run leaves each shot at its own gain (the reel's is applied when it is resumed)."""
    check_ambience(settings.ambience)
    rendered = shot_settings(settings)
    engine = choose_engine(settings.engine, settings.hfov_deg, engines.library_dirs, engines.library_db, engines.model_dir)
    run = ShotRun(list(shots), replace(settings, engine=engine.used), engine.requested, notes=list(notes), library_stats=engine.library_stats, files_dir=Path(out_dir))
    if engine.note:
        run.notes.append(engine.note)
        log.warning(engine.note)
    if executor.kind == "local" and engine.used == "neural":
        run.notes.append("the neural engine runs in its one model worker: the shots were made one after another (--executor ray puts a model on each GPU)")
        executor = SERIAL
    run.executor = executor.kind
    report = analysis_report if analysis_report is not None else AnalysisReport()
    layout = OutputLayout(Path(out_dir))
    done = dict(finished or {})
    run.resumed = tuple(s.id for s in shots if s.id in done)
    run.made.extend(done[s.id] for s in shots if s.id in done)
    jobs = [_job(shot, shots, known, manual, settings, engine, engines) for shot in shots if shot.id not in done]
    progress = BatchProgress(context, len(shots), len(run.made))

    def take(job: ShotJob, outcome: ShotOutcome) -> None:
        for message in outcome.notes:
            report.notes.append((job.shot_id, message))
            run.notes.append(f"{job.shot_id}: {message}")
        for stage, seconds in outcome.seconds.items():
            if executor.kind != "serial" and stage != "shot":
                context.clock.seconds[f"worker {stage}"] = context.clock.seconds.get(f"worker {stage}", 0.0) + seconds
        if outcome.failure is not None or outcome.tracks is None or outcome.sound is None:
            fail(job, outcome.failure or "nothing was made")
            return
        keys = {m.object_id: m for m in job.manual}
        made, shot_notes = write_shot(job.shot, outcome.tracks, keys, outcome.sound, engine.used, layout, context)
        run.notes.extend(shot_notes)
        run.made.append(made)
        if on_made is not None:
            on_made(made)

    def fail(job: ShotJob, reason: str) -> None:
        report.failed.append((job.shot_id, reason))
        run.skipped.append((job.shot, reason))
        run.failed[job.shot_id] = reason
        if on_failed is not None:
            on_failed(job.shot, reason)

    def retried(job: ShotJob, why: str) -> None:
        run.notes.append(f"{job.shot_id}: its worker died ({why}); the shot was made again on another worker")

    open_here = True
    try:
        if executor.kind == "serial":
            voices = VoiceMap.bundled()
            for job in jobs:
                progress.running = 1
                progress.report()
                take(job, compute_shot(job, engine, rendered, context, voices))
                progress.done += job.shot_id not in run.failed
                progress.failed += job.shot_id in run.failed
            progress.running = 0
            progress.report()
        else:
            run.notes.extend(engine.close())  # the workers open their own
            open_here = False
            drive(jobs, open_pool(executor, engine.used), context, progress, take, fail, retried)
    except Cancelled:
        run.cancelled = True
    finally:
        if open_here:
            run.notes.extend(engine.close())
        run.timings_s = dict(context.clock.seconds)
        run.cpu_s = dict(context.clock.cpu_seconds)
    order = {shot.id: number for number, shot in enumerate(shots)}
    run.made.sort(key=lambda made: order[made.shot_id])
    if rendered.loudness.scope == "reel":
        _level(run, layout, rendered.loudness, reel_gain_db, finished_roots, context, on_made)
    return run


def _job(shot: Shot, shots: list[Shot], known: TracksDocument | None, manual: tuple[ManualCurves, ...], settings: ProjectSettings, engine: EngineChoice, engines: EngineOptions) -> ShotJob:
    tracks = _known_tracks(known, shot.id)
    keys = tuple(m for m in manual if m.shot_id == shot.id) if tracks is not None else ()
    spec = EngineSpec(engine.used, settings.hfov_deg, engines.library_dirs, engines.library_db, engines.model_dir)
    neighbours = tuple(s for s in shots if s.id != shot.id and s.media_path is not None and s.media_path == shot.media_path)
    return ShotJob(shot, tracks, keys, settings, spec, neighbours=neighbours)


def _level(
    run: ShotRun,
    layout: OutputLayout,
    loudness: LoudnessSettings,
    reel_gain_db: float | None,
    roots: tuple[Path, ...],
    context: JobContext,
    on_made: Callable[[MadeShot], None] | None,
) -> None:
    """The reel's one gain over every shot of the run, finished ones taken from `roots` included
    (`pipeline.spine.reel_levels`); `on_made` hears again of each shot whose record it changed.
    A cancelled run leaves each shot at its own gain, so that its resumption levels every shot once."""
    if run.cancelled:
        if run.made:
            run.notes.append("cancelled: each finished shot keeps its own loudness gain; generate --resume gives the reel its one gain")
        return
    with context.clock.measure("loudness"):
        levelled, run.reel_gain_db = level_reel(run.made, layout, run.settings.sample_rate, loudness, reel_gain_db, roots)
    for before, after in zip(run.made, levelled):
        if on_made is not None and after.loudness != before.loudness:
            on_made(after)
    run.made = levelled
    run.timings_s = dict(context.clock.seconds)
    run.cpu_s = dict(context.clock.cpu_seconds)


def _known_tracks(known: TracksDocument | None, shot_id: str) -> ShotTracks | None:
    return None if known is None else next((s for s in known.shots if s.shot_id == shot_id), None)


def write_shot(
    shot: Shot,
    tracks: ShotTracks,
    manual: dict[str, ManualCurves],
    sound: ShotSound,
    engine_used: str,
    layout: OutputLayout,
    context: JobContext,
) -> tuple[MadeShot, list[str]]:
    """Write a shot's sound (made here or by a worker): stems, dry sources, the bed and the mix.
    Returns the shot and notes (objects the library had nothing for)."""
    rate = sound.sample_rate
    handles, cut_samples = sound.handles, sound.n_samples
    edges = (handles.before_samples, handles.after_samples)
    notes: list[str] = []
    stems: list[Stem] = []
    metrics: dict[str, dict[str, Any]] = {}
    sounds, bed = sound.sounds, sound.bed
    with context.clock.measure("export"):
        for number, object_sound in enumerate(sounds, start=1):
            context.report("export", number - 1, len(sounds), f"{shot.id} {object_sound.track.id}")
            if engine_used == "library" and object_sound.dry.engine and object_sound.dry.engine != engine_used:
                notes.append(f"{shot.id} {object_sound.track.id} ({object_sound.track.label}): nothing in the library matched; made by the {object_sound.dry.engine} engine ({object_sound.dry.voice})")
            stem = write_object(layout, shot, object_sound, object_sound.dry.engine or engine_used, handles=edges)
            stems.append(stem)
            metrics[stem.path] = {
                "voice": object_sound.dry.voice,
                "voice_reason": object_sound.dry.reason,
                "object_evidence": object_sound.track.evidence,
                "object_confidence": object_sound.track.confidence,
                "events": len(object_sound.dry.events),
                "event_log": cut_times(object_sound.dry.event_log(), handles.before_samples, rate),
                "levels": stem_levels(object_sound.stereo),
            }
        bed_record = None
        if bed is not None:
            stem = write_bed(layout.root, layout.stem(bed_file_stem(shot.id, bed.bed)), shot, bed, rate, edges)
            stems.append(stem)
            bed_record = bed.to_dict(stem.path)
            metrics[stem.path] = {"voice": f"ambience/{bed.bed}", "events": 0, "event_log": [], "levels": stem_levels(bed.stereo)}
        placed = tuple(s.stereo for s in sounds) + ((bed.stereo,) if bed is not None else ())
        write_mix(layout, shot, MixedStems(placed, cut_samples, handles.before_samples), rate)  # the mix is the cut's, a block at a time
    context.report("export", len(sounds), len(sounds), f"{shot.id} written")
    made = MadeShot(shot, tracks, tuple(s.curves for s in sounds), tuple(stems), tuple(manual.values()), metrics, sound.loudness, bed_record)
    return made, notes


def merge_made(project: Project, run: ShotRun) -> Project:
    """The project with each made shot's tracks, curves, stems and manual keyframes in place of
    the old ones, and every other shot kept as it was; those shots are no longer 'edited', and
    the project's settings are the run's (and the reel's gain, when the run measured one)."""
    for made in run.made:
        shot_id = made.shot_id
        project = with_shot_tracks(project, made.tracks)
        stems = tuple(s for s in project.stems if s.shot_id != shot_id) + made.stems
        kept_paths = {s.path for s in stems}
        project = replace(
            project,
            curves=tuple(c for c in project.curves if c.shot_id != shot_id) + made.curves,
            stems=stems,
            manual_curves=tuple(m for m in project.manual_curves if m.shot_id != shot_id) + made.manual,
            takes=tuple(t for t in project.takes if t.shot_id != shot_id),  # a shot made anew starts its takes again
            mixer=tuple(m for m in project.mixer if m.path in kept_paths),
            edited_shots=tuple(s for s in project.edited_shots if s != shot_id),
            selected_shots=tuple(dict.fromkeys(project.selected_shots + (shot_id,))),
        )
    reel_gain = run.reel_gain_db if run.settings.loudness.scope == "reel" else None
    return replace(project, settings=run.settings, reel_gain_db=reel_gain if run.made else project.reel_gain_db)
