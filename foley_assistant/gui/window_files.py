"""What the main window does with files: opening (with the save prompt), relinking, recent files and drops, saving, autosave and recovery, export.

A part of `MainWindow` (gui/main_window.py), which it is mixed into; it uses the window's widgets
and session."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QInputDialog,
    QMessageBox,
)

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.recent import push_recent
from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.recovery import RecoveryEntry
from foley_assistant.pipeline.editing.session import EditSession

if TYPE_CHECKING:
    from foley_assistant.pipeline.handoff.export_bundle import ExportChoices

log = logging.getLogger(__name__)

EDL_RATES = ("infer from the file", "23.976", "24", "25", "29.97", "30", "48", "50", "59.94", "60")
OPEN_FILTER = "Timelines and projects (*.otio *.otioz *.otiod *.aaf *.xml *.fcpxml *.edl *.json);;All files (*)"


class WindowFiles:
    """See the module docstring."""

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
            from foley_assistant.pipeline.editing.object_stem import keep_found_renders

            keep_found_renders(session)  # stems made in the background by the session that crashed
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

        from foley_assistant.pipeline.handoff.export_bundle import export_bundle

        return self._start_job("Export", lambda context: export_bundle(project_dir, choices, context.progress), done)
