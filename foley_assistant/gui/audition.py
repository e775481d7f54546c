"""Audition in the app: the transport, the audio engine and the output device, driven by a timer.

The audio device is opened on the first play. When there is none (no PortAudio, no output
device: this machine, a headless server) the controller says so once through `message` and
plays picture only, on the monotonic clock. `output_factory` and `clock` are injectable so that
the sync can be tested without a sound card.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from foley_assistant.gui.audition_engine import AuditionEngine
from foley_assistant.gui.transport import Transport
from foley_assistant.io.playback import AudioDeviceError, AudioOutput, open_output

TICK_MS = 15

OutputFactory = Callable[[Callable[[int, float], np.ndarray], int], AudioOutput]


class AuditionController(QObject):
    """Owns the transport; `positionChanged` carries the playhead (seconds into the shot)."""

    positionChanged = Signal(float)
    playingChanged = Signal(bool)
    message = Signal(str)

    def __init__(self, sample_rate: int = 48000, output_factory: OutputFactory = open_output, clock: Callable[[], float] | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.sample_rate = sample_rate
        self.output_factory = output_factory
        self.output: AudioOutput | None = None
        self.audio_error: str | None = None
        self._fallback_clock = clock or time.monotonic
        self.transport = Transport(1.0, clock=self.clock)
        self.engine = AuditionEngine(self.transport, sample_rate)
        self.last_block: np.ndarray | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self.tick)

    def clock(self) -> float:
        return self.output.time() if self.output is not None else self._fallback_clock()

    def _render(self, frames: int, dac_time: float) -> np.ndarray:
        block = self.engine.render_block(frames, dac_time)
        self.last_block = block
        return block

    def ensure_output(self) -> None:
        """Open the audio device once; on failure, say why and go on with picture only."""
        if self.output is not None or self.audio_error is not None:
            return
        position = self.transport.position()
        try:
            self.output = self.output_factory(self._render, self.sample_rate)
        except AudioDeviceError as exc:
            self.audio_error = str(exc)
            self.message.emit(f"No sound: {exc}")
        self.transport.seek(position)  # re-anchored on the clock now in use

    @property
    def picture_only(self) -> bool:
        return self.output is None

    def set_shot(self, duration_s: float, audio: np.ndarray | None) -> None:
        """A new shot: paused at its start, with its monitor mix."""
        self.transport.set_duration(max(duration_s, 1e-3))
        self.set_audio(audio)
        self._stop_timer()
        self.positionChanged.emit(0.0)

    def set_audio(self, audio: np.ndarray | None) -> None:
        self.engine.set_audio(audio if audio is not None else np.zeros((2, 1), dtype=np.float32))

    # --- transport --------------------------------------------------------------------------------

    def _started(self) -> None:
        if not self.timer.isActive():
            self.timer.start()
        self.playingChanged.emit(self.transport.playing)

    def toggle(self) -> None:
        self.ensure_output()
        self.transport.toggle()
        self._after_change()

    def play(self, rate: float = 1.0) -> None:
        self.ensure_output()
        self.transport.play(rate)
        self._after_change()

    def pause(self) -> None:
        self.transport.pause()
        self._after_change()

    def shuttle(self, key: str) -> None:
        """J, K or L."""
        self.ensure_output()
        {"j": self.transport.shuttle_reverse, "k": self.transport.pause, "l": self.transport.shuttle_forward}[key.lower()]()
        self._after_change()

    def seek(self, seconds: float, scrub: bool = True) -> None:
        """Move the playhead; while paused a short grain is heard (scrubbing)."""
        self.transport.seek(seconds)
        if scrub and not self.transport.playing and self.output is not None:
            self.engine.scrub(self.transport.position())
        self.positionChanged.emit(self.transport.position())

    def step(self, seconds: float) -> None:
        self.transport.step(seconds)
        self._after_change()

    def set_loop(self, on: bool) -> None:
        position = self.transport.position()
        self.transport.loop = on
        self.transport.seek(position)

    def _after_change(self) -> None:
        if self.transport.playing:
            self._started()
        else:
            self._stop_timer()
        self.positionChanged.emit(self.transport.position())

    def _stop_timer(self) -> None:
        self.timer.stop()
        self.playingChanged.emit(False)

    def tick(self) -> None:
        position = self.transport.position()
        if not self.transport.loop and self.transport.playing and (position >= self.transport.duration or position <= 0.0 and self.transport.rate < 0):
            self.transport.pause()
            self._stop_timer()
        self.positionChanged.emit(position)

    def close(self) -> None:
        self.timer.stop()
        if self.output is not None:
            self.output.close()
            self.output = None
