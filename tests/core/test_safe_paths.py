"""The one helper that turns names and paths from inputs into safe file names, or refuses them."""

from __future__ import annotations

import os

import pytest

from foley_assistant.core.errors import UnsafePathError
from foley_assistant.core.safe_paths import MAX_PART_LENGTH, check_plain_id, check_relative_path, check_stem_path, is_inside, resolve_inside, safe_file_part
from foley_assistant.core.stem import Stem, stem_file_stem

HOSTILE = ["O1/../../../../ESCAPED", "../x", "/etc/passwd", "a\\..\\b", "C:evil", "..", ".", "", "a\x00b", "x" * 5000, "é" * 300, "\u202egnp.exe", " \t\n", "con:", "//server/share"]


@pytest.mark.parametrize("text", HOSTILE + ["person", "big car", "S001"])
def test_a_file_part_never_holds_a_separator_nor_leads_anywhere(text):
    part = safe_file_part(text)
    assert part and "/" not in part and "\\" not in part and "\x00" not in part and ":" not in part
    assert part not in (".", "..") and not part.startswith((".", "-"))
    assert len(part.encode("utf-8")) <= MAX_PART_LENGTH
    assert part.isprintable()


def test_file_parts_keep_plain_names_and_words():
    assert safe_file_part("S001") == "S001"
    assert safe_file_part("big car") == "big-car"
    assert safe_file_part("O1/../../ESCAPED") == "O1-ESCAPED"
    assert safe_file_part("été") == "été"
    assert safe_file_part("", "object") == "object"


@pytest.mark.parametrize("shot,obj,label", [("S001", "O1/../../../../ESCAPED", "person"), ("../../x", "O1", "/etc/passwd"), ("S1", "O1", "a/" * 400)])
def test_stem_names_stay_one_file_in_stems(shot, obj, label, tmp_path):
    name = stem_file_stem(shot, obj, label)
    assert "/" not in name and len(name.encode()) < 200
    relative = f"stems/{name}.wav"
    assert check_stem_path(relative) == relative
    assert resolve_inside(tmp_path, relative).parent == tmp_path / "stems"


@pytest.mark.parametrize("value", ["O1", "S001", "AMB", "car-2", "O_1"])
def test_plain_ids_are_kept(value):
    assert check_plain_id(value, "object id") == value


@pytest.mark.parametrize("value", HOSTILE + ["O1.wav", "O" * 65])
def test_other_ids_are_refused_with_what_to_use(value):
    with pytest.raises(ValueError, match="is not a plain name: use letters, digits"):
        check_plain_id(value, "object id")


@pytest.mark.parametrize("relative", ["../victim/x.wav", "/etc/passwd", "stems/../../x.wav", "stems//x.wav", "stems/./x.wav", "C:/x.wav", "stems\\..\\x.wav", "", "stems/x\x00.wav"])
def test_relative_paths_that_could_lead_out_are_refused(relative, tmp_path):
    with pytest.raises(ValueError, match="not a plain path inside the project folder"):
        check_relative_path(relative, "stem path")
    with pytest.raises(UnsafePathError):
        resolve_inside(tmp_path, relative, "stem path")


@pytest.mark.parametrize("relative", ["foley_project.json", "timeline.otio", "stems/sub/x.wav", "stems/.hidden.wav", "stems/x.mp4", "dry/x.wav"])
def test_a_project_stem_path_is_a_wav_of_stems_and_nothing_else(relative):
    with pytest.raises(ValueError):
        check_stem_path(relative)


def test_a_link_out_of_the_folder_is_refused(tmp_path):
    root = tmp_path / "project"
    (root / "stems").mkdir(parents=True)
    outside = tmp_path / "secret.wav"
    outside.write_bytes(b"secret")
    os.symlink(outside, root / "stems" / "x.wav")
    os.symlink(tmp_path, root / "stems" / "up")
    assert not is_inside(root, root / "stems" / "x.wav")
    for relative in ("stems/x.wav", "stems/up/secret.wav"):
        with pytest.raises(UnsafePathError, match="leads outside"):
            resolve_inside(root, relative, "stem path")
    assert resolve_inside(root, "stems/y.wav") == root / "stems" / "y.wav"


def test_a_project_stem_with_an_unsafe_path_is_refused_when_read():
    good = {"shot_id": "S001", "object_id": "O1", "label": "car", "path": "stems/S001_O1_car.wav", "engine": "procedural", "sample_rate": 48000, "record_start_sample": 0, "length_samples": 10}
    assert Stem.from_dict(good).path == "stems/S001_O1_car.wav"
    for path in ("../victim/x.wav", "/etc/passwd", "foley_project.json"):
        with pytest.raises(ValueError, match="stem path"):
            Stem.from_dict(dict(good, path=path))
    for key, value in (("sample_rate", 0), ("length_samples", -5), ("record_start_sample", 1e300), ("sample_rate", "48000")):
        with pytest.raises(ValueError, match=key):
            Stem.from_dict(dict(good, **{key: value}))
