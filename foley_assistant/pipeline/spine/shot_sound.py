"""A shot's sound, made without writing anything: the part of the shot spine that any process can run.

    ShotJob (the shot, its known tracks or none, the editor's keyframes, the project's settings,
    the engine, the run's shots cut from the same media) --compute_shot--> ShotOutcome (the
    tracks, the handles, every object's dry source, curves and placed stem over the cut and its
    handles at the shot's one loudness gain, the bed; or why the shot failed)

The driver of a run writes the outcome's files (`shot_spine.write_shot`), whichever process
computed it: in the driver itself (`--executor serial`), in a worker process (`local`) or on a
Ray worker (`ray`). A worker opens its engine once and keeps it for the next shot (`work_shot`).
Everything in a job and an outcome is plain picklable data (numpy arrays, frozen dataclasses).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.core.progress import CancelToken, ignore_progress
from foley_assistant.core.project_settings import ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.generators.library import LibraryGenerator, LibraryIndex, default_index_path
from foley_assistant.generators.procedural.voice_map import VoiceMap
from foley_assistant.pipeline.output.object_sound import ObjectSound
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.ambience import AmbienceBed, make_bed
from foley_assistant.pipeline.spine.analyze import AnalysisReport, try_analyze_shot
from foley_assistant.pipeline.spine.handles import NO_HANDLES, Handles, extended_tracks, media_frame_count, shot_handles
from foley_assistant.pipeline.spine.placement import curve_settings, loudness_settings, project_stereo
from foley_assistant.pipeline.spine.sound import EngineChoice, choose_engine, normalize_loudness, sound_shot
from foley_assistant.spatial.curves import CurveSettings
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.vision.analyze import AnalysisSettings


@dataclass(frozen=True)
class ShotSettings:
    """A project's settings and the render settings made from them, once per run (per worker)."""

    project: ProjectSettings
    analysis: AnalysisSettings
    stereo: StereoSettings
    curves: CurveSettings
    loudness: LoudnessSettings


def analysis_settings(settings: ProjectSettings) -> AnalysisSettings:
    """What the analysis of a project's shots is tuned by (field of view, detector)."""
    return AnalysisSettings(hfov_deg=settings.hfov_deg, detector=settings.detector, detector_model=settings.detector_model)


def shot_settings(settings: ProjectSettings, hrirs: bool = True) -> ShotSettings:
    """The render settings of a project (a SOFA file is loaded when `hrirs`; see
    `pipeline.spine.placement.render_stereo`); bad values are refused here, before anything is written."""
    return ShotSettings(
        project=settings,
        analysis=analysis_settings(settings),
        stereo=project_stereo(settings, hrirs),
        curves=curve_settings(settings.placement),
        loudness=loudness_settings(settings.loudness),
    )


@dataclass(frozen=True)
class EngineSpec:
    """How a worker opens the engine the driver chose: its name (the one that runs, after any
    fallback), the field of view, the SFX library (already indexed by the driver) and the model."""

    engine: str
    hfov_deg: float
    library_dirs: tuple[Path, ...] = ()
    library_db: Path | None = None
    model_dir: Path | None = None


def open_worker_engine(spec: EngineSpec) -> EngineChoice:
    """The engine of `spec` in a worker: the library is opened on the index the driver updated
    (never indexed again here, so workers do not write the index at once)."""
    if spec.engine == "library":
        index = LibraryIndex(spec.library_db or default_index_path())
        return EngineChoice(LibraryGenerator(index, hfov_deg=spec.hfov_deg, roots=spec.library_dirs), "library", "library", library=index)
    return choose_engine(spec.engine, spec.hfov_deg, spec.library_dirs, spec.library_db, spec.model_dir)


@dataclass(frozen=True)
class ShotSound:
    """A shot's sound before anything is written: each mover's sound at the shot's loudness gain,
    the bed (at the same gain), what the loudness step measured and did, the cut's length (its
    sounds run on through the `handles` either side), the sample rate."""

    sounds: tuple[ObjectSound, ...]
    bed: AmbienceBed | None
    loudness: dict[str, Any] | None
    n_samples: int
    sample_rate: int
    handles: Handles = NO_HANDLES


def sound_and_level(
    shot: Shot,
    tracks: ShotTracks,
    manual: dict[str, ManualCurves],
    rendered: ShotSettings,
    engine: EngineChoice,
    context: JobContext,
    voices: VoiceMap,
    handles: Handles = NO_HANDLES,
) -> ShotSound:
    """Every mover of a shot sounded and placed (with `manual` keyframes by object id) over the
    cut and its `handles`, the bed, and one loudness gain for all of them (measured on the cut)."""
    settings = rendered.project
    rate = settings.sample_rate
    sounds = sound_shot(shot, tracks, engine, rendered.stereo, settings.hfov_deg, settings.seed, context, rendered.curves, manual, handles)
    cut_samples = shot.duration_samples(rate)
    n_samples = handles.before_samples + cut_samples + handles.after_samples
    with context.clock.measure("generate"):
        bed = make_bed(settings.ambience, extended_tracks(tracks, handles), n_samples, rate, settings.seed, voices)
    with context.clock.measure("loudness"):
        sounds, loudness = normalize_loudness(sounds, cut_samples, rate, rendered.loudness, [bed.stereo] if bed is not None else [], handles.before_samples)
    if loudness is not None and bed is not None:
        bed = bed.scaled(10 ** (loudness.gain_db / 20))
    return ShotSound(tuple(sounds), bed, None if loudness is None else loudness.to_dict(), cut_samples, rate, handles)


@dataclass(frozen=True)
class ShotJob:
    """One shot to make: the shot, its known tracks (None: analyze it), the editor's keyframes of
    its objects, the project's settings and the engine; `analyze_only`: its tracks and no sound;
    `neighbours`: the run's other shots cut from the same media (where its handles must stop)."""

    shot: Shot
    tracks: ShotTracks | None
    manual: tuple[ManualCurves, ...]
    settings: ProjectSettings
    engine: EngineSpec
    analyze_only: bool = False
    neighbours: tuple[Shot, ...] = ()

    @property
    def shot_id(self) -> str:
        return self.shot.id


@dataclass(frozen=True)
class ShotOutcome:
    """What became of a job: the tracks and sound, or `failure` (why the shot gave nothing), the
    analysis notes of the shot, and the seconds (wall and CPU) its stages took where it ran."""

    shot_id: str
    tracks: ShotTracks | None
    sound: ShotSound | None
    failure: str | None = None
    notes: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)


def compute_shot(job: ShotJob, engine: EngineChoice, rendered: ShotSettings, context: JobContext, voices: VoiceMap) -> ShotOutcome:
    """A shot's tracks (known, or analyzed), its handles (none with the neural engine) and sound;
    a shot that cannot be analyzed is an outcome with its `failure`, not an exception."""
    report = AnalysisReport()
    tracks = job.tracks
    if tracks is None:
        tracks = try_analyze_shot(job.shot, context, rendered.analysis, job.settings.analysis_width, report)
        if tracks is None:
            return ShotOutcome(job.shot_id, None, None, report.failed[-1][1], tuple(m for _, m in report.notes))
    if job.analyze_only:
        return ShotOutcome(job.shot_id, tracks, None, None, tuple(m for _, m in report.notes))
    keys = {m.object_id: m for m in job.manual}
    handles = NO_HANDLES if engine.neural is not None else shot_handles(job.shot, tracks, list(job.neighbours), media_frame_count(job.shot, tracks), job.settings.handles_s, job.settings.sample_rate)
    sound = sound_and_level(job.shot, tracks, keys, rendered, engine, context, voices, handles)
    return ShotOutcome(job.shot_id, tracks, sound, None, tuple(m for _, m in report.notes))


@dataclass
class _WorkerState:
    key: tuple[EngineSpec, ProjectSettings]
    engine: EngineChoice
    rendered: ShotSettings
    voices: VoiceMap


_state: _WorkerState | None = None  # this worker process's engine, kept for its next shot


def work_shot(job: ShotJob) -> ShotOutcome:
    """Compute one job in a worker process (the entry point of `--executor local` and `ray`): the
    engine and render settings are opened on the first job and kept while the jobs share them."""
    global _state
    key = (job.engine, job.settings)
    if _state is None or _state.key != key:
        if _state is not None:
            _state.engine.close()
        _state = _WorkerState(key, open_worker_engine(job.engine), shot_settings(job.settings), VoiceMap.bundled())
    context = JobContext(ignore_progress, CancelToken())
    start = time.perf_counter()
    outcome = compute_shot(job, _state.engine, _state.rendered, context, _state.voices)
    seconds = dict(context.clock.seconds, shot=time.perf_counter() - start)
    return ShotOutcome(outcome.shot_id, outcome.tracks, outcome.sound, outcome.failure, outcome.notes, seconds, dict(context.clock.cpu_seconds))
