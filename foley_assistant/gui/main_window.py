"""The main window: timeline, viewer, curve editor, objects and stems, transport and jobs.

It holds no business logic: opening, edits (as `core.commands`), undo, re-rendering and saving go
through `pipeline.session.EditSession`; analysis, generation, following a drawn box and export
are pipeline jobs on worker threads (`gui.jobs.JobWorker`).
"""

from __future__ import annotations

import logging
import math
import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from foley_assistant.core.commands import (
    AddObject,
    Command,
    DeleteKeyframe,
    DeleteObject,
    MergeObjects,
    RelabelObject,
    SetBox,
    SetKeyframe,
    SetMover,
    SetShotTracks,
    SetStemMix,
    SplitObject,
    manual_curves_of,
)
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.panning import pan_from_azimuth, pan_position_label
from foley_assistant.core.recent import push_recent
from foley_assistant.core.shot_clock import ShotClock
from foley_assistant.core.timebase import FrameRate
from foley_assistant.core.track_edits import corrected_objects, merge_analysis
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks
from foley_assistant.gui import style
from foley_assistant.gui.audition import AuditionController
from foley_assistant.gui.curve_editor import CurveEditor
from foley_assistant.gui.jobs import JobWorker
from foley_assistant.gui.shortcuts import ShortcutRouter
from foley_assistant.gui.stems_panel import StemsPanel
from foley_assistant.gui.timeline_view import TimelineClip, TimelinePanel
from foley_assistant.gui.viewer import Viewer
from foley_assistant.io.frame_reader import FrameReader
from foley_assistant.io.recovery import RecoveryEntry, RecoveryStore
from foley_assistant.pipeline.session import EditResult, EditSession
from foley_assistant.spatial.distance import settings_distance_gain

if TYPE_CHECKING:
    from foley_assistant.pipeline.export_bundle import ExportChoices

log = logging.getLogger(__name__)

#: How often unsaved work is checked and, when it changed since the last autosave, written: at
#: most this much work is lost when the app is killed.
AUTOSAVE_MS = 3_000
LABELS = ("person", "car", "ball", "object", "door", "dog", "bicycle", "footsteps")
EDL_RATES = ("infer from the file", "23.976", "24", "25", "29.97", "30", "48", "50", "59.94", "60")
OPEN_FILTER = "Timelines and projects (*.otio *.otioz *.otiod *.aaf *.xml *.fcpxml *.edl *.json);;All files (*)"


def app_home() -> Path:
    """Where the app keeps its settings and recovery files (FOLEY_ASSISTANT_HOME overrides)."""
    override = os.environ.get("FOLEY_ASSISTANT_HOME")
    if override:
        return Path(override)
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or Path.home() / ".foley-assistant")


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


class MainWindow(QMainWindow):
    """See the module docstring. `session` is None until a timeline or project is open."""

    def __init__(self, audition: AuditionController | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Foley Assistant")
        self.resize(1440, 900)
        self.setAcceptDrops(True)
        self.session: EditSession | None = None
        self.shot_id: str | None = None
        self.selected_shots: list[str] = []
        self.object_ids: list[str] = []
        self.reader: FrameReader | None = None
        self.worker: JobWorker | None = None
        self.last_job_result: Any = None
        self.last_export = None
        self.playhead = 0.0  # seconds from the current shot's first frame
        self.confirm_close = True
        self.home = app_home()
        self.settings = QSettings(str(self.home / "settings.ini"), QSettings.Format.IniFormat)
        self.recovery = RecoveryStore(self.home / "recovery")
        self.audition = audition or AuditionController()
        self.audition.positionChanged.connect(self._on_position)
        self.audition.playingChanged.connect(self._on_playing)
        self.audition.message.connect(self._show_banner)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_panels()
        self._build_status()
        self.shortcut_router = ShortcutRouter(self, self.viewer)  # the keys work wherever the focus is
        QApplication.instance().installEventFilter(self.shortcut_router)
        self._autosaved: object | None = None  # the project last written by autosave
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self._update_actions()

    # --- construction -------------------------------------------------------------------------

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
        self.delete_action = a("Delete", self.delete_selected_objects, QKeySequence.StandardKey.Delete)
        self.merge_action = a("Merge", self.merge_selected_objects, "Ctrl+M", "Join two objects into one")
        self.split_action = a("Split", self.split_selected_object, "Ctrl+K", "Cut the object in two at the playhead")
        self.relabel_action = a("Relabel", self.relabel_selected_objects, "Ctrl+R", "Give the selected objects the label chosen beside")
        self.play_action = a("Play / pause", self.audition.toggle, "Space")
        self.j_action = a("Reverse (J)", lambda: self.audition.shuttle("j"), "J")
        self.k_action = a("Stop (K)", lambda: self.audition.shuttle("k"), "K")
        self.l_action = a("Forward (L)", lambda: self.audition.shuttle("l"), "L")
        self.back_action = a("Previous frame", lambda: self.step_frames(-1), "Left")
        self.forward_action = a("Next frame", lambda: self.step_frames(1), "Right")
        self.home_action = a("Go to start", lambda: self.audition.seek(0.0), "Home")
        self.loop_action = a("Loop shot", lambda: self.audition.set_loop(self.loop_action.isChecked()), "Ctrl+L")
        self.loop_action.setCheckable(True)
        self.loop_action.setChecked(True)

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
        for action in (self.undo_action, self.redo_action, None, self.draw_action, self.delete_action, self.merge_action, self.split_action, self.relabel_action):
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)
        shot_menu = bar.addMenu("&Shots")
        for action in (self.analyze_action, self.generate_action, self.cancel_action):
            shot_menu.addAction(action)
        play_menu = bar.addMenu("&Playback")
        for action in (self.play_action, self.j_action, self.k_action, self.l_action, self.back_action, self.forward_action, self.home_action, self.loop_action):
            play_menu.addAction(action)

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
        bar.setStyleSheet(f"background: {style.RAISED};")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(6, 4, 6, 4)
        self.play_button = QPushButton("▶  Play")
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.clicked.connect(self.audition.toggle)
        loop = QPushButton("⟲ Loop")
        loop.setCheckable(True)
        loop.setChecked(True)
        loop.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        loop.toggled.connect(lambda on: (self.loop_action.setChecked(on), self.audition.set_loop(on)))
        self.timecode = QLabel("00:00:00:00")
        self.timecode.setObjectName("timecode")
        self.frame_label = QLabel("")
        self.frame_label.setObjectName("muted")
        hint = QLabel("Space play · J K L shuttle · ← → frame")
        hint.setObjectName("muted")
        layout.addWidget(self.play_button)
        layout.addWidget(loop)
        layout.addSpacing(12)
        layout.addWidget(self.timecode)
        layout.addWidget(self.frame_label)
        layout.addStretch(1)
        layout.addWidget(hint)
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

    # --- opening ------------------------------------------------------------------------------

    def open_path(self, path: Path, rate: FrameRate | None = None, search_folders: tuple[Path, ...] = ()) -> bool:
        """Open a timeline, a project file or an output folder; a problem is shown, not raised.
        Unsaved work of the open project is not replaced without asking."""
        if not self.may_replace_session():
            return False
        try:
            session = EditSession.open(Path(path), rate, search_folders)
        except FoleyError as exc:
            self.show_error(str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - a bug, not the file's fault: said as one, the app stays up
            log.exception("opening %s failed", path)
            self.show_error(f"internal error opening {Path(path).name} ({type(exc).__name__}: {exc}); this is a bug in Foley Assistant, please report it.")
            return False
        self.set_session(session)
        self._remember_recent(Path(path))
        if self.recovery.entry_for(session.project_file) is not None:
            QTimer.singleShot(0, lambda: self.offer_recovery(project_file=session.project_file))  # its unsaved work, once the window shows
        return True

    def may_replace_session(self, ask: Callable[[], QMessageBox.StandardButton] | None = None) -> bool:
        """Whether the open project may be replaced: it has no unsaved work, or the editor saved
        it or chose to discard it (Cancel keeps it)."""
        if self.session is None or not self.session.is_modified or not self.confirm_close:
            return True
        ask = ask or (
            lambda: QMessageBox.question(
                self,
                "Save changes?",
                f"Save the changes to {self.session.loaded.name} first?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            )
        )
        answer = ask()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.recovery.discard(self.session.project_file)
            self.session.discard()  # its unsaved renders go too: the folder holds the saved project
            return True
        return False

    def set_session(self, session: EditSession) -> None:
        """Show a session (a newly opened one, or one restored from an autosave). The one it
        replaces was saved or discarded by then (`may_replace_session`), or had no changes."""
        if self.session is not None and not self.session.is_modified:
            self.recovery.discard(self.session.project_file)
            if self.session.out_dir.resolve() != session.out_dir.resolve():
                self.session.discard()  # its unsaved renders go with it
        self.session = session
        self._autosaved = None
        self.shot_id = None
        loaded = session.loaded
        clips = [TimelineClip(s.id, s.track_index, s.track_name, s.clip_name, s.record_range.start, s.record_range.end) for s in session.shots]
        self.timeline.canvas.set_clips(clips, loaded.rate, session.shots[0].global_start_frame if session.shots else 0)
        self._refresh_states()
        notes = "  ".join(loaded.notes)
        missing = [s.id for s in session.shots if s.media_status == "missing"]
        self.show_message(
            f"{loaded.name}: {len(session.shots)} shots at {loaded.rate} fps"
            + (f"; media missing for {', '.join(missing[:6])} (File ▸ Relink media…)" if missing else "")
            + (f"  {notes}" if notes else "")
        )
        self.ambience_combo.setCurrentText(session.project.settings.ambience)
        self.engine_combo.setCurrentText(session.project.settings.engine)
        first = next((s.id for s in session.shots if not s.refusal), session.shots[0].id)
        self.timeline.canvas.set_selection([first], first)
        self.stage_label.setText("Ready")
        self._update_actions()

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open timeline or project", self._last_folder(), OPEN_FILTER)
        if not path:
            return
        rate = None
        if path.lower().endswith(".edl"):
            choice, ok = QInputDialog.getItem(self, "EDL frame rate", "An EDL does not store its frame rate. Rate:", list(EDL_RATES), 0, True)
            if not ok:
                return
            if choice != EDL_RATES[0]:
                try:
                    rate = FrameRate.parse(choice)
                except (ValueError, ZeroDivisionError):
                    self.show_error(f"'{choice}' is not a frame rate; type one like 25 or 29.97.")
                    return
        self.open_path(Path(path), rate)

    def choose_relink_folder(self) -> None:
        if self.session is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Folder with the media", self._last_folder())
        if folder:
            self.relink(Path(folder))

    def relink(self, folder: Path) -> None:
        """Look for missing media in `folder` (the choices are kept in the project)."""
        assert self.session is not None
        try:
            session = EditSession.from_project(self.session.project, self.session.out_dir, (folder,))
        except FoleyError as exc:
            self.show_error(str(exc))
            return
        found = sum(1 for s in session.shots if s.media_status == "relinked")
        self.set_session(session)
        self.show_message(f"Relinked {found} shot(s) from {folder}")

    def _last_folder(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_recent(self, path: Path) -> None:
        self.settings.setValue("recent", push_recent(self.recent_files(), str(path.resolve())))
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_path(Path(p)))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_path(files[0])

    # --- shots and objects --------------------------------------------------------------------

    def _refresh_states(self) -> None:
        if self.session is None:
            return
        canvas = self.timeline.canvas
        canvas.states = {s.id: self.session.shot_state(s.id) for s in self.session.shots}
        canvas.set_audio_lanes(self.session.lanes())

    def _on_shot_selection(self, shot_ids: list[str]) -> None:
        self.selected_shots = list(shot_ids)
        self._update_actions()

    def show_shot(self, shot_id: str) -> None:
        """Make `shot_id` the shot in the viewer, curve editor and stems panel."""
        if self.session is None:
            return
        if shot_id != self.shot_id:
            self.shot_id = shot_id
            self._open_reader()
            shot = self.session.shot(shot_id)
            self.audition.set_shot(float(shot.duration_seconds), None)
            self.object_ids = []
        self._refresh_shot()

    def _open_reader(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        assert self.session is not None and self.shot_id is not None
        shot = self.session.shot(self.shot_id)
        if shot.media_path and shot.media_status in ("found", "relinked"):
            try:
                self.reader = FrameReader(shot.media_path)
            except FoleyError as exc:
                self.show_error(str(exc))

    def _refresh_shot(self) -> None:
        """Objects, stems, curves and picture of the current shot, from the session."""
        session = self.session
        if session is None or self.shot_id is None:
            return
        tracks = session.tracks_of(self.shot_id)
        selected = set(self.selected_object_ids())
        self.object_list.blockSignals(True)
        self.object_list.clear()
        self.object_ids = [] if tracks is None else [o.id for o in tracks.objects]
        for index, obj in enumerate([] if tracks is None else tracks.objects):
            item = QListWidgetItem(object_row_text(obj, self.shot_clock()))
            item.setData(Qt.ItemDataRole.UserRole, obj.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if obj.mover else Qt.CheckState.Unchecked)
            item.setToolTip(obj.evidence or "drawn or edited by hand")
            item.setForeground(QColor(style.object_colour(index) if obj.mover else style.MUTED))
            self.object_list.addItem(item)
            item.setSelected(obj.id in selected)
        if not self.object_list.selectedItems() and self.object_list.count():
            self.object_list.item(0).setSelected(True)
        self.object_list.blockSignals(False)
        self._refresh_stems()
        self._refresh_curves()
        self.show_frame()
        self._refresh_states()
        self._update_actions()

    def _on_object_checked(self, item: QListWidgetItem) -> None:
        """A tick accepts a candidate as a sound source (one click); clearing it silences a mover."""
        tracks = None if self.session is None or self.shot_id is None else self.session.tracks_of(self.shot_id)
        if tracks is None:
            return
        object_id = item.data(Qt.ItemDataRole.UserRole)
        wanted = item.checkState() == Qt.CheckState.Checked
        if tracks.object(object_id).mover != wanted:
            self.run_command(SetMover(self.shot_id, object_id, wanted))

    def _colour_of(self, object_id: str) -> str:
        return style.object_colour(self.object_ids.index(object_id)) if object_id in self.object_ids else style.OBJECT_COLOURS[0]

    def _refresh_stems(self) -> None:
        session = self.session
        assert session is not None and self.shot_id is not None
        rows = []
        for stem in sorted(session.stems_of(self.shot_id), key=lambda s: (s.is_ambience, len(s.object_id), s.object_id)):
            try:
                audio = session.stem_audio(stem)
            except FoleyError as exc:
                self.show_error(str(exc))
                audio = None
            rows.append((stem, self._colour_of(stem.object_id), session.mixer_of(stem.path), audio))
        self.stems_panel.set_stems(rows)
        self._refresh_mix()

    def _refresh_mix(self) -> None:
        session = self.session
        assert session is not None and self.shot_id is not None
        if not session.stems_of(self.shot_id):
            self.audition.set_audio(None)
            self.stems_panel.meter.set_summary(float("-inf"), float("-inf"))
            return
        try:
            self.audition.set_audio(session.shot_mix(self.shot_id))
            meter = session.meter(self.shot_id)
        except FoleyError as exc:
            self.show_error(str(exc))
            return
        self.stems_panel.meter.set_summary(meter.peak_dbfs, meter.lufs)

    def _refresh_curves(self) -> None:
        session = self.session
        assert session is not None and self.shot_id is not None
        shot = session.shot(self.shot_id)
        fps = session.shot_fps(self.shot_id).fps
        object_id = self.current_object_id()
        if object_id is None:
            self.curve_editor.set_object(None, style.OBJECT_COLOURS[0], fps, float(shot.duration_seconds))
            self.curve_title.setText("")
            return
        tracked = session.tracked_curves(self.shot_id, object_id)
        effective = session.curves_of(self.shot_id, object_id)
        manual = manual_curves_of(session.project, self.shot_id, object_id)
        clock = self.shot_clock()
        stereo = session.stereo
        readings = {
            "azimuth_deg": lambda azimuth: pan_position_label(float(pan_from_azimuth(azimuth, stereo.pan_reference_deg))),
            "distance_m": lambda metres: f"{20 * math.log10(max(float(settings_distance_gain(max(metres, 0.0), stereo)), 1e-6)):+.1f} dB",
        }
        self.curve_editor.set_object(
            object_id, self._colour_of(object_id), fps, float(shot.duration_seconds), tracked, effective, manual, session.project.settings.hfov_deg, clock.timecode_at, readings
        )
        self.curve_editor.set_playhead(self.playhead)
        self.curve_title.setText(f"{object_id}  ·  drag the curve or a key · double-click adds · right-click deletes   ")

    def selected_object_ids(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.object_list.selectedItems()]

    def current_object_id(self) -> str | None:
        ids = self.selected_object_ids()
        return ids[0] if ids else None

    def select_object(self, object_id: str) -> None:
        for row in range(self.object_list.count()):
            item = self.object_list.item(row)
            item.setSelected(item.data(Qt.ItemDataRole.UserRole) == object_id)

    def _on_object_selection(self) -> None:
        self.viewer.selected = set(self.selected_object_ids())
        self._refresh_curves()
        self.show_frame()
        self._update_actions()

    # --- picture and playhead -----------------------------------------------------------------

    def current_frame(self) -> int:
        """The media frame at the playhead (frame numbers of the media file)."""
        assert self.session is not None and self.shot_id is not None
        media = self.session.media_range(self.shot_id)
        fps = float(self.session.shot_fps(self.shot_id))
        offset = min(int(self.playhead * fps + 1e-6), media.duration - 1)
        return media.start + max(offset, 0)

    def shot_clock(self) -> ShotClock:
        """Record time of the current shot's frames (see core.shot_clock)."""
        session, shot_id = self.session, self.shot_id
        assert session is not None and shot_id is not None
        return ShotClock(session.shot(shot_id), session.media_range(shot_id).start, session.shot_fps(shot_id))

    def show_frame(self) -> None:
        """The picture and the boxes at the playhead."""
        session = self.session
        if session is None or self.shot_id is None:
            return
        shot = session.shot(self.shot_id)
        if self.reader is None:
            self.viewer.show_offline(f"Media offline: {shot.media_path or shot.clip_name}\nFile ▸ Relink media…")
            return
        try:
            frame = self.current_frame()
            picture = self.reader.frame(frame)
        except FoleyError as exc:
            self.viewer.show_offline(str(exc))
            return
        fps = session.shot_fps(self.shot_id)
        here = self.shot_clock().timecode_of(frame)  # the one time the viewer, status and lists say
        self.viewer.show_picture(picture, f"{shot.id}  {shot.clip_name}   {here}")
        self.timecode.setText(here)
        self.frame_label.setText(f"  {fps} fps")
        boxes = []
        tracks = session.tracks_of(self.shot_id)
        for obj in [] if tracks is None else tracks.objects:
            at = next((f for f in obj.frames if f.frame == frame), None)
            if at is not None:
                distance = "" if at.distance_m is None else f"  {at.distance_m:.1f} m"
                boxes.append((obj.id, f" {obj.id} {obj.label}{distance} ", at.box, self._colour_of(obj.id)))
        self.viewer.set_boxes(boxes)

    def _on_position(self, seconds: float) -> None:
        self.playhead = seconds
        self.show_frame()
        self.curve_editor.set_playhead(seconds)
        if self.session is not None and self.shot_id is not None:
            shot = self.session.shot(self.shot_id)
            canvas = self.timeline.canvas
            canvas.playhead = float(shot.record_start_seconds) + seconds
            canvas.update()
            self.stems_panel.set_playhead(seconds / max(float(shot.duration_seconds), 1e-6), seconds)
        self.stems_panel.meter.set_block(self.audition.last_block if self.audition.transport.playing else None)

    def _on_playing(self, playing: bool) -> None:
        self.play_button.setText("❚❚  Pause" if playing else "▶  Play")

    def _on_timeline_playhead(self, seconds: float) -> None:
        session = self.session
        if session is None:
            return
        current = session.shot(self.shot_id) if self.shot_id else None
        inside = current is not None and float(current.record_start_seconds) <= seconds < float(current.record_start_seconds + current.duration_seconds)
        if not inside:
            hit = next((s for s in session.shots if float(s.record_start_seconds) <= seconds < float(s.record_start_seconds + s.duration_seconds)), None)
            if hit is None:
                return
            self.timeline.canvas.set_selection([hit.id], hit.id)
            current = hit
        self.audition.seek(seconds - float(current.record_start_seconds))

    def step_frames(self, frames: int) -> None:
        if self.session is None or self.shot_id is None:
            return
        self.audition.step(frames / float(self.session.shot_fps(self.shot_id)))

    def _dismiss_banner(self) -> None:
        self._banner_dismissed = True
        self.banner_row.hide()

    def _show_banner(self, text: str) -> None:
        """A notice over the picture (no sound card...), until dismissed; shown once per text."""
        if text == self.banner.text() and self._banner_dismissed:
            return
        self.banner.setText(text)
        self.banner_row.show()

    # --- edits --------------------------------------------------------------------------------

    def run_command(self, command: Command) -> EditResult | None:
        """Run one edit through the session; its error is shown, not raised."""
        if self.session is None:
            return None
        try:
            result = self.session.execute(command)
        except (FoleyError, ValueError, KeyError) as exc:
            self.show_error(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc))
            return None
        self._after_edit(result, command.description)
        return result

    def _after_edit(self, result: EditResult, description: str) -> None:
        for path in result.rerendered:
            if path in self.stems_panel.rows and self.session is not None:
                stem = self.stems_panel.rows[path].stem
                self.stems_panel.rows[path].set_audio(self.session.stem_audio(stem), stem.sample_rate)
        rendered = f"; {len(result.rerendered)} stem(s) re-rendered in {result.render_s * 1000:.0f} ms" if result.rerendered else ""
        self.show_message(f"{description}{rendered}")
        self._refresh_shot()

    def undo(self) -> None:
        if self.session is not None and self.session.stack.can_undo:
            text = self.session.stack.undo_text
            self._after_edit(self.session.undo(), f"Undid: {text}")

    def redo(self) -> None:
        if self.session is not None and self.session.stack.can_redo:
            text = self.session.stack.redo_text
            self._after_edit(self.session.redo(), f"Redid: {text}")

    def on_box_edited(self, object_id: str, box: Box) -> None:
        if self.shot_id is not None:
            frame = self.current_frame()
            self.run_command(SetBox(self.shot_id, object_id, frame, box, at=self.shot_clock().timecode_of(frame)))

    def on_key_dragged(self, parameter: str, replaces: Fraction | None, time: Fraction, value: float) -> None:
        object_id = self.current_object_id()
        if self.shot_id is not None and object_id is not None:
            self.run_command(SetKeyframe(self.shot_id, object_id, parameter, time, value, replaces))

    def on_key_deleted(self, parameter: str, time: Fraction) -> None:
        object_id = self.current_object_id()
        if self.shot_id is not None and object_id is not None:
            self.run_command(DeleteKeyframe(self.shot_id, object_id, parameter, time))

    def on_mix_changed(self, mix: StemMix) -> None:
        self.run_command(SetStemMix(mix))

    def delete_selected_objects(self) -> None:
        for object_id in self.selected_object_ids():
            self.run_command(DeleteObject(self.shot_id, object_id))

    def merge_selected_objects(self) -> None:
        ids = self.selected_object_ids()
        if len(ids) != 2:
            self.show_error("select exactly two objects to merge (Ctrl-click in the object list).")
            return
        self.run_command(MergeObjects(self.shot_id, ids[0], ids[1]))

    def split_selected_object(self) -> None:
        object_id = self.current_object_id()
        if object_id is not None:
            frame = self.current_frame()
            self.run_command(SplitObject(self.shot_id, object_id, frame, at=self.shot_clock().timecode_of(frame)))

    def relabel_selected_objects(self, label: str | None = None) -> None:
        label = (label or self.label_combo.currentText()).strip()
        for object_id in self.selected_object_ids():
            self.run_command(RelabelObject(self.shot_id, object_id, label))

    def set_draw_mode(self, on: bool) -> None:
        self.draw_action.setChecked(on)
        self.viewer.set_draw_mode(on)
        if on:
            self.show_message(f"Draw a box around the object on the picture; it will be followed through the shot as '{self.label_combo.currentText()}'")

    def on_box_drawn(self, box: Box) -> None:
        """Follow a drawn box through the shot (a job), then add the object (an edit)."""
        session = self.session
        if session is None or self.shot_id is None:
            return
        self.set_draw_mode(False)
        if session.tracks_of(self.shot_id) is None:
            self.show_error("analyze the shot first (Shots ▸ Analyze); then draw the objects the tracker missed.")
            return
        shot, frame, label = session.shot(self.shot_id), self.current_frame(), self.label_combo.currentText().strip() or "object"
        media, hfov, shot_id = session.media_range(self.shot_id), session.project.settings.hfov_deg, self.shot_id
        from foley_assistant.pipeline.session_jobs import follow_job  # the jobs pull in analysis and engines: loaded when first used

        self._start_job(f"Follow {label}", lambda context: follow_job(shot, media, frame, box, label, hfov, context), lambda track: self.run_command(AddObject(shot_id, track)))

    # --- jobs ---------------------------------------------------------------------------------

    def _start_job(self, name: str, function: Callable[[Any], Any], done: Callable[[Any], None]) -> bool:
        if self.worker is not None:
            self.show_error(f"{self.worker.name} is still running; wait for it or cancel it.")
            return False
        worker = JobWorker(name, function)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(lambda result: self._job_done(result, done))
        worker.failed.connect(self._job_failed)
        worker.cancelled.connect(lambda: self._job_ended("Cancelled"))
        self.worker = worker
        self.stage_label.setText(f"{name}…")
        self.progress.setValue(0)
        worker.start()
        self._update_actions()
        return True

    def _on_progress(self, stage: str, fraction: float, message: str) -> None:
        self.stage_label.setText(f"{stage.capitalize()}  {message}")
        self.progress.setValue(int(fraction * 1000))

    def _job_done(self, result: Any, done: Callable[[Any], None]) -> None:
        name = self.worker.name if self.worker else ""
        self._job_ended(f"{name}: done")
        self.last_job_result = result
        try:
            done(result)
        except FoleyError as exc:
            self.show_error(str(exc))

    def _job_failed(self, message: str) -> None:
        self._job_ended("Error")
        self.show_error(message)

    def _job_ended(self, text: str) -> None:
        if self.worker is not None:
            self.worker.wait()
        self.worker = None
        self.stage_label.setText(text)
        self.progress.setValue(1000)
        self._update_actions()

    def cancel_job(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.stage_label.setText("Cancelling…")

    def _chosen_shots(self):
        assert self.session is not None
        ids = self.selected_shots or ([self.shot_id] if self.shot_id else [])
        return [self.session.shot(i) for i in ids if not self.session.shot(i).refusal]

    def analyze_selected(self) -> None:
        session = self.session
        if session is None:
            return
        shots, project = self._chosen_shots(), session.project
        from foley_assistant.pipeline.session_jobs import analyze_job

        self._start_job("Analyze", lambda context: analyze_job(shots, project, context), self._apply_analysis)

    def _apply_analysis(self, result) -> None:
        for tracks in result.tracks:
            tracks = self._keeping_corrections(tracks)
            if tracks is not None:
                self.run_command(SetShotTracks(tracks))
        if result.failed:
            self.show_error("; ".join(f"{shot_id}: {message}" for shot_id, message in result.failed))
        self._refresh_shot()

    def _keeping_corrections(self, fresh: ShotTracks, ask: Callable[[str, int], str] | None = None) -> ShotTracks | None:
        """What a fresh analysis of a shot becomes when the editor corrected objects of it by hand:
        asked, "merge" keeps the corrections and adds the new objects that are not them, "replace"
        takes the analysis, "keep" leaves the shot as it was (None)."""
        assert self.session is not None
        old = self.session.tracks_of(fresh.shot_id)
        corrected = corrected_objects(old)
        if old is None or not corrected:
            return fresh
        choice = (ask or self._ask_corrections)(fresh.shot_id, len(corrected))
        if choice == "replace":
            return fresh
        if choice == "merge":
            return merge_analysis(old, fresh)
        return None

    def _ask_corrections(self, shot_id: str, count: int) -> str:
        box = QMessageBox(self)
        box.setWindowTitle("Keep your corrections?")
        box.setText(f"{shot_id} has {count} object(s) you drew or corrected by hand. The new analysis would replace them.")
        merge = box.addButton("Keep them, add what is new", QMessageBox.ButtonRole.AcceptRole)
        replace_all = box.addButton("Replace with the analysis", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Keep the shot as it is", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(merge)
        box.exec()
        return "merge" if box.clickedButton() is merge else "replace" if box.clickedButton() is replace_all else "keep"

    def generate_selected(self) -> None:
        session = self.session
        if session is None:
            return
        shots, project, out_dir = self._chosen_shots(), session.project, session.out_dir
        settings = replace(project.settings, engine=self.engine_combo.currentText(), ambience=self.ambience_combo.currentText())
        from foley_assistant.pipeline.session_jobs import generate_job

        self._start_job("Generate", lambda context: generate_job(shots, project, out_dir, context, settings), self._apply_generated)

    def _apply_generated(self, result) -> None:
        session = self.session
        assert session is not None
        paths = [s.path for s in result.stems]
        session.apply_generated(result)
        self.recovery.discard(session.project_file)
        notes = " ".join(result.notes + [reason for _, reason in result.skipped])
        status = "Cancelled: finished shots were kept." if result.cancelled else "Generated"
        self.show_message(f"{status} {len(paths)} stem(s) in {session.out_dir}. {notes}".strip())
        self._refresh_shot()

    def regenerate_stem(self, path: str, engine: str) -> None:
        session = self.session
        if session is None:
            return
        stem = next(s for s in session.project.stems if s.path == path)
        shot, project, out_dir, rendered = session.shot(stem.shot_id), session.project, session.out_dir, session.rendered
        take = int(self.settings.value(f"take/{path}", 1)) + 1
        try:
            dry = session.dry_audio(stem)
        except FoleyError as exc:
            self.show_error(str(exc))
            return

        def apply(result) -> None:
            self.settings.setValue(f"take/{path}", result.take)
            session.apply_regenerated(result)
            self.show_message(f"New take {result.take} of {stem.object_id} ({result.stem.engine}); the undo history starts again after a regeneration")
            self._refresh_shot()

        from foley_assistant.pipeline.session_jobs import regenerate_job

        self._start_job("Regenerate", lambda context: regenerate_job(shot, project, stem, dry, out_dir, rendered, context, take, engine), apply)

    # --- saving, export, recovery -------------------------------------------------------------

    def save(self) -> bool:
        if self.session is None:
            return False
        try:
            path = self.session.save()
        except FoleyError as exc:
            self.show_error(str(exc))
            return False
        self.recovery.discard(self.session.project_file)
        self._remember_recent(path)
        self.show_message(f"Saved {path}")
        self._update_actions()
        return True

    def autosave(self) -> None:
        """Keep unsaved work where a crash cannot lose it: written whenever the project changed
        since the last autosave (checked every `AUTOSAVE_MS`)."""
        session = self.session
        if session is None or not session.is_modified or session.project is self._autosaved:
            return
        try:
            self.recovery.write(session.project_file, session.project)
            self._autosaved = session.project
        except (FoleyError, OSError) as exc:
            log.warning("autosave failed: %s", exc)

    def offer_recovery(self, ask: Callable[[RecoveryEntry], bool] | None = None, project_file: Path | None = None) -> bool:
        """Offer unsaved work left by a session that did not close (the newest, or that of
        `project_file`), once: declined, it is removed; unrestorable, it is set aside with a
        message. True if restored; the restored work is autosaved again at once."""
        entries = self.recovery.pending()
        if project_file is not None:
            entries = [e for e in entries if e.project_file == Path(project_file).resolve()]
        if not entries:
            return False
        entry = entries[0]
        ask = ask or (
            lambda e: QMessageBox.question(self, "Restore unsaved work?", f"Foley Assistant did not close normally. Restore the unsaved work of\n{e.describe()}?") == QMessageBox.StandardButton.Yes
        )
        if not ask(entry):
            self.recovery.discard(entry.project_file)
            return False
        try:
            project = self.recovery.load(entry)
            session = EditSession.from_project(project, entry.project_file.parent)
        except (FoleyError, OSError, KeyError, ValueError, TypeError) as exc:
            kept = self.recovery.set_aside(entry)
            self.show_error(f"The unsaved work of {entry.project_file} cannot be restored ({exc}); the file is kept as {kept}.")
            return False
        self.set_session(session)
        self.autosave()  # a second crash before the next edit must not lose it
        self.show_message(f"Restored unsaved work of {entry.project_file}; save to keep it")
        return True

    def choose_export(self) -> None:
        if self.session is None:
            return
        from foley_assistant.gui.export_dialog import ExportDialog

        dialog = ExportDialog(self.session.out_dir / "export", self)
        if dialog.exec():
            self.export(dialog.choices())

    def export(self, choices: "ExportChoices") -> bool:
        """Save, then write the chosen formats in the background."""
        session = self.session
        if session is None or not session.project.stems:
            self.show_error("nothing to export yet: generate some shots first.")
            return False
        if not self.save():
            return False
        project_dir = session.out_dir

        def done(result) -> None:
            self.last_export = result
            self.show_message(f"Exported {len(result.files)} file(s) to {choices.destination}. " + " ".join(result.notes[:2]))

        from foley_assistant.pipeline.export_bundle import export_bundle

        return self._start_job("Export", lambda context: export_bundle(project_dir, choices, context.progress), done)

    # --- state --------------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.message.setObjectName("")
        self.message.setStyleSheet("")
        self.message.setText(text)
        self.message.setToolTip(text)

    def show_error(self, text: str) -> None:
        self.message.setStyleSheet(f"color: {style.RED};")
        self.message.setText(text)
        self.message.setToolTip(text)
        self.stage_label.setText("Error")

    def _update_actions(self) -> None:
        session, busy = self.session, self.worker is not None
        has = session is not None
        for action in (self.save_action, self.relink_action, self.analyze_action, self.generate_action):
            action.setEnabled(has and not busy)
        self.export_action.setEnabled(has and not busy and bool(session and session.project.stems))
        self.cancel_action.setEnabled(busy)
        self.cancel_button.setEnabled(busy)
        self.open_action.setEnabled(not busy)
        self.undo_action.setEnabled(bool(session and session.stack.can_undo))
        self.redo_action.setEnabled(bool(session and session.stack.can_redo))
        self.undo_action.setText(f"Undo {session.stack.undo_text}" if session and session.stack.can_undo else "Undo")
        self.redo_action.setText(f"Redo {session.stack.redo_text}" if session and session.stack.can_redo else "Redo")
        self.undo_action.setToolTip(f"Undo {session.stack.undo_text}" if session and session.stack.can_undo else "Nothing to undo")
        self.redo_action.setToolTip(f"Redo {session.stack.redo_text}" if session and session.stack.can_redo else "Nothing to redo")
        analyzed = bool(session and self.shot_id and session.tracks_of(self.shot_id) is not None)
        chosen = len(self.selected_object_ids())
        self.draw_action.setEnabled(analyzed)
        for action in (self.delete_action, self.relabel_action, self.split_action):
            action.setEnabled(analyzed and chosen >= 1)
        self.merge_action.setEnabled(analyzed and chosen == 2)
        count = len(self.selected_shots)
        self.generate_action.setText(f"Generate ({count})" if count > 1 else "Generate")
        self.analyze_action.setText(f"Analyze ({count})" if count > 1 else "Analyze")
        title = "Foley Assistant"
        if session is not None:
            title = f"{session.loaded.name}{' •' if session.is_modified else ''} — Foley Assistant"
        self.setWindowTitle(title)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.session is not None and self.session.is_modified and self.confirm_close:
            answer = QMessageBox.question(
                self, "Save changes?", "Save the project before closing?", QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel
            )
            if answer == QMessageBox.StandardButton.Cancel or (answer == QMessageBox.StandardButton.Save and not self.save()):
                event.ignore()
                return
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()
        if self.session is not None and not (self.session.is_modified and not self.confirm_close):
            self.recovery.discard(self.session.project_file)
        if self.session is not None:
            self.session.discard()  # saved or not, the folder is left holding the saved project
        self.audition.close()
        if self.reader is not None:
            self.reader.close()
        super().closeEvent(event)


def object_row_text(obj: ObjectTrack, clock: ShotClock) -> str:
    """One object's row in the objects list: id, label, when (record timecode), confidence, and
    whether it sounds."""
    confidence = "" if obj.confidence is None else f"   {obj.confidence:.0%}"
    state = "" if obj.mover else "   candidate: tick to give it a stem"
    return f"●  {obj.id}   {obj.label}    {clock.span_of(obj.first_frame, obj.last_frame)}   ({obj.source}){confidence}{state}"
