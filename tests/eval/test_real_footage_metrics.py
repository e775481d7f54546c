"""The real-footage metrics on small hand-made annotations and tracks, with exact figures."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import soundfile

from foley_assistant.core.errors import InputFileError
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.eval.real_footage import (
    ProductEvent,
    ProductOutput,
    ProductTrack,
    canonical_label,
    iou,
    load_annotations,
    match_cuts,
    overlaps,
    read_product_output,
    score_clip,
)

WALKER = {
    "id": "walker",
    "label": "person",
    "motion": "moving",
    "first": 0,
    "last": 19,
    "occluded": [[5, 6]],
    "keys": [{"frame": 0, "box": [0.1, 0.4, 0.2, 0.8]}, {"frame": 10, "box": [0.3, 0.4, 0.4, 0.8]}, {"frame": 19, "box": [0.3, 0.4, 0.4, 0.8]}],
}
BENCH = {"id": "bench", "label": "other", "motion": "near-static", "first": 0, "last": 19, "keys": [{"frame": 0, "box": [0.6, 0.6, 0.9, 0.9]}, {"frame": 19, "box": [0.6, 0.6, 0.9, 0.9]}]}
TAXI = {
    "id": "taxi",
    "label": "car",
    "alt_labels": ["vehicle"],
    "motion": "moving",
    "first": 20,
    "last": 59,
    "keys": [{"frame": 20, "box": [0.0, 0.5, 0.3, 0.7]}, {"frame": 59, "box": [0.6, 0.5, 0.9, 0.7]}],
}
DOG = {"id": "dog", "label": "animal", "motion": "moving", "first": 30, "last": 39, "keys": [{"frame": 30, "box": [0.4, 0.1, 0.5, 0.2]}, {"frame": 39, "box": [0.4, 0.1, 0.5, 0.2]}]}
CYCLIST = {"id": "cyclist", "label": "bicycle", "motion": "moving", "first": 40, "last": 59, "keys": [{"frame": 40, "box": [0.7, 0.2, 0.8, 0.5]}, {"frame": 59, "box": [0.7, 0.2, 0.8, 0.5]}]}
BALL = {"id": "ball", "label": "ball", "motion": "moving", "first": 50, "last": 55, "keys": [{"frame": 50, "box": [0.45, 0.8, 0.5, 0.85]}, {"frame": 55, "box": [0.55, 0.8, 0.6, 0.85]}]}


def _event(obj: str, frame: int, kind: str, certainty: str) -> dict:
    return {"object": obj, "frame": frame, "kind": kind, "certainty": certainty, "note": ""}


def _annotations(tmp_path, **changes):
    data = {
        "schema": "real-footage-annotations/1",
        "video": "clip.mp4",
        "fps": [24, 1],
        "frames": 60,
        "width": 640,
        "height": 360,
        "shots": [
            {"frame_range": [0, 20], "objects": [WALKER, BENCH], "events": [_event("walker", 8, "footfall", "sure"), _event("walker", 15, "footfall", "approximate")]},
            {
                "frame_range": [20, 60],
                "objects": [TAXI, DOG, CYCLIST, BALL],
                "events": [_event("taxi", 50, "impact", "sure"), _event("taxi", 30, "landing", "approximate"), _event("dog", 35, "other", "sure"), _event("ball", 52, "impact", "sure")],
            },
        ],
        "notes": "made for the test",
    }
    data.update(changes)
    path = tmp_path / "clip.json"
    path.write_text(json.dumps(data))
    return load_annotations(path)


def _on(annotations, object_id, frames, shot, track_id, label):
    """A track lying exactly on an annotated object's boxes over `frames`."""
    obj = next(o for o in annotations.objects if o.id == object_id)
    boxes = {f: obj.box(f) for f in frames if obj.box(f) is not None}
    return ProductTrack(shot, track_id, label, boxes)


def _fixed(frames, box, shot, track_id, label):
    return ProductTrack(shot, track_id, label, {f: box for f in frames})


def test_interpolation_and_occlusion(tmp_path):
    walker = next(o for o in _annotations(tmp_path).objects if o.id == "walker")
    assert walker.box(4) == pytest.approx((0.18, 0.4, 0.28, 0.8))
    assert walker.box(15) == pytest.approx((0.3, 0.4, 0.4, 0.8))
    assert walker.box(5) is None and walker.box(6) is None  # occluded, both ends included
    assert walker.box(7) == pytest.approx((0.24, 0.4, 0.34, 0.8))
    assert walker.box(20) is None
    assert len(walker.boxes()) == 18


def test_overlap_of_parts():
    person = (0.2, 0.1, 0.6, 0.9)
    assert overlaps((0.2, 0.5, 0.6, 0.9), person)  # the legs: IoU 0.5
    assert overlaps((0.3, 0.6, 0.5, 0.9), person)  # the feet: IoU 0.19, centre inside
    assert not overlaps((0.3, 0.3, 0.35, 0.35), person)  # a hand: IoU 0.008, centre inside
    assert not overlaps((0.5, 0.1, 1.0, 0.9), person)  # half on it, centre outside: IoU 0.125
    assert overlaps((0.3, 0.1, 0.95, 0.9), person)  # IoU 0.4, centre outside
    assert iou(person, person) == 1.0 and iou(person, (0.7, 0.1, 0.9, 0.9)) == 0.0


def test_labels_groups_and_verdicts(tmp_path):
    taxi = next(o for o in _annotations(tmp_path).objects if o.id == "taxi")
    assert canonical_label("Pedestrian") == "person" and canonical_label("dog") == "animal" and canonical_label("motorcycle") == "motorbike"
    assert [taxi.label_verdict(x) for x in ("car", "vehicle", "truck", "object", "unknown", "person")] == ["right", "right", "wrong", "unknown", "unknown", "wrong"]


def test_cut_matching_within_one_frame():
    assert match_cuts([21, 65, 185], [20, 22, 66, 190]) == (2, 2)
    assert match_cuts([21], []) == (0, 0)
    assert match_cuts([], [40]) == (0, 1)
    assert match_cuts([21, 22], [21]) == (1, 0)


def test_clip_scores_exactly(tmp_path):
    a = _annotations(tmp_path)
    tracks = [
        _on(a, "walker", range(0, 20), "S001", "O1", "pedestrian"),  # right through its group
        _on(a, "bench", range(0, 20), "S001", "O2", "object"),  # near-static: matched, not false
        # overlaps the walker on 4 of the 10 frames they share (5, 6 occluded): no match; false
        ProductTrack("S001", "O3", "car", {**{f: a.objects[0].box(f) for f in range(0, 4)}, **{f: (0.8, 0.0, 0.9, 0.1) for f in range(4, 12)}}),
        _on(a, "taxi", range(20, 45), "S002", "O1", "vehicle"),  # the taxi split in two: the longer half names it (alt label)
        _on(a, "taxi", range(45, 60), "S002", "O2", "truck"),
        _fixed(range(30, 40), (0.42, 0.12, 0.46, 0.16), "S002", "O3", "object"),  # IoU 0.16, centre inside: the dog, unknown
        _fixed(range(20, 32), (0.0, 0.0, 0.05, 0.05), "S002", "O4", "car"),  # on nothing: false
        _fixed(range(40, 45), (0.0, 0.0, 0.05, 0.05), "S002", "O5", "car"),  # short: not counted
        _on(a, "cyclist", range(40, 60), "S002", "O6", "car"),  # wrong label
    ]
    events = [
        ProductEvent("S001", "O1", 9, "footfall"),  # walker 8 sure: hit
        ProductEvent("S001", "O1", 18, "footfall"),  # walker 15 approximate: 3 frames off
        ProductEvent("S001", "O1", 15, "exit"),  # not a contact
        ProductEvent("S002", "O2", 51, "footfall"),  # taxi 50 sure, on its second track: hit
        ProductEvent("S002", "O4", 30, "impact"),  # on a false track, not the taxi's
        ProductEvent("S002", "O1", 32, "impact"),  # taxi 30 approximate, 2 frames: hit
    ]
    output = ProductOutput([0, 21, 40], tracks, events, {"a.wav": -6.0, "b.wav": -80.0, "c.wav": -59.9})
    score = score_clip(a, output)
    assert (score.cuts_total, score.cuts_found, score.false_cuts) == (1, 1, 1)
    assert (score.movers_total, score.movers_found) == (5, 4)
    assert score.assigned == {"walker": ["S001/O1"], "bench": ["S001/O2"], "taxi": ["S002/O1", "S002/O2"], "dog": ["S002/O3"], "cyclist": ["S002/O6"]}
    assert score.tracks_per_mover == pytest.approx(5 / 4)
    assert (score.labels_right, score.labels_unknown, score.labels_wrong) == (2, 1, 1)
    assert (score.long_tracks, score.false_tracks) == (8, 2)
    assert score.false_track_share == pytest.approx(0.25)
    assert (score.sure_hits, score.sure_total, score.approximate_hits, score.approximate_total) == (2, 3, 1, 2)
    assert (score.stems, score.silent_stems) == (3, 1)


def test_track_half_on_the_object_matches(tmp_path):
    """Exactly half the shared frames overlapping is a match; one fewer is not."""
    a = _annotations(tmp_path)
    away = (0.8, 0.0, 0.9, 0.1)
    half = ProductTrack("S001", "O1", "person", {**{f: a.objects[0].box(f) for f in (0, 1, 2, 3, 4)}, **{f: away for f in range(7, 12)}})
    less = ProductTrack("S001", "O1", "person", {**{f: a.objects[0].box(f) for f in (0, 1, 2, 3)}, **{f: away for f in range(7, 13)}})
    assert score_clip(a, ProductOutput([0, 20], [half])).assigned == {"walker": ["S001/O1"]}
    assert score_clip(a, ProductOutput([0, 20], [less])).assigned == {}


def test_a_car_seen_for_three_frames_can_be_found(tmp_path):
    car = {"id": "car", "label": "car", "motion": "moving", "first": 10, "last": 12, "keys": [{"frame": 10, "box": [0.0, 0.3, 0.5, 0.9]}, {"frame": 12, "box": [0.5, 0.3, 1.0, 0.9]}]}
    a = _annotations(tmp_path, shots=[{"frame_range": [0, 30], "objects": [car], "events": []}])
    one = _on(a, "car", [11], "S001", "O1", "car")
    assert score_clip(a, ProductOutput([0], [one])).movers_found == 1  # 1 >= 30 % of 3 frames
    assert score_clip(a, ProductOutput([0], [])).movers_found == 0


def test_reading_a_generate_folder(tmp_path):
    rate = FrameRate(24)
    frames = tuple(TrackedFrame(f, Box(0.1, 0.1, 0.2, 0.2)) for f in range(20, 30))
    document = TracksDocument(
        (
            ShotTracks("S001", "clip.mp4", rate, FrameRange(0, 20), 640, 360, ()),
            ShotTracks(
                "S002",
                "clip.mp4",
                rate,
                FrameRange(20, 40),
                640,
                360,
                (ObjectTrack("O1", "car", "tracker", frames), ObjectTrack("O3", "car", "detector", frames, mover=False)),
            ),
        )
    )
    (tmp_path / "tracks.json").write_text(json.dumps(document.to_dict()))
    (tmp_path / "stems").mkdir()
    loud, quiet = np.full((4800, 2), 0.5, np.float32), np.full((4800, 2), 1e-4, np.float32)
    soundfile.write(tmp_path / "stems" / "S002_O1_car.wav", loud, 48000, subtype="PCM_24")
    soundfile.write(tmp_path / "stems" / "S002_O2_car.wav", quiet, 48000, subtype="PCM_24")
    soundfile.write(tmp_path / "stems" / "S002_AMB_street.wav", np.zeros((4800, 2), np.float32), 48000)
    log = [{"time_s": 1.25, "kind": "impact"}, {"time_s": 1.25, "kind": "impact", "layer": 1}, {"time_s": 0.0, "kind": "entrance"}]
    report = {
        "stems": [
            {"path": "stems/S002_O1_car.wav", "shot": "S002", "object": "O1", "kind": "object", "event_log": log},
            {"path": "stems/S002_O2_car.wav", "shot": "S002", "object": "O2", "kind": "object", "event_log": []},
            {"path": "stems/S002_AMB_street.wav", "shot": "S002", "object": "AMB", "kind": "ambience", "event_log": []},
        ]
    }
    (tmp_path / "report.json").write_text(json.dumps(report))
    output = read_product_output(tmp_path)
    assert output.cuts == [20]
    # O3 is a candidate without a stem (a parked car): not a track the editor hears.
    assert [(t.shot_id, t.id, t.label, min(t.boxes), max(t.boxes)) for t in output.tracks] == [("S002", "O1", "car", 20, 29)]
    assert output.events == [ProductEvent("S002", "O1", 50, "impact"), ProductEvent("S002", "O1", 20, "entrance")]
    assert output.stem_peaks_dbfs["stems/S002_O1_car.wav"] == pytest.approx(20 * math.log10(0.5), abs=1e-3)
    assert output.stem_peaks_dbfs["stems/S002_O2_car.wav"] == pytest.approx(-80.0, abs=0.1)
    assert len(output.stem_peaks_dbfs) == 2  # the ambience bed is not an object stem


def test_bad_annotations_are_refused(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"schema": "something/2"}))
    with pytest.raises(InputFileError, match="real-footage-annotations/1"):
        load_annotations(path)
    path.write_text(json.dumps({"schema": "real-footage-annotations/1", "video": "v.mp4", "frames": 3, "shots": [{"frame_range": [0, 3], "objects": [{"id": "x", "label": "car"}]}]}))
    with pytest.raises(InputFileError, match="malformed"):
        load_annotations(path)
