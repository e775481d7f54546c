"""The look of the app: a dark, low-glare theme as in audio post tools."""

STYLE_SHEET = """
QWidget { background: #1e2126; color: #d7dae0; font-size: 13px; }
QMainWindow::separator { background: #2b2f36; width: 2px; }
QToolBar { background: #252930; border: none; padding: 4px; spacing: 6px; }
QToolButton, QPushButton { background: #2f343d; border: 1px solid #3b414c; border-radius: 4px; padding: 5px 12px; }
QToolButton:hover, QPushButton:hover { background: #394050; }
QPushButton:disabled, QToolButton:disabled { color: #6b717c; }
QPushButton#primary { background: #2d6cdf; border-color: #2d6cdf; color: white; font-weight: 600; }
QTableWidget, QListWidget { background: #171a1e; alternate-background-color: #1b1e23; gridline-color: #2b2f36;
    border: 1px solid #2b2f36; selection-background-color: #2d4f8a; }
QHeaderView::section { background: #252930; color: #9aa2ad; border: none; border-right: 1px solid #2b2f36; padding: 4px 6px; }
QLabel#title { font-size: 15px; font-weight: 600; color: #eef0f3; }
QLabel#muted { color: #8d95a1; }
QProgressBar { background: #171a1e; border: 1px solid #2b2f36; border-radius: 3px; text-align: center; height: 16px; }
QProgressBar::chunk { background: #3fb37f; }
QStatusBar { background: #252930; color: #9aa2ad; }
"""
