"""`eval sync`, `library index|search` and `generate --engine library` on the small synthetic cut."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.generators.procedural.dsp import add_at, event_rng
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep
from foley_assistant.generators.procedural.impacts import MATERIALS, render_impact
from foley_assistant.io.audio import write_bwf


@pytest.fixture(scope="module")
def generated(small_cut, tmp_path_factory) -> Path:
    """The small cut through `generate` with the procedural engine."""
    out = tmp_path_factory.mktemp("generated")
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def sfx(tmp_path_factory) -> Path:
    """A tiny SFX library: two UCS-named walks and a bounce."""
    root = tmp_path_factory.mktemp("sfx")
    for i in range(2):
        x = np.zeros(2 * 48000)
        for k in range(4):
            add_at(x, render_footstep(0.8, SURFACES["gravel"], event_rng(i, "t", k), 48000), int((0.1 + 0.45 * k) * 48000))
        write_bwf(root / f"FEETHmn_Concrete Walk {i}_ABC_Test.wav", x[None, :].astype(np.float32), 48000, description="steps on pavement")
    soundfile.write(root / "rubber bounce.flac", render_impact(0.9, MATERIALS["rubber"], event_rng(1, "b", 0), 48000), 48000)
    return root


def test_report_logs_every_event_with_its_voice(generated: Path) -> None:
    report = json.loads((generated / "report.json").read_text())
    walker = next(s for s in report["stems"] if s["label"] == "person")
    log = [e for e in walker["event_log"] if "layer" not in e]
    assert walker["events"] == len(log) and log
    cloth = [e for e in walker["event_log"] if "layer" in e]
    assert [(e["kind"], e["voice"], e["engine"]) for e in cloth] == [("entrance", "cloth", "procedural"), ("exit", "cloth", "procedural")]
    steps = [e for e in log if e["kind"] == "footfall"]
    assert steps and all(e["source"] == "footsteps/concrete" and e["cause"] in ("bob", "cadence", "hidden") for e in steps)
    assert all(e["sample"] == int(np.floor(e["time_s"] * 48000 + 0.5)) for e in log)


def test_eval_sync_json_follows_the_contract(capsys, generated: Path) -> None:
    report = json.loads((generated / "report.json").read_text())
    walker = next(s for s in report["stems"] if s["label"] == "person")
    dry = generated / "dry" / Path(walker["path"]).name
    assert main(["eval", "sync", str(dry), "--tracks", str(generated / "tracks.json"), "--shot", walker["shot"], "--object", walker["object"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"av_align", "median_offset_ms", "onsets", "motion_peaks"}
    steps = [e["time_s"] for e in walker["event_log"] if e["kind"] == "footfall"]
    assert len(data["onsets"]) == len(steps)  # measured from the audio: one onset per step it holds
    assert max(min(abs(o - s) for s in steps) for o in data["onsets"]) < 0.005
    assert main(["eval", "sync", str(dry), "--tracks", str(generated / "tracks.json"), "--shot", walker["shot"]]) == 0
    assert "AV-Align" in capsys.readouterr().out


def test_eval_sync_with_video_judges_against_the_optical_flow(capsys, generated: Path) -> None:
    tracks = json.loads((generated / "tracks.json").read_text())
    report = json.loads((generated / "report.json").read_text())
    stem = next(s for s in report["stems"] if s["shot"] == "S002")  # the bouncing ball
    shot = next(s for s in tracks["shots"] if s["id"] == "S002")
    dry = generated / "dry" / Path(stem["path"]).name
    args = ["eval", "sync", str(dry), "--tracks", str(generated / "tracks.json"), "--shot", "S002", "--object", stem["object"]]
    assert main([*args, "--video", shot["media"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"flow_av_align", "flow_motion_peaks", "flow_onsets_judged", "frame_flow_av_align", "frame_flow_peaks"} <= set(data)
    assert 0.0 <= data["flow_av_align"] <= 1.0 and 0.0 <= data["frame_flow_av_align"] <= 1.0
    first_bounce = data["onsets"][0]  # the loudest, highest bounce: plainly visible in the pictures
    assert min(abs(p - first_bounce) for p in data["flow_motion_peaks"]) <= 1 / data["fps"]
    duration = (shot["frame_range"][1] - shot["frame_range"][0]) / data["fps"]
    assert all(0 < p < duration for p in data["flow_motion_peaks"] + data["frame_flow_peaks"])
    assert main([*args, "--video", shot["media"]]) == 0
    assert "SAVGBench" in capsys.readouterr().out


def test_eval_sync_refuses_an_unknown_object(capsys, generated: Path) -> None:
    mix = next((generated / "mix").iterdir())
    assert main(["eval", "sync", str(mix), "--tracks", str(generated / "tracks.json"), "--shot", "S001", "--object", "O99"]) == 2
    assert "O99" in capsys.readouterr().err
    assert main(["eval", "sync", str(mix), "--tracks", str(generated / "tracks.json")]) == 2  # two shots: --shot needed


def test_library_index_search_and_generate(capsys, small_cut, sfx: Path, tmp_path: Path) -> None:
    db = tmp_path / "sfx.sqlite"
    assert main(["library", "index", str(sfx), "--db", str(db), "--json", "-q"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert (stats["added"], stats["indexed"]) == (3, 3)
    assert main(["library", "index", str(sfx), "--db", str(db), "-q"]) == 0
    assert "3 unchanged" in capsys.readouterr().out
    assert main(["library", "search", "steps", "--db", str(db), "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert len(found) == 2 and all(f["cat_id"] == "FEETHmn" for f in found)

    out = tmp_path / "out"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "--engine", "library", "--library", str(sfx), "--library-db", str(db), "-q"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["engine_requested"] == "library" and report["library"]["files"] == 3
    engines = {s["label"]: s["engine"] for s in report["stems"]}
    assert engines["person"] == "library"
    assert engines["car"] == "procedural"  # no engine sound in this library: made procedurally, and said so
    assert any("nothing in the library matched" in note for note in report["notes"])
    walker = next(s for s in report["stems"] if s["label"] == "person")
    sources = [e["source"] for e in walker["event_log"] if e["kind"] == "footfall"]
    assert sources and all("FEETHmn_Concrete Walk" in s and "@" in s for s in sources)
    assert all(a.split("@")[0] != b.split("@")[0] for a, b in zip(sources, sources[1:]))
    layers = {(e["voice"], e["engine"]) for e in walker["event_log"] if "layer" in e}
    assert layers == {("cloth", "procedural")}  # no cloth in this library: that layer alone falls back


def test_library_engine_without_a_folder_says_what_to_do(capsys, small_cut, tmp_path: Path) -> None:
    code = main(["generate", str(small_cut.timeline_path), "--out", str(tmp_path / "o"), "--engine", "library", "-q"])
    assert code == 2 and "--library" in capsys.readouterr().err
    assert main(["library", "search", "steps", "--db", str(tmp_path / "none.sqlite")]) == 2
