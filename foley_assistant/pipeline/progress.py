"""Stage bookkeeping for jobs: timings per stage and progress reports per stage."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from foley_assistant.core.progress import CancelToken, ProgressCallback, ProgressEvent


@dataclass
class StageClock:
    """Wall time spent per stage (seconds), accumulated over several entries."""

    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def measure(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start


@dataclass
class JobContext:
    """What every stage of a job gets: where to report, how to know it should stop, its clock."""

    progress: ProgressCallback
    cancel: CancelToken
    clock: StageClock = field(default_factory=StageClock)

    def report(self, stage: str, done: float, total: float, message: str = "") -> None:
        """Report progress and stop here if the job was cancelled."""
        self.progress(ProgressEvent(stage, done, total, message))
        self.cancel.check()
