"""CPU inference: the unconditional branch's constant cross-attention, and a shot's stems made in
one batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame


def _shot(seconds: float = 3.0, fps: int = 25, objects: int = 3) -> ShotTracks:
    n = int(seconds * fps)
    tracks = []
    for k in range(objects):
        frames = tuple(TrackedFrame(i, Box(0.1 + 0.2 * k + 0.3 * i / n, 0.4, 0.2 + 0.2 * k + 0.3 * i / n, 0.8 - 0.05 * (i % 7)), 1.0, 4.0 + 2 * k) for i in range(n))
        tracks.append(ObjectTrack(f"O{k + 1}", ("person", "car", "ball")[k % 3], "manual", frames))
    return ShotTracks("S1", "", FrameRate(fps), FrameRange(0, n), 640, 360, tuple(tracks))


@pytest.fixture()
def lively(tiny_model_dir):
    """The tiny model with every weight drawn at random (its zero-initialised modulation and output
    layers would hide any difference in what the blocks compute)."""
    from foley_assistant.model.inference import NeuralModel

    model = NeuralModel.load(tiny_model_dir, "cpu")
    torch.manual_seed(5)
    with torch.no_grad():
        for parameter in model.generator.parameters():
            parameter.normal_(0.0, 0.15)
        model.generator.null_token.normal_(0.0, 1.0)
    return model


def test_the_unconditional_rows_constant_cross_attention_gives_the_same_velocities(lively):
    from foley_assistant.model.sampler import slice_conditioning

    generator = lively.generator
    shot = _shot()
    cond = lively._batch(lively.conditioning(shot, None), [0, 1, 2], 100)
    cond = slice_conditioning(cond, 0, generator.config.window_frames)
    b = cond.frame_index.shape[0]
    both = cond.repeat(2)
    drop = torch.cat([torch.zeros(b, dtype=torch.bool), torch.ones(b, dtype=torch.bool)])
    x = torch.randn(2 * b, generator.config.window_frames, generator.config.latent_dim)
    t = torch.full((2 * b,), 0.3)
    with torch.no_grad():
        full = generator(x, t, prepared=generator.prepare(both, drop))
        short = generator.prepare(both, drop, unconditioned=b)
        fast = generator(x, t, prepared=short)
    assert short.mask.shape[0] == b and short.cross[0][0].shape[0] == b and short.nulls is not None
    assert full.abs().mean() > 0.1  # the blocks do contribute
    assert torch.allclose(fast, full, atol=1e-5, rtol=1e-4)
    # the unconditional rows' cross-attention does matter: a wrong constant changes them
    short.nulls = [n + 1.0 for n in short.nulls]
    with torch.no_grad():
        wrong = generator(x, t, prepared=short)
    assert torch.allclose(wrong[:b], full[:b], atol=1e-5, rtol=1e-4) and not torch.allclose(wrong[b:], full[b:], atol=1e-3)


def test_a_shots_stems_in_one_batch_are_each_stem_made_alone(lively):
    shot = _shot()
    n = 3 * lively.sample_rate
    together = lively.generate(shot, None, n, seed=4, steps=3)
    for target in ("O1", "O3"):
        alone = lively.generate(shot, None, n, targets=[target], seed=4, steps=3)[target]
        assert np.abs(together[target]).max() > 0
        assert np.allclose(alone, together[target], atol=1e-4 * np.abs(alone).max() + 1e-7)
