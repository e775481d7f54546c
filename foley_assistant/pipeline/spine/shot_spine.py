"""The shot spine: the one way a shot's sound is made, whichever job asks for it.

    analyze (when no tracks are known) -> events and dry sources (the engine) -> placement along
    each object's curves (tracked, with the editor's keyframes on top) -> levels (one loudness
    gain per shot, the ambience bed under it) -> the shot's files (stems, dry sources, bed, mix)
    -> under the "reel" loudness scope, one gain for all the shots (`pipeline.spine.reel_levels`)

`run_shots` takes shots through it one at a time: a shot that cannot be analyzed is skipped with
its reason and the others go on; a cancelled run keeps the shots it finished. The settings come
from the project (`core.project_settings.ProjectSettings`), turned into render settings once per
run (`shot_settings`, through `pipeline.spine.placement`). `generate` (the command line) and the app's
generate job both call `check_shots` and `run_shots`, and put the result into their project with
`merge_made`; they differ only in how they report progress and where they stop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

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
from foley_assistant.pipeline.spine.ambience import bed_file_stem, check_ambience, make_bed, write_bed
from foley_assistant.pipeline.spine.analyze import AnalysisReport, try_analyze_shot
from foley_assistant.pipeline.spine.handles import NO_HANDLES, Handles, cut_times, extended_tracks, media_frame_count, shot_handles
from foley_assistant.pipeline.spine.made import MadeShot
from foley_assistant.pipeline.spine.placement import curve_settings, loudness_settings, project_stereo
from foley_assistant.pipeline.spine.reel_levels import level_reel
from foley_assistant.pipeline.spine.sound import EngineChoice, choose_engine, normalize_loudness, sound_shot
from foley_assistant.spatial.curves import CurveSettings
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.render import mix
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.vision.analyze import AnalysisSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShotSettings:
    """A project's settings and the render settings made from them, once per run."""

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
class EngineOptions:
    """Where the engines find what they need: the SFX library and its index, the neural model."""

    library_dirs: tuple[Path, ...] = ()
    library_db: Path | None = None
    model_dir: Path | None = None


@dataclass
class ShotRun:
    """What a run of the spine did: the shots asked for, those made and those skipped (with why),
    the settings used (`engine`: the one that ran), notes, whether it was cancelled, the seconds
    its stages took, and the folder its files were written into."""

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
) -> ShotRun:
    """Make each shot's stems, dry sources, bed and mix in `out_dir` (see the module docstring).

    `known` tracks are used for their shots, the others are analyzed; `manual` are the editor's
    keyframes (objects of known tracks only); `notes` come first in the run's notes;
    `reel_gain_db` is the gain of the reel the shots belong to when other shots of it are kept
    (None: measured on the shots made here)."""
    check_ambience(settings.ambience)
    rendered = shot_settings(settings)
    engine = choose_engine(settings.engine, settings.hfov_deg, engines.library_dirs, engines.library_db, engines.model_dir)
    run = ShotRun(list(shots), replace(settings, engine=engine.used), engine.requested, notes=list(notes), library_stats=engine.library_stats, files_dir=Path(out_dir))
    if engine.note:
        run.notes.append(engine.note)
        log.warning(engine.note)
    report = analysis_report if analysis_report is not None else AnalysisReport()
    layout = OutputLayout(Path(out_dir))
    voices = VoiceMap.bundled()
    try:
        for shot in shots:
            tracks = _known_tracks(known, shot.id)
            keys = {m.object_id: m for m in manual if m.shot_id == shot.id} if tracks is not None else {}
            if tracks is None:
                tracks = try_analyze_shot(shot, context, rendered.analysis, settings.analysis_width, report)
                if tracks is None:  # one unreadable shot does not stop the others, but it is an error
                    run.skipped.append((shot, report.failed[-1][1]))
                    run.failed[shot.id] = report.failed[-1][1]
                    continue
            run.notes.extend(f"{shot_id}: {message}" for shot_id, message in report.notes if shot_id == shot.id)
            handles = NO_HANDLES if engine.neural is not None else shot_handles(shot, tracks, shots, media_frame_count(shot, tracks), settings.handles_s, settings.sample_rate)
            made, shot_notes = make_shot(shot, tracks, keys, rendered, engine, layout, context, voices, handles)
            run.notes.extend(shot_notes)
            run.made.append(made)
    except Cancelled:
        run.cancelled = True
    finally:
        run.notes.extend(engine.close())
    if rendered.loudness.scope == "reel":
        with context.clock.measure("loudness"):
            run.made, run.reel_gain_db = level_reel(run.made, layout, settings.sample_rate, rendered.loudness, reel_gain_db)
    run.timings_s = dict(context.clock.seconds)
    run.cpu_s = dict(context.clock.cpu_seconds)
    return run


def _known_tracks(known: TracksDocument | None, shot_id: str) -> ShotTracks | None:
    return None if known is None else next((s for s in known.shots if s.shot_id == shot_id), None)


def make_shot(
    shot: Shot,
    tracks: ShotTracks,
    manual: dict[str, ManualCurves],
    rendered: ShotSettings,
    engine: EngineChoice,
    layout: OutputLayout,
    context: JobContext,
    voices: VoiceMap,
    handles: Handles = NO_HANDLES,
) -> tuple[MadeShot, list[str]]:
    """One shot from its tracks to its files: every mover sounded and placed (with `manual`
    keyframes by object id), the bed, one loudness gain for all, stems, dry sources and the mix
    written, each file with the shot's `handles`. Returns the shot and notes (objects the library
    had nothing for)."""
    settings = rendered.project
    rate = settings.sample_rate
    sounds = sound_shot(shot, tracks, engine, rendered.stereo, settings.hfov_deg, settings.seed, context, rendered.curves, manual, handles)
    cut_samples = shot.duration_samples(rate)
    n_samples = handles.before_samples + cut_samples + handles.after_samples
    edges = (handles.before_samples, handles.after_samples)
    with context.clock.measure("generate"):
        bed = make_bed(settings.ambience, extended_tracks(tracks, handles), n_samples, rate, settings.seed, voices)
    with context.clock.measure("loudness"):
        sounds, loudness = normalize_loudness(sounds, cut_samples, rate, rendered.loudness, [bed.stereo] if bed is not None else [], handles.before_samples)
    if loudness is not None and bed is not None:
        bed = bed.scaled(10 ** (loudness.gain_db / 20))
    notes: list[str] = []
    stems: list[Stem] = []
    metrics: dict[str, dict[str, Any]] = {}
    with context.clock.measure("export"):
        for number, sound in enumerate(sounds, start=1):
            context.report("export", number - 1, len(sounds), f"{shot.id} {sound.track.id}")
            if engine.used == "library" and sound.dry.engine and sound.dry.engine != engine.used:
                notes.append(f"{shot.id} {sound.track.id} ({sound.track.label}): nothing in the library matched; made by the {sound.dry.engine} engine ({sound.dry.voice})")
            stem = write_object(layout, shot, sound, sound.dry.engine or engine.used, handles=edges)
            stems.append(stem)
            metrics[stem.path] = {
                "voice": sound.dry.voice,
                "voice_reason": sound.dry.reason,
                "object_evidence": sound.track.evidence,
                "object_confidence": sound.track.confidence,
                "events": len(sound.dry.events),
                "event_log": cut_times(sound.dry.event_log(), handles.before_samples, rate),
                "levels": stem_levels(sound.stereo),
            }
        bed_record = None
        if bed is not None:
            stem = write_bed(layout.root, layout.stem(bed_file_stem(shot.id, bed.bed)), shot, bed, rate, edges)
            stems.append(stem)
            bed_record = bed.to_dict(stem.path)
            metrics[stem.path] = {"voice": f"ambience/{bed.bed}", "events": 0, "event_log": [], "levels": stem_levels(bed.stereo)}
        cut = slice(handles.before_samples, handles.before_samples + cut_samples)  # the mix is the cut's
        write_mix(layout, shot, mix([s.stereo[:, cut] for s in sounds] + ([bed.stereo[:, cut]] if bed is not None else []), cut_samples), rate)
    context.report("export", len(sounds), len(sounds), f"{shot.id} written")
    made = MadeShot(
        shot,
        tracks,
        tuple(s.curves for s in sounds),
        tuple(stems),
        tuple(manual.values()),
        metrics,
        None if loudness is None else loudness.to_dict(),
        bed_record,
    )
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
