"""Training: a tiny codec and a tiny generator train for a few steps on synthetic scenes and their
losses fall; a run resumes from its checkpoint; fine-tuning starts from another model's weights."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from foley_assistant.model.checkpoint import load_checkpoint
from foley_assistant.model.config import tiny_codec, tiny_generator
from foley_assistant.model.data import SyntheticItems, collate
from foley_assistant.model.train import TrainSettings, train_codec, train_generator

CPU = torch.device("cpu")


def _short(codec_config):
    """The tiny generator with 0.32 s windows, so that a few steps take seconds on a CPU."""
    return replace(tiny_generator(codec_config), window_frames=16, overlap_frames=4)


@pytest.fixture(scope="module")
def scene_batch():
    """Four synthetic training items (0.32 s windows), collated once."""
    codec = tiny_codec()
    items = list(itertools.islice(iter(SyntheticItems(codec, _short(codec), first_seed=40)), 4))
    return collate(items)


def _repeat(batch):
    while True:
        yield batch


def _losses(folder):
    return [json.loads(line)["loss"] for line in folder.with_name(folder.name + ".log.jsonl").read_text().splitlines()]


def test_the_codec_loss_falls(tmp_path, scene_batch):
    audio = scene_batch["audio"][:, :, 5 * 960 : 10 * 960] * 4  # 0.1 s of each scene keeps the test fast
    settings = TrainSettings(steps=16, learning_rate=3e-3, warmup_steps=2, log_every=1, save_every=100)
    train_codec(tmp_path / "codec", tiny_codec(), _repeat({"audio": audio}), settings, CPU)
    losses = _losses(tmp_path / "codec")
    assert len(losses) == 16
    assert np.mean(losses[-4:]) < 0.8 * np.mean(losses[:4])
    assert load_checkpoint(tmp_path / "codec", "codec").training["step"] == 16


def test_the_generator_loss_falls_and_training_resumes(tmp_path, scene_batch, tiny_model_dir, probe_loss):
    from foley_assistant.model.generator import FlowGenerator
    from foley_assistant.model.inference import load_codec
    from foley_assistant.model.train import latent_statistics

    codec = load_codec(tiny_model_dir / "codec")
    config = _short(codec.config)
    torch.manual_seed(0)  # as train_generator starts
    untrained = FlowGenerator(config).eval()
    mean, std = latent_statistics(codec, scene_batch["audio"])
    untrained.latent_mean.copy_(mean)
    untrained.latent_std.copy_(std)
    settings = TrainSettings(steps=30, learning_rate=5e-3, warmup_steps=2, log_every=1, save_every=100)
    trained = train_generator(tmp_path / "generator", config, codec, _repeat(scene_batch), settings, CPU)
    assert len(_losses(tmp_path / "generator")) == 30
    before, after = probe_loss(untrained, codec, scene_batch), probe_loss(trained, codec, scene_batch)
    assert after < 0.85 * before, (before, after)  # exact comparison: same noise, same flow times
    first = load_checkpoint(tmp_path / "generator", "generator", with_optimizer=True)
    assert first.training["step"] == 30 and first.optimizer is not None
    more = TrainSettings(steps=34, learning_rate=5e-3, warmup_steps=2, log_every=1, save_every=100)
    train_generator(tmp_path / "generator", config, codec, _repeat(scene_batch), more, CPU, resume=True)
    resumed = load_checkpoint(tmp_path / "generator", "generator")
    assert resumed.training["step"] == 34
    assert len(_losses(tmp_path / "generator")) == 34
    assert not torch.equal(resumed.weights["latent_out.weight"], first.weights["latent_out.weight"])
    assert torch.equal(resumed.weights["latent_mean"], first.weights["latent_mean"])


def test_fine_tuning_starts_from_the_given_weights(tmp_path, scene_batch, tiny_model_dir):
    from foley_assistant.model.inference import load_codec

    codec = load_codec(tiny_model_dir / "codec")
    start = load_checkpoint(tiny_model_dir / "generator", "generator")
    settings = TrainSettings(steps=1, learning_rate=1e-12, warmup_steps=1, log_every=1)
    train_generator(tmp_path / "generator", _short(codec.config), codec, _repeat(scene_batch), settings, CPU, start=start)
    tuned = load_checkpoint(tmp_path / "generator", "generator")
    for name, tensor in start.weights.items():
        assert torch.allclose(tuned.weights[name], tensor, atol=1e-6), name
