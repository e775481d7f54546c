"""The model worker end to end: a real process, the JSON-lines protocol, a tiny model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

from foley_assistant.core.errors import Cancelled
from foley_assistant.core.progress import CancelToken
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.generators.neural.client import WorkerClient, WorkerError
from foley_assistant.generators.neural.protocol import PRECISION_ENV, STEPS_ENV


def _shot_dict(seconds: float = 2.0, fps: int = 25) -> dict:
    n = int(seconds * fps)
    walker = tuple(TrackedFrame(i, Box(0.1 + 0.6 * i / n, 0.4, 0.2 + 0.6 * i / n, 0.8), 1.0, 6.0) for i in range(n))
    ball = tuple(TrackedFrame(i, Box(0.7, 0.5, 0.75, 0.55), 0.9, None) for i in range(5, n))
    shot = ShotTracks(
        "S1",
        "",
        FrameRate(fps),
        FrameRange(100, n),
        640,
        360,
        (
            ObjectTrack("O1", "person", "manual", tuple(f.__class__(f.frame + 100, f.box, f.confidence, f.distance_m) for f in walker)),
            ObjectTrack("O2", "ball", "tracker", tuple(f.__class__(f.frame + 100, f.box, f.confidence, f.distance_m) for f in ball)),
        ),
    )
    return TracksDocument((shot,)).to_dict()["shots"][0]


@pytest.fixture(scope="module")
def worker(tiny_model_dir):
    """A worker told its precision and default steps the way `generate` tells it: by environment."""
    saved = {name: os.environ.get(name) for name in (PRECISION_ENV, STEPS_ENV)}
    os.environ[PRECISION_ENV], os.environ[STEPS_ENV] = "float32", "7"
    try:
        with WorkerClient(tiny_model_dir, device="cpu") as client:
            yield client
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def test_health_and_generate(worker, tmp_path):
    assert worker.info["device"] == "cpu" and worker.info["sample_rate"] == 48000 and worker.info["steps"] == 7
    health = worker.health()
    assert health["ok"] is True and health["busy"] is False and health["dtype"] == "float32"
    seen = []
    stems = worker.generate(_shot_dict(), 96000, tmp_path, seed=1, steps=3, on_progress=lambda d, t: seen.append((d, t)))
    assert set(stems) == {"O1", "O2"}
    for audio in stems.values():
        assert audio.shape == (2, 96000) and audio.dtype == np.float32
        assert np.isfinite(audio).all() and np.abs(audio).max() > 0
    assert seen[-1][0] == seen[-1][1] and seen[0][0] < seen[-1][0]
    again = worker.generate(_shot_dict(), 96000, tmp_path, targets=["O2", "mix"], seed=1, steps=3)
    assert set(again) == {"O2", "mix"}
    # same seed, same object: the same stem (up to float rounding in a differently shaped batch)
    assert np.allclose(again["O2"], stems["O2"], atol=1e-4 * np.abs(stems["O2"]).max())
    assert not np.allclose(again["mix"], stems["O2"], atol=1e-3 * np.abs(stems["O2"]).max())


def test_a_bad_request_is_an_error_and_the_worker_goes_on(worker, tmp_path):
    with pytest.raises(WorkerError, match="no object O9") as caught:
        worker.generate(_shot_dict(), 48000, tmp_path, targets=["O9"])
    assert caught.value.kind == "input"
    with pytest.raises(WorkerError, match="media file not found"):
        worker.generate(_shot_dict(), 48000, tmp_path, media=str(tmp_path / "missing.mp4"))
    for hostile in (10**12, 0, -5):  # 10^12 samples grew a worker to 24 GB before it was killed
        with pytest.raises(WorkerError, match="n_samples must be between 1 and") as caught:
            worker.generate(_shot_dict(), hostile, tmp_path)
        assert caught.value.kind == "input"
    assert worker.health()["ok"] is True


def test_cancel_stops_a_long_generation(worker, tmp_path):
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    with pytest.raises(Cancelled):
        worker.generate(_shot_dict(seconds=120.0), 120 * 48000, tmp_path, steps=50, cancel=token)
    assert worker.health()["busy"] is False


def test_the_cli_serve_speaks_the_protocol(tiny_model_dir):
    requests = "\n".join(json.dumps(m) for m in ({"id": "a", "op": "health"}, {"id": "b", "op": "dance"}, {"id": "c", "op": "shutdown"})) + "\n"
    done = subprocess.run([sys.executable, "-m", "foley_assistant.cli.main", "serve", "--model", str(tiny_model_dir), "--device", "cpu"], input=requests, capture_output=True, text=True, timeout=120)
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stderr
    assert [r["type"] for r in replies] == ["ready", "health", "result", "bye"]
    assert replies[2]["ok"] is False and replies[2]["error_kind"] == "input"


def test_a_missing_model_is_a_clear_start_failure(tmp_path):
    with pytest.raises(WorkerError, match="has no codec/ checkpoint"):
        WorkerClient(tmp_path, device="cpu")
