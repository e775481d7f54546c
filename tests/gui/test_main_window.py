"""The desktop window driven through its real widgets (pytest-qt, offscreen)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from foley_assistant.gui.app import create_window


def test_open_a_timeline_lists_its_shots(qtbot, small_cut):
    window = create_window(small_cut.timeline_path)
    qtbot.addWidget(window)
    assert window.shot_table.rowCount() == 2
    assert window.shot_table.item(0, 0).text() == "S001"
    assert window.shot_table.item(0, 3).text() == "10:00:00:00"
    assert window.shot_table.item(1, 6).text() == "found"
    assert window.generate_button.isEnabled()
    assert window.generate_button.text() == "Generate stems (2 shots)"
    assert "small cut" in window.timeline_label.text()


def test_generate_the_selected_shot_in_the_background(qtbot, small_cut, tmp_path):
    window = create_window(small_cut.timeline_path)
    qtbot.addWidget(window)
    window.output_dir = tmp_path / "stems-out"
    window.shot_table.selectRow(1)
    assert window.selected_shot_ids() == ("S002",)
    assert window.generate_button.text() == "Generate stems (1 shot)"
    qtbot.mouseClick(window.generate_button, Qt.MouseButton.LeftButton)
    assert window.worker is not None and not window.generate_button.isEnabled() and window.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: window.worker is None, timeout=60_000)
    result = window.last_result
    assert result is not None and result.status == "complete"
    assert [s.shot_id for s in result.stems] == ["S002"]
    assert window.results.rowCount() == 1
    assert window.results.item(0, 0).text() == "S002" and window.results.item(0, 2).text() == "object"
    assert window.results.item(0, 4).text() == result.stems[0].path
    assert (tmp_path / "stems-out" / result.stems[0].path).is_file()
    assert window.progress.value() == 1000
    assert window.generate_button.isEnabled()


def test_a_bad_timeline_is_reported_in_the_window(qtbot, tmp_path):
    window = create_window()
    qtbot.addWidget(window)
    assert not window.open_timeline(tmp_path / "missing.otio")
    assert "not found" in window.message.text()
    assert window.shot_table.rowCount() == 0 and not window.generate_button.isEnabled()
