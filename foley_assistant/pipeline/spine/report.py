"""report.json: what a run of the shot spine did, for the editor and for scripts.

It is an output only (`"schema": "foley_assistant.report/1"`): nothing reads it back as
configuration; the project file holds the decisions. It says which shots were asked for and
which were made or skipped, the placement and loudness they were made with (from the project's
settings), the notes, and per stem its engine, voice, events (`event_log`) and levels. Both the
command line's `generate` and the app's generate job write it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from foley_assistant import __version__
from foley_assistant.core.project import Project
from foley_assistant.core.project_settings import ProjectSettings
from foley_assistant.core.stem import Stem
from foley_assistant.io.atomic import write_json_atomic
from foley_assistant.pipeline.spine.shot_spine import ShotRun

REPORT_SCHEMA = "foley_assistant.report/1"
REPORT_FILE = "report.json"


def run_stems(project: Project, run: ShotRun) -> list[Stem]:
    """The stems the run made, as the project holds them (with their lanes)."""
    laned = {s.path: s for s in project.stems}
    return [laned.get(s.path, s) for s in run.stems]


def picture_seconds(run: ShotRun) -> float:
    """Seconds of picture the run made sound for."""
    return sum(float(made.shot.duration_seconds) for made in run.made)


def build_report(project: Project, run: ShotRun, *, media_path: Path | None = None, timings_s: dict[str, float] | None = None, cpu_s: dict[str, float] | None = None) -> dict[str, Any]:
    """The contents of report.json; per stem, `event_log` lists each event with the voice or file
    that sounded it; per shot, `ambience` is its bed ({"bed", "chosen", "stem"}) or None."""
    made = {m.shot_id: m for m in run.made}
    metrics = {path: values for m in run.made for path, values in m.metrics.items()}
    stems = run_stems(project, run)
    return {
        "schema": REPORT_SCHEMA,
        "tool": "foley-assistant",
        "version": __version__,
        "status": run.status,
        "timeline": project.timeline_path,
        "media": str(media_path.resolve()) if media_path else None,
        "sample_rate": run.settings.sample_rate,
        "engine_requested": run.engine_requested,
        "executor": run.executor,
        "resumed_shots": list(run.resumed),
        "placement": placement_report(run.settings),
        "ambience_requested": run.settings.ambience,
        "library": run.library_stats,
        "notes": run.notes,
        "shots": [
            {
                "id": shot.id,
                "clip": shot.clip_name,
                "track": shot.track_name,
                "record_tc_in": shot.record_tc_in,
                "record_tc_out": shot.record_tc_out,
                "duration_s": round(float(shot.duration_seconds), 6),
                "objects": len([s for s in made[shot.id].stems if not s.is_ambience]) if shot.id in made else 0,
                "ambience": made[shot.id].bed if shot.id in made else None,
                "gain_applied_db": (made[shot.id].loudness or {}).get("gain_db", 0.0) if shot.id in made else 0.0,
                "loudness": made[shot.id].loudness if shot.id in made else None,
                "done": shot.id in made,
                "error": run.failed.get(shot.id),
            }
            for shot in run.shots
        ],
        "skipped_shots": [{"id": shot.id, "reason": reason} for shot, reason in run.skipped],
        "failed_shots": [{"id": shot_id, "error": error} for shot_id, error in run.failed.items()],
        "stems": [
            {
                "path": stem.path,
                "shot": stem.shot_id,
                "object": stem.object_id,
                "label": stem.label,
                "lane": stem.lane,
                "kind": stem.kind,
                "engine": stem.engine,
                "engine_requested": run.engine_requested,
                "executor": run.executor,
                "resumed_shots": list(run.resumed),
                "record_start_sample": stem.record_start_sample,
                "length_samples": stem.length_samples,
                "handle_start_samples": stem.handle_start_samples,  # the file's samples before the cut (event times count from the file's start)
                "handle_end_samples": stem.handle_end_samples,
                **metrics.get(stem.path, {}),
            }
            for stem in stems
        ],
        "picture_seconds": round(picture_seconds(run), 6),
        "timings_s": {k: round(v, 4) for k, v in (timings_s or {}).items()},
        "cpu_timings_s": {k: round(v, 4) for k, v in (cpu_s or {}).items()},
    }


def placement_report(settings: ProjectSettings) -> dict[str, Any]:
    """How the stems were placed and levelled (the project's settings), for report.json."""
    placement = settings.placement
    return {
        "mode": placement.mode,
        "sofa": placement.sofa_path,
        "pan_law": placement.pan_law.value,
        "pan_reference_deg": placement.reference_deg(settings.hfov_deg),
        "distance_model": placement.distance_model,
        "reference_distance_m": placement.reference_distance_m,
        "max_distance_m": placement.max_distance_m,
        "rolloff": placement.rolloff,
        "air_absorption": placement.air_absorption,
        "doppler": placement.doppler,
        "interchannel_delay_ms": placement.interchannel_delay_ms,
        "smoothing_ms": placement.smoothing_ms,
        "offscreen": placement.offscreen,
        "loudness_target_lufs": settings.loudness.target_lufs,
        "true_peak_ceiling_dbtp": settings.loudness.true_peak_ceiling_dbtp,
        "loudness_scope": settings.loudness.scope,
    }


def write_report(root: Path, report: dict[str, Any]) -> Path:
    """Write report.json into the output folder (atomically); returns its path."""
    path = Path(root) / REPORT_FILE
    write_json_atomic(path, report)
    return path
