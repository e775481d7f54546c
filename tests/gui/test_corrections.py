"""Corrections that stay corrected (issue 16, item 5): Analyze asks before it replaces objects the
editor corrected (keep the shot, merge, or replace), and a resized box changes the distance, so
the stem's level follows."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import pytest
from PySide6.QtWidgets import QApplication

from foley_assistant.core.commands import SetBox
from foley_assistant.core.track_edits import SAME_THING_IOU
from foley_assistant.core.tracks import Box

from .test_app import _click_clip


def corrected_window(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    fresh = window.session.tracks_of("S001")  # what a new analysis finds: the tracker's objects again
    obj = fresh.objects[0]
    middle = obj.frames[len(obj.frames) // 2]
    window.run_command(SetBox("S001", obj.id, middle.frame, replace(middle.box, x0=max(0.0, middle.box.x0 - 0.05))))
    assert window.session.tracks_of("S001").object(obj.id).source == "manual"
    return window, fresh, obj.id


@pytest.mark.parametrize("choice", ["keep", "merge", "replace"])
def test_analyze_asks_before_it_replaces_corrected_objects(open_window, project_copy, qtbot, choice):
    window, fresh, object_id = corrected_window(open_window, project_copy, qtbot)
    corrected = window.session.tracks_of("S001").object(object_id)
    asked = []
    window._ask_corrections = lambda shot_id, count: asked.append((shot_id, count)) or choice
    window._apply_analysis(SimpleNamespace(tracks=[fresh], failed=[]))
    QApplication.processEvents()
    assert asked == [("S001", 1)]
    after = window.session.tracks_of("S001")
    if choice == "replace":
        assert after == fresh
    else:
        assert corrected in after.objects  # as the editor left it
        if choice == "merge":  # and the fresh objects that are not it found again, none twice
            again = [o for o in fresh.objects if o.id != object_id and _mean_iou(o, corrected) < SAME_THING_IOU]
            assert len(after.objects) == 1 + len(again) and len(again) >= 1
            assert sorted(o.frames[0].box.as_list() for o in after.objects if o != corrected) == sorted(o.frames[0].box.as_list() for o in again)
        else:
            assert len(after.objects) == len(fresh.objects)  # the shot as the editor left it


def _mean_iou(a, b) -> float:
    """Mean IoU of two objects' boxes over the frames both have (0 when none)."""
    boxes = {f.frame: f.box for f in b.frames}
    shared = [f.box.iou(boxes[f.frame]) for f in a.frames if f.frame in boxes]
    return sum(shared) / len(shared) if shared else 0.0


def test_resizing_a_box_brings_the_object_nearer_and_louder(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    obj = window.session.tracks_of("S001").objects[0]
    at = obj.frames[len(obj.frames) // 2]
    box = at.box
    taller = Box(box.x0, max(0.0, box.y1 - 2 * box.height), box.x1, box.y1)
    window.run_command(SetBox("S001", obj.id, at.frame, taller))
    moved = {f.frame: f for f in window.session.tracks_of("S001").object(obj.id).frames}[at.frame]
    assert moved.distance_m == pytest.approx(at.distance_m * box.height / taller.height, rel=1e-3)
    seconds = (at.frame - window.session.media_range("S001").start) / float(window.session.shot_fps("S001").fps)
    assert window.session.curves_of("S001", obj.id).distance_m.value_at(seconds) < at.distance_m
