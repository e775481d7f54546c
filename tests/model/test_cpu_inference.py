"""The CPU inference options: the unconditional branch's constant cross-attention, bf16 on a CPU
that computes it, the worker's default sampler steps, and a shot's stems made in one batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from foley_assistant.core.errors import FoleyError
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

    model = NeuralModel.load(tiny_model_dir, "cpu", "float32")
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


def test_the_models_default_steps_are_used_unless_a_generation_asks_for_its_own(lively):
    shot = _shot(objects=1)
    totals: list[int] = []
    lively.steps = 3
    lively.generate(shot, None, lively.sample_rate, on_progress=lambda done, total: totals.append(total))
    assert set(totals) == {3} and len(totals) == 3
    totals.clear()
    lively.generate(shot, None, lively.sample_rate, steps=5, on_progress=lambda done, total: totals.append(total))
    assert set(totals) == {5}
    lively.steps = None
    totals.clear()
    lively.generate(shot, None, lively.sample_rate, on_progress=lambda done, total: totals.append(total))
    assert set(totals) == {lively.generator.config.steps}


def test_precision_choices():
    from foley_assistant.model.device import autocast, cpu_has_bf16, inference_dtype

    cpu = torch.device("cpu")
    assert inference_dtype(cpu) == (torch.bfloat16 if cpu_has_bf16() else torch.float32)
    assert inference_dtype(cpu, "float32") == torch.float32
    assert inference_dtype(torch.device("mps")) == torch.float32
    assert inference_dtype(torch.device("cuda"), "auto") == torch.bfloat16
    assert inference_dtype(torch.device("cuda"), "float32") == torch.float32
    with pytest.raises(ValueError, match="float32"):
        inference_dtype(torch.device("mps"), "bfloat16")
    with pytest.raises(ValueError, match="unknown precision"):
        inference_dtype(cpu, "int4")
    if cpu_has_bf16():
        assert inference_dtype(cpu, "bfloat16") == torch.bfloat16
    else:
        with pytest.raises(ValueError, match="AVX-512 BF16"):
            inference_dtype(cpu, "bfloat16")
    with autocast(cpu, torch.float32):
        assert not torch.is_autocast_enabled("cpu")
    with autocast(cpu, torch.bfloat16):
        assert torch.is_autocast_enabled("cpu") and (torch.ones(2, 2) @ torch.ones(2, 2)).dtype == torch.bfloat16


@pytest.mark.skipif(not torch.backends.mkldnn.is_available() or not torch.ops.mkldnn._is_mkldnn_bf16_supported(), reason="this CPU has no native bf16")
def test_bf16_on_the_cpu_gives_nearly_the_float32_stems(tiny_model_dir, lively):
    from foley_assistant.model.inference import NeuralModel

    fast = NeuralModel.load(tiny_model_dir, "cpu", "bfloat16")
    fast.generator.load_state_dict(lively.generator.state_dict())
    assert fast.dtype_name == "bfloat16" and lively.dtype_name == "float32"
    shot = _shot(objects=2)
    n = 2 * lively.sample_rate
    exact, rounded = lively.generate(shot, None, n, seed=1, steps=4), fast.generate(shot, None, n, seed=1, steps=4)
    for target, audio in exact.items():
        assert rounded[target].dtype == np.float32 and np.isfinite(rounded[target]).all()
        error_db = 10 * np.log10(np.sum((rounded[target] - audio) ** 2) / np.sum(audio**2))
        assert -60 < error_db < -15  # bf16 does round (it is not silently float32), and only a little


def test_worker_settings_from_arguments_and_environment():
    from foley_assistant.generators.neural.protocol import PRECISION_ENV, STEPS_ENV
    from foley_assistant.model.worker import worker_settings

    assert worker_settings(None, None, {}) == ("auto", None)
    assert worker_settings(None, None, {PRECISION_ENV: "float32", STEPS_ENV: " 8 "}) == ("float32", 8)
    assert worker_settings("bfloat16", 4, {PRECISION_ENV: "float32", STEPS_ENV: "8"}) == ("bfloat16", 4)
    with pytest.raises(FoleyError, match=PRECISION_ENV):
        worker_settings(None, None, {PRECISION_ENV: "fp8"})
    with pytest.raises(FoleyError, match="whole number"):
        worker_settings(None, None, {STEPS_ENV: "eight"})
    with pytest.raises(FoleyError, match="at least 1"):
        worker_settings(None, 0, {})
