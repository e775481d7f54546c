"""The curve editor's keys as an editor handles them (issue 16, item 6): a straight line between
two keys, Shift+click and rubber-band selection, dragging a selection, Ctrl+C / Ctrl+V at the
playhead snapped to frames, Delete; each one undoable edit."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from foley_assistant.core.commands import SetKeyframe, manual_curves_of

from .conftest import drag
from .test_app import _click_clip, _select_object

KEYS = ((Fraction(10, 25), -10.0), (Fraction(20, 25), 5.0), (Fraction(30, 25), 12.0))


def _with_keys(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = _select_object(window, "car")
    for time, value in KEYS:
        window.run_command(SetKeyframe("S001", object_id, "azimuth_deg", time, value))
    QApplication.processEvents()
    return window, object_id


def _keys(window, object_id):
    curve = manual_curves_of(window.session.project, "S001", object_id).azimuth_deg
    return [] if curve is None else [(k.time, round(k.value, 6)) for k in curve.keyframes]


def _click(editor, time: float, value: float, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    QTest.mouseClick(editor.viewport(), Qt.MouseButton.LeftButton, modifier, editor.scene_point("azimuth_deg", time, value).toPoint())
    QApplication.processEvents()


def test_between_two_keys_the_curve_is_a_straight_line(open_window, project_copy, qtbot):
    window, _ = _with_keys(open_window, project_copy, qtbot)
    QApplication.processEvents()
    assert [w for w in QApplication.topLevelWidgets() if w.isVisible()] == [window]  # three edits in a row leave no stem row floating as a window
    times, values = window.curve_editor.curves["azimuth_deg"]
    for (t0, v0), (t1, v1) in zip(KEYS, KEYS[1:]):
        inside = (times >= float(t0)) & (times <= float(t1))
        expected = v0 + (times[inside] - float(t0)) / float(t1 - t0) * (v1 - v0)
        np.testing.assert_allclose(values[inside], expected, atol=1e-5)
    assert window.curve_editor.curve_items["azimuth_deg"].getData()[1][inside] == pytest.approx(values[inside])


def test_shift_click_and_a_rubber_band_select_keys_and_a_drag_moves_them_together(open_window, project_copy, qtbot):
    window, object_id = _with_keys(open_window, project_copy, qtbot)
    editor = window.curve_editor
    _click(editor, float(KEYS[0][0]), KEYS[0][1])
    assert editor.selected["azimuth_deg"] == {KEYS[0][0]}
    _click(editor, float(KEYS[2][0]), KEYS[2][1], Qt.KeyboardModifier.ShiftModifier)
    assert editor.selected["azimuth_deg"] == {KEYS[0][0], KEYS[2][0]}
    _click(editor, float(KEYS[0][0]), KEYS[0][1], Qt.KeyboardModifier.ShiftModifier)  # Shift+click again takes it out
    assert editor.selected["azimuth_deg"] == {KEYS[2][0]}
    assert editor.selected_items["azimuth_deg"].getData()[0].tolist() == [float(KEYS[2][0])]  # shown selected
    # a rubber band from empty ground round the first two keys
    low, high = editor.plots["azimuth_deg"].viewRange()[1]
    drag(qtbot, editor, editor.scene_point("azimuth_deg", 0.3, high - 2), editor.scene_point("azimuth_deg", 0.9, low + 2))
    assert editor.selected["azimuth_deg"] == {KEYS[0][0], KEYS[1][0]}
    assert _keys(window, object_id) == [(t, v) for t, v in KEYS]  # selecting edits nothing
    # dragging one selected key moves both, by a whole number of frames, as one edit
    drag(qtbot, editor, editor.scene_point("azimuth_deg", float(KEYS[1][0]), KEYS[1][1]), editor.scene_point("azimuth_deg", float(KEYS[1][0]) + 0.2, KEYS[1][1] + 4.0))
    moved = _keys(window, object_id)
    assert [t for t, _ in moved] == [Fraction(15, 25), Fraction(25, 25), Fraction(30, 25)]
    assert moved[0][1] - KEYS[0][1] == pytest.approx(moved[1][1] - KEYS[1][1], abs=1e-6) and moved[2] == KEYS[2]
    assert window.undo_action.text() == f"Undo Move 2 keys of {object_id}"
    window.undo()
    assert _keys(window, object_id) == [(t, v) for t, v in KEYS]


def test_copy_and_paste_at_the_playhead_snaps_to_frames_and_undoes_in_one_step(open_window, project_copy, qtbot):
    window, object_id = _with_keys(open_window, project_copy, qtbot)
    editor = window.curve_editor
    _click(editor, float(KEYS[0][0]), KEYS[0][1])  # the click gives the curve editor the focus
    _click(editor, float(KEYS[1][0]), KEYS[1][1], Qt.KeyboardModifier.ShiftModifier)
    assert editor.hasFocus() and editor.selected["azimuth_deg"] == {KEYS[0][0], KEYS[1][0]}
    QTest.keyClick(window, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert editor.clipboard == [("azimuth_deg", Fraction(0), -10.0), ("azimuth_deg", Fraction(10, 25), 5.0)]
    window.audition.seek(1.6 + 0.013)  # between two frames
    QApplication.processEvents()
    QTest.keyClick(window, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = _keys(window, object_id)
    assert pasted == [*KEYS, (Fraction(40, 25), -10.0), (Fraction(50, 25), 5.0)]  # the first on the playhead's frame
    assert window.undo_action.text() == f"Undo Paste 2 keys of {object_id}"
    assert editor.selected["azimuth_deg"] == {Fraction(40, 25), Fraction(50, 25)}  # the pasted keys are selected
    QTest.keyClick(window, Qt.Key.Key_Delete)  # the curve editor has the focus: the keys go, not the object
    assert _keys(window, object_id) == list(KEYS)
    assert object_id in window.object_ids and window.undo_action.text() == f"Undo Delete 2 keys of {object_id}"
    window.undo()
    window.undo()
    assert _keys(window, object_id) == list(KEYS)


def test_a_text_field_keeps_its_own_clipboard_keys(open_window, project_copy, qtbot):
    window, object_id = _with_keys(open_window, project_copy, qtbot)
    window.curve_editor.select({"azimuth_deg": {KEYS[0][0]}})
    line = window.label_combo.lineEdit()
    line.setFocus()
    line.setText("walker")
    line.selectAll()
    QTest.keyClick(line, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert window.curve_editor.clipboard == [] and QApplication.clipboard().text() == "walker"
