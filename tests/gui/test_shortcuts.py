"""The editor's keys work wherever the focus is (issue 16, item 4): Space, J/K/L, the arrows and
the edit keys from a number field or a list, the project's undo from a text field, and a label
typed and confirmed does not swallow the next shortcut. Real widgets, real key events."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from foley_assistant.core.commands import RelabelObject

from .test_app import _click_clip


def focus(qtbot, window, widget) -> None:
    """Give `widget` the keyboard focus of the (active) window, as a click would."""
    window.activateWindow()
    widget.setFocus(Qt.FocusReason.MouseFocusReason)
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() is not None and (QApplication.focusWidget() is widget or widget.isAncestorOf(QApplication.focusWidget()) or QApplication.focusWidget().isAncestorOf(widget)),
        timeout=2000,
    )


def key(widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.keyClick(QApplication.focusWidget() or widget, key, modifier)
    QApplication.processEvents()


def test_space_jkl_and_arrows_work_from_the_gain_field_which_keeps_its_digits(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    gain = next(iter(window.stems_panel.rows.values())).gain
    focus(qtbot, window, gain)
    key(gain, Qt.Key.Key_Space)
    assert window.audition.transport.playing  # Space plays, the field did not take it
    key(gain, Qt.Key.Key_K)
    assert not window.audition.transport.playing
    key(gain, Qt.Key.Key_L)
    key(gain, Qt.Key.Key_L)
    assert window.audition.transport.rate == 2.0
    key(gain, Qt.Key.Key_K)
    here = window.current_frame()
    key(gain, Qt.Key.Key_Right)
    assert window.current_frame() == here + 1
    gain.lineEdit().selectAll()
    for typed in (Qt.Key.Key_Minus, Qt.Key.Key_6):
        key(gain, typed)
    key(gain, Qt.Key.Key_Return)
    assert gain.value() == -6.0  # digits and sign still edit the number
    qtbot.waitUntil(lambda: window.viewer.hasFocus(), timeout=2000)  # Enter committed it and left the field


def test_ctrl_z_in_the_label_field_undoes_the_project_not_the_text(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    obj = window.session.tracks_of("S001").objects[0]
    window.run_command(RelabelObject("S001", obj.id, "dog"))
    assert window.undo_action.text() == f"Undo {window.session.stack.undo_text}" and "dog" in window.undo_action.text()
    line = window.label_combo.lineEdit()
    focus(qtbot, window, line)
    line.clear()
    for typed in (Qt.Key.Key_C, Qt.Key.Key_A, Qt.Key.Key_R):
        key(line, typed)
    assert line.text() == "car"
    key(line, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.tracks_of("S001").object(obj.id).label == obj.label  # the relabel was undone
    assert line.text() == "car"  # and the text was not
    key(line, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.session.tracks_of("S001").object(obj.id).label == "dog"


def test_a_label_typed_and_confirmed_does_not_swallow_the_next_shortcut(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    line = window.label_combo.lineEdit()
    focus(qtbot, window, line)
    line.clear()
    for typed in (Qt.Key.Key_C, Qt.Key.Key_A, Qt.Key.Key_R, Qt.Key.Key_Space, Qt.Key.Key_B):
        key(line, typed)
    assert line.text() == "car b"  # while typing, letters and Space are text
    line.setText("car")
    key(line, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.viewer.hasFocus(), timeout=2000)
    key(window.viewer, Qt.Key.Key_B)
    assert window.draw_action.isChecked() and window.label_combo.currentText() == "car"  # B draws, "carb" is gone
    key(window.viewer, Qt.Key.Key_B)
    focus(qtbot, window, line)
    key(line, Qt.Key.Key_Escape)
    assert window.viewer.hasFocus() and not window.draw_action.isChecked()  # Escape leaves the field


def test_space_in_the_object_list_plays_instead_of_ticking(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    window.object_list.setCurrentRow(0)
    ticks = window.object_list.item(0).checkState()
    focus(qtbot, window, window.object_list)
    key(window.object_list, Qt.Key.Key_Space)
    assert window.audition.transport.playing and window.object_list.item(0).checkState() == ticks
