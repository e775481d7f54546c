"""Many shots on many workers: the driver's loop over a pool of worker processes, and its progress.

The driver keeps every worker busy with one shot at a time, hands each finished outcome to the
caller (which writes its files: workers never write into the output folder), and puts a shot
whose worker died back at the head of the queue, at most `MAX_RETRIES` times; then the shot is
reported as failed and the others go on. A cancelled run stops its workers at once and keeps the
shots already handed over. The pools: `pipeline.spine.process_pool` (`--executor local`) and
`pipeline.spine.ray_pool` (`--executor ray`).
"""

from __future__ import annotations

import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from foley_assistant.core.progress import ProgressEvent
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.shot_sound import ShotJob, ShotOutcome

#: how many times a shot whose worker died is tried again before it is reported as failed
MAX_RETRIES = 2


@dataclass(frozen=True)
class Died:
    """A job whose worker died (killed, out of memory, its machine gone) before it answered."""

    reason: str


class ShotPool(Protocol):
    """Worker processes that compute `ShotJob`s (`shot_sound.work_shot`)."""

    slots: int  # how many jobs run at once
    retries_inside: bool  # the pool already retried a job that is answered with `Died`

    def submit(self, job: ShotJob) -> Any:
        """Start a job; returns its handle."""

    def wait(self, timeout: float) -> list[tuple[Any, ShotOutcome | Died]]:
        """The jobs finished within `timeout` seconds (handle, outcome or death); an exception
        a job raised is raised here."""

    def close(self, abandon: bool) -> None:
        """Stop the workers (at once, dropping running jobs, when `abandon`)."""


class BatchProgress:
    """Shots done, running and failed, and an estimate of the time left, reported as the
    progress stage "shots" (the command line's bar and the app's jobs panel show it)."""

    def __init__(self, context: JobContext, total: int, reused: int = 0) -> None:
        self.context = context
        self.total = total
        self.done = reused
        self.reused = reused
        self.failed = 0
        self.running = 0
        self.started = time.perf_counter()

    def eta_seconds(self) -> float | None:
        """Seconds left at the pace of the shots finished in this run (None before the first)."""
        made = self.done + self.failed - self.reused
        if made <= 0:
            return None
        left = self.total - self.done - self.failed
        return (time.perf_counter() - self.started) / made * left

    def message(self) -> str:
        """`12/40 done, 2 running, 1 failed, ETA 3m20s` (no ETA before a shot of this run is made)."""
        eta = self.eta_seconds()
        left = "" if eta is None else f", ETA {_duration(eta)}"
        return f"{self.done}/{self.total} done, {self.running} running, {self.failed} failed{left}"

    def report(self) -> None:
        """Send the counts to the job's progress callback."""
        self.context.progress(ProgressEvent("shots", self.done + self.failed, self.total, self.message()))


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def drive(
    jobs: list[ShotJob],
    pool: ShotPool,
    context: JobContext,
    progress: BatchProgress,
    on_outcome: Callable[[ShotJob, ShotOutcome], None],
    on_died: Callable[[ShotJob, str], None],
    on_retry: Callable[[ShotJob, str], None] | None = None,
) -> None:
    """Run `jobs` on `pool` (see the module docstring); `on_outcome` gets each finished job in the
    driver's process, `on_died` each job given up on with why, `on_retry` each job whose worker
    died and that is tried again. Raises `Cancelled` when the job's cancel token is set (the pool
    is stopped first)."""
    queue = deque(jobs)
    running: dict[Any, ShotJob] = {}
    deaths: Counter[str] = Counter()
    try:
        while queue or running:
            context.cancel.check()
            while queue and len(running) < pool.slots:
                job = queue.popleft()
                running[pool.submit(job)] = job
            progress.running = len(running)
            progress.report()
            for handle, result in pool.wait(0.25):
                job = running.pop(handle)
                if isinstance(result, Died):
                    deaths[job.shot_id] += 1
                    tries = (MAX_RETRIES + 1) if pool.retries_inside else deaths[job.shot_id]
                    if pool.retries_inside or deaths[job.shot_id] > MAX_RETRIES:
                        on_died(job, f"its worker died {tries} times ({result.reason}); nothing was made for it")
                        progress.failed += 1
                    else:
                        queue.appendleft(job)
                        if on_retry is not None:
                            on_retry(job, result.reason)
                    continue
                on_outcome(job, result)
                if result.failure is None:
                    progress.done += 1
                else:
                    progress.failed += 1
        progress.running = 0
        progress.report()
    finally:
        pool.close(abandon=bool(running))
