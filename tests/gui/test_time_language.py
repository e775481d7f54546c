"""One time language in the app (issue 16, item 3): the object list, the viewer, the status bar,
the curve editor's axis and the undo menu all say the timeline's record timecode, and the same
one for the same frame; the last frame of a shot never reads as the next shot's first."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QApplication

from foley_assistant.core.shot_clock import ShotClock
from foley_assistant.core.timebase import frames_to_timecode

from .test_app import _click_clip

TIMECODE = re.compile(r"\d\d:\d\d:\d\d[:;]\d\d")


def test_every_view_says_the_same_record_timecode(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S002")
    session = window.session
    clock = ShotClock(session.shot("S002"), session.media_range("S002").start, session.shot_fps("S002"))
    ball = session.tracks_of("S002").objects[0]
    middle = ball.frames[len(ball.frames) // 2].frame
    window.audition.seek(float(clock.seconds_of(middle)))
    QApplication.processEvents()
    expected = clock.timecode_of(middle)
    assert window.timecode.text() == expected
    assert expected in window.viewer.caption.textItem.toPlainText() and "frame" not in window.viewer.caption.textItem.toPlainText()
    row = window.object_list.item(0).text()
    assert f"{clock.timecode_of(ball.first_frame)}–{clock.timecode_of(ball.last_frame)}" in row and "frames" not in row
    window.select_object(ball.id)
    QApplication.processEvents()
    axis = window.curve_editor.plots["distance_m"].getAxis("bottom")
    assert axis.tickStrings([float(clock.seconds_of(middle))], 1.0, 1.0) == [expected]
    window.split_selected_object()
    assert window.undo_action.text() == f"Undo Split {ball.id} at {expected}"


def test_the_end_of_a_shot_shows_its_own_last_frame(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    shot = window.session.shot("S001")
    window.audition.seek(float(shot.duration_seconds) - 0.5 / float(shot.timeline_rate))  # inside the last frame
    QApplication.processEvents()
    last = shot.global_start_frame + shot.record_range.end - 1
    assert TIMECODE.fullmatch(window.timecode.text())
    assert window.shot_id == "S001" and window.current_frame() == window.session.media_range("S001").end - 1
    assert window.timecode.text() == frames_to_timecode(last, shot.timeline_rate)  # not the next shot's first
    # the shot's end is the next shot's first frame: the picture and the timecode both say so
    window.audition.seek(float(shot.duration_seconds))
    QApplication.processEvents()
    after = window.session.shot("S002")
    assert window.shot_id == "S002" and window.current_frame() == window.session.media_range("S002").start
    assert window.timecode.text() == frames_to_timecode(after.global_start_frame + after.record_range.start, shot.timeline_rate)
