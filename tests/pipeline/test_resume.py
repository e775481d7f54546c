"""Interrupted runs: `generate` killed with SIGKILL after a shot is finished, then run again with
`--resume`, ends with the same files, byte for byte, as a run that was never interrupted (and the
finished shot is not made again); Ctrl-C (SIGINT) saves the finished shots' project and
report.json, and exits 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from foley_assistant.cli.main import main
from tests.conftest import REPRODUCIBLE, wav_digests


def _start(timeline: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, **REPRODUCIBLE)
    command = [sys.executable, "-m", "foley_assistant.cli.main", "generate", str(timeline), "--out", str(out), "-q", *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finished(out: Path) -> list[str]:
    try:
        shots = json.loads((out / "foley_manifest.json").read_text())["shots"]
    except (OSError, ValueError, KeyError):
        return []
    return sorted(k for k, v in shots.items() if v.get("status") == "done")


def _wait_for_a_finished_shot(process: subprocess.Popen, out: Path, timeout: float = 300.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        finished = _finished(out)
        if finished:
            return finished
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("no shot was finished in time")


def _resume(timeline: Path, out: Path, monkeypatch, capsys) -> str:
    for name, value in REPRODUCIBLE.items():
        monkeypatch.setenv(name, value)
    assert main(["generate", str(timeline), "--out", str(out), "--resume", "-q"]) == 0
    return capsys.readouterr().err


def test_kill_9_then_resume_gives_the_files_of_an_uninterrupted_run(batch_reel, batch_reference, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    process = _start(batch_reel.timeline_path, out)
    finished = _wait_for_a_finished_shot(process, out)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert len(finished) < 3 and not (out / "foley_project.json").exists()
    finished = _finished(out)  # as the kill left it
    entries = json.loads((out / "foley_manifest.json").read_text())["shots"]
    kept = {name for shot in finished for name in entries[shot]["files"]}
    assert all((out / ".foley_batch" / name).is_file() for name in kept)
    errors = _resume(batch_reel.timeline_path, out, monkeypatch, capsys)
    assert f"resumed: {len(finished)} of 3 shots were already made" in errors
    # the finished shots were not made again (report: resumed), only given the reel's one gain,
    # once, as the uninterrupted run gave it: the same bytes
    assert wav_digests(out) == wav_digests(batch_reference)
    assert not (out / ".foley_batch").exists() and not (out / ".scratch").exists()
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "complete" and report["resumed_shots"] == finished
    reference = json.loads((batch_reference / "foley_project.json").read_text())
    project = json.loads((out / "foley_project.json").read_text())
    assert project["stems"] == reference["stems"] and project["curves"] == reference["curves"] and project["tracks"] == reference["tracks"]


def test_resume_of_a_finished_folder_makes_nothing_again(batch_reel, batch_reference, tmp_path, monkeypatch, capsys):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(batch_reference, out)
    before = {p: p.stat().st_mtime_ns for p in out.glob("*/*.wav")}
    errors = _resume(batch_reel.timeline_path, out, monkeypatch, capsys)
    assert "resumed: 3 of 3 shots were already made" in errors
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/*.wav")} == before
    assert wav_digests(out) == wav_digests(batch_reference)


@pytest.mark.parametrize("executor", ["serial", "local"])
def test_ctrl_c_saves_the_finished_shots_and_the_report(executor, batch_reel, batch_reference, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    process = _start(batch_reel.timeline_path, out, "--executor", executor)
    finished = _wait_for_a_finished_shot(process, out)
    process.send_signal(signal.SIGINT)
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 130, errors
    assert "cancelled:" in errors and "Traceback" not in errors
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "cancelled" and report["executor"] == executor
    project = json.loads((out / "foley_project.json").read_text())
    saved = sorted({s["shot_id"] for s in project["stems"]})
    assert set(finished) <= set(saved) and len(saved) < 3
    assert "each finished shot keeps its own loudness gain" in errors  # the reel's gain waits for the resume
    reference = wav_digests(batch_reference)
    made = wav_digests(out)
    assert made and set(made) < set(reference)
    _resume(batch_reel.timeline_path, out, monkeypatch, capsys)
    assert wav_digests(out) == reference
