"""A real screenshot of the main window under Xvfb, saved as PNG and checked not to be blank."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

SCRIPT = r"""
import sys
from pathlib import Path
from PySide6.QtCore import QEventLoop
from PySide6.QtWidgets import QApplication
from foley_assistant.gui.app import create_window
from foley_assistant.gui.style import STYLE_SHEET
app = QApplication([])
app.setStyleSheet(STYLE_SHEET)
window = create_window(Path(sys.argv[1]))
window.output_dir = Path(sys.argv[3])
window.show()
window.shot_table.selectRow(0)
loop = QEventLoop()
window.generate()
# Slots of QObjects living in this thread (the window's, the loop's) are queued here in order of
# connection: the window shows the result before the loop ends.
window.worker.finished.connect(loop.quit)
window.worker.failed.connect(loop.quit)
loop.exec()
app.processEvents()
sys.exit(0 if window.grab().save(sys.argv[2]) else 3)
"""


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (make test installs it where apt-get is available)")
def test_main_window_screenshot_under_xvfb(small_cut, tmp_path):
    display = f":{90 + os.getpid() % 400}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1440x900x24", "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        png = Path(os.environ.get("FOLEY_SCREENSHOT", tmp_path / "main_window.png"))
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(small_cut.timeline_path), str(png), str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=10)
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() >= 1000 and image.height() >= 600
    pixels = np.array([[image.pixelColor(x, y).lightness() for x in range(0, image.width(), 8)] for y in range(0, image.height(), 8)])
    assert pixels.std() > 8  # not a blank or single-colour window
    assert len(np.unique(pixels)) > 20
