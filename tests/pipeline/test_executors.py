"""Shots on worker processes (`generate --executor local`): the same files byte for byte as a
serial run, for the procedural and the library engine; a worker killed mid-shot costs only that
shot, made again on a new worker; a shot whose worker dies every time is reported as failed
after two retries, and the others are made; without the flag Ray is never imported."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from foley_assistant.core.progress import ProgressEvent
from foley_assistant.io.audio import write_bwf
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.pipeline.spine.batch import MAX_RETRIES
from foley_assistant.pipeline.spine.executors import ExecutorSpec
from tests.conftest import REPRODUCIBLE, wav_digests

LOCAL = ExecutorSpec("local", workers=2)


@pytest.fixture(autouse=True)
def reproducible(monkeypatch):
    for name, value in REPRODUCIBLE.items():
        monkeypatch.setenv(name, value)


def test_local_workers_make_the_same_files_as_a_serial_run(batch_reel, batch_reference, tmp_path):
    events: list[ProgressEvent] = []
    result = run_generate(GenerateRequest(timeline_path=batch_reel.timeline_path, out_dir=tmp_path / "out", executor=LOCAL), events.append)
    assert result.status == "complete" and result.done_shots == ["S001", "S002", "S003"]
    expected = wav_digests(batch_reference)
    assert len(expected) >= 3 * 3  # a stem, a dry source and a mix at least per shot
    assert wav_digests(tmp_path / "out") == expected
    reference = json.loads((batch_reference / "foley_project.json").read_text())
    project = json.loads((tmp_path / "out" / "foley_project.json").read_text())
    assert project["stems"] == reference["stems"] and project["curves"] == reference["curves"]
    shots = [e for e in events if e.stage == "shots"]
    assert shots[-1].done == 3 and shots[-1].total == 3 and shots[-1].message.startswith("3/3 done, 0 running, 0 failed")
    assert any("2 running" in e.message for e in shots)  # two workers at once


def _library(folder):
    """A tiny SFX library: footsteps and a car pass, as the library engine indexes them."""
    folder.mkdir()
    rng = np.random.default_rng(3)
    for name, seconds in (("FOOT_Footstep_concrete_01.wav", 0.3), ("FOOT_Footstep_concrete_02.wav", 0.3), ("VEH_Car_pass_by_01.wav", 4.0)):
        samples = (rng.standard_normal((1, int(48000 * seconds))) * np.hanning(int(48000 * seconds)) * 0.3).astype(np.float32)
        write_bwf(folder / name, samples, 48000)
    return folder


def test_library_engine_on_local_workers_is_byte_identical(batch_reel, batch_reference, tmp_path):
    library, db = _library(tmp_path / "sfx"), tmp_path / "index.sqlite"
    tracks = batch_reference / "tracks.json"
    runs = {}
    for kind in ("serial", "local"):
        request = GenerateRequest(
            timeline_path=batch_reel.timeline_path,
            out_dir=tmp_path / kind,
            tracks_path=tracks,
            engine="library",
            library_dirs=(library,),
            library_db=db,
            executor=ExecutorSpec(kind, 2 if kind == "local" else None),
        )
        result = run_generate(request)
        assert result.status == "complete"
        runs[kind] = wav_digests(tmp_path / kind)
    engines = {s["engine"] for s in json.loads((tmp_path / "local" / "foley_project.json").read_text())["stems"]}
    assert "library" in engines
    assert runs["local"] == runs["serial"] and len(runs["serial"]) >= 9


def _kill_workers(limit: int):
    """A progress callback that kills (SIGKILL, by pid) a running worker process of this
    process's pool, at most `limit` times, each time a new worker is seen while shots run."""
    killed: list[int] = []

    def callback(event: ProgressEvent) -> None:
        if event.stage != "shots" or len(killed) >= limit or "0 running" in event.message:
            return
        for child in multiprocessing.active_children():
            if child.pid not in killed and child.is_alive():
                os.kill(child.pid, signal.SIGKILL)
                killed.append(child.pid)
                return

    return callback, killed


def test_a_worker_killed_mid_shot_costs_only_its_shot(batch_reel, batch_reference, tmp_path):
    callback, killed = _kill_workers(1)
    result = run_generate(GenerateRequest(timeline_path=batch_reel.timeline_path, out_dir=tmp_path / "out", executor=LOCAL), callback)
    assert len(killed) == 1
    assert result.status == "complete" and result.done_shots == ["S001", "S002", "S003"]
    assert sum("its worker died" in note and "made again" in note for note in result.notes) == 1
    assert wav_digests(tmp_path / "out") == wav_digests(batch_reference)


def test_a_shot_whose_worker_dies_every_time_is_reported_after_two_retries(batch_reel, tmp_path):
    callback, killed = _kill_workers(MAX_RETRIES + 1)
    request = GenerateRequest(timeline_path=batch_reel.timeline_path, out_dir=tmp_path / "out", shot_ids=("S003",), executor=ExecutorSpec("local", workers=1))
    result = run_generate(request, callback)
    assert len(killed) == MAX_RETRIES + 1
    assert result.status == "failed" and result.done_shots == []
    assert "died 3 times" in result.failed["S003"]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["status"] == "failed"
    assert "died 3 times" in json.dumps(report)
    manifest = json.loads((tmp_path / "out" / "foley_manifest.json").read_text())
    assert manifest["shots"]["S003"]["status"] == "failed"


def test_without_the_flag_ray_is_never_imported(batch_reel, batch_reference, tmp_path):
    code = (
        "import sys\n"
        "from foley_assistant.cli.main import main\n"
        f"rc = main(['generate', {str(batch_reel.timeline_path)!r}, '--out', {str(tmp_path / 'out')!r}, '--tracks', {str(batch_reference / 'tracks.json')!r}, '--shot', 'S001', '-q'])\n"
        "assert rc == 0, rc\n"
        "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_batch_progress_counts_and_estimates_the_time_left(monkeypatch):
    import io

    from foley_assistant.cli.progress_bar import TerminalProgress
    from foley_assistant.core.progress import CancelToken
    from foley_assistant.pipeline.progress import JobContext
    from foley_assistant.pipeline.spine import batch

    clock = iter([100.0, 160.0, 220.0])
    monkeypatch.setattr(batch.time, "perf_counter", lambda: next(clock))
    stream = io.StringIO()
    bar = TerminalProgress(stream, enabled=True)
    progress = batch.BatchProgress(JobContext(bar, CancelToken()), total=40, reused=10)
    progress.running = 2
    assert progress.message() == "10/40 done, 2 running, 0 failed"  # the reused shots tell nothing of the pace
    progress.done, progress.failed = 13, 1  # 4 made in 60 s: 26 left at 15 s each
    assert progress.eta_seconds() == 390.0
    progress.report()
    assert "shots" in stream.getvalue() and "13/40 done, 2 running, 1 failed, ETA 13m00s" in stream.getvalue()  # 26 left, 30 s each by 220 s


def test_analyze_on_local_workers_writes_the_tracks_of_a_serial_analysis(batch_reel, batch_reference, tmp_path, capsys):
    from foley_assistant.cli.main import main

    out = tmp_path / "tracks.json"
    assert main(["analyze", str(batch_reel.timeline_path), "--out", str(out), "--executor", "local", "--workers", "2", "-q"]) == 0
    assert json.loads(out.read_text()) == json.loads((batch_reference / "tracks.json").read_text())
    assert main(["analyze", "--media", str(batch_reel.shots[0][0].name), "--out", str(out), "--executor", "local"]) == 2
    assert "Leave out --executor" in capsys.readouterr().err
