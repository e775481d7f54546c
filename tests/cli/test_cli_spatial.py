"""generate's placement options, the loudness report and `eval spatial` on a small synthetic cut."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.io.json_files import read_project, read_tracks
from foley_assistant.spatial.loudness import integrated_loudness

CONTRACT_KEYS = {"pearson_r", "mae_deg", "sign_agreement", "best_lag_ms", "spatial_av_align"}


@pytest.fixture(scope="module")
def stereo_run(small_cut, tmp_path_factory):
    out = tmp_path_factory.mktemp("placed") / "out"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "-q"]) == 0
    return out


def _car(out):
    tracks = read_tracks(out / "tracks.json")
    car = next(o for o in tracks.shot("S001").objects if o.label == "car")
    stem = next((out / "stems").glob(f"S001_{car.id}_*.wav"))
    return car, stem


def test_report_has_placement_and_loudness_per_shot(stereo_run):
    report = json.loads((stereo_run / "report.json").read_text())
    assert report["placement"]["mode"] == "stereo" and report["placement"]["pan_law"] == "constant-power"
    reel = []
    for shot in report["shots"]:
        loudness = shot["loudness"]
        assert loudness["true_peak_dbtp"] <= -1.0 + 1e-6
        assert loudness["scope"] == "reel" and loudness["gain_db"] == loudness["reel_gain_db"]  # one gain for the reel
        reel.append(soundfile.read(stereo_run / "mix" / f"{shot['id']}_mix.wav", always_2d=True)[0])
    if not any(shot["loudness"]["limited_by_true_peak"] for shot in report["shots"]):
        assert integrated_loudness(np.concatenate(reel).T, 48000) == pytest.approx(-23.0, abs=0.1)
    for shot_id in ("S001", "S002"):
        mix, _ = soundfile.read(stereo_run / "mix" / f"{shot_id}_mix.wav", always_2d=True)
        made = [s for s in read_project(stereo_run / "foley_project.json").stems if s.shot_id == shot_id]
        stems = [soundfile.read(stereo_run / s.path, always_2d=True)[0][s.handle_start_samples : s.handle_start_samples + s.length_samples] for s in made]  # the cut
        assert 20 * np.log10(np.max(np.abs(mix - sum(stems))) + 1e-30) <= -120  # 24-bit files, rounded once each


def test_eval_spatial_prints_the_contract_json(capsys, stereo_run):
    car, stem = _car(stereo_run)
    capsys.readouterr()
    assert main(["eval", "spatial", str(stem), "--tracks", str(stereo_run / "tracks.json"), "--shot", "S001", "--object", car.id, "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) >= CONTRACT_KEYS
    assert figures["pearson_r"] > 0.95 and figures["mae_deg"] < 4.0 and figures["sign_agreement"] > 0.9
    assert abs(figures["best_lag_ms"]) <= 60 and figures["spatial_av_align"] > 0.8
    assert main(["eval", "spatial", str(stem), "--tracks", str(stereo_run / "tracks.json"), "--shot", "S001", "--object", car.id]) == 0
    assert "pearson_r" in capsys.readouterr().out


def test_binaural_generate_and_eval(capsys, small_cut, stereo_run, tmp_path):
    out = tmp_path / "binaural"
    args = ["generate", str(small_cut.timeline_path), "--out", str(out), "--tracks", str(stereo_run / "tracks.json"), "--binaural", "--offscreen", "fade", "-q"]
    assert main(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["placement"]["mode"] == "binaural" and report["placement"]["offscreen"] == "fade"
    car, stem = _car(out)
    capsys.readouterr()
    assert main(["eval", "spatial", str(stem), "--tracks", str(out / "tracks.json"), "--shot", "S001", "--object", car.id, "--binaural", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) >= CONTRACT_KEYS | {"itd_mae_us", "ild_mae_db"}
    assert figures["pearson_r"] > 0.95 and figures["itd_mae_us"] < 60


def test_placement_errors_are_user_errors(capsys, small_cut, stereo_run, tmp_path):
    out = tmp_path / "nothing"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "--sofa", str(tmp_path / "none.sofa"), "-q"]) == 2
    assert "no SOFA file" in capsys.readouterr().err and not out.exists()
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "--smoothing-ms", "200", "-q"]) == 2
    assert "10 to 50 ms" in capsys.readouterr().err
    mono = tmp_path / "mono.wav"
    soundfile.write(mono, np.zeros(4800), 48000)
    car, _ = _car(stereo_run)
    assert main(["eval", "spatial", str(mono), "--tracks", str(stereo_run / "tracks.json"), "--shot", "S001", "--object", car.id]) == 2
    assert "two-channel" in capsys.readouterr().err
    stereo = tmp_path / "stereo.wav"
    soundfile.write(stereo, np.zeros((4800, 2)), 48000)
    assert main(["eval", "spatial", str(stereo), "--tracks", str(stereo_run / "tracks.json"), "--object", "O1"]) == 2
    assert "say which with --shot" in capsys.readouterr().err
