"""Stems made in the background for objects the editor added or relabelled, one at a time, beside
(not in the way of) the window's own jobs, each with a state the objects list shows.

`request(shot_id, object_id)` queues an object; `job_for` (given by the window) turns it into a
job function over a snapshot of the session, or None when there is nothing to make; `take` puts a
finished result into the session (True when taken). `states` holds, per (shot, object), the state
shown in its row: "rendering…", "stem ready", or why it failed; `changed` says a state moved.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, Signal

from foley_assistant.gui.jobs import JobFunction, JobWorker

RENDERING = "rendering stem…"
READY = "stem ready"

Key = tuple[str, str]


class StemRenderQueue(QObject):
    """See the module docstring."""

    changed = Signal(str, str)  # shot id, object id
    taken = Signal(str, str)  # a stem was put into the project

    def __init__(self, job_for: Callable[[str, str], JobFunction | None], take: Callable[[Any], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job_for = job_for
        self.take = take
        self.states: dict[Key, str] = {}
        self._queue: list[Key] = []
        self._running: tuple[Key, JobWorker] | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None or bool(self._queue)

    def request(self, shot_id: str, object_id: str) -> None:
        """Make the object's stem (again, if one is being made now: its edit changed it)."""
        key = (shot_id, object_id)
        if key not in self._queue:
            self._queue.append(key)
        self._set(key, RENDERING)
        self._next()

    def state_of(self, shot_id: str, object_id: str) -> str:
        return self.states.get((shot_id, object_id), "")

    def _set(self, key: Key, state: str) -> None:
        self.states[key] = state
        self.changed.emit(*key)

    def _next(self) -> None:
        while self._running is None and self._queue:
            key = self._queue.pop(0)
            function = self.job_for(*key)
            if function is None:
                self.states.pop(key, None)
                self.changed.emit(*key)
                continue
            worker = JobWorker(f"Stem of {key[1]}", function)
            worker.finished.connect(lambda result, k=key: self._finished(k, result))
            worker.failed.connect(lambda message, k=key: self._ended(k, f"stem failed: {message}"))
            worker.cancelled.connect(lambda k=key: self._ended(k, ""))
            self._running = (key, worker)
            worker.start()

    def _finished(self, key: Key, result: Any) -> None:
        requeued = key in self._queue  # edited again while it was made: another is on its way
        taken = self.take(result)  # taken only if the object still has the label it was made for
        self._ended(key, RENDERING if requeued else READY if taken else "")
        if taken:
            self.taken.emit(*key)

    def _ended(self, key: Key, state: str) -> None:
        if self._running is not None:
            self._running[1].wait()
        self._running = None
        if state:
            self._set(key, state)
        else:
            self.states.pop(key, None)
            self.changed.emit(*key)
        self._next()

    def reset(self) -> None:
        """Another project: nothing queued, nothing being made, no states."""
        self.close()
        self.states.clear()

    def close(self) -> None:
        """Stop: the queue is dropped, the stem being made is cancelled and waited for."""
        self._queue.clear()
        if self._running is not None:
            self._running[1].cancel()
            self._running[1].wait()
            self._running = None
