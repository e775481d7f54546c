"""The main window's edits: every change goes through the session as one undoable command (boxes, keys, mixes, objects, labels, drawn objects).

A part of `MainWindow` (gui/main_window.py), which it is mixed into; it uses the window's widgets
and session."""

from __future__ import annotations

from fractions import Fraction

from PySide6.QtCore import Qt

from foley_assistant.core.commands import (
    AddObject,
    ChooseTake,
    Command,
    DeleteKeyframe,
    DeleteObject,
    EditKeyframes,
    MergeObjects,
    RelabelObject,
    SetBox,
    SetKeyframe,
    SetLaneGain,
    SetStemMix,
    SplitObject,
)
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.shot_clock import ShotClock
from foley_assistant.core.tracks import Box, ObjectTrack
from foley_assistant.gui.stem_renders import RENDERING
from foley_assistant.pipeline.editing.session import EditResult


class WindowEdits:
    """See the module docstring."""

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
        self._foley_changed()
        self._queue_stale_stems()

    def undo(self) -> None:
        if self.session is not None and self.session.stack.can_undo:
            text = self.session.stack.undo_text
            self._after_edit(self.session.undo(), f"Undid: {text}")

    def redo(self) -> None:
        if self.session is not None and self.session.stack.can_redo:
            text = self.session.stack.redo_text
            self._after_edit(self.session.redo(), f"Redid: {text}")

    # --- stems made in the background for added and relabelled objects ------------------------

    def _queue_stale_stems(self) -> None:
        """The current shot's sounding objects without a stem for their label get one made in
        the background (`gui.stem_renders`); their rows say so."""
        if self.session is None or self.shot_id is None:
            return
        from foley_assistant.pipeline.editing.object_stem import stale_objects

        session = self.session
        for object_id in stale_objects(session.project, self.shot_id, lambda path: session.file_of(path).is_file()):
            if self.stem_renders.state_of(self.shot_id, object_id) != RENDERING:
                self.stem_renders.request(self.shot_id, object_id)

    def _stem_job_for(self, shot_id: str, object_id: str):
        """The job making an object's stem, over a snapshot of the session (None: nothing to make)."""
        from foley_assistant.pipeline.editing.object_stem import level_for, object_stem_job, stale_objects

        session = self.session
        if session is None or object_id not in stale_objects(session.project, shot_id, lambda path: session.file_of(path).is_file()):
            return None
        shot, project, out_dir, rendered = session.shot(shot_id), session.project, session.out_dir, session.rendered
        level = level_for(session, shot_id, object_id)
        return lambda context: object_stem_job(shot, project, object_id, out_dir, rendered, context, level)

    def _take_object_stem(self, made) -> bool:
        """A stem made in the background: into the project (if its object still wants it), heard and shown."""
        from foley_assistant.pipeline.editing.object_stem import adopt_object_stem

        if self.session is None or not adopt_object_stem(self.session, made):
            return False
        stem = made.stem
        note = f" (made {made.stand_in}: the neural model makes whole shots)" if made.stand_in else ""
        self.show_message(f"Stem of {stem.object_id} {made.label} ready{note}")
        if stem.shot_id == self.shot_id:
            self._refresh_shot()
        self._foley_changed()
        self._update_actions()
        return True

    def _on_stem_state(self, shot_id: str, object_id: str) -> None:
        """A background stem's state changed: its object's row says it."""
        if shot_id != self.shot_id or self.session is None:
            return
        tracks = self.session.tracks_of(shot_id)
        obj = None if tracks is None else next((o for o in tracks.objects if o.id == object_id), None)
        for row in range(self.object_list.count()):
            item = self.object_list.item(row)
            if obj is not None and item.data(Qt.ItemDataRole.UserRole) == object_id:
                self.object_list.blockSignals(True)
                item.setText(object_row_text(obj, self.shot_clock(), self.stem_renders.state_of(shot_id, object_id)))
                self.object_list.blockSignals(False)

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

    def on_keys_edited(self, keys: list, removes: list, verb: str) -> None:
        """Keys pasted, moved or deleted together in the curve editor: one undoable edit."""
        object_id = self.current_object_id()
        if self.shot_id is not None and object_id is not None:
            self.run_command(EditKeyframes(self.shot_id, object_id, tuple(keys), tuple(removes), verb))

    def copy_keys(self) -> None:
        """Ctrl+C: the selected curve keys (kept to paste at the playhead)."""
        count = self.curve_editor.copy_selection()
        self.show_message(f"Copied {count} key(s): Ctrl+V pastes them at the playhead" if count else "Select keys to copy: click, Shift+click or drag a box around them")

    def paste_keys(self) -> None:
        """Ctrl+V: the copied keys at the playhead, snapped to frames."""
        if not self.curve_editor.paste_at(self.playhead):
            self.show_message("Nothing to paste: copy keys first (select them, Ctrl+C)")

    def delete_selected(self) -> None:
        """Delete: the selected curve keys when the curve editor has the focus and keys are
        selected there; the selected objects otherwise."""
        editor = self.curve_editor
        if editor.selected_times() and (editor.hasFocus() or editor.isAncestorOf(self.focusWidget())):
            editor.delete_selection()
        else:
            self.delete_selected_objects()

    def on_mix_changed(self, mix: StemMix) -> None:
        self.run_command(SetStemMix(mix))

    def on_lane_gain_changed(self, lane: str, gain_db: float) -> None:
        """The gain of a lane (every stem on it): an undoable edit."""
        self.run_command(SetLaneGain(lane, gain_db))

    def on_take_chosen(self, shot_id: str, object_id: str, take: int) -> None:
        """Play (and export) another take of an object's sound: an undoable edit."""
        self.run_command(ChooseTake(shot_id, object_id, take))

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
        from foley_assistant.pipeline.editing.session_jobs import follow_job  # the jobs pull in analysis and engines: loaded when first used

        self._start_job(f"Follow {label}", lambda context: follow_job(shot, media, frame, box, label, hfov, context), lambda track: self.run_command(AddObject(shot_id, track)))


def object_row_text(obj: ObjectTrack, clock: ShotClock, stem_state: str = "") -> str:
    """One object's row in the objects list: id, label, when (record timecode), confidence,
    whether it sounds, and the state of a stem being made for it in the background."""
    confidence = "" if obj.confidence is None else f"   {obj.confidence:.0%}"
    state = "" if obj.mover else "   candidate: tick to give it a stem"
    making = f"   · {stem_state}" if stem_state else ""
    return f"●  {obj.id}   {obj.label}    {clock.span_of(obj.first_frame, obj.last_frame)}   ({obj.source}){confidence}{state}{making}"
