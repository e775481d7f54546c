"""Running a pipeline job off the UI thread, reporting progress through Qt signals."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, Signal

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.progress import CancelToken, ProgressEvent
from foley_assistant.pipeline.generate import GenerateRequest, GenerateResult, run_generate


class GenerateWorker(QObject):
    """Runs `run_generate` in its own thread; cancel() asks it to stop after the current step."""

    progress = Signal(str, float, str)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, request: GenerateRequest) -> None:
        super().__init__()
        self.request = request
        self.token = CancelToken()
        self._thread = QThread()
        self.moveToThread(self._thread)
        self._thread.started.connect(self.run)

    def start(self) -> None:
        self._thread.start()

    def cancel(self) -> None:
        self.token.cancel()

    def wait(self) -> None:
        """Block until the worker's thread has ended (after `finished` or `failed`)."""
        self._thread.wait()

    def _report(self, event: ProgressEvent) -> None:
        self.progress.emit(event.stage, event.fraction, event.message)

    def run(self) -> None:
        try:
            result: GenerateResult = run_generate(self.request, self._report, self.token)
            self.finished.emit(result)
        except FoleyError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown to the user instead of killing the thread
            self.failed.emit(f"internal error: {exc!r}")
        finally:
            self._thread.quit()
