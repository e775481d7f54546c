"""The commands on a small synthetic cut: what they print and write."""

from __future__ import annotations

import json

import numpy as np
import rpp
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.core.progress import CancelToken, ProgressEvent
from foley_assistant.io.audio import write_bwf
from foley_assistant.io.json_files import read_tracks
from foley_assistant.pipeline.generate import GenerateRequest, run_generate


def test_shots_json_follows_the_contract(capsys, small_cut):
    assert main(["shots", str(small_cut.timeline_path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["timeline"] == "small cut" and data["rate"] == [25, 1]
    first, second = data["shots"]
    assert first["id"] == "S001" and first["clip"] == "street" and first["media_status"] == "found"
    assert first["record_tc_in"] == "10:00:00:00"
    assert first["record_range"]["duration_frames"] == 70 and first["source_range"]["start_frame"] == 6
    assert second["record_tc_in"] == "10:00:02:20"  # 70 frames later
    assert set(first) >= {"id", "track", "clip", "media", "media_status", "source_range", "record_range", "record_tc_in", "record_tc_out"}


def test_shots_table(capsys, small_cut):
    assert main(["shots", str(small_cut.timeline_path)]) == 0
    text = capsys.readouterr().out
    assert "S001" in text and "10:00:00:00" in text and "street" in text


def test_analyze_writes_a_tracks_file_of_the_chosen_shot(capsys, small_cut, tmp_path):
    out = tmp_path / "tracks.json"
    assert main(["analyze", str(small_cut.timeline_path), "--shot", "S002", "--out", str(out), "-q"]) == 0
    doc = read_tracks(out)
    assert [s.shot_id for s in doc.shots] == ["S002"]
    (ball,) = doc.shots[0].objects
    # NanoDet sees the ball (as a sports ball, a frisbee and a sheep: no clear class, so unknown)
    assert ball.source == "detector" and ball.label in ("ball", "unknown") and ball.mover
    assert doc.shots[0].frame_range.start == 6
    assert json.loads(out.read_text())["schema"] == "foley_assistant.tracks/1"


def test_analyze_media_file(capsys, small_cut, tmp_path):
    media = small_cut.shots[1][2].spec  # noqa: F841 - the media file is the second clip's
    path = small_cut.timeline_path.parent / "media" / "shot_02.mp4"
    out = tmp_path / "m.json"
    assert main(["analyze", "--media", str(path), "--out", str(out), "-q"]) == 0
    doc = read_tracks(out)
    assert doc.shots[0].shot_id == "M001" and doc.shots[0].frame_range.start == 0
    assert len(doc.shots[0].objects) == 1


def test_generate_with_given_tracks_then_render_and_export(capsys, small_cut, tmp_path):
    first = tmp_path / "first"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(first), "-q"]) == 0
    summary = capsys.readouterr().out
    assert "2 shots" in summary and "stems" in summary
    # generate again from the tracks file: no analysis, same stems
    second = tmp_path / "second"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(second), "--tracks", str(first / "tracks.json"), "-q"]) == 0
    names = sorted(p.name for p in (first / "stems").iterdir())
    assert names == sorted(p.name for p in (second / "stems").iterdir())
    a, _ = soundfile.read(first / "stems" / names[0])
    b, _ = soundfile.read(second / "stems" / names[0])
    assert np.array_equal(a, b)
    report = json.loads((second / "report.json").read_text())
    assert "analyze" not in report["timings_s"]

    # render: a click placed along the walker of S001
    tracks = read_tracks(first / "tracks.json")
    walker = next(o for o in tracks.shot("S001").objects if o.label == "person")
    dry = np.zeros((1, 44100), dtype=np.float32)
    dry[0, ::4410] = 0.5
    write_bwf(tmp_path / "dry.wav", dry, 44100)
    stem_path = tmp_path / "placed.wav"
    assert main(["render", "--tracks", str(first / "tracks.json"), "--shot", "S001", "--object", walker.id, "--source", str(tmp_path / "dry.wav"), "--out", str(stem_path)]) == 0
    placed, rate = soundfile.read(stem_path, always_2d=True)
    assert rate == 48000 and placed.shape[1] == 2
    assert np.sum(placed[:, 0] ** 2) > 4 * np.sum(placed[:, 1] ** 2)  # walker in the left third
    assert main(["render", "--tracks", str(first / "tracks.json"), "--object", walker.id, "--source", str(tmp_path / "dry.wav"), "--out", str(stem_path)]) == 2  # two shots: --shot needed

    # export each format from the generate folder
    assert main(["export", str(first), "--format", "rpp", "--out", str(tmp_path / "again.rpp")]) == 0
    project = rpp.loads((tmp_path / "again.rpp").read_text())
    files = [i.find("SOURCE").find("FILE")[1] for t in project.findall("TRACK") for i in t.findall("ITEM")]
    assert all((tmp_path / f).is_file() for f in files)  # relative to the new .rpp's folder
    assert main(["export", str(first / "foley_project.json"), "--format", "otioz", "--out", str(tmp_path / "b.otioz")]) == 0
    assert (tmp_path / "b.otioz").stat().st_size > 0
    assert main(["export", str(first), "--format", "otio", "--out", str(tmp_path / "x.rpp")]) == 2


def test_cancel_keeps_finished_shots_and_says_so(small_cut, tmp_path):
    token = CancelToken()
    seen: list[ProgressEvent] = []

    def progress(event: ProgressEvent) -> None:
        seen.append(event)
        if event.stage == "analyze" and event.message == "S002":
            token.cancel()

    result = run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=tmp_path), progress, token)
    assert result.status == "cancelled"
    assert {s.shot_id for s in result.stems} == {"S001"}
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["status"] == "cancelled"
    assert [s["done"] for s in report["shots"]] == [True, False]
    assert all((tmp_path / s.path).is_file() for s in result.stems)
    assert {e.stage for e in seen} >= {"analyze", "generate", "export"}
