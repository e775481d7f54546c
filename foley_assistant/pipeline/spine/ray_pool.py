"""`--executor ray`: shots as Ray tasks on a cluster (or on a local one started for the run).

Procedural and library shots are tasks of one CPU each (`shot_sound.work_shot`), retried by Ray
when their worker dies (`max_retries`, the same bound as the local pool); a shot whose worker
died every time comes back as `Died` and is reported. Neural shots go to actors that hold the
model, one per GPU of the cluster (`num_gpus=1`), or one on a CPU where the cluster has no GPU.
Only the driver writes files; workers return the shot's arrays. Ray is imported only here, and
this module only when `--executor ray` is asked for.
"""

from __future__ import annotations

from typing import Any

from foley_assistant.core.errors import FoleyError
from foley_assistant.pipeline.spine.batch import MAX_RETRIES, Died
from foley_assistant.pipeline.spine.shot_sound import ShotJob, ShotOutcome, work_shot

try:
    import ray
    from ray.exceptions import GetTimeoutError, ObjectLostError, RayActorError, RayTaskError, WorkerCrashedError
except ImportError as exc:  # the optional extra is not installed
    ray = None
    _IMPORT_ERROR: ImportError | None = exc
else:
    _IMPORT_ERROR = None

LOST = () if ray is None else (WorkerCrashedError, RayActorError, ObjectLostError)


class _ShotActor:
    """A worker that keeps its engine (the neural model) loaded between shots."""

    def work(self, job: ShotJob) -> ShotOutcome:
        return work_shot(job)


class RayShotPool:
    """Shots on Ray (see the module docstring). `address` joins a running cluster ("auto", or
    host:port); without it a local cluster of `workers` CPUs is started and stopped with the run."""

    retries_inside = True

    def __init__(self, engine: str, workers: int | None = None, address: str | None = None) -> None:
        if ray is None:
            raise FoleyError(f"--executor ray needs Ray, which is not installed ({_IMPORT_ERROR}): pip install 'foley-assistant[ray]', or use --executor local.")
        self._started = not ray.is_initialized()
        if self._started:
            try:
                ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise FoleyError(f"could not reach the Ray cluster at {address or 'a new local cluster'} ({exc}); check --ray-address, or use --executor local.") from exc
        resources = ray.cluster_resources()
        self._actors: list[Any] = []
        self._idle: list[Any] = []
        self._owner: dict[Any, Any] = {}
        if engine == "neural":
            gpus = int(resources.get("GPU", 0))
            options = {"num_gpus": 1} if gpus else {"num_cpus": 1}
            actor = ray.remote(max_restarts=MAX_RETRIES, max_task_retries=MAX_RETRIES, **options)(_ShotActor)
            self._actors = [actor.remote() for _ in range(max(1, gpus))]
            self._idle = list(self._actors)
            self.slots = len(self._actors)
        else:
            self._task = ray.remote(num_cpus=1, max_retries=MAX_RETRIES)(work_shot_on_one_core)
            self.slots = workers or max(1, int(resources.get("CPU", 1)))
        self._pending: list[Any] = []

    def submit(self, job: ShotJob) -> Any:
        """Start `job` as a task (or on an idle actor)."""
        if self._actors:
            actor = self._idle.pop()
            ref = actor.work.remote(job)
            self._owner[ref] = actor
        else:
            ref = self._task.remote(job)
        self._pending.append(ref)
        return ref

    def wait(self, timeout: float) -> list[tuple[Any, ShotOutcome | Died]]:
        """The jobs finished within `timeout` seconds; one whose workers all died is `Died`."""
        if not self._pending:
            return []
        ready, self._pending = ray.wait(self._pending, num_returns=len(self._pending), timeout=timeout)
        results: list[tuple[Any, ShotOutcome | Died]] = []
        for ref in ready:
            if ref in self._owner:
                self._idle.append(self._owner.pop(ref))
            try:
                results.append((ref, ray.get(ref)))
            except LOST as exc:
                results.append((ref, Died(type(exc).__name__)))
            except RayTaskError as exc:
                raise exc.as_instanceof_cause() from None
            except GetTimeoutError:  # not ready after all: wait again
                self._pending.append(ref)
        return results

    def close(self, abandon: bool) -> None:
        """Cancel what is still running; stop the local cluster this pool started."""
        if abandon:
            for ref in self._pending:
                ray.cancel(ref, force=not self._actors)
        for actor in self._actors:
            ray.kill(actor)
        self._pending, self._actors, self._idle = [], [], []
        if self._started:
            ray.shutdown()


def work_shot_on_one_core(job: ShotJob) -> ShotOutcome:
    """`work_shot` in a task that Ray gave one CPU: analysis on one thread (the same result)."""
    from foley_assistant.vision.analyze import use_one_core

    use_one_core()
    return work_shot(job)
