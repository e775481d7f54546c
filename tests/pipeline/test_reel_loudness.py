"""The loudness policy of a reel: one gain for every shot, so the demo's walker keeps its level
across the cuts; per-shot normalisation only when asked for (`--loudness-scope shot`).

The walker's level is measured from each stem, brought back to the reference distance by the
project's own distance model along its recorded curve (the same source at the same distance),
on the samples where it is fully in the picture, as the issue measured it: by its peaks (the
median peak of the loudest quarter of its 100 ms windows: its footsteps). The integrated loudness
is printed beside it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.io.json_files import read_project
from foley_assistant.pipeline.demo import build_demo
from foley_assistant.pipeline.spine.placement import project_stereo
from foley_assistant.spatial.distance import settings_distance_gain
from foley_assistant.spatial.loudness import integrated_loudness, true_peak_dbtp

WALKER = "person"
WINDOW = 4800  # 100 ms


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    """The demo generated with the default (reel) scope, then with --loudness-scope shot from the
    same tracks. Returns (reel folder, shot folder)."""
    root = tmp_path_factory.mktemp("reel_loudness")
    timeline = build_demo(root / "source")
    reel, shot = root / "reel", root / "shot"
    assert main(["generate", str(timeline), "--out", str(reel), "-q"]) == 0
    assert main(["generate", str(timeline), "--out", str(shot), "--tracks", str(reel / "tracks.json"), "--loudness-scope", "shot", "-q"]) == 0
    return reel, shot


def walker_levels(folder: Path, measure: str = "peaks") -> dict[str, float]:
    """Each walker stem's level at the reference distance, by shot: its step peaks (dBFS) or its
    integrated loudness (LUFS)."""
    project = read_project(folder / "foley_project.json")
    stereo = project_stereo(project.settings, hrirs=False)
    levels = {}
    for stem in (s for s in project.stems if s.label == WALKER):
        audio, rate = soundfile.read(folder / stem.path, always_2d=True, dtype="float32")
        audio = audio[stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]  # the cut
        curves = project.curves_of(stem.shot_id, stem.object_id)
        times = np.arange(audio.shape[0]) / rate
        on_screen = curves.gain.sample(times) > 0.99
        distance_gain = settings_distance_gain(curves.distance_m.sample(times), stereo)
        at_reference = audio.T[:, on_screen] / distance_gain[on_screen]
        if measure == "loudness":
            levels[stem.shot_id] = integrated_loudness(at_reference, rate)
            continue
        windows = np.abs(at_reference[:, : at_reference.shape[1] // WINDOW * WINDOW]).max(axis=0).reshape(-1, WINDOW).max(axis=1)
        loudest = np.sort(windows)[-max(1, len(windows) // 4) :]
        levels[stem.shot_id] = 20 * float(np.log10(np.median(loudest)))
    return levels


def spread(levels: dict[str, float]) -> float:
    return max(levels.values()) - min(levels.values())


def test_the_walker_keeps_its_level_across_the_cuts_of_the_reel(demo_runs):
    reel, shot = demo_runs
    by_reel, by_shot = walker_levels(reel), walker_levels(shot)
    assert sorted(by_reel) == ["S001", "S002", "S003"]  # a walker in each of the three shots
    loudness_reel, loudness_shot = walker_levels(reel, "loudness"), walker_levels(shot, "loudness")
    print(f"walker at reference distance, spread across shots: peaks reel {spread(by_reel):.2f} dB, shot {spread(by_shot):.2f} dB; ", end="")
    print(f"integrated loudness reel {spread(loudness_reel):.2f} dB, shot {spread(loudness_shot):.2f} dB")
    assert spread(by_reel) <= 2.0
    assert spread(by_shot) > spread(by_reel) + 3.0  # normalising each shot on its own moves the walker


def test_the_reel_has_one_gain_its_mix_meets_the_target_under_the_ceiling(demo_runs):
    reel, _ = demo_runs
    report = json.loads((reel / "report.json").read_text())
    project = read_project(reel / "foley_project.json")
    gains = {shot["loudness"]["gain_db"] for shot in report["shots"]}
    assert len(gains) == 1 and project.reel_gain_db == pytest.approx(gains.pop(), abs=0.01)
    assert project.settings.loudness.scope == "reel"
    mixes = [soundfile.read(reel / "mix" / f"{shot['id']}_mix.wav", always_2d=True, dtype="float32")[0].T for shot in report["shots"]]
    assert max(true_peak_dbtp(m) for m in mixes) <= -1.0 + 0.05
    if not any(shot["loudness"]["limited_by_true_peak"] for shot in report["shots"]):
        assert integrated_loudness(np.concatenate(mixes, axis=1), 48000) == pytest.approx(-23.0, abs=0.2)
    for shot, mixed in zip(report["shots"], mixes):  # rescaled files still sum to the rescaled mix
        stems = [
            soundfile.read(reel / s.path, always_2d=True, dtype="float32")[0].T[:, s.handle_start_samples : s.handle_start_samples + s.length_samples] for s in project.stems if s.shot_id == shot["id"]
        ]
        assert np.max(np.abs(mixed - sum(stems))) < 1e-5


def test_per_shot_normalisation_is_recorded_and_meets_the_target_in_each_shot(demo_runs):
    _, shot = demo_runs
    assert read_project(shot / "foley_project.json").settings.loudness.scope == "shot"
    for entry in json.loads((shot / "report.json").read_text())["shots"]:
        loudness = entry["loudness"]
        assert "scope" not in loudness and loudness["true_peak_dbtp"] <= -1.0 + 1e-6
        if not loudness["limited_by_true_peak"]:
            assert loudness["loudness_lufs"] == pytest.approx(-23.0, abs=0.1)


def test_a_shot_made_again_takes_the_reels_gain(demo_runs, tmp_path):
    reel, _ = demo_runs
    folder = tmp_path / "reel"
    shutil.copytree(reel, folder)
    tracks = shutil.copy(reel / "tracks.json", tmp_path / "tracks.json")
    before = read_project(folder / "foley_project.json")
    kept = (folder / "stems" / "S001_O1_person.wav").read_bytes()
    timeline = before.timeline_path
    assert main(["generate", timeline, "--out", str(folder), "--shot", "S002", "--tracks", str(tracks), "--seed", "3", "-q"]) == 0
    after = read_project(folder / "foley_project.json")
    report = json.loads((folder / "report.json").read_text())
    s002 = next(s for s in report["shots"] if s["id"] == "S002")
    assert after.reel_gain_db == before.reel_gain_db
    assert s002["loudness"]["gain_db"] == pytest.approx(before.reel_gain_db, abs=0.01) and s002["loudness"]["reel_input_lufs"] is None
    assert (folder / "stems" / "S001_O1_person.wav").read_bytes() == kept


def test_a_resumed_run_gives_the_shot_it_made_again_the_gain_of_the_whole_reel(demo_runs, tmp_path):
    """`--resume` after one shot's media changed: that shot is made again at its own gain, then
    given the reel's gain measured over the kept shots too (their files read in the folder, where
    they lie); the kept shots' files are not rewritten, and the remade shot ends as the first run
    made it."""
    reel, _ = demo_runs
    folder = tmp_path / "reel"
    shutil.copytree(reel, folder)
    entries = json.loads((folder / "foley_manifest.json").read_text())["shots"]
    media = {shot_id: entry["inputs"]["shot"]["media"] for shot_id, entry in entries.items()}
    changed = next(shot_id for shot_id, path in media.items() if list(media.values()).count(path) == 1)
    kept = {name: (folder / name).stat().st_mtime_ns for shot_id, entry in entries.items() if shot_id != changed for name in entry["files"]}
    before = read_project(folder / "foley_project.json")
    stat = os.stat(media[changed])
    try:
        os.utime(media[changed], ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # its inputs' key changes
        assert main(["generate", before.timeline_path, "--out", str(folder), "--resume", "-q"]) == 0
    finally:
        os.utime(media[changed], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    report = json.loads((folder / "report.json").read_text())
    assert report["status"] == "complete" and sorted(report["resumed_shots"]) == sorted(set(entries) - {changed})
    assert read_project(folder / "foley_project.json").reel_gain_db == pytest.approx(before.reel_gain_db, abs=1e-4)  # kept shots read back at the gain they carry
    assert {name: (folder / name).stat().st_mtime_ns for name in kept} == kept  # not rewritten
    assert all((folder / name).read_bytes() == (reel / name).read_bytes() for name in kept)
    for name in entries[changed]["files"]:
        made, first = soundfile.read(folder / name, dtype="float32")[0], soundfile.read(reel / name, dtype="float32")[0]
        assert np.max(np.abs(made - first)) <= 1e-6, name
    levels = {s["id"]: s["loudness"]["reel_gain_db"] for s in report["shots"] if s.get("loudness")}
    assert len(set(levels.values())) == 1 and set(levels) == set(entries)
