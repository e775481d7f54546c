"""The generate job: from a timeline to a folder of stems, mixes, timeline and DAW session.

Everything that can be checked is checked before the first file is written (the timeline, the
shots asked for, their media or the tracks file, that no output would overwrite an input). Then
each shot is analyzed (unless tracks are given), generated, rendered and written; stems are
written as soon as their shot is done, so a cancelled run keeps its finished shots, and
report.json says what was completed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foley_assistant import __version__
from foley_assistant.core.errors import Cancelled, FoleyError, MediaError, OutputError
from foley_assistant.core.progress import CancelToken, ProgressCallback, ignore_progress
from foley_assistant.core.project import Project, ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.eval.levels import stem_levels
from foley_assistant.generators.procedural.voice_map import VoiceMap
from foley_assistant.io.atomic import remove_partials, write_json_atomic
from foley_assistant.io.json_files import read_project, read_tracks
from foley_assistant.io.relink import RelinkResult, relink_shots
from foley_assistant.io.timeline import LoadedTimeline, list_shots, read_timeline
from foley_assistant.pipeline.ambience import bed_file_stem, check_ambience, make_bed, write_bed
from foley_assistant.pipeline.analyze import AnalysisReport, analyze_shot
from foley_assistant.pipeline.deliver import PROJECT_FILE, OutputLayout, write_mix, write_object, write_session_files
from foley_assistant.pipeline.output_guard import check_no_foreign_files, record_outputs
from foley_assistant.pipeline.placement import placement_settings
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.review import write_review
from foley_assistant.pipeline.sound import choose_engine, normalize_loudness, sound_shot
from foley_assistant.spatial.curves import CurveSettings
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.render import mix
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.vision.analyze import AnalysisSettings

log = logging.getLogger(__name__)


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
    detector: str = "nanodet"  # what names the objects: nanodet | none | auto | torchvision weights
    detector_model: str = "ssdlite320_mobilenet_v3_large"
    force: bool = False  # overwrite files in out_dir that Foley Assistant did not write

    def analysis_settings(self) -> AnalysisSettings:
        """The analysis settings of this request (field of view, detector)."""
        return AnalysisSettings(hfov_deg=self.hfov_deg, detector=self.detector, detector_model=self.detector_model)

    def stereo_settings(self) -> StereoSettings:
        """The render settings of this request (loads the SOFA file when one is given)."""
        return placement_settings(self.placement, self.sample_rate, self.hfov_deg, self.binaural, self.sofa_path)


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


def _check_outputs_spare_inputs(request: GenerateRequest, shots: list[Shot]) -> None:
    inputs = {request.timeline_path.resolve()}
    inputs.update(Path(s.media_path).resolve() for s in shots if s.media_path)
    if request.tracks_path:
        inputs.add(request.tracks_path.resolve())
    out = request.out_dir.resolve()
    for candidate in OutputLayout(out).all_fixed_files():
        if candidate in inputs:
            raise OutputError(f"writing to {out} would overwrite the input {candidate}. Choose another --out folder.")
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder. Choose a folder path.")


def _earlier_relinks(request: GenerateRequest) -> dict[str, str]:
    """Relink choices kept in a project already in the output folder, for the same timeline."""
    earlier = OutputLayout(request.out_dir).root / PROJECT_FILE
    if not earlier.is_file():
        return {}
    try:
        project = read_project(earlier)
    except FoleyError:
        return {}
    same = Path(project.timeline_path).resolve() == request.timeline_path.resolve()
    return dict(project.media_relinks) if same else {}


def _prepare(request: GenerateRequest, given: TracksDocument | None = None) -> tuple[LoadedTimeline, list[Shot], list[tuple[Shot, str]], TracksDocument | None, RelinkResult]:
    check_ambience(request.ambience)
    loaded = read_timeline(request.timeline_path, request.timeline_rate)
    relinked = relink_shots(list_shots(loaded), request.search_folders, _earlier_relinks(request))
    shots = relinked.shots
    if not shots:
        raise FoleyError(f"'{request.timeline_path.name}' has no clips on its video tracks: there is nothing to make sound for.")
    selected = select_shots(shots, request.shot_ids)
    skipped = [(s, f"shot {s.id} ({s.clip_name}) {s.refusal}") for s in selected if s.refusal]
    usable = [s for s in selected if not s.refusal]
    if not usable:
        raise FoleyError("none of the chosen shots can be processed: " + "; ".join(reason for _, reason in skipped))
    tracks = given if given is not None else (read_tracks(request.tracks_path) if request.tracks_path else None)
    if tracks is None:
        missing = [s for s in usable if s.media_status not in ("found", "relinked")]
        if missing:
            listing = "; ".join(f"{s.id} ({s.clip_name}): {s.media_path or 'no file reference'}" for s in missing)
            raise MediaError(f"media not found for {listing}. Put the media at that path, give the folders it is in with --search, or pass --tracks from an earlier analysis.")
    else:
        known = {s.shot_id for s in tracks.shots}
        absent = [s.id for s in usable if s.id not in known]
        if absent:
            raise FoleyError(f"the tracks file has no tracks for shot {', '.join(absent)}; analyze those shots or leave out --tracks.")
    _check_outputs_spare_inputs(request, usable)
    check_no_foreign_files(request.out_dir, [s.id for s in usable], request.force, _reel_files(request))
    return loaded, usable, skipped, tracks, relinked


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
    loaded, shots, skipped, given_tracks, relinked = _prepare(request, tracks)
    if request.out_dir.is_dir():
        remove_partials(request.out_dir)  # what a killed run left
    stereo = request.stereo_settings()
    engine = choose_engine(request.engine, request.hfov_deg, request.library_dirs, request.library_db, request.model_dir)
    layout = OutputLayout(request.out_dir)
    analysis = request.analysis_settings()
    result = GenerateResult(request.out_dir, loaded.name, shots, skipped, [], 0.0, {})
    result.notes.extend(notes)
    result.notes.extend(loaded.notes)
    if relinked.count("relinked"):
        result.notes.append(relinked.summary())
    if engine.note:
        result.notes.append(engine.note)
        log.warning(engine.note)
    analyzed: list[ShotTracks] = []
    curves = []
    stem_metrics: dict[str, dict[str, Any]] = {}
    shot_loudness: dict[str, dict[str, Any]] = {}
    analysis_report = AnalysisReport()
    shot_beds: dict[str, dict[str, str]] = {}
    voices = VoiceMap.bundled()
    try:
        for shot in shots:
            try:
                shot_tracks = given_tracks.shot(shot.id) if given_tracks else analyze_shot(shot, context, analysis, request.analysis_width, analysis_report)
            except MediaError as exc:  # one unreadable shot does not stop the others, but it is an error
                result.skipped.append((shot, str(exc)))
                result.failed[shot.id] = str(exc)
                continue
            result.notes.extend(f"{shot_id}: {message}" for shot_id, message in analysis_report.notes if shot_id == shot.id)
            analyzed.append(shot_tracks)
            sounds = sound_shot(shot, shot_tracks, engine, stereo, request.hfov_deg, request.seed, context, request.curves)
            n_samples = shot.duration_samples(request.sample_rate)
            with context.clock.measure("generate"):
                bed = make_bed(request.ambience, shot_tracks, n_samples, request.sample_rate, request.seed, voices)
            with context.clock.measure("loudness"):
                beds = [bed.stereo] if bed is not None else []
                sounds, loudness = normalize_loudness(sounds, n_samples, request.sample_rate, request.loudness, beds)
            if loudness is not None:
                shot_loudness[shot.id] = loudness.to_dict()
                if bed is not None:
                    bed = bed.scaled(10 ** (loudness.gain_db / 20))
            with context.clock.measure("export"):
                for number, sound in enumerate(sounds, start=1):
                    context.report("export", number - 1, len(sounds), f"{shot.id} {sound.track.id}")
                    if engine.used == "library" and sound.dry.engine and sound.dry.engine != engine.used:
                        result.notes.append(f"{shot.id} {sound.track.id} ({sound.track.label}): nothing in the library matched; made by the {sound.dry.engine} engine ({sound.dry.voice})")
                    stem = write_object(layout, shot, sound, sound.dry.engine or engine.used)
                    result.stems.append(stem)
                    curves.append(sound.curves)
                    stem_metrics[stem.path] = {
                        "voice": sound.dry.voice,
                        "voice_reason": sound.dry.reason,
                        "object_evidence": sound.track.evidence,
                        "object_confidence": sound.track.confidence,
                        "events": len(sound.dry.events),
                        "event_log": sound.dry.event_log(),
                        "levels": stem_levels(sound.stereo),
                    }
                if bed is not None:
                    stem = write_bed(layout.root, layout.stem(bed_file_stem(shot.id, bed.bed)), shot, bed, request.sample_rate)
                    result.stems.append(stem)
                    shot_beds[shot.id] = bed.to_dict(stem.path)
                    stem_metrics[stem.path] = {"voice": f"ambience/{bed.bed}", "events": 0, "event_log": [], "levels": stem_levels(bed.stereo)}
                write_mix(layout, shot, mix([s.stereo for s in sounds] + ([bed.stereo] if bed is not None else []), n_samples), request.sample_rate)
            result.picture_seconds += float(shot.duration_seconds)
            result.done_shots.append(shot.id)
            context.report("export", len(sounds), len(sounds), f"{shot.id} written")
        if result.failed:
            result.status = "incomplete" if result.done_shots else "failed"
    except Cancelled:
        result.status = "cancelled"
    finally:
        result.notes.extend(engine.close())
        if request.out_dir.is_dir():
            remove_partials(request.out_dir)
    project = Project(
        timeline_path=str(request.timeline_path.resolve()),
        settings=ProjectSettings(request.sample_rate, engine.used, request.hfov_deg, request.analysis_width),
        selected_shots=tuple(s.id for s in shots),
        tracks=TracksDocument(tuple(analyzed)),
        curves=tuple(curves),
        stems=tuple(result.stems),
        media_relinks=relinked.choices,
        timeline_rate=None if loaded.edl_rate is None else loaded.edl_rate.as_tuple(),
        media_search_folders=tuple(str(Path(f).resolve()) for f in request.search_folders),
    )
    with context.clock.measure("export"):
        project = write_session_files(layout, loaded, project, stereo)
    result.stems = list(project.stems)
    result.timings_s = dict(context.clock.seconds, total=time.perf_counter() - context.started)
    result.cpu_s = dict(context.clock.cpu_seconds)
    report = build_report(request, result, engine.requested, stem_metrics, shot_loudness, engine.library_stats, shot_beds)
    write_json_atomic(layout.root / "report.json", report)
    result.timings_s["review"] = write_review(layout.root, result.shots, project.tracks, report).seconds
    record_outputs(layout.root, project.stems, result.done_shots, _reel_files(request))
    return result


def _reel_files(request: GenerateRequest) -> tuple[str, ...]:
    """The reel timeline `generate MEDIA` writes into the output folder (none for a timeline)."""
    return (request.timeline_path.name,) if request.media_path is not None else ()


def build_report(
    request: GenerateRequest,
    result: GenerateResult,
    engine_requested: str,
    stem_metrics: dict[str, dict[str, Any]],
    shot_loudness: dict[str, dict[str, Any]],
    library_stats: dict[str, Any] | None = None,
    shot_beds: dict[str, dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The contents of report.json; per stem, `event_log` lists each event with the voice or file that
    sounded it; per shot, `ambience` is its bed ({"bed", "chosen", "stem"}) or None."""
    beds = shot_beds or {}
    stems_by_shot: dict[str, list[Stem]] = {}
    for stem in result.stems:
        stems_by_shot.setdefault(stem.shot_id, []).append(stem)
    return {
        "tool": "foley-assistant",
        "version": __version__,
        "status": result.status,
        "timeline": str(request.timeline_path.resolve()),
        "media": str(request.media_path.resolve()) if request.media_path else None,
        "sample_rate": request.sample_rate,
        "engine_requested": engine_requested,
        "placement": placement_report(request),
        "ambience_requested": request.ambience,
        "library": library_stats,
        "notes": result.notes,
        "shots": [
            {
                "id": shot.id,
                "clip": shot.clip_name,
                "track": shot.track_name,
                "record_tc_in": shot.record_tc_in,
                "record_tc_out": shot.record_tc_out,
                "duration_s": round(float(shot.duration_seconds), 6),
                "objects": len([s for s in stems_by_shot.get(shot.id, []) if not s.is_ambience]),
                "ambience": beds.get(shot.id),
                "gain_applied_db": shot_loudness.get(shot.id, {}).get("gain_db", 0.0),
                "loudness": shot_loudness.get(shot.id),
                "done": shot.id in result.done_shots,
                "error": result.failed.get(shot.id),
            }
            for shot in result.shots
        ],
        "skipped_shots": [{"id": shot.id, "reason": reason} for shot, reason in result.skipped],
        "failed_shots": [{"id": shot_id, "error": error} for shot_id, error in result.failed.items()],
        "stems": [
            {
                "path": stem.path,
                "shot": stem.shot_id,
                "object": stem.object_id,
                "label": stem.label,
                "lane": stem.lane,
                "kind": stem.kind,
                "engine": stem.engine,
                "engine_requested": engine_requested,
                "record_start_sample": stem.record_start_sample,
                "length_samples": stem.length_samples,
                **stem_metrics.get(stem.path, {}),
            }
            for stem in result.stems
        ],
        "picture_seconds": round(result.picture_seconds, 6),
        "timings_s": {k: round(v, 4) for k, v in result.timings_s.items()},
        "cpu_timings_s": {k: round(v, 4) for k, v in result.cpu_s.items()},
    }


def placement_report(request: GenerateRequest) -> dict[str, Any]:
    """How the stems were placed and levelled, for report.json."""
    placement = request.placement
    return {
        "mode": ("binaural-sofa" if request.sofa_path else "binaural") if request.binaural or request.sofa_path else "stereo",
        "sofa": str(request.sofa_path) if request.sofa_path else None,
        "pan_law": placement.pan_law.value,
        "pan_reference_deg": request.hfov_deg / 2,
        "distance_model": placement.distance_model.value,
        "reference_distance_m": placement.reference_distance_m,
        "max_distance_m": placement.max_distance_m,
        "rolloff": placement.rolloff,
        "air_absorption": placement.air_absorption,
        "doppler": placement.doppler,
        "interchannel_delay_ms": placement.interchannel_delay_ms,
        "smoothing_ms": placement.smoothing_ms,
        "offscreen": request.curves.offscreen.value,
        "loudness_target_lufs": request.loudness.target_lufs,
        "true_peak_ceiling_dbtp": request.loudness.true_peak_ceiling_dbtp,
    }
