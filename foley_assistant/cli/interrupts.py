"""Ctrl-C during a long command: the first asks the job to stop after saving what it finished,
a second stops at once."""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from types import FrameType
from typing import Iterator

from foley_assistant.core.progress import CancelToken


@contextmanager
def interrupt_cancels(cancel: CancelToken) -> Iterator[None]:
    """While inside, SIGINT (Ctrl-C) sets `cancel` (the job then saves its finished work and
    returns); a second SIGINT raises KeyboardInterrupt. Outside the main thread nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if cancel.cancelled:
            raise KeyboardInterrupt
        cancel.cancel()
        print("\nstopping: saving the finished shots and report.json (Ctrl-C again to stop at once)", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
