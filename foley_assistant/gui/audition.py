"""Audition in the app: the transport, the audio engine and the output device, driven by a timer.

The playhead is in record time over the whole timeline (seconds from its first frame), so play
runs across cuts; the window tells the controller which shot is current (`set_shot`) so that
`seek` and `step` can speak in seconds into that shot, and looping without marks loops it.

The audio device is opened on the first play. When there is none (no PortAudio, no output
device: this machine, a headless server) the controller says so once through `message` and
plays picture only, on the monotonic clock. `output_factory` and `clock` are injectable so that
the sync can be tested without a sound card.
"""

from __future__ import annotations

import time
from typing import Callable, Hashable

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from foley_assistant.gui.audition_engine import AuditionEngine
from foley_assistant.gui.transport import Transport
from foley_assistant.io.playback import AudioDeviceError, AudioOutput, open_output

TICK_MS = 15

OutputFactory = Callable[[Callable[[int, float], np.ndarray], int], AudioOutput]


class AuditionController(QObject):
    """Owns the transport; `positionChanged` carries the playhead (seconds from the timeline's
    first frame)."""

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
        self.transport = Transport(1.0, clock=self.clock, loop=False)
        self.engine = AuditionEngine(self.transport, sample_rate)
        self.last_block: np.ndarray | None = None
        self.shot_start = 0.0  # the current shot, in record seconds
        self.shot_duration = 1.0
        self.marks: tuple[float | None, float | None] = (None, None)
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

    # --- what is played ---------------------------------------------------------------------------

    def set_timeline(self, duration_s: float) -> None:
        """A new timeline of `duration_s` seconds: paused at its start, no sound placed yet."""
        self._stop_timer()
        self.transport.set_duration(max(duration_s, 1e-3))
        with self.engine.lock:
            self.engine.foley.clear()
            self.engine.cut.clear()
        self.marks = (None, None)
        self.set_shot(0.0, duration_s)
        self.positionChanged.emit(0.0)

    def set_shot(self, start_s: float, duration_s: float) -> None:
        """The shot the window shows: `start_s` record seconds, `duration_s` long. Looping without
        marks loops it."""
        self.shot_start, self.shot_duration = float(start_s), max(float(duration_s), 1e-3)
        self._update_loop_range()

    def set_audio(self, audio: np.ndarray | None) -> None:
        """Only `audio` (2, n) as the foley, from the timeline's start (tests, a one-shot cut)."""
        self.engine.set_audio(audio if audio is not None else np.zeros((2, 0), dtype=np.float32))

    def place_foley(self, key: Hashable, start_sample: int, audio: np.ndarray | None) -> None:
        """A shot's monitor mix at its first sample (None removes it)."""
        with self.engine.lock:
            if audio is None:
                self.engine.foley.drop(key)
            else:
                self.engine.foley.put(key, start_sample, audio)

    def clear_foley(self) -> None:
        with self.engine.lock:
            self.engine.foley.clear()

    def place_cut_audio(self, key: Hashable, start_sample: int, audio: np.ndarray | None) -> None:
        """A clip of the cut's own audio at its first sample (None removes it)."""
        with self.engine.lock:
            if audio is None:
                self.engine.cut.drop(key)
            else:
                self.engine.cut.put(key, start_sample, audio)

    def set_levels(self, foley_gain: float, cut_gain: float) -> None:
        self.engine.set_levels(foley_gain, cut_gain)

    # --- transport --------------------------------------------------------------------------------

    def record_position(self) -> float:
        """The playhead, seconds from the timeline's first frame."""
        return self.transport.position()

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

    def play_from(self, record_s: float) -> None:
        """Play forward from `record_s` (a pre-roll start)."""
        self.ensure_output()
        self.transport.play_from(max(record_s, 0.0), 1.0)
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
        """Move the playhead to `seconds` into the current shot (see `seek_record`)."""
        self.seek_record(self.shot_start + seconds, scrub)

    def seek_record(self, record_s: float, scrub: bool = True) -> None:
        """Move the playhead to `record_s`; while paused a short grain is heard (scrubbing)."""
        self.transport.seek(record_s)
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

    def set_marks(self, mark_in: float | None, mark_out: float | None) -> None:
        """The editor's in and out points (record seconds, None when unset); with both, looping
        plays between them."""
        self.marks = (mark_in, mark_out)
        self._update_loop_range()

    def set_preroll(self, seconds: float) -> None:
        self.transport.preroll = max(float(seconds), 0.0)

    def _update_loop_range(self) -> None:
        mark_in, mark_out = self.marks
        if mark_in is not None and mark_out is not None and mark_out > mark_in:
            span = (mark_in, mark_out)
        else:
            span = (self.shot_start, self.shot_start + self.shot_duration)
        if span != self.transport.loop_range:
            self.transport.set_loop_range(span)

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
        transport = self.transport
        position = transport.position()
        if not transport.loop and transport.playing and (position >= transport.duration or position <= 0.0 and transport.rate < 0):
            transport.pause()
            self._stop_timer()
        self.positionChanged.emit(position)

    def close(self) -> None:
        self.timer.stop()
        if self.output is not None:
            self.output.close()
            self.output = None
