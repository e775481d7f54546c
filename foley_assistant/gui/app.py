"""Entry point of the desktop app (`foley-assistant gui`, `foley-assistant-gui`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Sequence

from PySide6.QtWidgets import QApplication

from foley_assistant.gui.main_window import MainWindow
from foley_assistant.gui.style import STYLE_SHEET


def create_window(timeline: Path | None = None) -> MainWindow:
    """The main window, with a timeline opened if one is given (needs a QApplication)."""
    window = MainWindow()
    if timeline is not None:
        window.open_timeline(timeline)
    return window


def main(argv: Sequence[str] | None = None) -> int:
    """Start the app; the optional argument is a timeline to open."""
    args = list(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication([sys.argv[0], *args])
    app.setApplicationName("Foley Assistant")
    app.setStyleSheet(STYLE_SHEET)
    window = create_window(Path(args[0]) if args else None)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
