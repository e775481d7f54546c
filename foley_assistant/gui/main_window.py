"""The main window: timeline, viewer, curve editor, objects and stems, transport and jobs.

It holds no business logic: opening, edits (as `core.commands`), undo, re-rendering and saving go
through `pipeline.editing.session.EditSession`; analysis, generation, following a drawn box and export
are pipeline jobs on worker threads (`gui.jobs.JobWorker`). The window is put together from parts
of one job each: `window_layout` (widgets, actions, menus), `window_files` (open, save,
recovery, export), `window_jobs` (background jobs) and `window_edits` (undoable edits); this
module keeps the shot, object, picture and playhead state and what the window shows.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
)

from foley_assistant.acoustics.panning import pan_from_azimuth, pan_position_label
from foley_assistant.core.commands import (
    SetMover,
    manual_curves_of,
)
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.shot_clock import ShotClock
from foley_assistant.gui import style
from foley_assistant.gui.audition import AuditionController
from foley_assistant.gui.jobs import JobWorker
from foley_assistant.gui.shortcuts import ShortcutRouter
from foley_assistant.gui.stem_renders import StemRenderQueue
from foley_assistant.gui.timeline_view import TimelineClip
from foley_assistant.gui.window_edits import WindowEdits, object_row_text
from foley_assistant.gui.window_files import WindowFiles
from foley_assistant.gui.window_jobs import WindowJobs
from foley_assistant.gui.window_layout import WindowLayout
from foley_assistant.gui.window_transport import DEFAULT_PREROLL_S, WindowTransport
from foley_assistant.io.frame_reader import FrameReader
from foley_assistant.io.recovery import RecoveryStore
from foley_assistant.pipeline.editing.session import EditSession
from foley_assistant.spatial.distance import settings_distance_gain

#: How often unsaved work is checked and, when it changed since the last autosave, written: at
#: most this much work is lost when the app is killed.
AUTOSAVE_MS = 3_000


def app_home() -> Path:
    """Where the app keeps its settings and recovery files (FOLEY_ASSISTANT_HOME overrides)."""
    override = os.environ.get("FOLEY_ASSISTANT_HOME")
    if override:
        return Path(override)
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation) or Path.home() / ".foley-assistant")


class MainWindow(WindowLayout, WindowFiles, WindowJobs, WindowEdits, WindowTransport, QMainWindow):
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
        self.batch_status = ""  # the last "shots" progress of a job over several shots (window_jobs)
        self.last_job_result: Any = None
        self.last_export = None
        self.playhead = 0.0  # seconds from the current shot's first frame
        self.record_playhead = 0.0  # seconds from the timeline's first frame
        self.marks: tuple[float | None, float | None] = (None, None)  # in and out points, record seconds
        self.cut_loader = None
        self.confirm_close = True
        self.home = app_home()
        self.settings = QSettings(str(self.home / "settings.ini"), QSettings.Format.IniFormat)
        self.recovery = RecoveryStore(self.home / "recovery")
        self.audition = audition or AuditionController()
        self.audition.positionChanged.connect(self._on_position)
        self.audition.playingChanged.connect(self._on_playing)
        self.audition.message.connect(self._show_banner)
        self.stem_renders = StemRenderQueue(self._stem_job_for, self._take_object_stem, self)
        self.stem_renders.changed.connect(self._on_stem_state)
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_panels()
        self._build_status()
        self.preroll_spin.setValue(float(self.settings.value("preroll_s", DEFAULT_PREROLL_S)))
        self.audition.set_preroll(self.preroll_spin.value())
        self.shortcut_router = ShortcutRouter(self, self.viewer)  # the keys work wherever the focus is
        QApplication.instance().installEventFilter(self.shortcut_router)
        self._autosaved: object | None = None  # the project last written by autosave
        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self._update_actions()

    def set_session(self, session: EditSession) -> None:
        """Show a session (a newly opened one, or one restored from an autosave). The one it
        replaces was saved or discarded by then (`may_replace_session`), or had no changes."""
        if self.session is not None and not self.session.is_modified:
            self.recovery.discard(self.session.project_file)
            if self.session.out_dir.resolve() != session.out_dir.resolve():
                self.session.discard()  # its unsaved renders go with it
        self.stem_renders.reset()  # stems being made belong to the project replaced
        self.session = session
        self._autosaved = None
        self.shot_id = None
        loaded = session.loaded
        clips = [TimelineClip(s.id, s.track_index, s.track_name, s.clip_name, s.record_range.start, s.record_range.end) for s in session.shots]
        self.timeline.canvas.set_clips(clips, loaded.rate, session.shots[0].global_start_frame if session.shots else 0)
        self.marks = (None, None)
        self._start_transport()
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
            start, duration = float(shot.record_start_seconds), float(shot.duration_seconds)
            self.audition.set_shot(start, duration)
            self.object_ids = []
            if not start <= self.record_playhead < start + duration:
                self.playhead = 0.0
                self.audition.seek_record(start, scrub=False)  # a shot chosen away from the playhead: it goes there
            self._queue_stale_stems()  # (restored work whose render was lost)
            if start <= self.record_playhead < start + duration and self.audition.transport.playing:
                # played into: its picture first (the caller shows it now), the panels right after
                QTimer.singleShot(0, lambda: self.shot_id == shot_id and self._refresh_shot())
                return
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
            item = QListWidgetItem(object_row_text(obj, self.shot_clock(), self.stem_renders.state_of(self.shot_id, obj.id)))
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
        takes = {stem.path: [t.take for t in session.project.takes_of(stem.shot_id, stem.object_id)] for stem, *_ in rows}
        shown = {stem.path for stem, *_ in rows}
        lanes = {lane: session.project.lane_gain_db(lane) for lane, stems in session.project.lanes() if any(s.path in shown for s in stems)}
        self.stems_panel.set_stems(rows, takes, lanes)
        self._refresh_mix()

    def _refresh_mix(self) -> None:
        session = self.session
        assert session is not None and self.shot_id is not None
        shot = session.shot(self.shot_id)
        first = shot.record_start_sample(self.audition.sample_rate)
        if not session.stems_of(self.shot_id):
            self.audition.place_foley(self.shot_id, first, None)
            self.stems_panel.meter.set_summary(float("-inf"), float("-inf"))
            return
        try:
            self.audition.place_foley(self.shot_id, first, session.shot_mix(self.shot_id))
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
        self.curve_title.setText(f"{object_id}  ·  drag the curve or a key · double-click adds · right-click deletes · Shift+click or drag a box selects · Ctrl+C, Ctrl+V at the playhead   ")

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

    def _dismiss_banner(self) -> None:
        self._banner_dismissed = True
        self.banner_row.hide()

    def _show_banner(self, text: str) -> None:
        """A notice over the picture (no sound card...), until dismissed; shown once per text."""
        if text == self.banner.text() and self._banner_dismissed:
            return
        self.banner.setText(text)
        self.banner_row.show()

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
        self.stem_renders.close()
        if self.cut_loader is not None:
            self.cut_loader.close()
        if self.reader is not None:
            self.reader.close()
        super().closeEvent(event)
