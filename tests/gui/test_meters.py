"""Per-stem meters and waveforms (issue 16, item 8): each stem row reads momentary and
short-term loudness and true peak at the playhead from the rendered stem (so with no sound
card too), its left and right waveforms zoom with Ctrl + wheel, and the no-sound-card notice can
be dismissed while the meters keep running."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from foley_assistant.io.audio import read_audio
from foley_assistant.spatial.metering import LevelTimeline, reading

from .conftest import FakeClock
from .test_app import _click_clip


def test_each_stem_row_meters_its_sound_at_the_playhead_without_a_sound_card(open_window, project_copy, qtbot):
    clock = FakeClock()
    window = open_window(project_copy, clock=clock)
    _click_clip(qtbot, window, "S001")
    window.audition.seek(0.0)
    QTest.keyClick(window, Qt.Key.Key_Space)  # picture-only playback: no audio device here
    assert window.banner.isVisible() and "no audio output device" in window.banner.text()
    window.banner_close.click()
    assert not window.banner.isVisible()
    clock.now += 1.5
    window.audition.tick()
    QApplication.processEvents()
    seconds = window.playhead
    assert seconds == pytest.approx(1.5, abs=0.05)
    for path, row in window.stems_panel.rows.items():
        audio, rate = read_audio(project_copy / path)
        stem = row.stem
        audio = audio[:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]  # the row meters the cut
        levels = LevelTimeline.of(audio, rate)
        expected = f"M {reading(levels.momentary_lufs(seconds))}   S {reading(levels.short_term_lufs(seconds))} LUFS   TP {reading(levels.true_peak_dbtp(seconds))} dBTP"
        assert row.meters.text() == expected
    assert any(row.meters.text() != "M —  S —  TP —" and "—" not in row.meters.text().split()[1] for row in window.stems_panel.rows.values())
    window.audition.message.emit(window.banner.text())  # the same notice again: it stays dismissed
    assert not window.banner.isVisible()


def test_ctrl_wheel_zooms_a_waveform_around_the_pointer(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    waveform = next(iter(window.stems_panel.rows.values())).waveform
    assert waveform.audio.shape[0] == 2  # left and right
    at = QPointF(waveform.width() * 0.25, waveform.height() / 2)
    wheel = QWheelEvent(at, waveform.mapToGlobal(at), QPoint(0, 0), QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    for _ in range(4):
        QApplication.sendEvent(waveform, wheel)
    start, end = waveform.view
    assert end - start == pytest.approx(1 / 1.25**4, rel=1e-6)
    assert start + 0.25 * (end - start) == pytest.approx(0.25, abs=1e-6)  # the point under the pointer stayed
