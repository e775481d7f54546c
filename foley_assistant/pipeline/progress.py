"""Stage bookkeeping for jobs: timings per stage and progress reports per stage."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from foley_assistant.core.progress import CancelToken, ProgressCallback, ProgressEvent


@dataclass
class StageClock:
    """Wall time spent per stage (seconds), accumulated over several entries, and the CPU time
    of the whole process (all its threads) while the stage ran."""

    seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measure(self, stage: str) -> Iterator[None]:
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start
            self.cpu_seconds[stage] = self.cpu_seconds.get(stage, 0.0) + time.process_time() - cpu


@dataclass
class JobContext:
    """What every stage of a job gets: where to report, how to know it should stop, its clock."""

    progress: ProgressCallback
    cancel: CancelToken
    clock: StageClock = field(default_factory=StageClock)
    started: float = field(default_factory=time.perf_counter)  # when the job began (perf_counter)

    def report(self, stage: str, done: float, total: float, message: str = "") -> None:
        """Report progress and stop here if the job was cancelled."""
        self.progress(ProgressEvent(stage, done, total, message))
        self.cancel.check()
