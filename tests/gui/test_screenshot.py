"""A real screenshot of the main window under Xvfb (the generated small project, a shot selected,
its boxes on the picture), saved as PNG and checked not to be blank. FOLEY_SCREENSHOT=path keeps it."""

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
from PySide6.QtWidgets import QApplication
from foley_assistant.gui import style
from foley_assistant.gui.app import create_window
app = QApplication([])
app.setStyle("Fusion")
app.setStyleSheet(style.STYLE_SHEET)
window = create_window(Path(sys.argv[1]))
window.confirm_close = False
window.resize(1440, 900)
window.show()
canvas = window.timeline.canvas
canvas.set_selection(["S002"], "S002")
ball = window.session.tracks_of("S002").objects[0]
window.audition.seek((ball.frames[len(ball.frames) // 2].frame - window.session.media_range("S002").start) / 25)
for _ in range(30):
    app.processEvents()
ok = window.grab().save(sys.argv[2])
print(len(window.viewer.rois), len(window.stems_panel.rows), window.shot_id)
sys.exit(0 if ok else 3)
"""


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed (make test installs it where apt-get is available)")
def test_main_window_screenshot_under_xvfb(project_copy, tmp_path):
    display = f":{90 + os.getpid() % 400}"
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "1440x900x24", "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.0)
        png = Path(os.environ.get("FOLEY_SCREENSHOT", tmp_path / "main_window.png"))
        env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "FOLEY_ASSISTANT_HOME": str(tmp_path / "home")}
        done = subprocess.run([sys.executable, "-c", SCRIPT, str(project_copy), str(png)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        boxes, stems, shot = done.stdout.split()
        assert int(boxes) >= 1 and int(stems) >= 1 and shot == "S002"
    finally:
        server.terminate()
        server.wait(timeout=10)
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert image.width() >= 1000 and image.height() >= 600
    pixels = np.array([[image.pixelColor(x, y).lightness() for x in range(0, image.width(), 8)] for y in range(0, image.height(), 8)])
    assert pixels.std() > 8  # not a blank or single-colour window
    assert len(np.unique(pixels)) > 20
