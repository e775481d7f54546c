"""Entry point of the packaged desktop app `foley-assistant-gui` (also run from the venv by the
start-up benchmark, so both are measured through the same code).

With FOLEY_ASSISTANT_STARTUP_PROBE=1 it quits as soon as the main window has been shown and has
had one turn of the event loop, after printing `main-window-shown <unix time>` on stdout: a
benchmark subtracts the time it started the process (benchmarks/app_packaging.py).
"""

import os
import sys
import time

PROBE_ENV = "FOLEY_ASSISTANT_STARTUP_PROBE"


def _install_probe() -> None:
    """Quit right after the first QMainWindow is shown, printing the time."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *sys.argv[1:]])

    def finish() -> None:
        print(f"main-window-shown {time.time():.6f}", flush=True)
        app.quit()

    class ShownProbe(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Show and isinstance(watched, QMainWindow):
                app.removeEventFilter(self)
                QTimer.singleShot(0, finish)
            return False

    probe = ShownProbe(app)
    app.installEventFilter(probe)


def main() -> int:
    if os.environ.get(PROBE_ENV):
        _install_probe()
    from foley_assistant.gui.app import main as gui_main

    return gui_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
