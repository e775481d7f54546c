"""Keyboard shortcuts that work wherever the focus is, with text fields taking only text.

Qt asks the focused widget first (a `ShortcutOverride` event) whether it wants a key that is
also a shortcut; a line edit says yes to letters, Space and Ctrl+Z, a spin box to Space, a list
to Space and the arrows, so the editor's keys stop working wherever the focus was left. The
`ShortcutRouter` answers for the window's widgets instead:

- undo and redo (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y) are always the project's, even in a text field;
- a text field (a label being typed) keeps the keys that type or move in text and its clipboard
  keys (Ctrl+C, Ctrl+V, Ctrl+X, Ctrl+A), and nothing else;
- a number field (a gain) keeps the keys that edit a number (digits, sign, point, Backspace,
  Delete, Up/Down, Enter), and gives Space, J/K/L, the arrows and the edit keys to the window;
- every other widget (lists, buttons, sliders, the picture) gives every shortcut to the window.

Enter in a field commits it and Escape leaves it: either way the focus goes back to the picture,
so the next key is a shortcut again (a label typed and confirmed does not swallow the B that
follows).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

#: Key sequences that are the window's whatever has the focus (undo, redo).
ALWAYS_WINDOWS = (QKeySequence("Ctrl+Z"), QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y"))
#: Command keys a text field keeps (the clipboard and select-all of its own text).
TEXT_KEEPS = (QKeySequence("Ctrl+C"), QKeySequence("Ctrl+V"), QKeySequence("Ctrl+X"), QKeySequence("Ctrl+A"))
#: Keys a number field keeps (without Ctrl or Alt).
NUMBER_KEYS = frozenset(
    {
        *(getattr(Qt.Key, f"Key_{d}") for d in range(10)),
        Qt.Key.Key_Period,
        Qt.Key.Key_Comma,
        Qt.Key.Key_Minus,
        Qt.Key.Key_Plus,
        Qt.Key.Key_Backspace,
        Qt.Key.Key_Delete,
        Qt.Key.Key_Up,
        Qt.Key.Key_Down,
        Qt.Key.Key_PageUp,
        Qt.Key.Key_PageDown,
        Qt.Key.Key_Return,
        Qt.Key.Key_Enter,
        Qt.Key.Key_Tab,
        Qt.Key.Key_Backtab,
    }
)
_COMMAND_MODIFIERS = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.MetaModifier


def field_kind(widget: QObject | None) -> str:
    """ "text", "number" or "other": what a focused widget is, for the keys it may keep."""
    while isinstance(widget, QWidget):
        if isinstance(widget, QAbstractSpinBox):
            return "number"
        if isinstance(widget, QComboBox) and widget.isEditable():
            return "text"  # it has the focus and passes the keys to its line edit
        if isinstance(widget, (QLineEdit, QTextEdit, QPlainTextEdit)):
            parent = widget.parentWidget()
            return "number" if isinstance(parent, QAbstractSpinBox) else "text"
        widget = widget.focusProxy() if widget.focusProxy() is not None else None
    return "other"


def widget_keeps(kind: str, event: QKeyEvent) -> bool:
    """Whether a focused widget of `kind` keeps this key instead of the window's shortcut."""
    if QKeySequence(event.keyCombination()) in ALWAYS_WINDOWS:
        return False
    command = bool(event.modifiers() & _COMMAND_MODIFIERS)
    if kind == "text":
        return not command or QKeySequence(event.keyCombination()) in TEXT_KEEPS  # letters, Space, arrows... type; Ctrl/Alt keys are commands
    if kind == "number":
        return not command and Qt.Key(event.key()) in NUMBER_KEYS
    return False


class ShortcutRouter(QObject):
    """Installed on the application, it routes the keys of one window's widgets (see the module
    docstring); `home` is the widget the focus returns to when a field is committed or left.
    Parented to the window, it goes with it."""

    def __init__(self, window: QWidget, home: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.home = home

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        kind_of_event = event.type()
        if kind_of_event not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self.window or not isinstance(event, QKeyEvent):
            return False
        kind = field_kind(watched)
        if kind_of_event == QEvent.Type.ShortcutOverride:
            return not widget_keeps(kind, event)  # filtered: the widget does not claim it, the shortcut runs
        if kind != "other" and event.key() == Qt.Key.Key_Escape:
            self.home.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        if kind != "other" and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            QTimer.singleShot(0, lambda: self.home.setFocus(Qt.FocusReason.ShortcutFocusReason))  # after the field commits
        return False
