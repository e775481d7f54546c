"""Recovery that never loses more than a few seconds of work (issue 16, item 7): autosave soon
after every edit, offered back after every crash (a second one too), on every entry point, once;
removed after Save or Discard; a prompt before anything replaces unsaved work. The app is
"killed" by starting a new window while the old one still holds its work."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from foley_assistant.core.commands import RelabelObject
from foley_assistant.gui.main_window import AUTOSAVE_MS

from .test_app import _click_clip


def recovery_files(app_home):
    return sorted((app_home / "recovery").glob("*.json"))


def relabel(window, label: str) -> str:
    obj = window.session.tracks_of("S001").objects[0]
    window.run_command(RelabelObject("S001", obj.id, label))
    return obj.id


def killed(window) -> None:
    """What a kill -9 stops in a window the test keeps: its autosave and its background stems."""
    window.autosave_timer.stop()
    window.stem_renders.close()


def test_an_edit_is_autosaved_within_seconds_and_survives_two_crashes(open_window, project_copy, qtbot, app_home):
    assert AUTOSAVE_MS <= 10_000
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = relabel(window, "dog")
    qtbot.waitUntil(lambda: len(recovery_files(app_home)) == 1, timeout=AUTOSAVE_MS + 2000)  # no Save, no close
    killed(window)
    first = open_window()  # the app was killed; it starts again with nothing to open
    assert first.offer_recovery(ask=lambda entry: True)
    assert first.session.tracks_of("S001").object(object_id).label == "dog" and first.session.is_modified
    # the stem made for "dog" in the background went with the killed session's scratch area: the
    # saved stem stands in (every stem the project names is there) and "dog" is made again
    assert all(first.session.file_of(s.path).is_file() for s in first.session.project.stems)
    assert first.stem_renders.state_of("S001", object_id) == "rendering stem…"
    killed(first)
    second = open_window()  # killed again right after restoring, before any edit
    assert second.offer_recovery(ask=lambda entry: True)
    assert second.session.tracks_of("S001").object(object_id).label == "dog"
    second.save()
    assert recovery_files(app_home) == [] and not open_window().offer_recovery(ask=lambda entry: True)


def test_opening_a_project_offers_its_own_unsaved_work(open_window, project_copy, qtbot, app_home):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = relabel(window, "horse")
    window.autosave()
    asked = []
    again = open_window()
    again.offer_recovery = lambda ask=None, project_file=None: asked.append(project_file) or False  # see what would be offered
    assert again.open_path(project_copy)
    qtbot.waitUntil(lambda: bool(asked), timeout=2000)
    assert asked == [again.session.project_file]
    assert again.session.tracks_of("S001").object(object_id).label != "horse"  # nothing restored without asking
    assert len(recovery_files(app_home)) == 1


def test_declined_work_is_not_offered_again_and_unrestorable_work_is_set_aside(open_window, project_copy, qtbot, app_home):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    relabel(window, "cat")
    window.autosave()
    assert not open_window().offer_recovery(ask=lambda entry: False)
    assert recovery_files(app_home) == []
    relabel(window, "cow")
    window.autosave()
    killed(window)
    (path,) = recovery_files(app_home)
    path.write_text('{"schema": "foley_assistant.recovery/1", "project_file": "/nowhere/foley_project.json", "saved_at": 1, "project": {}}')
    later = open_window()
    assert not later.offer_recovery(ask=lambda entry: True)
    assert "cannot be restored" in later.message.text()
    assert recovery_files(app_home) == [] and path.with_suffix(".unrestorable").is_file()  # kept, never offered again
    assert not open_window().offer_recovery(ask=lambda entry: True)


def test_unsaved_work_is_not_replaced_without_asking(open_window, project_copy, small_cut, qtbot, app_home, monkeypatch):
    window = open_window(project_copy)
    window.confirm_close = True
    _click_clip(qtbot, window, "S001")
    relabel(window, "bird")
    window.autosave()
    answers = []

    def answer(choice):
        def question(*args, **kwargs):
            answers.append(args[1])
            return choice

        monkeypatch.setattr(QMessageBox, "question", question)

    answer(QMessageBox.StandardButton.Cancel)
    assert not window.open_path(small_cut.timeline_path)  # another cut: asked, and kept
    assert answers == ["Save changes?"] and window.session.tracks_of("S001").objects[0].label == "bird"
    assert len(recovery_files(app_home)) == 1
    answer(QMessageBox.StandardButton.Discard)
    assert window.open_path(small_cut.timeline_path)
    assert recovery_files(app_home) == []  # discarded on purpose: nothing to offer later
    window.confirm_close = False
