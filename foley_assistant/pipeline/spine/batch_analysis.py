"""`analyze --executor local|ray`: shots analyzed on worker processes, the tracks gathered here."""

from __future__ import annotations

from foley_assistant.core.project_settings import ProjectSettings
from foley_assistant.core.shot import Shot
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.analyze import AnalysisReport
from foley_assistant.pipeline.spine.batch import BatchProgress, drive
from foley_assistant.pipeline.spine.executors import ExecutorSpec, open_pool
from foley_assistant.pipeline.spine.shot_sound import EngineSpec, ShotJob, ShotOutcome


def analyze_on(shots: list[Shot], settings: ProjectSettings, executor: ExecutorSpec, context: JobContext, report: AnalysisReport) -> TracksDocument:
    """The tracks of `shots`, in their order, each analyzed by a worker of `executor` (with the
    detector and field of view of `settings`); a shot that fails, or whose worker died every
    time, is in `report.failed` and left out, as in a serial analysis."""
    engine = EngineSpec("procedural", settings.hfov_deg)  # opened by the workers, never used here
    jobs = [ShotJob(shot, None, (), settings, engine, analyze_only=True) for shot in shots]
    found: dict[str, ShotTracks] = {}

    def take(job: ShotJob, outcome: ShotOutcome) -> None:
        report.notes.extend((job.shot_id, message) for message in outcome.notes)
        if outcome.tracks is None:
            report.failed.append((job.shot_id, outcome.failure or "it could not be analyzed"))
        else:
            found[job.shot_id] = outcome.tracks

    def died(job: ShotJob, why: str) -> None:
        report.failed.append((job.shot_id, why))

    drive(jobs, open_pool(executor, engine.engine), context, BatchProgress(context, len(jobs)), take, died)
    return TracksDocument(tuple(found[s.id] for s in shots if s.id in found))
