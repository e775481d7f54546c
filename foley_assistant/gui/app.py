"""Entry point of the desktop app (`foley-assistant gui`, `foley-assistant-gui`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from foley_assistant.gui import style
from foley_assistant.gui.main_window import MainWindow


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
    Without one, unsaved work left by a session that did not close is offered back."""
    args = list(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    app.setApplicationName("Foley Assistant")
    app.setOrganizationName("Foley Assistant")
    app.setStyle("Fusion")
    app.setStyleSheet(style.STYLE_SHEET)
    window = create_window(Path(args[0]) if args else None)
    window.show()
    if not args:
        QTimer.singleShot(0, window.offer_recovery)  # once the window is up, never before it
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
