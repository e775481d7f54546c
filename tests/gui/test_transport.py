"""The playhead: position from an injectable clock, looping, J/K/L shuttle."""

from __future__ import annotations

import pytest

from foley_assistant.core.recent import push_recent
from foley_assistant.gui.transport import Transport


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_position_follows_the_clock_and_wraps_when_looping():
    clock = Clock()
    transport = Transport(4.0, clock=clock)
    transport.seek(1.0)
    assert transport.position() == 1.0 and not transport.playing
    transport.play()
    clock.now += 2.5
    assert transport.position() == pytest.approx(3.5)
    clock.now += 1.0
    assert transport.position() == pytest.approx(0.5)
    assert transport.position(at=clock.now + 0.25) == pytest.approx(0.75)
    transport.pause()
    clock.now += 10
    assert transport.position() == pytest.approx(0.5)


def test_without_loop_the_playhead_stops_at_the_end_and_play_restarts():
    clock = Clock()
    transport = Transport(2.0, clock=clock, loop=False)
    transport.play()
    clock.now += 5
    assert transport.position() == 2.0
    transport.pause()
    transport.play()
    assert transport.position() == 0.0


def test_jkl_shuttle():
    clock = Clock()
    transport = Transport(100.0, clock=clock)
    transport.seek(50.0)
    transport.shuttle_forward()
    assert transport.rate == 1.0
    transport.shuttle_forward()
    transport.shuttle_forward()
    assert transport.rate == 4.0
    clock.now += 1
    assert transport.position() == pytest.approx(54.0)
    transport.shuttle_reverse()
    assert transport.rate == -1.0
    transport.shuttle_reverse()
    clock.now += 2
    assert transport.position() == pytest.approx(50.0)
    for _ in range(6):
        transport.shuttle_reverse()
    assert transport.rate == -8.0
    transport.pause()
    assert not transport.playing
    version = transport.version
    transport.step(0.04)
    assert transport.position() == pytest.approx(50.04) and transport.version == version + 1
    transport.toggle()
    assert transport.rate == 1.0


def test_recent_files_are_newest_first_without_duplicates():
    assert push_recent(["a", "b", "c"], "b") == ["b", "a", "c"]
    assert push_recent([str(i) for i in range(10)], "x", limit=3) == ["x", "0", "1"]
