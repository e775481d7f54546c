"""GUI test helpers: a private app home (settings, recovery), real mouse drags, and a window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from foley_assistant.io.playback import AudioDeviceError


@pytest.fixture(autouse=True)
def app_home(tmp_path, monkeypatch):
    """Settings and recovery files of the app go to a temporary folder."""
    home = tmp_path / "app-home"
    monkeypatch.setenv("FOLEY_ASSISTANT_HOME", str(home))
    return home


def no_audio_device(render, sample_rate):
    """An output factory for a machine without sound (as this one), whatever the test machine has."""
    raise AudioDeviceError("this machine has no audio output device; playing picture only.")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def open_window(qtbot):
    """Make a shown main window (picture-only audition on a fake clock), opened on a path."""
    from foley_assistant.gui.app import configure_plots
    from foley_assistant.gui.audition import AuditionController
    from foley_assistant.gui.main_window import MainWindow

    def make(path=None, clock=None, output_factory=no_audio_device):
        configure_plots()
        window = MainWindow(AuditionController(output_factory=output_factory, clock=clock or FakeClock()))
        window.confirm_close = False
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        if path is not None:
            assert window.open_path(path), window.message.text()
        QApplication.processEvents()
        return window

    return make


def drag(qtbot, view, start: QPointF, end: QPointF, steps: int = 10) -> None:
    """A real left-button drag on a QGraphicsView's viewport (press, moves with the button held,
    release), as pyqtgraph's scene needs it."""
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start.toPoint())
    for i in range(1, steps + 1):
        point = start + (end - start) * (i / steps)
        move = QMouseEvent(QEvent.Type.MouseMove, point, viewport.mapToGlobal(point), Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, move)
        qtbot.wait(25)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end.toPoint())
    qtbot.wait(20)
