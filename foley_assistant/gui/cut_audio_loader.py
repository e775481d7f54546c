"""The cut's own audio decoded off the UI thread, around the playhead.

The window asks for the clips of a window of record time (`want`); each clip not yet decoded is
decoded on a background thread (`io.cut_audio.decode_clip`) and handed back through `decoded`
(on the UI thread, by Qt's queued signal). Clips far from the playhead are forgotten, so a long
cut's sound is never all in memory at once.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from PySide6.QtCore import QObject, Signal

from foley_assistant.core.errors import FoleyError
from foley_assistant.io.cut_audio import CutAudioClip, decode_clip

log = logging.getLogger(__name__)

KEEP_S = 60.0  # decoded clips further than this from the playhead are forgotten


class CutAudioLoader(QObject):
    """See the module docstring. `decoded(index, audio)`: clip `index` of `clips` as (2, n);
    `forgotten(index)`: drop it; `failed(message)`: a clip could not be read (said once per clip)."""

    decoded = Signal(int, object)
    forgotten = Signal(int)
    failed = Signal(str)

    def __init__(self, clips: list[CutAudioClip], sample_rate: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clips = clips
        self.sample_rate = sample_rate
        self.loaded: set[int] = set()
        self._queue: list[int] = []
        self._pending: set[int] = set()
        self._broken: set[int] = set()  # clips that could not be read: not tried again
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.decoded.connect(lambda index, _audio: self.loaded.add(index))

    def want(self, first_s: float, last_s: float) -> None:
        """Decode the clips that overlap [first_s, last_s] and are not decoded yet; forget the
        ones more than `KEEP_S` away."""
        for index in sorted(self.loaded):
            clip = self.clips[index]
            if float(clip.record_end) < first_s - KEEP_S or float(clip.record_start) > last_s + KEEP_S:
                self.loaded.discard(index)
                self.forgotten.emit(index)
        wanted = [i for i, c in enumerate(self.clips) if c.found and i not in self._broken and float(c.record_start) <= last_s and float(c.record_end) >= first_s and i not in self.loaded]
        with self._lock:
            for index in wanted:
                if index not in self._pending:
                    self._pending.add(index)
                    self._queue.append(index)
            if self._queue and (self._thread is None or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._work, name="cut-audio", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue or self._closed:
                    return
                index = self._queue.pop(0)
            clip = self.clips[index]
            try:
                audio: np.ndarray | None = decode_clip(clip, self.sample_rate)
            except FoleyError as exc:
                audio = None
                self.failed.emit(str(exc))
            except Exception:  # noqa: BLE001 - a bad file must not take the app down
                log.exception("decoding %s failed", clip.media_path)
                audio = None
                self.failed.emit(f"cannot read the sound of {clip.media_path}; the cut's audio plays without it.")
            with self._lock:
                self._pending.discard(index)
                if audio is None:
                    self._broken.add(index)
            if audio is not None and not self._closed:
                self.decoded.emit(index, audio)

    def close(self, timeout_s: float = 5.0) -> None:
        """Stop after the clip being decoded."""
        self._closed = True
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
