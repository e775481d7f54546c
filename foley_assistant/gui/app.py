"""Entry point of the desktop app (`foley-assistant gui`, `foley-assistant-gui`)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from foley_assistant.gui import style
from foley_assistant.gui.main_window import MainWindow

_IMPORTED = time.perf_counter()
SMOKE_TEST = "--smoke-test"


def seconds_since_launch() -> float:
    """Seconds since this process started (from /proc on Linux; elsewhere since this module
    was imported, which leaves out the interpreter's own start)."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return float(Path("/proc/uptime").read_text().split()[0]) - started
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


def configure_plots() -> None:
    """pyqtgraph's look to match the app (called before any plot is made)."""
    pg.setConfigOptions(antialias=True, background=style.BACKGROUND, foreground=style.MUTED, imageAxisOrder="row-major")


def create_window(path: Path | None = None) -> MainWindow:
    """The main window, with a timeline or project opened if one is given (needs a QApplication)."""
    configure_plots()
    window = MainWindow()
    if path is not None:
        window.open_path(path)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; the optional argument is a timeline, a project file or an output folder.
    Without one, unsaved work left by a session that did not close is offered back.
    `--smoke-test`: open the real window offscreen (unless a platform is set), print
    "main window shown in X.XX s" (since the process started) and exit 0."""
    args = list(sys.argv[1:] if argv is None else argv)
    smoke = SMOKE_TEST in args
    args = [a for a in args if a != SMOKE_TEST]
    if smoke:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    app.setApplicationName("Foley Assistant")
    app.setOrganizationName("Foley Assistant")
    app.setStyle("Fusion")
    app.setStyleSheet(style.STYLE_SHEET)
    window = create_window(Path(args[0]) if args else None)
    window.show()
    if smoke:
        app.processEvents()
        print(f"main window shown in {seconds_since_launch():.2f} s")
        window.confirm_close = False
        window.close()
        return 0
    if not args:
        QTimer.singleShot(0, window.offer_recovery)  # once the window is up, never before it
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
