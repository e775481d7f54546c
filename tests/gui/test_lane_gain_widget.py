"""The lane gain strip of the stems panel, driven through its real spin boxes (pytest-qt,
offscreen): a lane's gain is an undoable edit that changes what is monitored, and a save puts it
in the project file and on the REAPER track's fader."""

from __future__ import annotations

import json

import numpy as np
import pytest
import rpp
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def _click_clip(qtbot, window, shot_id: str) -> None:
    canvas = window.timeline.canvas
    clip = next(c for c in canvas.clips if c.shot_id == shot_id)
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, canvas.clip_rect(clip).center().toPoint())
    QApplication.processEvents()


def test_a_lane_gain_set_in_the_strip_is_monitored_undone_and_saved(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    strip = window.stems_panel.lane_gains
    assert strip.isVisible() and sorted(strip.spins) == ["car", "person"]  # the lanes of the shot's stems
    session = window.session
    car = next(s for s in session.stems_of("S001") if s.label == "car")
    before, loud = session.shot_mix("S001"), window.stems_panel.meter.lufs
    spin = strip.spins["car"]
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, "-6")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    QApplication.processEvents()
    assert session.project.lane_gains == {"car": -6.0}
    after = session.shot_mix("S001")
    car_audio = session.stem_audio(car)[:, : before.shape[1]]
    np.testing.assert_allclose(before - after, car_audio * (1 - 10 ** (-6 / 20)), atol=1e-5)
    assert window.stems_panel.meter.lufs < loud
    assert window.stems_panel.lane_gains.spins["car"].value() == -6.0  # the strip made again shows it
    window.undo()
    assert session.project.lane_gains == {}
    assert window.stems_panel.lane_gains.spins["car"].value() == 0.0
    assert window.stems_panel.meter.lufs == pytest.approx(loud, abs=0.01)
    window.redo()
    assert window.save()
    assert json.loads((project_copy / "foley_project.json").read_text())["lane_gains"] == {"car": -6.0}
    tracks = {t.find("NAME")[1]: t for t in rpp.loads((project_copy / "project.rpp").read_text()).findall("TRACK")}
    assert float(tracks["car"].find("VOLPAN")[1]) == pytest.approx(10 ** (-6 / 20), rel=1e-6)
