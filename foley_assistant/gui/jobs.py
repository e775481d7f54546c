"""Running pipeline jobs off the UI thread, with progress and cancel, reporting through signals."""

from __future__ import annotations

import logging
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from foley_assistant.core.errors import Cancelled, FoleyError
from foley_assistant.core.progress import CancelToken, ProgressEvent
from foley_assistant.pipeline.progress import JobContext

log = logging.getLogger(__name__)

JobFunction = Callable[[JobContext], Any]


class _JobThread(QThread):
    def __init__(self, body: Callable[[], None]) -> None:
        super().__init__()
        self._body = body

    def run(self) -> None:  # noqa: D102 - QThread's entry point
        self._body()


class JobWorker(QObject):
    """Runs `function(context)` in its own thread; `cancel()` asks it to stop at its next check.

    The worker object stays on the thread that made it (the UI thread) and emits from the job's
    thread, so every slot, lambdas included, runs on the UI thread: `progress(stage, fraction,
    message)`, then `finished(result)` or `failed(message)` (a `FoleyError`'s message as it is,
    anything else as an internal error), or `cancelled()` when it stopped on request.
    """

    progress = Signal(str, float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, name: str, function: JobFunction) -> None:
        super().__init__()
        self.name = name
        self.function = function
        self.token = CancelToken()
        self._thread = _JobThread(self._run)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the thread has ended (after `finished`, `failed` or `cancelled`)."""
        return self._thread.wait() if timeout_ms < 0 else self._thread.wait(timeout_ms)

    def _report(self, event: ProgressEvent) -> None:
        self.progress.emit(event.stage, event.fraction, event.message)

    def _run(self) -> None:
        try:
            result = self.function(JobContext(self._report, self.token))
            self.finished.emit(result)
        except Cancelled:
            self.cancelled.emit()
        except FoleyError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of killing the thread
            log.exception("job %s failed", self.name)
            self.failed.emit(f"internal error in {self.name}: {exc!r}")
