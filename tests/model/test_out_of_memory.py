"""Out of GPU memory: the windows are retried in smaller batches, then a clear "memory" error.
(The device condition is simulated by raising torch's own OutOfMemoryError from the sampler.)"""

from __future__ import annotations

import io
import json

import pytest
import torch

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.model import inference
from foley_assistant.model.inference import ModelMemoryError, NeuralModel
from foley_assistant.model.worker import Worker


def _shot() -> ShotTracks:
    frames = tuple(TrackedFrame(i, Box(0.4, 0.4, 0.5, 0.8), 1.0, 5.0) for i in range(25))
    return ShotTracks("S1", "", FrameRate(25), FrameRange(0, 25), 640, 360, (ObjectTrack("O1", "person", "manual", frames),))


def _sampler_that_fits(limit: int, calls: list[int]):
    real = inference.sample_long

    def sample_long(model, cond, length, steps, cfg, noise, on_step, windows_per_batch, graphs=None):
        calls.append(windows_per_batch)
        if windows_per_batch > limit:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(model, cond, length, steps, cfg, noise, on_step, windows_per_batch, graphs=graphs)

    return sample_long


def test_out_of_memory_retries_with_smaller_batches(tiny_model_dir, monkeypatch):
    model = NeuralModel.load(tiny_model_dir, "cpu")
    calls: list[int] = []
    monkeypatch.setattr(inference, "sample_long", _sampler_that_fits(4, calls))
    stems = model.generate(_shot(), None, 48000, steps=2)
    assert calls == [64, 16, 4]
    assert stems["O1"].shape == (2, 48000)


def test_out_of_memory_at_one_window_is_a_memory_error_reported_by_the_worker(tiny_model_dir, monkeypatch):
    model = NeuralModel.load(tiny_model_dir, "cpu")
    calls: list[int] = []
    monkeypatch.setattr(inference, "sample_long", _sampler_that_fits(0, calls))
    with pytest.raises(ModelMemoryError, match="even one window at a time"):
        model.generate(_shot(), None, 48000, steps=2)
    assert calls == [64, 16, 4, 1]
    out = io.StringIO()
    request = {"id": 5, "op": "generate", "shot": TracksDocument((_shot(),)).to_dict()["shots"][0], "n_samples": 48000, "out_dir": "unused"}
    worker = Worker(model, str(tiny_model_dir), out)
    worker.thread.start()
    worker.handle(request)
    worker.jobs.put(None)  # after the request: the job thread ends once it has answered
    worker.thread.join(timeout=60)
    replies = [json.loads(line) for line in out.getvalue().splitlines()]
    result = [r for r in replies if r.get("type") == "result"][0]
    assert result["ok"] is False and result["error_kind"] == "memory" and "--device cpu" in result["error"]
