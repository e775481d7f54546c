"""Transport like an editor's (issue 16, item 2): play runs across cuts in record time (picture
and foley of the next shot, seamlessly), in/out marks on the ruler loop with Ctrl+L, pre-roll
before the in point or a selected key."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from foley_assistant.core.timebase import frames_to_timecode
from foley_assistant.gui.audition_engine import AuditionEngine
from foley_assistant.gui.transport import Transport

from .conftest import FakeClock
from .test_app import _click_clip

RATE = 48000


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_a_loop_range_with_pre_roll_plays_the_pre_roll_once_then_loops():
    clock = Clock()
    transport = Transport(10.0, clock=clock, loop=True, loop_range=(4.0, 6.0), preroll=2.0)
    transport.seek(0.5)  # outside the range and its pre-roll
    transport.play()
    assert transport.position() == pytest.approx(2.0)  # the in point less the pre-roll
    clock.now += 1.0
    assert transport.position() == pytest.approx(3.0)  # still in the pre-roll
    clock.now += 3.25
    assert transport.position() == pytest.approx(4.25)  # past the out point: back at the in point
    clock.now += 2.0
    assert transport.position() == pytest.approx(4.25)
    transport.seek(4.5)
    transport.play(-1.0)  # reverse loops too
    clock.now += 1.0
    assert transport.position() == pytest.approx(5.5)
    transport.loop = False
    transport.play()
    clock.now += 100
    assert transport.position() == 10.0  # without a loop it runs to the end of the timeline


def test_the_engine_reads_across_the_join_of_two_shots_sample_for_sample():
    clock = Clock()
    transport = Transport(3.0, clock=clock, loop=False)
    engine = AuditionEngine(transport, RATE)
    first = np.tile(np.arange(RATE, dtype=np.float32) / RATE, (2, 1))  # a ramp 0..1 over 1 s
    second = np.full((2, RATE), -0.5, dtype=np.float32)
    engine.foley.put("A", 0, first)
    engine.foley.put("B", RATE, second)
    engine.cut.put(0, RATE - 100, np.full((2, 200), 0.25, dtype=np.float32))
    engine.set_levels(1.0, 0.5)
    transport.seek(1.0 - 256 / RATE)
    transport.play()
    block = engine.render_block(512, clock.now)
    np.testing.assert_allclose(block[:156, 0], (np.arange(RATE - 256, RATE - 100) / RATE), atol=1e-6)
    np.testing.assert_allclose(block[156:256, 0], (np.arange(RATE - 100, RATE) / RATE) + 0.125, atol=1e-6)
    np.testing.assert_allclose(block[256:356, 0], -0.5 + 0.125, atol=1e-6)  # the second shot from its first sample on
    np.testing.assert_allclose(block[356:, 0], -0.5, atol=1e-6)
    engine.set_levels(1.0, 0.0)  # the cut's audio muted
    transport.seek(1.0 - 256 / RATE)
    np.testing.assert_allclose(engine.render_block(512, clock.now)[156:256, 0], np.arange(RATE - 100, RATE) / RATE, atol=1e-6)


def test_a_block_across_the_loop_point_joins_out_to_in():
    clock = Clock()
    transport = Transport(4.0, clock=clock, loop=True, loop_range=(1.0, 2.0))
    engine = AuditionEngine(transport, RATE)
    engine.foley.put("ramp", 0, np.tile(np.arange(4 * RATE, dtype=np.float32), (2, 1)))
    transport.seek(2.0 - 100 / RATE)
    transport.play()
    block = engine.render_block(300, clock.now)[:, 0]
    np.testing.assert_allclose(block[:100], np.arange(2 * RATE - 100, 2 * RATE))
    np.testing.assert_allclose(block[100:], np.arange(RATE, RATE + 200))  # the in point, not what lies between


def test_playing_crosses_the_cut_to_the_next_shot_picture_and_foley(open_window, project_copy, qtbot):
    clock = FakeClock()

    class FakeOutput:
        latency_s = 0.0

        def __init__(self, render, rate):
            self.render = render

        def time(self):
            return clock.now

        def close(self):
            pass

    window = open_window(project_copy, clock=clock, output_factory=FakeOutput)
    _click_clip(qtbot, window, "S001")
    first, second = window.session.shot("S001"), window.session.shot("S002")
    assert second.record_range.start == first.record_range.end  # the two shots butt
    window.audition.seek(float(first.duration_seconds) - 0.2)
    window.audition.play()
    assert window.shot_id == "S001" and "S002" in window.audition.engine.foley.keys()  # the next shot's sound is placed ahead
    clock.now += 0.2 + 0.4  # over the cut, 10 frames into the second shot
    window.audition.tick()
    QApplication.processEvents()
    assert window.shot_id == "S002" and window.timeline.canvas.current == "S002"
    assert window.current_frame() == window.session.media_range("S002").start + 10
    assert window.timecode.text() == frames_to_timecode(second.global_start_frame + second.record_range.start + 10, second.timeline_rate)
    assert window.stems_panel.rows and all(row.stem.shot_id == "S002" for row in window.stems_panel.rows.values())
    # what is heard then is the second shot's mix, 0.4 s in
    block = window.audition.output.render(480, clock.now)
    mix = window.session.shot_mix("S002")
    start = int(round(0.4 * RATE))
    np.testing.assert_allclose(block[:, 0], mix[0, start : start + 480], atol=1e-5)
    assert np.abs(mix[0, start : start + 480]).max() > 0  # not silence against silence


def test_in_and_out_marks_show_on_the_ruler_and_ctrl_l_loops_them_with_pre_roll(open_window, project_copy, qtbot):
    clock = FakeClock()
    window = open_window(project_copy, clock=clock)
    _click_clip(qtbot, window, "S001")
    first = window.session.shot("S001")
    window.audition.seek(float(first.duration_seconds) - 0.4)  # in the first shot
    QTest.keyClick(window, Qt.Key.Key_I)
    window.audition.seek(float(first.duration_seconds) + 0.6)  # into the second shot
    QApplication.processEvents()
    QTest.keyClick(window, Qt.Key.Key_O)
    mark_in, mark_out = window.marks
    assert mark_in == pytest.approx(float(first.duration_seconds) - 0.4)
    assert mark_out == pytest.approx(float(first.duration_seconds) + 0.64)  # the frame under the playhead is inside
    canvas = window.timeline.canvas
    assert canvas.marks == window.marks
    x_in, x_out = canvas.mark_x()
    assert x_in == pytest.approx(canvas.x_of(mark_in * 25)) and x_out == pytest.approx(canvas.x_of(mark_out * 25))
    picture = canvas.grab().toImage()
    inside = picture.pixelColor(int((x_in + x_out) / 2), 4)
    outside = picture.pixelColor(int(x_out + 30), 4)
    assert inside.name() != outside.name()  # the range is shaded on the ruler
    window.preroll_spin.setValue(0.5)
    QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.loop_button.isChecked() and window.audition.transport.loop
    window.audition.seek_record(0.0)
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert window.audition.record_position() == pytest.approx(mark_in - 0.5)  # pre-roll before the in point
    clock.now += 0.5 + (mark_out - mark_in) + 0.2
    window.audition.tick()
    assert window.audition.record_position() == pytest.approx(mark_in + 0.2)  # round the loop, back inside
    assert window.shot_id == "S001"
    QTest.keyClick(window, Qt.Key.Key_X, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.marks == (None, None) and canvas.marks == (None, None)


def test_shift_space_plays_from_the_pre_roll_before_a_selected_key(open_window, project_copy, qtbot):
    clock = FakeClock()
    window = open_window(project_copy, clock=clock)
    _click_clip(qtbot, window, "S002")
    window.select_object(window.object_ids[0])
    editor = window.curve_editor
    editor.selected["azimuth_deg"] = {Fraction(36, 25)}
    window.preroll_spin.setValue(1.0)
    QTest.keyClick(window, Qt.Key.Key_Space, Qt.KeyboardModifier.ShiftModifier)
    start = float(window.session.shot("S002").record_start_seconds)
    assert window.audition.transport.playing
    assert window.audition.record_position() == pytest.approx(start + 1.44 - 1.0)
    assert window.settings.value("preroll_s") in (1.0, "1.0", "1")
