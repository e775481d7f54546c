"""`--executor local`: shots in worker processes on this machine.

Each worker is a one-process `concurrent.futures.ProcessPoolExecutor` started with the "spawn"
method (a fresh interpreter: no state, threads or open files copied from the driver), so a
worker that dies is known exactly: its executor breaks, its shot alone is retried (by
`pipeline.spine.batch.drive`) on a new worker, and the other workers go on. Workers ignore
Ctrl-C; the driver stops them. Each worker's numeric libraries get an equal share of the cores
(OpenMP/OpenBLAS/MKL through the environment a worker starts with, OpenCV through its own
call), as Ray does for its tasks: N workers with a thread per core each would run N times as
many threads as cores, and spinning BLAS threads then cost more than they bring.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Iterator

from foley_assistant.pipeline.spine.batch import Died
from foley_assistant.pipeline.spine.shot_sound import ShotJob, ShotOutcome, work_shot


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _start_worker(threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    import cv2

    from foley_assistant.vision.analyze import use_one_core

    cv2.setNumThreads(threads)
    if threads == 1:
        use_one_core()


@contextmanager
def _thread_environment(threads: int) -> Iterator[None]:
    """The environment a worker is spawned with: `threads` threads for OpenMP, OpenBLAS, MKL."""
    before = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    os.environ.update({name: str(threads) for name in THREAD_VARIABLES})
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class ProcessShotPool:
    """`workers` worker processes, one shot each at a time (see the module docstring)."""

    retries_inside = False

    def __init__(self, workers: int | None = None) -> None:
        self.slots = workers or default_workers()
        self.threads = max(1, default_workers() // self.slots)
        self._context = multiprocessing.get_context("spawn")
        self._free = [self._new() for _ in range(self.slots)]
        self._busy: dict[Future[ShotOutcome], ProcessPoolExecutor] = {}

    def _new(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=self._context, initializer=_start_worker, initargs=(self.threads,))

    def submit(self, job: ShotJob) -> Future[ShotOutcome]:
        """Start `job` on a free worker (a new one if that worker had died while idle)."""
        executor = self._free.pop()
        with _thread_environment(self.threads):  # a worker process is spawned on its first job
            try:
                future = executor.submit(work_shot, job)
            except BrokenProcessPool:
                executor.shutdown(wait=False)
                executor = self._new()
                future = executor.submit(work_shot, job)
        self._busy[future] = executor
        return future

    def wait(self, timeout: float) -> list[tuple[Future[ShotOutcome], ShotOutcome | Died]]:
        """The jobs finished within `timeout` seconds; a dead worker is replaced."""
        finished, _ = wait(list(self._busy), timeout=timeout, return_when=FIRST_COMPLETED)
        results: list[tuple[Future[ShotOutcome], ShotOutcome | Died]] = []
        for future in finished:
            executor = self._busy.pop(future)
            try:
                results.append((future, future.result()))
            except BrokenProcessPool:
                executor.shutdown(wait=False)
                executor = self._new()
                results.append((future, Died("the worker process ended without an answer")))
            finally:
                self._free.append(executor)
        return results

    def close(self, abandon: bool) -> None:
        """Stop every worker; with `abandon`, kill those still running a shot."""
        for executor in [*self._free, *self._busy.values()]:
            if abandon:
                # The standard library has no public way to stop a running task (3.14 adds
                # terminate_workers); the executor's own process table is the only handle.
                for process in list(getattr(executor, "_processes", {}).values()):
                    process.kill()
            executor.shutdown(wait=not abandon, cancel_futures=True)
        self._free, self._busy = [], {}
