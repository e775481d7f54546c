"""A progress bar on stderr, drawn only on a terminal and redrawn at most ten times a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from foley_assistant.core.progress import ProgressEvent

BAR_WIDTH = 28
MESSAGE_WIDTH = 44  # "12/40 done, 2 running, 1 failed, ETA 3m20s" fits


class TerminalProgress:
    """A progress callback that draws one line per stage on an interactive stderr."""

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._stage = ""
        self._last_draw = 0.0

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        new_stage = event.stage != self._stage
        if not new_stage and event.fraction < 1.0 and now - self._last_draw < 0.1:
            return
        if new_stage and self._stage:
            self.stream.write("\n")
        self._stage, self._last_draw = event.stage, now
        filled = int(round(event.fraction * BAR_WIDTH))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stream.write(f"\r{event.stage:<9} [{bar}] {event.fraction * 100:5.1f}%  {event.message[:MESSAGE_WIDTH]:<{MESSAGE_WIDTH}}")
        self.stream.flush()

    def close(self) -> None:
        """End the last line."""
        if self.enabled and self._stage:
            self.stream.write("\n")
            self.stream.flush()
            self._stage = ""
