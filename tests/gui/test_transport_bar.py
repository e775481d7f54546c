"""The transport bar like an editor's (issue 16, item 2, first part): the shuttle speed is shown,
stopping lands on a frame, and the Loop button shows its state, whichever way it was toggled."""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from .conftest import FakeClock
from .test_app import _click_clip


def test_shuttle_speed_is_shown_and_stopping_lands_on_a_frame(open_window, project_copy, qtbot):
    clock = FakeClock()
    window = open_window(project_copy, clock=clock)
    _click_clip(qtbot, window, "S001")
    window.audition.seek(0.0)
    for _ in range(2):
        QTest.keyClick(window, Qt.Key.Key_L)
    clock.now += 0.37  # not a whole number of frames at 2x
    window.audition.tick()
    QApplication.processEvents()
    assert window.shuttle_label.text() == "▶▶ 2x"
    QTest.keyClick(window, Qt.Key.Key_J)
    window.audition.tick()
    QApplication.processEvents()
    assert window.shuttle_label.text() == "◀◀ 1x"
    QTest.keyClick(window, Qt.Key.Key_K)
    QApplication.processEvents()
    assert window.shuttle_label.text() == "" and not window.audition.transport.playing
    fps = window.session.shot_fps("S001").fps
    frames = Fraction(window.playhead).limit_denominator(10**6) * fps
    assert frames.denominator == 1  # on a frame
    assert window.timecode.text() == window.shot_clock().timecode_at(window.playhead)


def test_the_loop_button_follows_ctrl_l_and_looks_different_when_on(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    button = window.loop_button
    assert not button.isChecked() and not window.audition.transport.loop  # play runs on through the cut
    window.loop_action.trigger()  # Ctrl+L, or the Playback menu
    assert button.isChecked() and window.audition.transport.loop
    button.click()
    assert not window.loop_action.isChecked() and not window.audition.transport.loop
    button.click()
    assert window.loop_action.isChecked() and window.audition.transport.loop
    # the bar's own background does not paint over its buttons' checked look
    bar = window.transport_bar
    assert bar.objectName() == "transportBar" and bar.styleSheet().startswith("QWidget#transportBar")
    inside = (5, 4)  # inside the border, away from the text: the button's background
    on = button.grab().toImage().pixelColor(*inside)
    button.setChecked(False)
    off = button.grab().toImage().pixelColor(*inside)
    assert on.name() != off.name()
