"""Progress reports and cancellation shared by every long-running stage."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from foley_assistant.core.errors import Cancelled


@dataclass(frozen=True)
class ProgressEvent:
    """How far a stage has come: `done` out of `total` units (frames, objects, files)."""

    stage: str
    done: float
    total: float
    message: str = ""

    @property
    def fraction(self) -> float:
        """0..1 (1 when the total is unknown or zero)."""
        return 1.0 if self.total <= 0 else min(1.0, max(0.0, self.done / self.total))


ProgressCallback = Callable[[ProgressEvent], None]


def ignore_progress(event: ProgressEvent) -> None:
    """A progress callback that drops every event."""


class CancelToken:
    """Set from any thread to ask a running job to stop at its next check."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if cancellation was asked for."""
        if self._event.is_set():
            raise Cancelled("cancelled")
