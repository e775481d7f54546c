"""Crafted timelines, tracks files and project files through the real command line: each is
refused with exit 2 and one line saying what is wrong and where, never a traceback (issue 17,
items 2 and 4)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Callable

import pytest

from foley_assistant.cli.main import main
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.io.audio import write_wav
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.json_files import write_tracks

Mutation = Callable[[dict[str, Any]], Any]


def refused(capsys, argv: list[str], *phrases: str) -> str:
    """Run the CLI; assert exit 2 and exactly one line on stderr holding every phrase."""
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith(("WARNING", "nanodet", "detector", "note:"))]
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


# --- timelines ------------------------------------------------------------------------------------


@pytest.fixture
def cut(tmp_path) -> dict[str, Any]:
    """A two-clip cut at 25 fps starting at 01:00:00:00, as OTIO JSON."""
    media = tmp_path / "m.mp4"
    media.write_bytes(b"")
    write_cut(tmp_path / "base.otio", "cut", FrameRate(25), [CutClip("a", media, 100, FrameRange(0, 50)), CutClip("b", media, 100, FrameRange(10, 40))], start_frame=90000)
    return json.loads((tmp_path / "base.otio").read_text())


def _clip(data: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return data["tracks"]["children"][0]["children"][index]


def _duration(data: dict[str, Any]) -> dict[str, Any]:
    return _clip(data)["source_range"]["duration"]


def _warp(scalar: float) -> Mutation:
    return lambda d: _clip(d)["effects"].append({"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "", "effect_name": "LinearTimeWarp", "metadata": {}, "time_scalar": scalar})


TIMELINES: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "rate 0": (lambda d: _duration(d).update(rate=0.0), ("clip 1 'a'", "rate of 0")),
    "negative rate": (lambda d: _duration(d).update(rate=-25.0), ("clip 1 'a'", "rate of -25")),
    "rate 1e-300": (lambda d: _duration(d).update(rate=1e-300), ("clip 1 'a'", "rate of 1e-300")),
    "start rate 1e-300": (lambda d: d["global_start_time"].update(rate=1e-300), ("start timecode", "rate of 1e-300")),
    "negative start timecode": (lambda d: d["global_start_time"].update(value=-100.0), ("start timecode is negative",)),
    "infinite duration": (lambda d: _duration(d).update(value=float("inf")), ("clip 1 'a'", "duration is not a number")),
    "NaN duration": (lambda d: _duration(d).update(value=float("nan")), ("clip 1 'a'", "duration is not a number")),
    "negative duration": (lambda d: _duration(d).update(value=-50.0), ("clip 1 'a' lasts -50 frames", "at least one frame")),
    "zero duration": (lambda d: _duration(d).update(value=0.0), ("clip 1 'a' lasts 0 frames",)),
    "duration 1e300": (lambda d: _duration(d).update(value=1e300), ("clip 1 'a'", "not a position in a cut")),
    "NaN source start": (lambda d: _clip(d)["source_range"]["start_time"].update(value=float("nan")), ("clip 1 'a'", "its start is not a number")),
    "media range rate 0": (lambda d: _clip(d)["media_references"]["DEFAULT_MEDIA"]["available_range"]["start_time"].update(rate=0.0), ("available range", "rate of 0")),
    "negative gap": (
        lambda d: d["tracks"]["children"][0]["children"].insert(
            1,
            {
                "OTIO_SCHEMA": "Gap.1",
                "name": "",
                "metadata": {},
                "source_range": {
                    "OTIO_SCHEMA": "TimeRange.1",
                    "duration": {"OTIO_SCHEMA": "RationalTime.1", "rate": 25.0, "value": -20.0},
                    "start_time": {"OTIO_SCHEMA": "RationalTime.1", "rate": 25.0, "value": 0.0},
                },
                "effects": [],
                "markers": [],
                "enabled": True,
            },
        ),
        ("gap 2", "lasts -20 frames"),
    ),
}


@pytest.mark.parametrize("command", ["shots", "analyze", "generate"])
@pytest.mark.parametrize("case", list(TIMELINES))
def test_a_crafted_timeline_is_refused_in_one_line(case, command, cut, tmp_path, capsys):
    mutate, phrases = TIMELINES[case]
    data = copy.deepcopy(cut)
    mutate(data)
    timeline = tmp_path / "crafted.otio"
    timeline.write_text(json.dumps(data))
    argv = {
        "shots": ["shots", str(timeline)],
        "analyze": ["analyze", str(timeline), "--out", str(tmp_path / "t.json"), "-q"],
        "generate": ["generate", str(timeline), "--out", str(tmp_path / "out"), "-q"],
    }[command]
    refused(capsys, argv, "'crafted.otio'", *phrases)
    assert not (tmp_path / "out").exists() and not (tmp_path / "t.json").exists()


@pytest.mark.parametrize("scalar", [float("nan"), 1e-9, float("inf"), 1e12])
def test_an_implausible_speed_skips_its_shot_with_the_reason(scalar, cut, tmp_path, capsys):
    data = copy.deepcopy(cut)
    _warp(scalar)(data)
    del data["tracks"]["children"][0]["children"][1]
    timeline = tmp_path / "speed.otio"
    timeline.write_text(json.dumps(data))
    assert main(["shots", str(timeline)]) == 0
    assert f"plays at x{scalar:g}" in capsys.readouterr().out
    refused(capsys, ["generate", str(timeline), "--out", str(tmp_path / "out"), "-q"], "none of the chosen shots can be processed", "shot S001 (a)", f"x{scalar:g}")
    assert not (tmp_path / "out").exists()


# --- tracks files ---------------------------------------------------------------------------------


@pytest.fixture
def given(tmp_path) -> tuple[Path, dict[str, Any]]:
    """A one-shot cut and a valid tracks file for it (as JSON), for `generate --tracks`."""
    media = tmp_path / "m.mp4"
    media.write_bytes(b"")
    write_cut(tmp_path / "cut.otio", "cut", FrameRate(25), [CutClip("a", media, 100, FrameRange(0, 50))])
    frames = tuple(TrackedFrame(i, Box(0.1 + 0.01 * i, 0.3, 0.3 + 0.01 * i, 0.8), 0.9, 8.0) for i in range(50))
    write_tracks(tmp_path / "valid.json", TracksDocument((ShotTracks("S001", str(media), FrameRate(25), FrameRange(0, 50), 320, 180, (ObjectTrack("O1", "person", "tracker", frames),)),)))
    return tmp_path / "cut.otio", json.loads((tmp_path / "valid.json").read_text())


def _frame(data: dict[str, Any], index: int = 12) -> dict[str, Any]:
    return data["shots"][0]["objects"][0]["frames"][index]


def _set_frame(index: int, value: Any) -> Mutation:
    return lambda d: d["shots"][0]["objects"][0]["frames"].__setitem__(index, value)


WHERE = ("tracks.json", "shot 'S001'")
TRACKS: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "frame not an object": (_set_frame(3, 5), (*WHERE, "object 'O1'", "frame '#4'", "a frame must be a JSON object")),
    "frame a string": (_set_frame(3, "frame"), (*WHERE, "object 'O1'", "frame '#4'")),
    "NaN box": (lambda d: _frame(d)["box"].__setitem__(0, float("nan")), (*WHERE, "object 'O1'", "frame 12", "box value nan")),
    "box 1e308": (lambda d: _frame(d)["box"].__setitem__(2, 1e308), (*WHERE, "object 'O1'", "frame 12", "box value 1e+308")),
    "box of three": (lambda d: _frame(d).update(box=[0.1, 0.2, 0.3]), (*WHERE, "frame 12", "box must be a list of 4")),
    "frame 2^31": (lambda d: _frame(d).update(frame=2**31), (*WHERE, "object 'O1'", "frame 2147483648")),
    "frame outside the shot": (lambda d: _frame(d).update(frame=70), (*WHERE, "frame 70 is outside the shot's frame_range [0, 50)")),
    "fractional frame": (lambda d: _frame(d).update(frame=12.5), (*WHERE, "frame 12.5", "not a whole number")),
    "NaN confidence": (lambda d: _frame(d).update(confidence=float("nan")), (*WHERE, "frame 12", "confidence nan")),
    "negative distance": (lambda d: _frame(d).update(distance_m=-3), (*WHERE, "frame 12", "distance_m -3")),
    "frames not a list": (lambda d: d["shots"][0]["objects"][0].update(frames={"0": {}}), (*WHERE, "object 'O1'", "frames must be a list")),
    "no frames key": (lambda d: d["shots"][0]["objects"][0].pop("frames"), (*WHERE, "object 'O1'", "'frames' is missing")),
    "empty frames (found by tests/fuzz)": (lambda d: d["shots"][0]["objects"][0].update(frames=[]), (*WHERE, "object 'O1'", "it has no frames")),
    "fps 0": (lambda d: d["shots"][0].update(fps=[0, 1]), (*WHERE, "frame rate must be positive")),
    "fps 1e-300": (lambda d: d["shots"][0].update(fps=1e-300), (*WHERE, "frame rate must be positive")),
    "fps 1e6": (lambda d: d["shots"][0].update(fps=[10**6, 1]), (*WHERE, "not a picture rate")),
    "empty frame range": (lambda d: d["shots"][0].update(frame_range=[50, 0]), (*WHERE, "frame_range [50, 0) is empty")),
    "huge frame range": (lambda d: d["shots"][0].update(frame_range=[0, 2**40]), (*WHERE, "frame_range 1099511627776 is outside")),
    "width 0": (lambda d: d["shots"][0].update(width=0), (*WHERE, "width 0 is outside")),
    "SAR of 1/0": (lambda d: d["shots"][0].update(picture={"coded_size": [320, 180], "sample_aspect": [1, 0]}), (*WHERE,)),
    "objects not a list": (lambda d: d["shots"][0].update(objects="O1"), (*WHERE, "objects must be a list")),
    "shots not a list": (lambda d: d.update(shots={"S001": 1}), ("tracks.json", '"shots" must be a list')),
    "object id with a path": (lambda d: d["shots"][0]["objects"][0].update(id="O1/../../../../ESCAPED"), (*WHERE, "object id 'O1/../../../../ESCAPED' is not a plain name")),
}


@pytest.mark.parametrize("case", list(TRACKS))
def test_a_crafted_tracks_file_is_refused_naming_where(case, given, tmp_path, capsys):
    timeline, valid = given
    mutate, phrases = TRACKS[case]
    data = copy.deepcopy(valid)
    mutate(data)
    tracks = tmp_path / "tracks.json"
    tracks.write_text(json.dumps(data))
    refused(capsys, ["generate", str(timeline), "--out", str(tmp_path / "out"), "--tracks", str(tracks), "-q"], *phrases)
    assert not (tmp_path / "out").exists()
    dry = tmp_path / "dry.wav"
    write_wav(dry, __import__("numpy").zeros((1, 4800), dtype="float32"), 48000)
    refused(capsys, ["render", "--tracks", str(tracks), "--source", str(dry), "--object", "O1", "--out", str(tmp_path / "stem.wav"), "-q"], *phrases)
    assert not (tmp_path / "stem.wav").exists()


def test_a_tracks_file_nested_too_deeply_or_with_endless_digits_is_refused(given, tmp_path, capsys):
    timeline, _ = given
    tracks = tmp_path / "tracks.json"
    for text, phrase in (("[" * 100_000 + "]" * 100_000, "nested too deeply"), ('{"schema": ' + "1" * 10_000 + "}", "JSON error")):
        tracks.write_text(text)
        refused(capsys, ["generate", str(timeline), "--out", str(tmp_path / "out"), "--tracks", str(tracks), "-q"], "tracks.json is not a valid tracks file", phrase)


# --- project files --------------------------------------------------------------------------------


def _curve_key(key: str, value: Any) -> Mutation:
    return lambda d: d["curves"][0]["azimuth_deg"][0].update({key: value})


PROJECTS: dict[str, tuple[Mutation, tuple[str, ...]]] = {
    "curve key time 1/0": (_curve_key("t", "1/0"), ("curves 1 (S001 O", "curve key time '1/0' divides by zero")),
    "curve key time inf": (_curve_key("t", "inf"), ("curves 1 (S001 O",)),
    "curve key value NaN": (_curve_key("v", float("nan")), ("curves 1 (S001 O", "curve key value nan")),
    "curve not a list": (lambda d: d["curves"][0].update(gain={"t": 0}), ("curves 1 (S001 O", "a curve must be a list")),
    "manual key time 1/0": (lambda d: d.update(manual_curves=[{"shot": "S001", "object": "O1", "azimuth_deg": [{"t": "1/0", "v": 0}]}]), ("manual_curves 1 (S001 O1)", "divides by zero")),
    "infinite timeline rate": (lambda d: d.update(timeline_rate=[float("inf"), 1]), ("timeline_rate must be two positive whole numbers",)),
    "settings not an object": (lambda d: d.update(settings=[1]), ('"settings" must be an object',)),
    "sample rate 0": (lambda d: d["settings"].update(sample_rate=0), ("sample_rate 0 is not a sample rate",)),
    "monitor gain NaN": (lambda d: d.update(mixer=[{"path": "stems/x.wav", "gain_db": float("nan")}]), ("mixer 1 (stems/x.wav)", "not a level in dB")),
    "stem outside the project": (lambda d: d["stems"][0].update(path="../victim/x.wav"), ("stems 1 (S001", "'../victim/x.wav' is not a plain path inside the project folder")),
    "stem length negative": (lambda d: d["stems"][0].update(length_samples=-1), ("stems 1 (S001", "length_samples must be positive")),
    "NaN box in the project's tracks": (lambda d: d["tracks"]["shots"][0]["objects"][0]["frames"][0]["box"].__setitem__(1, float("nan")), ("the project's tracks", "shot 'S001'", "box value nan")),
    "relinks not an object": (lambda d: d.update(media_relinks=["a"]), ('"media_relinks" must be an object',)),
}


@pytest.mark.parametrize("case", list(PROJECTS))
def test_a_crafted_project_file_is_refused_by_export_naming_where(case, project_copy, tmp_path, capsys):
    mutate, phrases = PROJECTS[case]
    file = project_copy / "foley_project.json"
    data = json.loads(file.read_text())
    mutate(data)
    file.write_text(json.dumps(data))
    refused(capsys, ["export", str(project_copy), "--format", "otio", "--out", str(tmp_path / "x.otio"), "-q"], "foley_project.json", "malformed", *phrases)
    assert not (tmp_path / "x.otio").exists()
