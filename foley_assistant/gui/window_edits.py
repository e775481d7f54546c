"""The main window's edits: every change goes through the session as one undoable command (boxes, keys, mixes, objects, labels, drawn objects).

A part of `MainWindow` (gui/main_window.py), which it is mixed into; it uses the window's widgets
and session."""

from __future__ import annotations

from fractions import Fraction

from foley_assistant.core.commands import (
    AddObject,
    ChooseTake,
    Command,
    DeleteKeyframe,
    DeleteObject,
    MergeObjects,
    RelabelObject,
    SetBox,
    SetKeyframe,
    SetStemMix,
    SplitObject,
)
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.tracks import Box
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
