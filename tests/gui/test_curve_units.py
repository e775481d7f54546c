"""The curve editor in the editor's units (issue 16, item 6): pan position and dB on the
right-hand axes and in the read-out while dragging, with the record timecode; a double-click
adds a key on the curve, not at the pointer's height; a double-click on a key types its value."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from foley_assistant.acoustics.panning import pan_position_label
from foley_assistant.core.commands import manual_curves_of

from .test_app import _click_clip, _select_object


def double_click(editor, point: QPointF) -> None:
    """A double click as a window system delivers it: press, release, double-click, release."""
    viewport = editor.viewport()
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QTest.mousePress(viewport, left, none, point.toPoint())
    QTest.mouseRelease(viewport, left, none, point.toPoint())
    double = QMouseEvent(QEvent.Type.MouseButtonDblClick, point, viewport.mapToGlobal(point), left, left, none)
    QApplication.sendEvent(viewport, double)
    QTest.mouseRelease(viewport, left, none, point.toPoint())
    QApplication.processEvents()


def test_pan_positions_read_like_a_console():
    assert [pan_position_label(p) for p in (-1.0, -0.344, 0.0, 0.004, 0.5, 1.7)] == ["L100", "L34", "C", "C", "R50", "R100"]


def test_the_right_hand_axes_and_the_drag_read_out_speak_pan_position_db_and_timecode(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    _select_object(window, "car")
    editor = window.curve_editor
    reference = window.session.stereo.pan_reference_deg
    assert editor.plots["azimuth_deg"].getAxis("right").tickStrings([-reference, 0.0, reference], 1.0, 1.0) == ["L100", "C", "R100"]
    near = window.session.stereo.reference_distance_m
    levels = editor.plots["distance_m"].getAxis("right").tickStrings([near, 2 * near], 1.0, 1.0)
    assert levels[0] == "+0.0 dB" and float(levels[1].split()[0]) < -2.0  # farther is quieter, by the project's distance model
    editor.preview("azimuth_deg", Fraction(1), -reference / 2)
    text = editor.readouts["azimuth_deg"].toPlainText()
    assert text.startswith(f"{-reference / 2:.1f} °") and " L" in text and window.shot_clock().timecode_at(1.0) in text
    editor.end_preview("azimuth_deg")
    assert not editor.readouts["azimuth_deg"].isVisible()


def test_double_click_adds_a_key_on_the_curve_and_on_a_key_types_its_value(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = _select_object(window, "car")
    editor = window.curve_editor
    times, values = editor.curves["distance_m"]
    on_curve = float(np.interp(1.0, times, values))
    double_click(editor, editor.scene_point("distance_m", 1.0, on_curve + 3.0))  # above the curve
    keys = manual_curves_of(window.session.project, "S001", object_id).distance_m.keyframes
    assert [k.time for k in keys] == [Fraction(1)] and keys[0].value == pytest.approx(on_curve, abs=1e-3)  # on it, not at the pointer
    editor.ask_value = lambda parameter, time, value: 7.5
    editor.double_click("distance_m", editor._to_pixels("distance_m", 1.0, keys[0].value))  # the view box's double-click, on the key
    keys = manual_curves_of(window.session.project, "S001", object_id).distance_m.keyframes
    assert [(k.time, k.value) for k in keys] == [(Fraction(1), 7.5)]
    editor.ask_value = lambda parameter, time, value: None  # cancelled: nothing changes
    editor.double_click("distance_m", editor._to_pixels("distance_m", 1.0, 7.5))
    assert [(k.time, k.value) for k in manual_curves_of(window.session.project, "S001", object_id).distance_m.keyframes] == [(Fraction(1), 7.5)]
