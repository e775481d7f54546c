"""Audition: the blocks of sound the speakers play, in step with the transport's playhead.

The engine holds two layers of sound placed on the timeline: the foley (each shot's monitor mix,
its stems with their gains, mutes and solos, at the shot's first sample) and the cut's own audio
(production or guide tracks of the timeline), which has its own level and mute. It fills each
output block with the samples that belong at the moment the block is heard (its DAC time, on the
transport's clock). It keeps its own read cursor so consecutive blocks join without a seam, also
across cuts and loop points, and re-anchors on the transport when the editor jumps or changes
speed, or when the cursor drifts more than `resync_s` from where the playhead says it should be.
Speeds other than 1 (J/K/L shuttle, reverse) are varispeed, read with linear interpolation. A
scrub (moving the playhead while paused) plays one short grain at the new position.
"""

from __future__ import annotations

import threading
from typing import Hashable

import numpy as np

from foley_assistant.gui.transport import Transport

SCRUB_GRAIN_S = 0.06
GRAIN_FADE_S = 0.005


class PlacedAudio:
    """Stereo pieces placed on the timeline (each at its first sample), silence between them.
    Pieces may overlap (they add up)."""

    def __init__(self) -> None:
        self._pieces: dict[Hashable, tuple[int, np.ndarray]] = {}

    def put(self, key: Hashable, start: int, audio: np.ndarray) -> None:
        """Place `audio` (2, n) with its first sample at `start` (replacing the piece of `key`)."""
        self._pieces[key] = (int(start), np.ascontiguousarray(audio[:2], dtype=np.float32))

    def drop(self, key: Hashable) -> None:
        self._pieces.pop(key, None)

    def clear(self) -> None:
        self._pieces.clear()

    def keys(self) -> set[Hashable]:
        return set(self._pieces)

    def read(self, first: int, count: int) -> np.ndarray:
        """Samples `first` .. `first + count` as (2, count) float32."""
        out = np.zeros((2, count), dtype=np.float32)
        for start, audio in list(self._pieces.values()):
            lo, hi = max(first, start), min(first + count, start + audio.shape[1])
            if lo < hi:
                out[:, lo - first : hi - first] += audio[:, lo - start : hi - start]
        return out


class AuditionEngine:
    """Turns the transport into output blocks of (frames, 2) float32."""

    def __init__(self, transport: Transport, sample_rate: int, resync_s: float = 0.02) -> None:
        self.transport = transport
        self.sample_rate = sample_rate
        self.resync_s = resync_s
        self.foley = PlacedAudio()
        self.cut = PlacedAudio()
        self.cut_gain = 1.0
        self.foley_gain = 1.0
        self._cursor = 0.0
        self._version = -1
        self._grain: np.ndarray | None = None
        self.lock = threading.Lock()  # held while the layers change, so a block never reads half an update

    def set_audio(self, audio: np.ndarray) -> None:
        """Only this mix as the foley, (2, n) float32, sample 0 at the transport's 0."""
        with self.lock:
            self.foley.clear()
            if audio.shape[1]:
                self.foley.put("mix", 0, audio)

    def set_levels(self, foley_gain: float, cut_gain: float) -> None:
        """Linear gains of the foley and of the cut's own audio (0: muted)."""
        with self.lock:
            self.foley_gain, self.cut_gain = float(foley_gain), float(cut_gain)

    def scrub(self, position_s: float) -> None:
        """Play a short grain at `position_s` (when the playhead is dragged while paused)."""
        with self.lock:
            start = int(round(position_s * self.sample_rate))
            length = int(SCRUB_GRAIN_S * self.sample_rate)
            grain = self._mix_span(max(0, start), length).T.copy()
            fade = min(int(GRAIN_FADE_S * self.sample_rate), grain.shape[0] // 2)
            if fade:
                ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)[:, None]
                grain[:fade] *= ramp
                grain[-fade:] *= ramp[::-1]
            self._grain = grain

    def render_block(self, frames: int, dac_time: float) -> np.ndarray:
        """The `frames` x 2 samples heard from clock time `dac_time` on."""
        with self.lock:
            transport = self.transport
            if not transport.playing:
                self._version = -1
                return self._grain_block(frames)
            rate, sr = transport.rate, self.sample_rate
            expected = transport.position(dac_time) * sr
            start, end = transport.looped_span
            period = (end - start) * sr if transport.loop else 0.0
            if transport.version != self._version or abs(_wrapped_distance(self._cursor, expected, period)) > self.resync_s * sr:
                self._cursor = expected
                self._version = transport.version
            raw = self._cursor + rate * np.arange(frames + 1, dtype=np.float64)
            positions = transport.wrap(raw / sr) * sr
            self._cursor = float(positions[-1])
            return self._read(positions[:-1])

    def _mix_span(self, first: int, count: int) -> np.ndarray:
        mixed = self.foley.read(first, count)
        if self.foley_gain != 1.0:
            mixed *= self.foley_gain
        if self.cut_gain:
            mixed += self.cut_gain * self.cut.read(first, count)
        return mixed

    def _read(self, positions: np.ndarray) -> np.ndarray:
        """Samples at fractional positions (linear interpolation), read run by run: a block that
        crosses a loop point reads the two places it joins, not what lies between them."""
        out = np.empty((2, positions.size), dtype=np.float32)
        jumps = np.flatnonzero(np.abs(np.diff(positions)) > abs(self.transport.rate) + 2.0) + 1
        for run in np.split(np.arange(positions.size), jumps):
            if not run.size:
                continue
            where = positions[run]
            base = np.floor(where).astype(np.int64)
            first = int(base.min())
            chunk = self._mix_span(first, int(base.max()) - first + 2)
            offset = base - first
            frac = (where - base).astype(np.float32)
            out[:, run] = chunk[:, offset] * (1 - frac) + chunk[:, offset + 1] * frac
        return np.ascontiguousarray(out.T)

    def _grain_block(self, frames: int) -> np.ndarray:
        out = np.zeros((frames, 2), dtype=np.float32)
        if self._grain is not None:
            used = min(frames, self._grain.shape[0])
            out[:used] = self._grain[:used]
            self._grain = self._grain[used:] if used < self._grain.shape[0] else None
        return out


def _wrapped_distance(a: float, b: float, period: float) -> float:
    if period <= 0:
        return a - b
    d = (a - b) % period
    return d - period if d > period / 2 else d
