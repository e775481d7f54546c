"""Undoable edits: each command's effect on the project, and exact undo/redo through the stack."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import pytest

from foley_assistant.core.commands import (
    AddObject,
    ChooseTake,
    CommandStack,
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
from foley_assistant.core.curves import Curve, Keyframe, SpatialCurves
from foley_assistant.core.edit_state import ManualCurves, ShotState, StemMix, audible_gains
from foley_assistant.core.project import PROJECT_VERSION, Project
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.track_edits import corrected_objects, merge_analysis, next_object_id, set_box
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument, quantized


def _track(object_id: str, label: str, frames: range, x: float = 0.1) -> ObjectTrack:
    return ObjectTrack(object_id, label, "tracker", tuple(TrackedFrame(f, Box(x + 0.01 * f, 0.4, x + 0.01 * f + 0.1, 0.6), 0.8, 5.0) for f in frames))


def _project(generated: bool = True) -> Project:
    shot = ShotTracks("S001", "a.mp4", FrameRate(25), FrameRange(0, 50), 640, 360, (_track("O1", "person", range(0, 50)), _track("O2", "car", range(10, 40), 0.3)))
    stems = (
        (
            Stem("S001", "O1", "person", "stems/S001_O1_person.wav", "procedural", 48000, 0, 96000),
            Stem("S001", "O2", "car", "stems/S001_O2_car.wav", "procedural", 48000, 0, 96000),
        )
        if generated
        else ()
    )
    curves = tuple(SpatialCurves("S001", o, Curve.constant(0.0), Curve.constant(5.0)) for o in ("O1", "O2"))
    return Project("cut.otio", tracks=TracksDocument((shot,)), curves=curves, stems=stems)


def test_keyframes_are_added_moved_and_deleted():
    project = SetKeyframe("S001", "O1", "azimuth_deg", Fraction(1), 12.0).apply(_project())
    project = SetKeyframe("S001", "O1", "azimuth_deg", Fraction(2), -5.0).apply(project)
    assert [(k.time, k.value) for k in manual_curves_of(project, "S001", "O1").azimuth_deg.keyframes] == [(1, 12.0), (2, -5.0)]
    moved = SetKeyframe("S001", "O1", "azimuth_deg", Fraction(3, 2), 20.0, replaces=Fraction(1)).apply(project)
    assert [(k.time, k.value) for k in manual_curves_of(moved, "S001", "O1").azimuth_deg.keyframes] == [(Fraction(3, 2), 20.0), (2, -5.0)]
    assert manual_curves_of(moved, "S001", "O1").distance_m is None
    gone = DeleteKeyframe("S001", "O1", "azimuth_deg", Fraction(2)).apply(DeleteKeyframe("S001", "O1", "azimuth_deg", Fraction(3, 2)).apply(moved))
    assert gone.manual_curves == ()  # an object with no keys left has no manual entry
    with pytest.raises(ValueError):
        DeleteKeyframe("S001", "O1", "azimuth_deg", Fraction(7)).apply(project)
    with pytest.raises(ValueError):
        SetKeyframe("S001", "O1", "gain", Fraction(1), 1.0).apply(project)


def test_an_edit_marks_a_generated_shot_edited_only():
    assert SetKeyframe("S001", "O1", "distance_m", Fraction(1), 3.0).apply(_project()).edited_shots == ("S001",)
    assert SetKeyframe("S001", "O1", "distance_m", Fraction(1), 3.0).apply(_project(generated=False)).edited_shots == ()


def test_a_moved_box_is_a_keyframe_whose_correction_tapers_over_its_neighbours():
    obj = _track("O1", "person", range(0, 50))
    target = Box(0.5, 0.3, 0.7, 0.8)
    moved = set_box(obj, 20, target, spread=4)
    by_frame = {f.frame: f for f in moved.frames}
    assert by_frame[20].box == target and by_frame[20].confidence == 1.0
    shift = target.x0 - obj.frames[20].box.x0
    for step, weight in ((1, 0.904508), (2, 0.654508), (4, 0.095492)):
        for frame in (20 - step, 20 + step):
            assert by_frame[frame].box.x0 == pytest.approx(obj.frames[frame].box.x0 + weight * shift, abs=2e-6)
    for frame in (15, 25, 0, 49):
        assert by_frame[frame].box == quantized(obj.frames[frame]).box
    stopped = set_box(obj, 20, target, spread=4, manual_frames=frozenset({22}))
    assert {f.frame: f for f in stopped.frames}[23].box == quantized(obj.frames[23]).box


def test_a_resized_box_moves_the_thing_nearer_or_farther_in_proportion():
    obj = _track("O1", "person", range(0, 50))  # boxes 0.2 high, 5 m away
    taller = Box(0.2, 0.3, 0.3, 0.7)  # twice the height at frame 20: half the distance
    by_frame = {f.frame: f for f in set_box(obj, 20, taller, spread=4).frames}
    assert by_frame[20].distance_m == pytest.approx(2.5, abs=1e-3)
    for frame in (18, 22):  # the taper grows their boxes too, and brings them nearer by as much
        assert by_frame[frame].distance_m == pytest.approx(5.0 * 0.2 / by_frame[frame].box.height, abs=1e-3)
        assert 2.5 < by_frame[frame].distance_m < 5.0
    assert by_frame[25].distance_m == 5.0 and by_frame[10].distance_m == 5.0
    only_moved = {f.frame: f for f in set_box(obj, 20, Box(0.6, 0.1, 0.7, 0.3), spread=4).frames}
    assert all(f.distance_m == 5.0 for f in only_moved.values())  # a move alone keeps the distance


def test_set_box_command_replaces_one_object_and_marks_it_manual():
    project = SetBox("S001", "O2", 12, Box(0.2, 0.2, 0.4, 0.5), spread=0).apply(_project())
    shot = project.tracks.shot("S001")
    assert shot.object("O2").source == "manual"
    assert {f.frame: f.box for f in shot.object("O2").frames}[12] == Box(0.2, 0.2, 0.4, 0.5)
    assert shot.object("O1") == _project().tracks.shot("S001").object("O1")


def test_add_delete_merge_split_relabel():
    project = _project()
    added = AddObject("S001", _track("whatever", "ball", range(5, 20), 0.6)).apply(project)
    shot = added.tracks.shot("S001")
    assert [o.id for o in shot.objects] == ["O1", "O2", "O3"] and shot.object("O3").label == "ball"
    assert next_object_id(shot) == "O4"

    deleted = DeleteObject("S001", "O2").apply(SetStemMix(StemMix("stems/S001_O2_car.wav", -6.0)).apply(project))
    assert [o.id for o in deleted.tracks.shot("S001").objects] == ["O1"]
    assert [s.object_id for s in deleted.stems] == ["O1"] and deleted.mixer == () and [c.object_id for c in deleted.curves] == ["O1"]

    merged = MergeObjects("S001", "O2", "O1").apply(project)
    kept = merged.tracks.shot("S001").object("O2")
    assert [o.id for o in merged.tracks.shot("S001").objects] == ["O2"]
    assert kept.first_frame == 0 and kept.last_frame == 49 and kept.label == "car"
    with pytest.raises(ValueError):
        MergeObjects("S001", "O1", "O1").apply(project)

    split = SplitObject("S001", "O1", 30).apply(project).tracks.shot("S001")
    assert split.object("O1").last_frame == 29 and split.object("O3").first_frame == 30 and split.object("O3").label == "person"
    with pytest.raises(ValueError):
        SplitObject("S001", "O1", 0).apply(project)

    relabelled = RelabelObject("S001", "O2", " truck ").apply(project)
    assert relabelled.tracks.shot("S001").object("O2").label == "truck"
    assert [s.label for s in relabelled.stems if s.object_id == "O2"] == ["truck"]
    with pytest.raises(ValueError):
        RelabelObject("S001", "O2", "  ").apply(project)


def test_a_candidate_is_accepted_and_a_mover_silenced_with_one_undoable_edit():
    project = _project()
    silenced = SetMover("S001", "O2", False).apply(project)
    assert not silenced.tracks.shot("S001").object("O2").mover
    assert [s.object_id for s in silenced.stems] == [s.object_id for s in project.stems if s.object_id != "O2"]
    accepted = SetMover("S001", "O2", True).apply(silenced)
    assert accepted.tracks.shot("S001").object("O2").mover
    assert "S001" in accepted.edited_shots  # marked to generate again
    stack = CommandStack(project)
    stack.execute(SetMover("S001", "O2", False))
    assert stack.undo_text == "Silence O2"
    assert stack.undo() == project


def test_new_tracks_drop_manual_curves_of_objects_that_are_gone():
    project = SetKeyframe("S001", "O2", "azimuth_deg", Fraction(1), 1.0).apply(SetKeyframe("S001", "O1", "azimuth_deg", Fraction(1), 1.0).apply(_project()))
    only_o1 = ShotTracks("S001", "a.mp4", FrameRate(25), FrameRange(0, 50), 640, 360, (_track("O1", "person", range(0, 50)),))
    assert [m.object_id for m in SetShotTracks(only_o1).apply(project).manual_curves] == ["O1"]


def test_the_stack_undoes_and_redoes_exactly_and_tracks_unsaved_work():
    derived = []
    stack = CommandStack(_project(), derive=lambda before, after: derived.append(1) or after)
    stack.mark_clean()
    original = stack.project
    first = stack.execute(SetKeyframe("S001", "O1", "azimuth_deg", Fraction(1), 10.0))
    second = stack.execute(RelabelObject("S001", "O2", "truck"))
    assert len(derived) == 2 and stack.is_modified and stack.undo_text == "Relabel O2 as truck"
    assert stack.undo() == first and stack.undo() == original
    assert not stack.is_modified and not stack.can_undo and stack.redo_text.startswith("Add azimuth key")
    assert stack.redo() == first and stack.redo() == second and len(derived) == 2  # redo does not derive again
    stack.undo()
    stack.execute(DeleteObject("S001", "O2"))
    assert not stack.can_redo  # a new edit drops the undone branch
    assert stack.undo() == first


def test_the_stack_forgets_the_oldest_steps_beyond_its_limit():
    stack = CommandStack(_project(), limit=3)
    for value in range(5):
        stack.execute(SetKeyframe("S001", "O1", "azimuth_deg", Fraction(1), float(value)))
    undone = 0
    while stack.can_undo:
        stack.undo()
        undone += 1
    assert undone == 3
    assert manual_curves_of(stack.project, "S001", "O1").azimuth_deg.keyframes[0].value == 1.0
    assert stack.is_modified


def test_monitor_gains_follow_mute_and_solo():
    mixes = {"a": StemMix("a", -6.0), "b": StemMix("b", mute=True), "c": StemMix("c")}
    assert audible_gains(mixes, ["a", "b", "c"]) == pytest.approx({"a": 0.501187, "b": 0.0, "c": 1.0}, rel=1e-5)
    mixes["c"] = StemMix("c", solo=True)
    assert audible_gains(mixes, ["a", "b", "c"]) == {"a": 0.0, "b": 0.0, "c": 1.0}


def test_project_version_3_keeps_the_editors_work_and_reads_version_2():
    project = SetStemMix(StemMix("stems/S001_O1_person.wav", -3.5, mute=True)).apply(SetKeyframe("S001", "O1", "distance_m", Fraction(2, 25), 7.25).apply(_project()))
    data = project.to_dict()
    assert data["version"] == PROJECT_VERSION
    again = Project.from_dict(data)
    assert again.manual_curves == project.manual_curves and again.mixer == project.mixer and again.edited_shots == ("S001",)
    version_2 = dict(data, version=2)
    for key in ("manual_curves", "mixer", "edited_shots"):
        del version_2[key]
    old = Project.from_dict(version_2)
    assert old.manual_curves == () and old.mixer == () and old.edited_shots == () and old.stems == project.stems
    assert ManualCurves.from_dict(ManualCurves("S", "O", Curve((Keyframe(Fraction(1, 3), 2.0),))).to_dict()).azimuth_deg.keyframes[0].time == Fraction(1, 3)
    assert ShotState.EDITED.value == "edited"


def test_a_fresh_analysis_keeps_the_editors_corrections_when_merged():
    old = _project().tracks.shot("S001")
    corrected = replace(old.object("O2"), source="manual")
    old = replace(old, objects=(old.object("O1"), corrected))
    again = _track("O1", "car", range(10, 40), 0.3)  # the corrected car found again by the tracker
    walker = _track("O2", "person", range(0, 50))
    bird = _track("O3", "bird", range(0, 20), 0.7)
    fresh = replace(old, objects=(again, walker, bird))
    merged = merge_analysis(old, fresh)
    assert [(o.id, o.label, o.source) for o in merged.objects] == [("O2", "car", "manual"), ("O3", "person", "tracker"), ("O4", "bird", "tracker")]
    assert merged.object("O2") == corrected  # as the editor left it
    assert corrected_objects(fresh) == ()


def test_choosing_another_take_swaps_it_in_with_its_lane_and_mix_and_undoes():
    project = _project()
    first = project.stems[0]
    second = replace(first, path="stems/S001_O1_person_t2.wav", take=2, seed=9)
    project = replace(project, stems=(replace(second, lane="person"),) + project.stems[1:], takes=(first,), mixer=(StemMix(second.path, -6.0),))
    assert [s.take for s in project.takes_of("S001", "O1")] == [1, 2]
    stack = CommandStack(project)
    chosen = stack.execute(ChooseTake("S001", "O1", 1))
    assert chosen.stems[0] == replace(first, lane="person") and chosen.takes == (second,)
    assert chosen.mixer == (StemMix(first.path, -6.0),)  # the object's monitoring follows the take
    assert stack.undo_text == "Take 1 of O1"
    stack.undo()
    assert stack.project == project
    assert ChooseTake("S001", "O1", 2).apply(project) == project  # already chosen
    with pytest.raises(KeyError, match="no take 3"):
        ChooseTake("S001", "O1", 3).apply(project)
    assert Project.from_dict(json.loads(json.dumps(chosen.to_dict()))).takes == chosen.takes
