import json

import pytest

from foley_assistant.core.curves import Curve, SpatialCurves
from foley_assistant.core.errors import ProjectFileError
from foley_assistant.core.lanes import assign_lanes
from foley_assistant.core.project import PROJECT_VERSION, Project, migrate_project_dict
from foley_assistant.core.stem import Stem, stem_file_stem
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument, renumber_objects


def make_tracks() -> TracksDocument:
    frames = tuple(TrackedFrame(f, Box(round(0.1 + 0.01 * f, 6), 0.4, round(0.2 + 0.01 * f, 6), 0.8), 0.9, 12.5) for f in range(10, 14))
    obj = ObjectTrack("O1", "person", "tracker", frames)
    shot = ShotTracks("S001", "shot.mp4", FrameRate(24000, 1001), FrameRange(10, 4), 1280, 720, (obj,))
    return TracksDocument((shot,))


def test_box_geometry():
    box = Box(0.1, 0.2, 0.3, 0.6)
    assert box.center_x == pytest.approx(0.2) and box.height == pytest.approx(0.4)
    assert box.iou(box) == pytest.approx(1.0)
    assert box.iou(Box(0.5, 0.5, 0.6, 0.6)) == 0.0
    assert Box(-0.2, 0.5, 0.1, 1.3).clipped() == Box(0.0, 0.5, 0.1, 1.0)
    with pytest.raises(ValueError):
        Box(0.5, 0.0, 0.4, 1.0)


def test_tracks_file_round_trip_matches_contract_shape():
    doc = make_tracks()
    data = json.loads(json.dumps(doc.to_dict()))
    assert data["schema"] == "foley_assistant.tracks/1"
    shot = data["shots"][0]
    assert shot["fps"] == [24000, 1001] and shot["frame_range"] == [10, 14]
    assert shot["objects"][0]["frames"][0] == {"frame": 10, "box": [0.2, 0.4, 0.3, 0.8], "confidence": 0.9, "distance_m": 12.5}
    assert TracksDocument.from_dict(data) == doc


def test_tracks_file_ignores_unknown_fields_and_refuses_other_schemas():
    data = make_tracks().to_dict()
    data["extra"] = 1
    data["shots"][0]["objects"][0]["frames"][0]["mask"] = "rle"
    assert TracksDocument.from_dict(data).shots[0].objects[0].frames[0].frame == 10
    with pytest.raises(ProjectFileError, match="schema"):
        TracksDocument.from_dict({"schema": "something/9", "shots": []})
    with pytest.raises(ProjectFileError, match="malformed"):
        TracksDocument.from_dict({"schema": "foley_assistant.tracks/1", "shots": [{"id": "S1"}]})


def test_object_frames_are_sorted_and_unique():
    a = TrackedFrame(5, Box(0, 0, 0.1, 0.1))
    b = TrackedFrame(3, Box(0, 0, 0.1, 0.1))
    assert ObjectTrack("O1", "x", "manual", (a, b)).frame_numbers() == [3, 5]
    with pytest.raises(ValueError):
        ObjectTrack("O1", "x", "manual", (a, a))
    with pytest.raises(ValueError):
        ObjectTrack("O1", "x", "guess", (a,))


def test_renumbering_follows_first_appearance():
    late = ObjectTrack("Z", "car", "tracker", (TrackedFrame(9, Box(0.5, 0, 0.6, 0.1)),))
    early = ObjectTrack("Y", "person", "tracker", (TrackedFrame(2, Box(0.5, 0, 0.6, 0.1)),))
    assert [(o.id, o.label) for o in renumber_objects([late, early])] == [("O1", "person"), ("O2", "car")]


def test_project_round_trip_and_versions():
    curves = SpatialCurves("S001", "O1", Curve.constant(-10.0), Curve.constant(4.0))
    stem = Stem("S001", "O1", "person", "stems/S001_O1_person.wav", "procedural", 48000, 96000, 48000, "person")
    project = Project(
        "/cuts/a.edl", selected_shots=("S001",), tracks=make_tracks(), curves=(curves,), stems=(stem,), media_relinks={"a.mov": "/m/a.mov"}, timeline_rate=(25, 1), media_search_folders=("/m",)
    )
    data = json.loads(json.dumps(project.to_dict()))
    assert data["version"] == PROJECT_VERSION
    assert Project.from_dict(data) == project
    newer = dict(data, version=PROJECT_VERSION + 1)
    with pytest.raises(ProjectFileError, match="newer"):
        Project.from_dict(newer)
    with pytest.raises(ProjectFileError, match="not a Foley Assistant project"):
        Project.from_dict({"schema": "other"})


def test_a_version_1_project_opens_with_no_rate_and_no_search_folders():
    project = Project("/cuts/a.otio", tracks=make_tracks(), media_relinks={"clip:walk": "/m/walk.mov"})
    version_1 = project.to_dict()
    version_1["version"] = 1
    del version_1["timeline_rate"], version_1["media_search_folders"]
    reopened = Project.from_dict(version_1)
    assert reopened == project and reopened.timeline_rate is None and reopened.media_relinks == {"clip:walk": "/m/walk.mov"}


def test_migrations_run_step_by_step():
    calls = []

    def v1_to_v2(doc):
        calls.append(doc["version"])
        doc["renamed"] = doc.pop("old")
        return doc

    old = {"schema": "foley_assistant.project", "version": PROJECT_VERSION, "old": 1}
    current_version = PROJECT_VERSION
    import foley_assistant.core.project as project_module

    try:
        project_module.PROJECT_VERSION = current_version + 1
        migrated = migrate_project_dict(old, {current_version: v1_to_v2})
    finally:
        project_module.PROJECT_VERSION = current_version
    assert calls == [current_version]
    assert migrated["version"] == current_version + 1 and migrated["renamed"] == 1


def test_lanes_by_label_without_overlap():
    def stem(shot, obj, label, start, length):
        return Stem(shot, obj, label, f"stems/{shot}_{obj}.wav", "procedural", 48000, start, length)

    stems = [
        stem("S001", "O1", "person", 0, 100),
        stem("S001", "O2", "person", 0, 100),
        stem("S001", "O3", "car", 0, 100),
        stem("S002", "O1", "person", 100, 50),
    ]
    lanes = assign_lanes(stems)
    names = [name for name, _ in lanes]
    assert names == ["car", "person", "person 2"]
    person = dict(lanes)["person"]
    assert [(s.shot_id, s.object_id) for s in person] == [("S001", "O1"), ("S002", "O1")]
    assert all(s.lane == "person 2" for s in dict(lanes)["person 2"])


def test_stem_file_names_are_safe():
    assert stem_file_stem("S001", "O2", "Sports Ball/ä") == "S001_O2_sports-ball-ä"


def test_a_project_keeps_its_placement_loudness_and_run_settings():
    from foley_assistant.acoustics.panning import PanLaw
    from foley_assistant.core.project_settings import LoudnessPolicy, Placement, ProjectSettings

    placement = Placement(pan_law=PanLaw.COMPROMISE, distance_model="exponential", offscreen="fade", binaural=True, sofa_path="/hrtf/kemar.sofa", smoothing_ms=35.0, control_interval=16)
    settings = ProjectSettings(hfov_deg=90.0, placement=placement, loudness=LoudnessPolicy(None, -2.0), seed=5, ambience="street", detector="none")
    project = Project("/cuts/a.otio", settings=settings, tracks=make_tracks())
    data = json.loads(json.dumps(project.to_dict()))
    assert data["settings"]["placement"]["pan_law"] == "-4.5db" and data["settings"]["loudness"]["target_lufs"] is None
    assert Project.from_dict(data) == project
    assert placement.mode == "binaural-sofa" and placement.reference_deg(90.0) == 45.0
    assert Placement(pan_reference_deg=20.0).reference_deg(90.0) == 20.0 and Placement(binaural=True).mode == "binaural"


def test_a_version_3_project_gets_the_placement_generate_made_by_default():
    from foley_assistant.core.project_settings import LoudnessPolicy, Placement

    project = Project("/cuts/a.otio", tracks=make_tracks())
    version_3 = project.to_dict()
    version_3["version"] = 3
    version_3["settings"] = {"sample_rate": 48000, "engine": "library", "hfov_deg": 75.0, "analysis_width": 320}
    reopened = Project.from_dict(version_3)
    assert reopened.settings.engine == "library" and reopened.settings.hfov_deg == 75.0
    assert reopened.settings.placement == Placement() and reopened.settings.loudness == LoudnessPolicy(scope="shot")
    assert reopened.settings.placement.reference_deg(75.0) == 37.5  # screen-locked, as generate placed it
    assert (reopened.settings.seed, reopened.settings.ambience, reopened.settings.detector) == (0, "none", "nanodet")
    assert migrate_project_dict(version_3)["version"] == PROJECT_VERSION == 7
    assert reopened.generation == 0  # counted from version 5 on


def test_a_project_looks_up_curves_by_object_and_lays_stems_in_lanes():
    from foley_assistant.core.curves import Curve, SpatialCurves
    from foley_assistant.core.lanes import assign_lanes
    from foley_assistant.core.project import Project
    from foley_assistant.core.stem import Stem

    curves = (SpatialCurves("S001", "O1", Curve.constant(-10.0), Curve.constant(4.0)), SpatialCurves("S002", "O1", Curve.constant(5.0), Curve.constant(9.0)))
    stems = (Stem("S001", "O1", "person", "stems/S001_O1_person.wav", "procedural", 48000, 0, 96000), Stem("S002", "O1", "car", "stems/S002_O1_car.wav", "procedural", 48000, 96000, 96000))
    project = Project("cut.otio", curves=curves, stems=stems)
    assert project.curves_of("S002", "O1") is curves[1] and project.curves_of("S002", "O9") is None
    assert project.curves_by_object() == {("S001", "O1"): curves[0], ("S002", "O1"): curves[1]}
    assert project.lanes() == assign_lanes(list(stems))


def test_a_version_5_project_keeps_normalising_each_shot_and_a_new_one_levels_the_reel():
    from foley_assistant.core.project_settings import LoudnessPolicy

    version_5 = Project("/cuts/a.otio", tracks=make_tracks()).to_dict()
    version_5["version"] = 5
    version_5["settings"]["loudness"] = {"target_lufs": -24.0, "true_peak_ceiling_dbtp": -2.0}
    del version_5["reel_gain_db"]
    reopened = Project.from_dict(version_5)
    assert reopened.settings.loudness == LoudnessPolicy(-24.0, -2.0, scope="shot")
    assert reopened.reel_gain_db is None
    fresh = Project("/cuts/a.otio", tracks=make_tracks(), reel_gain_db=12.5)
    assert fresh.settings.loudness.scope == "reel"
    assert Project.from_dict(json.loads(json.dumps(fresh.to_dict()))).reel_gain_db == 12.5


@pytest.mark.parametrize(("key", "value", "words"), [("scope", "scene", "loudness scope"), ("reel_gain_db", "loud", "reel_gain_db")])
def test_a_bad_loudness_record_is_refused_naming_it(key, value, words):
    data = Project("/cuts/a.otio", tracks=make_tracks()).to_dict()
    if key == "scope":
        data["settings"]["loudness"]["scope"] = value
    else:
        data[key] = value
    with pytest.raises(ProjectFileError, match=words):
        Project.from_dict(data)
