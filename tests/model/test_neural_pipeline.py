"""`generate --engine neural`: stems from the worker with a tiny model, and the procedural fallback
(said in the notes, recorded per stem in report.json) when there is no model."""

from __future__ import annotations

import json

import numpy as np
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.pipeline.generate import GenerateRequest, run_generate


def test_neural_engine_makes_every_stem(small_cut, tiny_model_dir, tmp_path):
    out = tmp_path / "neural"
    result = run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, engine="neural", model_dir=tiny_model_dir))
    assert result.status == "complete" and result.notes == []
    report = json.loads((out / "report.json").read_text())
    assert report["engine_requested"] == "neural"
    assert report["stems"] and {s["engine"] for s in report["stems"]} == {"neural"}
    for shot in result.shots:
        stems = [s for s in result.stems if s.shot_id == shot.id]
        for stem in stems:
            audio, rate = soundfile.read(out / stem.path, always_2d=True)
            assert rate == 48000 and audio.shape == (shot.duration_samples(48000), 2)
            assert np.abs(audio).max() > 1e-3
            dry, _ = soundfile.read(out / "dry" / (stem.path.split("/")[-1]), always_2d=True)
            assert dry.shape == (shot.duration_samples(48000), 1)
    assert (out / "project.rpp").is_file() and (out / "timeline.otio").is_file()


def test_without_a_model_the_procedural_engine_is_used_and_said(small_cut, tmp_path, capsys):
    out = tmp_path / "fallback"
    code = main(["generate", str(small_cut.timeline_path), "--out", str(out), "--engine", "neural", "--model", str(tmp_path / "no-model"), "-q"])
    assert code == 0
    err = capsys.readouterr().err
    assert "neural engine unavailable" in err and "procedural engine was used" in err
    report = json.loads((out / "report.json").read_text())
    assert {s["engine"] for s in report["stems"]} == {"procedural"}
    assert all(s["engine_requested"] == "neural" for s in report["stems"])
    assert any("no trained model" in note for note in report["notes"])
