"""Building the main window: its actions and shortcuts, menus, toolbar, panels, transport bar and status bar.

A part of `MainWindow` (gui/main_window.py), which it is mixed into; it uses the window's widgets
and session."""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from foley_assistant.gui import style
from foley_assistant.gui.curve_editor import CurveEditor
from foley_assistant.gui.stems_panel import StemsPanel
from foley_assistant.gui.timeline_view import TimelinePanel
from foley_assistant.gui.viewer import Viewer

LABELS = ("person", "car", "ball", "object", "door", "dog", "bicycle", "footsteps")


def _panel(title: str, body: QWidget, extra: QWidget | None = None) -> QWidget:
    """A panel with a small caps title bar."""
    frame = QWidget()
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    header = QLabel(title.upper())
    header.setObjectName("panelTitle")
    if extra is None:
        layout.addWidget(header)
    else:
        bar = QWidget()
        bar_layout = QHBoxLayout(bar)
        bar_layout.setContentsMargins(0, 0, 0, 0)
        bar_layout.setSpacing(0)
        bar_layout.addWidget(header, 1)
        bar_layout.addWidget(extra)
        layout.addWidget(bar)
    layout.addWidget(body, 1)
    return frame


class WindowLayout:
    """See the module docstring."""

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip or text)
        action.triggered.connect(lambda checked=False: slot())
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.open_action = a("Open…", self.choose_file, QKeySequence.StandardKey.Open, "Open a timeline (OTIO, AAF, FCP XML, FCPXML, EDL) or a Foley Assistant project")
        self.relink_action = a("Relink media…", self.choose_relink_folder, None, "Look for missing media in a folder")
        self.save_action = a("Save", self.save, QKeySequence.StandardKey.Save)
        self.export_action = a("Export…", self.choose_export, "Ctrl+E")
        self.quit_action = a("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.undo_action = a("Undo", self.undo, "Ctrl+Z")
        self.redo_action = a("Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        self.analyze_action = a("Analyze", self.analyze_selected, "Ctrl+Shift+A", "Find and track the objects of the selected shots")
        self.generate_action = a("Generate", self.generate_selected, "Ctrl+G", "Make the stems of the selected shots")
        self.cancel_action = a("Cancel", self.cancel_job, "Esc", "Stop the running job (finished shots are kept)")
        self.draw_action = a("Add object", lambda: self.set_draw_mode(self.draw_action.isChecked()), "B", "Draw a box around an object the tracker missed")
        self.draw_action.setCheckable(True)
        self.delete_action = a("Delete", self.delete_selected, QKeySequence.StandardKey.Delete, "Delete the selected objects, or the selected curve keys when the curve editor has the focus")
        self.copy_keys_action = a("Copy keys", self.copy_keys, "Ctrl+C", "Copy the selected curve keys")
        self.paste_keys_action = a("Paste keys", self.paste_keys, "Ctrl+V", "Paste the copied keys at the playhead, snapped to frames")
        self.merge_action = a("Merge", self.merge_selected_objects, "Ctrl+M", "Join two objects into one")
        self.split_action = a("Split", self.split_selected_object, "Ctrl+K", "Cut the object in two at the playhead")
        self.relabel_action = a("Relabel", self.relabel_selected_objects, "Ctrl+R", "Give the selected objects the label chosen beside")
        self.play_action = a("Play / pause", self.audition.toggle, "Space")
        self.j_action = a("Reverse (J)", lambda: self.audition.shuttle("j"), "J")
        self.k_action = a("Stop (K)", lambda: self.audition.shuttle("k"), "K")
        self.l_action = a("Forward (L)", lambda: self.audition.shuttle("l"), "L")
        self.back_action = a("Previous frame", lambda: self.step_frames(-1), "Left")
        self.forward_action = a("Next frame", lambda: self.step_frames(1), "Right")
        self.preroll_action = a("Play with pre-roll", self.play_with_preroll, "Shift+Space", "Play from the pre-roll before the selected key, the in point or the playhead")
        self.home_action = a("Go to start", self.go_to_start, "Home")
        self.mark_in_action = a("Mark in", self.mark_in, "I", "The in point at the playhead (shown on the timeline's ruler)")
        self.mark_out_action = a("Mark out", self.mark_out, "O", "The out point after the frame at the playhead")
        self.clear_marks_action = a("Clear in and out", self.clear_marks, "Ctrl+Shift+X")
        self.loop_action = a("Loop in/out (or the shot)", lambda: self.audition.set_loop(self.loop_action.isChecked()), "Ctrl+L")
        self.loop_action.setCheckable(True)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open recent")
        self._fill_recent_menu()
        file_menu.addAction(self.relink_action)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.export_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        for action in (
            self.undo_action,
            self.redo_action,
            None,
            self.copy_keys_action,
            self.paste_keys_action,
            None,
            self.draw_action,
            self.delete_action,
            self.merge_action,
            self.split_action,
            self.relabel_action,
        ):
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)
        shot_menu = bar.addMenu("&Shots")
        for action in (self.analyze_action, self.generate_action, self.cancel_action):
            shot_menu.addAction(action)
        play_menu = bar.addMenu("&Playback")
        for action in (
            self.play_action,
            self.preroll_action,
            self.j_action,
            self.k_action,
            self.l_action,
            self.back_action,
            self.forward_action,
            self.home_action,
            None,
            self.mark_in_action,
            self.mark_out_action,
            self.clear_marks_action,
            self.loop_action,
        ):
            play_menu.addSeparator() if action is None else play_menu.addAction(action)

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.addToolBar(toolbar)
        for action in (self.open_action, self.save_action, None, self.undo_action, self.redo_action, None, self.analyze_action, self.generate_action, None):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.engine_combo = QComboBox()
        self.engine_combo.addItems(["procedural", "library", "neural"])
        self.engine_combo.setToolTip("Engine used by Generate")
        toolbar.addWidget(QLabel(" Engine "))
        toolbar.addWidget(self.engine_combo)
        self.ambience_combo = QComboBox()
        self.ambience_combo.addItems(["none", "auto", "room", "street", "wind", "rain"])
        self.ambience_combo.setToolTip("Ambience bed under each generated shot (auto: chosen from the labels)")
        toolbar.addWidget(QLabel(" Bed "))
        toolbar.addWidget(self.ambience_combo)
        toolbar.addSeparator()
        for action in (self.draw_action, self.delete_action, self.merge_action, self.split_action, self.relabel_action):
            toolbar.addAction(action)
        self.label_combo = QComboBox()
        self.label_combo.setEditable(True)
        self.label_combo.addItems(list(LABELS))
        self.label_combo.setToolTip("Label for new objects and for Relabel")
        self.label_combo.activated.connect(lambda _index: self.viewer.setFocus(Qt.FocusReason.OtherFocusReason))  # picked: the keys are shortcuts again
        toolbar.addWidget(self.label_combo)
        toolbar.addSeparator()
        toolbar.addAction(self.export_action)
        generate_button = toolbar.widgetForAction(self.generate_action)
        if generate_button is not None:
            generate_button.setObjectName("primary")

    def _build_panels(self) -> None:
        self.banner = QLabel("")
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner_close = QPushButton("×")
        self.banner_close.setToolTip("Dismiss (the meters keep reading the rendered sound)")
        self.banner_close.setFixedWidth(28)
        self.banner_close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.banner_row = QWidget()
        banner_layout = QHBoxLayout(self.banner_row)
        banner_layout.setContentsMargins(0, 0, 0, 0)
        banner_layout.addWidget(self.banner, 1)
        banner_layout.addWidget(self.banner_close)
        self._banner_dismissed = False
        self.banner_close.clicked.connect(self._dismiss_banner)
        self.banner_row.hide()
        self.viewer = Viewer()
        self.viewer.boxEdited.connect(self.on_box_edited)
        self.viewer.boxDrawn.connect(self.on_box_drawn)
        self.viewer.objectClicked.connect(self.select_object)
        self.transport_bar = self._build_transport_bar()
        viewer_column = QWidget()
        viewer_layout = QVBoxLayout(viewer_column)
        viewer_layout.setContentsMargins(0, 0, 0, 0)
        viewer_layout.setSpacing(0)
        viewer_layout.addWidget(self.banner_row)
        viewer_layout.addWidget(self.viewer, 1)
        viewer_layout.addWidget(self.transport_bar)

        self.object_list = QListWidget()
        self.object_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.object_list.itemSelectionChanged.connect(self._on_object_selection)
        self.object_list.itemChanged.connect(self._on_object_checked)
        self.stems_panel = StemsPanel()
        self.stems_panel.mixChanged.connect(self.on_mix_changed)
        self.stems_panel.regenerate.connect(self.regenerate_stem)
        self.stems_panel.takeChosen.connect(self.on_take_chosen)
        self.stems_panel.laneGainChanged.connect(self.on_lane_gain_changed)
        side = QSplitter(Qt.Orientation.Vertical)
        side.addWidget(_panel("Objects", self.object_list))
        side.addWidget(_panel("Stems", self.stems_panel))
        side.setSizes([180, 420])

        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(_panel("Viewer", viewer_column))
        top.addWidget(side)
        top.setSizes([920, 520])

        self.curve_editor = CurveEditor()
        self.curve_editor.keyDragged.connect(self.on_key_dragged)
        self.curve_editor.keyDeleted.connect(self.on_key_deleted)
        self.curve_editor.keysEdited.connect(self.on_keys_edited)
        self.curve_editor.playheadDragged.connect(lambda s: self.audition.seek(s))
        self.timeline = TimelinePanel()
        canvas = self.timeline.canvas
        canvas.selectionChanged.connect(self._on_shot_selection)
        canvas.currentShotChanged.connect(self.show_shot)
        canvas.playheadMoved.connect(self._on_timeline_playhead)

        self.curve_title = QLabel("")
        self.curve_title.setObjectName("panelTitle")
        main = QSplitter(Qt.Orientation.Vertical)
        main.addWidget(top)
        main.addWidget(_panel("Placement curves", self.curve_editor, self.curve_title))
        main.addWidget(_panel("Timeline", self.timeline))
        main.setSizes([450, 270, 150])
        self.setCentralWidget(main)

    def _build_transport_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("transportBar")  # scoped, so its buttons keep their own (checked) look
        bar.setStyleSheet(f"QWidget#transportBar {{ background: {style.RAISED}; }} QWidget#transportBar QLabel#muted, QWidget#transportBar QLabel#shuttle {{ background: transparent; }}")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(6, 4, 6, 4)
        self.play_button = QPushButton("▶  Play")
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.setToolTip("Space plays and pauses · Shift+Space plays with the pre-roll · J K L shuttle · I and O mark in and out · ← → a frame")
        self.play_button.clicked.connect(self.audition.toggle)
        self.loop_button = loop = QPushButton("⟲ Loop")
        loop.setCheckable(True)
        loop.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        loop.setToolTip("Loop between the in and out marks (I, O), or the shot without marks (Ctrl+L)")
        loop.toggled.connect(lambda on: (self.loop_action.setChecked(on), self.audition.set_loop(on)))
        self.loop_action.toggled.connect(loop.setChecked)  # Ctrl+L and the menu show on the button too
        self.shuttle_label = QLabel("")
        self.shuttle_label.setObjectName("shuttle")
        self.shuttle_label.setMinimumWidth(56)
        self.timecode = QLabel("00:00:00:00")
        self.timecode.setObjectName("timecode")
        self.frame_label = QLabel("")
        self.frame_label.setObjectName("muted")
        self.preroll_spin = QDoubleSpinBox()
        self.preroll_spin.setRange(0.0, 10.0)
        self.preroll_spin.setSingleStep(0.5)
        self.preroll_spin.setDecimals(1)
        self.preroll_spin.setSuffix(" s")
        self.preroll_spin.setToolTip("Pre-roll: Shift+Space, and looping from outside the range, start this long before the key or in point")
        self.preroll_spin.valueChanged.connect(self.set_preroll)
        self.cut_audio_button = QPushButton("Cut audio")
        self.cut_audio_button.setCheckable(True)
        self.cut_audio_button.setChecked(str(self.settings.value("cut_audio_on", "true")).lower() == "true")
        self.cut_audio_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cut_audio_button.setEnabled(False)
        self.cut_audio_button.toggled.connect(lambda _on: self._apply_levels())
        self.cut_level = QDoubleSpinBox()
        self.cut_level.setRange(-60.0, 12.0)
        self.cut_level.setDecimals(1)
        self.cut_level.setSuffix(" dB")
        self.cut_level.setValue(float(self.settings.value("cut_audio_db", -6.0)))
        self.cut_level.setToolTip("Level of the cut's own audio (production or guide tracks) under the foley")
        self.cut_level.valueChanged.connect(lambda _db: self._apply_levels())
        preroll_label = QLabel("Pre-roll")
        preroll_label.setObjectName("muted")
        layout.addWidget(self.play_button)
        layout.addWidget(loop)
        layout.addSpacing(12)
        layout.addWidget(self.timecode)
        layout.addWidget(self.shuttle_label)
        layout.addWidget(self.frame_label)
        layout.addStretch(1)
        layout.addWidget(preroll_label)
        layout.addWidget(self.preroll_spin)
        layout.addSpacing(8)
        layout.addWidget(self.cut_audio_button)
        layout.addWidget(self.cut_level)
        layout.addSpacing(6)
        return bar

    def _build_status(self) -> None:
        self.stage_label = QLabel("Open a timeline or a project (File ▸ Open, or drop it here)")
        self.message = QLabel("")
        self.message.setWordWrap(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_button.clicked.connect(self.cancel_job)
        self.statusBar().addWidget(self.stage_label)
        self.statusBar().addWidget(self.message, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.cancel_button)
