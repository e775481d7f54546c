"""Guards against Qt bindings that break the app at run time (see the pin in pyproject.toml)."""

import sys

from PySide6.QtWidgets import QApplication


def test_process_events_keeps_reference_counts(qapp: QApplication):
    # PySide6 6.12.0 on Python 3.11 decremented None's reference count on every call, so an event
    # loop pumped from Python (progress updates, pytest-qt waits) aborted the process.
    before = sys.getrefcount(None)
    for _ in range(20_000):
        qapp.processEvents()
    assert abs(sys.getrefcount(None) - before) < 100
