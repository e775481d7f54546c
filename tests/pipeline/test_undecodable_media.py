"""Media that cannot be decoded is an error for its shot, in the summary and in report.json, and
the run fails when nothing could be made (issue 17, item 4); it said "complete" and exited 0."""

from __future__ import annotations

import json
import random
from pathlib import Path

from foley_assistant.cli.main import main
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.io.video import probe_video


def test_a_cut_whose_media_cannot_be_decoded_fails_and_says_so(tmp_path, capsys):
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(random.Random(2026).randbytes(100_000))
    write_cut(tmp_path / "cut.otio", "cut", FrameRate(25), [CutClip("broken", garbage, 100, FrameRange(0, 50))])
    out = tmp_path / "out"
    code = main(["generate", str(tmp_path / "cut.otio"), "--out", str(out), "-q"])
    captured = capsys.readouterr()
    assert code == 2
    assert "(failed)" in captured.out and "no moving objects found" not in captured.out and "S001 00:00:00:00  broken: nothing made" in captured.out
    errors = [line for line in captured.err.splitlines() if line.startswith("error: ")]
    assert errors[0].startswith("error: S001 (broken): cannot read") and "broken.mp4" in errors[0]
    assert errors[-1].startswith("error: nothing could be made") and "report.json" in errors[-1]
    assert "Traceback" not in captured.err
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "failed" and report["stems"] == []
    assert [f["id"] for f in report["failed_shots"]] == ["S001"] and "broken.mp4" in report["failed_shots"][0]["error"]
    assert report["shots"][0]["done"] is False and report["shots"][0]["error"] == report["failed_shots"][0]["error"]


def test_one_undecodable_shot_is_an_error_for_that_shot_only(small_cut, tmp_path, capsys):
    ball = list_shots(read_timeline(small_cut.timeline_path))[1]
    media = Path(ball.media_path)
    garbage = tmp_path / "broken.mp4"
    garbage.write_bytes(random.Random(2026).randbytes(100_000))
    clips = [CutClip("broken", garbage, 100, FrameRange(0, 25)), CutClip("ball", media, probe_video(media).frame_count, ball.source_range)]
    write_cut(tmp_path / "cut.otio", "cut", FrameRate(25), clips)
    out = tmp_path / "out"
    code = main(["generate", str(tmp_path / "cut.otio"), "--out", str(out), "-q"])
    captured = capsys.readouterr()
    assert code == 0 and "(incomplete)" in captured.out
    assert "S001 00:00:00:00  broken: nothing made" in captured.out and "no moving objects found" not in captured.out
    assert any(line.startswith("error: S001 (broken): cannot read") for line in captured.err.splitlines())
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "incomplete"
    assert [(s["id"], s["done"], s["error"] is None) for s in report["shots"]] == [("S001", False, False), ("S002", True, True)]
    assert report["stems"] and {s["shot"] for s in report["stems"]} == {"S002"}
