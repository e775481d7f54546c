"""The main window's background jobs: analysis (keeping the editor's corrections), generation, regeneration, following a drawn box; progress and cancel.

A part of `MainWindow` (gui/main_window.py), which it is mixed into; it uses the window's widgets
and session."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from PySide6.QtWidgets import (
    QMessageBox,
)

from foley_assistant.core.commands import (
    SetShotTracks,
)
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.track_edits import corrected_objects, merge_analysis
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.gui.jobs import JobWorker


class WindowJobs:
    """See the module docstring."""

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
        self.batch_status = ""
        worker.start()
        self._update_actions()
        return True

    def _on_progress(self, stage: str, fraction: float, message: str) -> None:
        """The stage at work and its message; in a job over several shots the bar follows the
        shots (done, running, failed, time left: the "shots" stage), shown beside each stage."""
        if stage == "shots":
            self.batch_status = message
            self.progress.setValue(int(fraction * 1000))
            self.stage_label.setText(f"Shots  {message}")
            return
        batch = self.batch_status
        self.stage_label.setText(f"{stage.capitalize()}  {message}" + (f"   ·   shots {batch}" if batch else ""))
        if not batch:
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
        from foley_assistant.pipeline.editing.session_jobs import analyze_job

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
        from foley_assistant.pipeline.editing.session_jobs import generate_job

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
        self._foley_changed()

    def regenerate_stem(self, path: str, engine: str) -> None:
        session = self.session
        if session is None:
            return
        stem = next(s for s in session.project.stems if s.path == path)
        shot, project, out_dir, rendered = session.shot(stem.shot_id), session.project, session.out_dir, session.rendered
        take = max(s.take for s in project.takes_of(stem.shot_id, stem.object_id)) + 1  # a new take; the others are kept
        try:
            dry = session.dry_audio(stem)
        except FoleyError as exc:
            self.show_error(str(exc))
            return

        def apply(result) -> None:
            session.apply_regenerated(result)
            self.show_message(f"New take {result.take} of {stem.object_id} ({result.stem.engine}); the undo history starts again after a regeneration")
            self._refresh_shot()
            self._foley_changed()

        from foley_assistant.pipeline.editing.session_jobs import regenerate_job

        self._start_job("Regenerate", lambda context: regenerate_job(shot, project, stem, dry, out_dir, rendered, context, take, engine), apply)
