"""`generate --executor ray` on a local Ray cluster this module starts and stops: the same files
byte for byte as a serial run; a Ray worker killed (SIGKILL, by pid) while it makes a shot costs
only that shot, which Ray runs again. Skipped, saying why, where Ray is not installed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from foley_assistant.core.progress import ProgressEvent
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.pipeline.spine.executors import ExecutorSpec
from tests.conftest import REPRODUCIBLE, wav_digests

ray = pytest.importorskip("ray", reason="Ray is not installed (pip install 'foley-assistant[ray]', as `make test` does where it can)")

RAY = ExecutorSpec("ray", workers=2)


@pytest.fixture(scope="module", autouse=True)
def local_cluster():
    """A two-CPU local cluster for this module's tests."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture(autouse=True)
def reproducible(monkeypatch):
    for name, value in REPRODUCIBLE.items():
        monkeypatch.setenv(name, value)


def test_ray_tasks_make_the_same_files_as_a_serial_run(batch_reel, batch_reference, tmp_path):
    events: list[ProgressEvent] = []
    result = run_generate(GenerateRequest(timeline_path=batch_reel.timeline_path, out_dir=tmp_path / "out", executor=RAY), events.append)
    assert result.status == "complete" and result.done_shots == ["S001", "S002", "S003"]
    assert wav_digests(tmp_path / "out") == wav_digests(batch_reference)
    assert any("2 running" in e.message for e in events if e.stage == "shots")
    assert ray.is_initialized()  # a cluster the run joined is left running


def _shot_tasks() -> list[int]:
    """The pids of Ray workers running a shot now (Ray titles them ray::work_shot)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"ray::work_shot"):
                pids.append(int(entry.name))
    return pids


def test_a_ray_worker_killed_mid_shot_costs_only_its_shot(batch_reel, batch_reference, tmp_path):
    killed: list[int] = []

    def kill_one(event: ProgressEvent) -> None:
        if event.stage == "shots" and not killed:
            for pid in _shot_tasks():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return

    result = run_generate(GenerateRequest(timeline_path=batch_reel.timeline_path, out_dir=tmp_path / "out", executor=RAY), kill_one)
    assert len(killed) == 1
    assert result.status == "complete" and result.done_shots == ["S001", "S002", "S003"]
    assert wav_digests(tmp_path / "out") == wav_digests(batch_reference)
