"""Clips that crash OpenTimelineIO's C++ reader (a segmentation fault, found by tests/fuzz) are
refused in Python first, naming the clip; the valid spellings still read."""

from __future__ import annotations

import copy
import json
import zipfile

import pytest

from foley_assistant.cli.main import main
from foley_assistant.core.errors import TimelineError
from foley_assistant.io.otio_json_checks import check_otio_document
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline

REFERENCE = {"OTIO_SCHEMA": "ExternalReference.1", "target_url": "file:///m.mov", "metadata": {}, "name": ""}


def _timeline(clip: dict) -> dict:
    clip = {
        "OTIO_SCHEMA": "Clip.1",
        "name": "shot one",
        "source_range": {
            "OTIO_SCHEMA": "TimeRange.1",
            "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 25.0, "value": 0.0},
            "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 25.0, "value": 25.0},
        },
        **clip,
    }
    return {"OTIO_SCHEMA": "Timeline.1", "name": "cut", "tracks": {"OTIO_SCHEMA": "Stack.1", "children": [{"OTIO_SCHEMA": "Track.1", "kind": "Video", "children": [clip]}]}}


CRASHING = {
    "a list of references": {"media_reference": [REFERENCE]},
    "a string": {"media_reference": "m.mov"},
    "both spellings": {"media_reference": REFERENCE, "media_references": {"DEFAULT_MEDIA": REFERENCE}, "active_media_reference_key": "DEFAULT_MEDIA"},
}


@pytest.mark.parametrize("case", list(CRASHING))
def test_a_version_1_clip_that_would_crash_otio_is_refused_by_shots(case, tmp_path, capsys):
    path = tmp_path / "crash.otio"
    path.write_text(json.dumps(_timeline(CRASHING[case])))
    assert main(["shots", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: 'crash.otio': clip 1 'shot one': ") and "\n" not in err, err


def test_the_same_clip_in_an_otioz_is_refused_before_anything_is_unpacked(tmp_path, capsys):
    bundle = tmp_path / "crash.otioz"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("version.txt", "1.0.0")
        archive.writestr("content.otio", json.dumps(_timeline(CRASHING["a list of references"])))
    assert main(["shots", str(bundle)]) == 2
    assert "clip 1 'shot one': its media_reference is a list" in capsys.readouterr().err


def test_valid_clips_of_both_versions_read(tmp_path):
    for clip in ({"media_reference": REFERENCE}, {"media_reference": None}, {"OTIO_SCHEMA": "Clip.2", "media_references": {"DEFAULT_MEDIA": REFERENCE}, "active_media_reference_key": "DEFAULT_MEDIA"}):
        path = tmp_path / "ok.otio"
        path.write_text(json.dumps(_timeline(clip)))
        shots = list_shots(read_timeline(path))
        assert [s.clip_name for s in shots] == ["shot one"]


def test_the_walk_finds_a_clip_however_deep_and_counts_clips_in_order():
    document = _timeline({"media_reference": REFERENCE})
    second = copy.deepcopy(document["tracks"]["children"][0]["children"][0])
    second.update(name="two", media_reference=[1])
    nested = {"OTIO_SCHEMA": "Stack.1", "children": [second]}
    for _ in range(5000):
        nested = {"OTIO_SCHEMA": "Stack.1", "children": [nested]}
    document["tracks"]["children"][0]["children"].append(nested)
    with pytest.raises(TimelineError, match="clip 2 'two': its media_reference is a list"):
        check_otio_document(document, "deep.otio")
