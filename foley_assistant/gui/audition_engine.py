"""Audition: the blocks of sound the speakers play, in step with the transport's playhead.

The engine holds the shot's monitor mix (the stems with their gains, mutes and solos) and fills
each output block with the samples that belong at the moment the block is heard (its DAC time,
on the transport's clock). It keeps its own read cursor so consecutive blocks join without a
seam, and re-anchors on the transport when the editor jumps or changes speed, or when the cursor
drifts more than `resync_s` from where the playhead says it should be. Speeds other than 1 (J/K/L
shuttle, reverse) are varispeed, read with linear interpolation. A scrub (moving the playhead
while paused) plays one short grain at the new position.
"""

from __future__ import annotations

import threading

import numpy as np

from foley_assistant.gui.transport import Transport

SCRUB_GRAIN_S = 0.06
GRAIN_FADE_S = 0.005


class AuditionEngine:
    """Turns the transport into output blocks of (frames, 2) float32."""

    def __init__(self, transport: Transport, sample_rate: int, resync_s: float = 0.02) -> None:
        self.transport = transport
        self.sample_rate = sample_rate
        self.resync_s = resync_s
        self._audio = np.zeros((2, 1), dtype=np.float32)
        self._cursor = 0.0
        self._version = -1
        self._grain: np.ndarray | None = None
        self._lock = threading.Lock()

    def set_audio(self, audio: np.ndarray) -> None:
        """The mix to play, (2, n) float32, sample 0 at the transport's 0."""
        with self._lock:
            self._audio = np.ascontiguousarray(audio, dtype=np.float32) if audio.shape[1] else np.zeros((2, 1), np.float32)

    def scrub(self, position_s: float) -> None:
        """Play a short grain at `position_s` (when the playhead is dragged while paused)."""
        with self._lock:
            start = int(round(position_s * self.sample_rate))
            length = int(SCRUB_GRAIN_S * self.sample_rate)
            grain = self._audio[:, max(0, start) : max(0, start) + length].T.copy()
            fade = min(int(GRAIN_FADE_S * self.sample_rate), grain.shape[0] // 2)
            if fade:
                ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)[:, None]
                grain[:fade] *= ramp
                grain[-fade:] *= ramp[::-1]
            self._grain = grain

    def render_block(self, frames: int, dac_time: float) -> np.ndarray:
        """The `frames` x 2 samples heard from clock time `dac_time` on."""
        with self._lock:
            transport = self.transport
            if not transport.playing:
                self._version = -1
                return self._grain_block(frames)
            rate = transport.rate
            expected = transport.position(dac_time) * self.sample_rate
            length = self._audio.shape[1]
            drift = abs(_wrapped_distance(self._cursor, expected, length if transport.loop else 0))
            if transport.version != self._version or drift > self.resync_s * self.sample_rate:
                self._cursor = expected
                self._version = transport.version
            positions = self._cursor + rate * np.arange(frames, dtype=np.float64)
            self._cursor += rate * frames
            if transport.loop:
                duration_samples = transport.duration * self.sample_rate
                positions = np.mod(positions, duration_samples)
                self._cursor = float(np.mod(self._cursor, duration_samples))
            return _read(self._audio, positions)

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


def _read(audio: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Samples at fractional positions (linear interpolation); silence outside the audio."""
    length = audio.shape[1]
    base = np.floor(positions).astype(np.int64)
    frac = (positions - base).astype(np.float32)
    inside = (base >= 0) & (base < length)
    i0 = np.clip(base, 0, length - 1)
    i1 = np.clip(base + 1, 0, length - 1)
    out = audio[:, i0] * (1 - frac) + audio[:, i1] * frac
    out[:, ~inside] = 0.0
    return np.ascontiguousarray(out.T, dtype=np.float32)
