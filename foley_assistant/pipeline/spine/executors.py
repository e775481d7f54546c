"""Where a run's shots are computed: `serial` (in the driver, one after another), `local` (worker
processes on this machine) or `ray` (Ray tasks on a cluster). The files are the same, byte for
byte, whichever runs them: every worker runs the same `shot_sound.compute_shot`, and the driver
writes every file."""

from __future__ import annotations

from dataclasses import dataclass

from foley_assistant.core.errors import FoleyError
from foley_assistant.pipeline.spine.batch import ShotPool

EXECUTORS = ("serial", "local", "ray")


@dataclass(frozen=True)
class ExecutorSpec:
    """The executor asked for: its kind, how many workers (None: one per core of this machine,
    or of the Ray cluster) and the Ray cluster to join (None: start a local one)."""

    kind: str = "serial"
    workers: int | None = None
    ray_address: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in EXECUTORS:
            raise FoleyError(f"unknown executor {self.kind!r}; choose one of {', '.join(EXECUTORS)}.")
        if self.workers is not None and self.workers < 1:
            raise FoleyError(f"--workers must be 1 or more, got {self.workers}.")
        if self.ray_address is not None and self.kind != "ray":
            raise FoleyError("--ray-address is for --executor ray.")


SERIAL = ExecutorSpec()


def open_pool(spec: ExecutorSpec, engine: str) -> ShotPool:
    """The worker pool of a `local` or `ray` executor for `engine` (the one that runs); Ray is
    imported here only."""
    if spec.kind == "local":
        from foley_assistant.pipeline.spine.process_pool import ProcessShotPool

        return ProcessShotPool(spec.workers)
    if spec.kind == "ray":
        from foley_assistant.pipeline.spine.ray_pool import RayShotPool

        return RayShotPool(engine, spec.workers, spec.ray_address)
    raise ValueError(f"the {spec.kind} executor has no pool")
