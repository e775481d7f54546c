"""Audition sync: the sound a block carries is the sound of the picture shown when it is heard."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.gui.audition_engine import AuditionEngine
from foley_assistant.gui.transport import Transport

RATE = 48000
FPS = 25
BLOCK = 512
LATENCY = 0.035


class Clock:
    def __init__(self) -> None:
        self.now = 10.0

    def __call__(self) -> float:
        return self.now


def _clicks(seconds: float, at: list[float]) -> np.ndarray:
    audio = np.zeros((2, int(seconds * RATE)), dtype=np.float32)
    for time in at:
        audio[:, int(round(time * RATE))] = 1.0
    return audio


def _play(engine: AuditionEngine, clock: Clock, seconds: float, clock_speed: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Run the output like a sound card: blocks asked for ahead of their DAC time. Returns the
    samples and the clock time at which each is heard. `clock_speed` != 1 is a device clock
    that drifts from the nominal sample rate."""
    out, heard = [], []
    start = clock.now
    for k in range(int(seconds * RATE / BLOCK)):
        dac = start + LATENCY + k * BLOCK / RATE * clock_speed
        clock.now = dac - LATENCY  # the callback runs one latency before its block is heard
        out.append(engine.render_block(BLOCK, dac))
        heard.append(dac + np.arange(BLOCK) / RATE * clock_speed)
    return np.concatenate(out), np.concatenate(heard)


def _offsets(transport: Transport, samples: np.ndarray, heard: np.ndarray, expected: list[float]) -> list[float]:
    """For each click heard, how far (in frames) the picture shown at that moment is from the
    frame the click belongs to."""
    hits = np.flatnonzero(samples[:, 0] > 0.5)
    offsets = []
    for hit, want in zip(hits, expected):
        shown = transport.position(at=heard[hit])
        offsets.append((shown - want) * FPS)
    assert len(hits) == len(expected)
    return offsets


def test_clicks_are_heard_within_a_frame_of_their_picture():
    clock = Clock()
    transport = Transport(6.0, clock=clock, loop=False)
    engine = AuditionEngine(transport, RATE)
    engine.set_audio(_clicks(6.0, [0.5, 2.0, 4.04]))
    transport.play()
    samples, heard = _play(engine, clock, 5.0)
    offsets = _offsets(transport, samples, heard, [0.5, 2.0, 4.04])
    assert max(abs(o) for o in offsets) < 0.01  # well inside one frame: the same clock drives both


def test_sync_holds_through_a_loop_a_seek_and_double_speed():
    clock = Clock()
    transport = Transport(2.0, clock=clock, loop=True)
    engine = AuditionEngine(transport, RATE)
    engine.set_audio(_clicks(2.0, [1.0]))
    transport.play()
    samples, heard = _play(engine, clock, 5.2)  # three passes through the click at 1.0 s
    assert [round(o, 3) for o in _offsets(transport, samples, heard, [1.0, 1.0, 1.0])] == [0.0, 0.0, 0.0]
    transport.seek(0.5)
    transport.play(2.0)
    samples, heard = _play(engine, clock, 0.5)
    hits = np.flatnonzero(samples[:, 0] > 0.2)
    assert hits.size >= 1
    assert abs(transport.position(at=heard[hits[0]]) - 1.0) * FPS < 1.0


def test_a_drifting_device_clock_is_pulled_back_into_sync():
    clock = Clock()
    transport = Transport(30.0, clock=clock, loop=False)
    engine = AuditionEngine(transport, RATE, resync_s=0.02)
    clicks = [5.0, 15.0, 25.0]
    engine.set_audio(_clicks(30.0, clicks))
    transport.play()
    samples, heard = _play(engine, clock, 28.0, clock_speed=1.002)  # 2 ms per second fast
    offsets = _offsets(transport, samples, heard, clicks)
    assert max(abs(o) for o in offsets) < 1.0
    assert not all(abs(o) < 1e-9 for o in offsets)  # it did drift, and was corrected


def test_reverse_playback_reads_the_audio_backwards():
    clock = Clock()
    transport = Transport(2.0, clock=clock, loop=False)
    engine = AuditionEngine(transport, RATE)
    ramp = np.tile(np.linspace(0, 1, 2 * RATE, dtype=np.float32), (2, 1))
    engine.set_audio(ramp)
    transport.seek(1.5)
    transport.play(-1.0)
    block = engine.render_block(BLOCK, clock.now)
    assert block[0, 0] == pytest.approx(0.75, abs=1e-4)
    assert np.all(np.diff(block[:, 0]) < 0)


def test_paused_output_is_silent_except_for_a_scrub_grain():
    clock = Clock()
    transport = Transport(2.0, clock=clock)
    engine = AuditionEngine(transport, RATE)
    engine.set_audio(np.full((2, 2 * RATE), 0.5, dtype=np.float32))
    assert not engine.render_block(BLOCK, clock.now).any()
    engine.scrub(1.0)
    grain = np.concatenate([engine.render_block(BLOCK, clock.now) for _ in range(8)])
    sounding = np.flatnonzero(grain[:, 0])
    assert sounding.size == pytest.approx(0.06 * RATE, abs=2)
    assert grain[sounding.size // 2, 0] == pytest.approx(0.5)
    assert not engine.render_block(BLOCK, clock.now).any()
