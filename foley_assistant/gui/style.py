"""The look of the app: a dark, low-glare theme as in audio post tools, and its palette."""

from __future__ import annotations

from foley_assistant.core.edit_state import ShotState

BACKGROUND = "#16181c"
PANEL = "#1d2025"
RAISED = "#262a31"
BORDER = "#30353d"
TEXT = "#d4d8de"
MUTED = "#8a919c"
ACCENT = "#e0a030"  # playhead, selection
BLUE = "#3d7be0"
RED = "#e05252"

#: Clip colours by shot state (timeline).
STATE_COLOURS = {
    ShotState.NOT_ANALYZED: "#3a404a",
    ShotState.ANALYZED: "#2f6f8f",
    ShotState.GENERATED: "#2f8a5a",
    ShotState.EDITED: "#a0702a",
}

#: Object colours (viewer boxes, curves, stems), by the object's position in its shot.
OBJECT_COLOURS = ("#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8", "#fff176", "#4db6ac", "#e57373")


def object_colour(index: int) -> str:
    return OBJECT_COLOURS[index % len(OBJECT_COLOURS)]


STYLE_SHEET = f"""
QWidget {{ background: {PANEL}; color: {TEXT}; font-size: 12px; }}
QMainWindow, QDialog {{ background: {BACKGROUND}; }}
QMainWindow::separator {{ background: {BACKGROUND}; width: 3px; height: 3px; }}
QSplitter::handle {{ background: {BACKGROUND}; }}
QToolBar {{ background: {RAISED}; border: none; border-bottom: 1px solid {BORDER}; padding: 3px; spacing: 4px; }}
QToolBar::separator {{ background: {BORDER}; width: 1px; margin: 4px 6px; }}
QToolButton, QPushButton {{ background: {RAISED}; border: 1px solid {BORDER}; border-radius: 3px; padding: 4px 10px; }}
QToolButton:hover, QPushButton:hover {{ background: #323843; }}
QToolButton:checked, QPushButton:checked {{ background: #3b4350; border-color: {ACCENT}; color: #fff; }}
QPushButton:disabled, QToolButton:disabled {{ color: #5c626c; }}
QPushButton#primary, QToolButton#primary {{ background: {BLUE}; border-color: {BLUE}; color: white; font-weight: 600; }}
QPushButton#mute:checked {{ background: #b0503a; border-color: #d0603a; }}
QPushButton#solo:checked {{ background: #b8962a; border-color: #e0b030; color: #111; }}
QListWidget, QTableWidget, QLineEdit, QComboBox, QDoubleSpinBox, QSpinBox {{ background: {BACKGROUND}; border: 1px solid {BORDER}; border-radius: 3px; selection-background-color: #2f4f80; }}
QListWidget::indicator {{ width: 11px; height: 11px; border: 1px solid {MUTED}; border-radius: 2px; background: {BACKGROUND}; }}
QListWidget::indicator:checked {{ background: {ACCENT}; border-color: {ACCENT}; }}
QComboBox {{ padding: 2px 6px; }}
QHeaderView::section {{ background: {RAISED}; color: {MUTED}; border: none; border-right: 1px solid {BORDER}; padding: 3px 6px; }}
QLabel#panelTitle {{ background: {RAISED}; color: {MUTED}; font-size: 11px; font-weight: 600; letter-spacing: 1px; padding: 4px 8px; border-bottom: 1px solid {BORDER}; }}
QLabel#title {{ font-size: 14px; font-weight: 600; color: #eef0f3; }}
QLabel#muted {{ color: {MUTED}; }}
QLabel#timecode {{ background: #0e0f12; color: #7fe08a; font-family: "DejaVu Sans Mono", monospace; font-size: 17px; padding: 2px 10px; border: 1px solid {BORDER}; border-radius: 3px; }}
QLabel#banner {{ background: #3a2f1a; color: #f0c060; padding: 3px 8px; border-bottom: 1px solid #5a4520; }}
QLabel#error {{ color: {RED}; }}
QProgressBar {{ background: {BACKGROUND}; border: 1px solid {BORDER}; border-radius: 3px; height: 12px; }}
QProgressBar::chunk {{ background: #3fb37f; }}
QStatusBar {{ background: {RAISED}; color: {MUTED}; border-top: 1px solid {BORDER}; }}
QMenuBar {{ background: {RAISED}; }}
QMenuBar::item:selected, QMenu::item:selected {{ background: #2f4f80; }}
QMenu {{ background: {RAISED}; border: 1px solid {BORDER}; }}
QScrollBar:horizontal {{ background: {BACKGROUND}; height: 12px; }}
QScrollBar::handle:horizontal {{ background: #3a404a; border-radius: 4px; min-width: 24px; margin: 2px; }}
QScrollBar:vertical {{ background: {BACKGROUND}; width: 12px; }}
QScrollBar::handle:vertical {{ background: #3a404a; border-radius: 4px; min-height: 24px; margin: 2px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QCheckBox::indicator {{ width: 14px; height: 14px; }}
"""
