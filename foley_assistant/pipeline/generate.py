"""The generate job: from a timeline to a folder of stems, mixes, timeline and DAW session.

Everything that can be checked is checked before the first file is written (the timeline, the
shots asked for, their media or the tracks file, that no output would overwrite an input). Then
each shot goes through the shot spine (`pipeline.spine.shot_spine`: analyzed unless tracks are given,
generated, placed, levelled and written into the folder's scratch area); a cancelled run keeps
its finished shots, and report.json says what was completed. The shots go into the folder's
project: a run of some shots (`--shot`) into a folder made from the same timeline keeps the other
shots in the project, timeline.otio and project.rpp. The stems, mixes and session files are saved
into the folder as one set, the project file last (`pipeline.output.deliver.write_session_files`).
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from foley_assistant.core.errors import FoleyError, OutputError
from foley_assistant.core.progress import CancelToken, ProgressCallback, ignore_progress
from foley_assistant.core.project import Project, ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.io.atomic import remove_partials
from foley_assistant.io.file_set import adopt, settle_folder
from foley_assistant.io.json_files import read_project, read_tracks
from foley_assistant.io.relink import RelinkResult, relink_shots
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import LoadedTimeline, read_timeline
from foley_assistant.pipeline.budget import check_budget, estimate_generate
from foley_assistant.pipeline.output.deliver import MANIFEST_FILE, PROJECT_FILE, STAGING, OutputLayout, write_session_files
from foley_assistant.pipeline.output.output_guard import check_no_foreign_files, record_outputs
from foley_assistant.pipeline.output.review import write_review
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.executors import SERIAL, ExecutorSpec
from foley_assistant.pipeline.spine.made import MadeShot
from foley_assistant.pipeline.spine.manifest import Manifest, shot_inputs
from foley_assistant.pipeline.spine.placement import loudness_policy, placement_of, project_stereo
from foley_assistant.pipeline.spine.report import build_report, picture_seconds, run_stems, write_report
from foley_assistant.pipeline.spine.shot_sound import analysis_settings
from foley_assistant.pipeline.spine.shot_spine import EngineOptions, ShotRun, check_shots, merge_made, run_shots
from foley_assistant.spatial.curves import CurveSettings
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.vision.analyze import AnalysisSettings

log = logging.getLogger(__name__)

#: The project settings every shot of a folder shares (exports place all its stems by them), in words.
KEPT_SETTINGS = {"sample_rate": "sample rate", "hfov_deg": "field of view", "placement": "placement", "loudness": "loudness policy"}


@dataclass(frozen=True)
class GenerateRequest:
    """What the user asked `generate` for."""

    timeline_path: Path
    out_dir: Path
    shot_ids: tuple[str, ...] = ()
    tracks_path: Path | None = None
    engine: str = "procedural"
    sample_rate: int = 48000
    hfov_deg: float = 60.0
    analysis_width: int = 320
    seed: int = 0
    library_dirs: tuple[Path, ...] = ()
    library_db: Path | None = None
    timeline_rate: FrameRate | None = None  # the rate of an EDL (which stores none)
    search_folders: tuple[Path, ...] = ()  # where to look for missing media
    placement: StereoSettings = field(default_factory=StereoSettings)  # pan law, distance model...; rate and
    # screen-locked pan reference are set from sample_rate and hfov_deg
    curves: CurveSettings = field(default_factory=CurveSettings)
    loudness: LoudnessSettings = field(default_factory=LoudnessSettings)
    binaural: bool = False
    sofa_path: Path | None = None  # measured HRIRs for binaural; the spherical-head model when None
    model_dir: Path | None = None  # the neural model folder (--engine neural)
    ambience: str = "none"  # none | auto | room | street | wind | rain: a bed under each shot
    media_path: Path | None = None  # the media file a reel timeline was made from (`generate MEDIA`)
    detector: str = "nanodet"  # what names the objects: nanodet | none | auto | installed model | ONNX or torchvision file
    detector_model: str = "ssdlite320_mobilenet_v3_large"
    force: bool = False  # overwrite files in out_dir that Foley Assistant did not write
    handles_s: float = 1.0  # each stem's handles past the cut, where the picture allows
    fade_ms: float = 10.0  # the fade at each edit of an exported item
    executor: ExecutorSpec = SERIAL  # where the shots are computed (the files are the same)
    resume: bool = False  # keep the shots the folder's manifest lists as finished from these inputs

    def project_settings(self) -> ProjectSettings:
        """The settings of this request as the project records them (placement, loudness...)."""
        return ProjectSettings(
            sample_rate=self.sample_rate,
            engine=self.engine,
            hfov_deg=self.hfov_deg,
            analysis_width=self.analysis_width,
            placement=placement_of(self.placement, self.curves, self.binaural, self.sofa_path),
            loudness=loudness_policy(self.loudness),
            seed=self.seed,
            ambience=self.ambience,
            detector=self.detector,
            detector_model=self.detector_model,
            handles_s=self.handles_s,
            fade_ms=self.fade_ms,
        )

    def analysis_settings(self) -> AnalysisSettings:
        """The analysis settings of this request (field of view, detector)."""
        return analysis_settings(self.project_settings())


@dataclass
class GenerateResult:
    """What was made, for the CLI summary and the report."""

    out_dir: Path
    timeline_name: str
    shots: list[Shot]
    skipped: list[tuple[Shot, str]]
    stems: list[Stem]
    picture_seconds: float
    timings_s: dict[str, float]
    notes: list[str] = field(default_factory=list)
    cpu_s: dict[str, float] = field(default_factory=dict)
    status: str = "complete"  # complete | incomplete (some shots failed) | failed (none made) | cancelled
    done_shots: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # shot id -> why nothing could be made for it


def select_shots(shots: list[Shot], wanted: tuple[str, ...]) -> list[Shot]:
    """The shots asked for (all when none named); unknown ids are a clear error."""
    if not wanted:
        return shots
    by_id = {s.id: s for s in shots}
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        raise FoleyError(f"no shot {', '.join(unknown)} in this timeline; its shots are {', '.join(by_id)} (see `foley-assistant shots`).")
    return [by_id[w] for w in dict.fromkeys(wanted)]


def _earlier_project(request: GenerateRequest) -> Project | None:
    """The project already in the output folder when it was made from the same timeline."""
    earlier = OutputLayout(request.out_dir).root / PROJECT_FILE
    if not earlier.is_file():
        return None
    try:
        project = read_project(earlier)
    except FoleyError:
        return None
    return project if Path(project.timeline_path).resolve() == request.timeline_path.resolve() else None


def tracks_misfit(shot: Shot, tracks: ShotTracks) -> str | None:
    """Why a shot's tracks (found by its id) were not made from this shot, or None: they name
    other media, or cover another length of it (more than a frame off). Tracks are matched to
    shots by id, so after a recut they would otherwise land on the wrong pictures."""
    if shot.media_path is not None and Path(tracks.media).name != Path(shot.media_path).name:
        return f"they were made from {Path(tracks.media).name}, the shot's media is {Path(shot.media_path).name}"
    expected = float(shot.duration_seconds) * float(tracks.fps.fps)
    if tracks.frame_range.duration > expected + 1.0:  # fewer is a clip past its media's end
        return f"they cover {tracks.frame_range.duration} frames, the shot {expected:.0f}"
    if not shot.source_from_timecode:
        media_rate = float(tracks.fps.fps / shot.speed)
        start = float(shot.source_rate.seconds(shot.source_range.start)) * media_rate
        if abs(tracks.frame_range.start - start) > 1.0:
            return f"they start at media frame {tracks.frame_range.start}, the shot at {start:.0f}"
    return None


def _prepare(request: GenerateRequest, given: TracksDocument | None) -> tuple[LoadedTimeline, list[Shot], list[tuple[Shot, str]], TracksDocument | None, RelinkResult, Project | None]:
    loaded = read_timeline(request.timeline_path, request.timeline_rate)
    earlier = _earlier_project(request)
    relinked = relink_shots(list_shots(loaded), request.search_folders, dict(earlier.media_relinks) if earlier else {})
    if not relinked.shots:
        raise FoleyError(f"'{request.timeline_path.name}' has no clips on its video tracks: there is nothing to make sound for.")
    selected = select_shots(relinked.shots, request.shot_ids)
    tracks = given if given is not None else (read_tracks(request.tracks_path) if request.tracks_path else None)
    if tracks is not None:
        known = {s.shot_id for s in tracks.shots}
        absent = [s.id for s in selected if not s.refusal and s.id not in known]
        if absent:
            raise FoleyError(f"the tracks file has no tracks for shot {', '.join(absent)}; analyze those shots or leave out --tracks.")
        by_id = {s.shot_id: s for s in tracks.shots}
        for shot in selected:
            reason = None if shot.refusal else tracks_misfit(shot, by_id[shot.id])
            if reason:
                raise FoleyError(f"the tracks of shot {shot.id} do not fit the cut: {reason}. The cut may have changed since it was analyzed; analyze again or leave out --tracks.")
    inputs = (request.timeline_path,) + ((request.tracks_path,) if request.tracks_path else ())
    usable, skipped = check_shots(selected, tracks, request.out_dir, inputs)
    check_no_foreign_files(request.out_dir, [s.id for s in usable], request.force, _reel_files(request))
    return loaded, usable, skipped, tracks, relinked, earlier


def _base_project(request: GenerateRequest, loaded: LoadedTimeline, relinked: RelinkResult, earlier: Project | None, shots: list[Shot], settings: ProjectSettings) -> Project:
    """The project the run's shots go into: the folder's earlier project of this timeline (its
    other shots kept), or a new one. Shots kept from earlier must have been made with the same
    placement, loudness, rate and field of view, or the project could not describe them all."""
    fresh = Project(
        timeline_path=str(request.timeline_path.resolve()),
        settings=settings,
        selected_shots=tuple(s.id for s in shots),
        media_relinks=relinked.choices,
        timeline_rate=None if loaded.edl_rate is None else loaded.edl_rate.as_tuple(),
        media_search_folders=tuple(str(Path(f).resolve()) for f in request.search_folders),
    )
    if earlier is None:
        return fresh
    kept = sorted({s.shot_id for s in earlier.stems} - {s.id for s in shots})
    before, now = earlier.settings, settings
    differ = [words for name, words in KEPT_SETTINGS.items() if getattr(before, name) != getattr(now, name)]
    if kept and differ:
        raise OutputError(
            f"{request.out_dir} holds shot {', '.join(kept)} made with another {', '.join(differ)}; "
            "generate every shot again (leave out --shot), use the same settings, or choose another --out folder."
        )
    return replace(
        earlier,
        selected_shots=tuple(dict.fromkeys(earlier.selected_shots + fresh.selected_shots)),
        media_relinks=fresh.media_relinks,
        timeline_rate=fresh.timeline_rate,
        media_search_folders=fresh.media_search_folders,
    )


def run_generate(
    request: GenerateRequest,
    progress: ProgressCallback = ignore_progress,
    cancel: CancelToken | None = None,
    *,
    tracks: TracksDocument | None = None,
    context: JobContext | None = None,
    notes: tuple[str, ...] = (),
) -> GenerateResult:
    """Run the whole pipeline for a timeline; see the module docstring for the guarantees.

    `tracks` are tracks already analysed (as a tracks file would give them); `context` is the job
    context of work done before (its clock's stages go into the report); `notes` come first in
    the result's notes."""
    context = context or JobContext(progress, cancel or CancelToken())
    loaded, shots, skipped, given, relinked, earlier = _prepare(request, tracks)
    settings = request.project_settings()
    base = _base_project(request, loaded, relinked, earlier, shots, settings)
    preamble = list(notes) + list(loaded.notes) + ([relinked.summary()] if relinked.count("relinked") else [])
    preamble += check_budget(estimate_generate(shots, given, settings.sample_rate, settings.handles_s, settings.ambience != "none"), request.out_dir)  # before anything is written
    engines = EngineOptions(request.library_dirs, request.library_db, request.model_dir)
    settle_folder(request.out_dir, request.out_dir / PROJECT_FILE)  # a save cut short is undone first
    layout = OutputLayout(request.out_dir)
    if layout.root.is_dir():
        remove_partials(layout.root)  # what a killed run left
    try:
        kept = {s.shot_id for s in base.stems} - {s.id for s in shots}  # shots of the reel made before: the new ones match them
        reel_gain = base.reel_gain_db if kept else None
        run = _run_batch(request, shots, settings, given, context, engines, tuple(preamble), reel_gain)
        run.skipped[:0] = skipped
        with context.clock.measure("export"):
            project = write_session_files(layout, loaded, merge_made(base, run), project_stereo(run.settings, hrirs=False))
        timings = dict(context.clock.seconds, total=time.perf_counter() - context.started)
        cpu = dict(context.clock.cpu_seconds)
        report = build_report(project, run, media_path=request.media_path, timings_s=timings, cpu_s=cpu)
        write_report(layout.root, report)
    finally:
        if layout.root.is_dir():
            remove_partials(layout.root)
    result = GenerateResult(
        out_dir=request.out_dir,
        timeline_name=loaded.name,
        shots=shots,
        skipped=run.skipped,
        stems=run_stems(project, run),
        picture_seconds=picture_seconds(run),
        timings_s=timings,
        notes=run.notes,
        cpu_s=cpu,
        status=run.status,
        done_shots=[m.shot_id for m in run.made],
        failed=dict(run.failed),
    )
    result.timings_s["review"] = write_review(layout.root, result.shots, project.tracks, report).seconds
    record_outputs(layout.root, project.stems, result.done_shots, _reel_files(request))
    return result


def _run_batch(
    request: GenerateRequest,
    shots: list[Shot],
    settings: ProjectSettings,
    given: TracksDocument | None,
    context: JobContext,
    engines: EngineOptions,
    notes: tuple[str, ...],
    reel_gain_db: float | None = None,
) -> ShotRun:
    """The shots through the spine into the folder's staging area, each recorded in the
    manifest as it is written (with `resume`, those it lists as finished from the same inputs are
    taken as they are, and the reel's gain counts them in); then the staged files join the
    scratch area, for the save. `reel_gain_db`: the reel's gain when shots made before are kept."""
    root, staging = request.out_dir, request.out_dir / STAGING
    manifest = Manifest.load(root)
    if not request.resume:
        shutil.rmtree(staging, ignore_errors=True)
    known = {} if given is None else {s.shot_id: s for s in given.shots}
    inputs = {s.id: shot_inputs(s, settings, request.engine, known.get(s.id), ()) | {"library": [str(d) for d in request.library_dirs]} for s in shots}
    finished: dict[str, MadeShot] = {}
    for shot in shots if request.resume else []:
        made = manifest.finished(shot, inputs[shot.id], (staging, root))
        if made is not None:
            finished[shot.id] = made
    if request.resume:
        notes += (f"resumed: {len(finished)} of {len(shots)} shots were already made ({MANIFEST_FILE})",)
    run = run_shots(
        shots,
        settings,
        staging,
        context,
        known=given,
        engines=engines,
        notes=notes,
        reel_gain_db=reel_gain_db,
        executor=request.executor,
        finished=finished,
        finished_roots=(root,),
        on_made=lambda made: manifest.record_made(made, inputs[made.shot_id], (staging, root)),
        on_failed=lambda shot, reason: manifest.record_failed(shot, inputs[shot.id], reason),
    )
    if staging.is_dir():
        adopt(root, staging)
    return run


def _reel_files(request: GenerateRequest) -> tuple[str, ...]:
    """The reel timeline `generate MEDIA` writes into the output folder (none for a timeline)."""
    return (request.timeline_path.name,) if request.media_path is not None else ()
