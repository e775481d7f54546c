"""Sampling: window layout, crossfade weights, and a 60 s shot generated in windows without seams."""

from __future__ import annotations

import pytest
import torch

from foley_assistant.model.sampler import crossfade_weights, window_starts


def test_windows_cover_the_shot_and_end_on_its_last_frame():
    assert window_starts(50, 64, 16) == [0]
    assert window_starts(64, 64, 16) == [0]
    starts = window_starts(3000, 64, 16)
    assert starts[:3] == [0, 48, 96] and starts[-1] == 3000 - 64
    assert all(b - a <= 48 for a, b in zip(starts, starts[1:]))
    with pytest.raises(ValueError):
        window_starts(100, 16, 16)


@pytest.mark.parametrize("length", [64, 100, 3000, 3001])
def test_crossfade_weights_sum_to_one_everywhere(length):
    starts = window_starts(length, 64, 16)
    weights = crossfade_weights(length, starts, 64)
    total = torch.zeros(max(length, 64))
    for w, start in zip(weights, starts):
        assert torch.all(w > 0)
        total[start : start + 64] += w
    assert torch.allclose(total[:length], torch.ones(length), atol=1e-6)


def _shot(seconds: float, fps: int = 25):
    from foley_assistant.core.timebase import FrameRange, FrameRate
    from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame

    n = int(seconds * fps)
    frames = tuple(TrackedFrame(i, Box(0.1 + 0.7 * i / n, 0.4, 0.2 + 0.7 * i / n, 0.8), 1.0, 6.0) for i in range(n))
    return ShotTracks("S1", "", FrameRate(fps), FrameRange(0, n), 640, 360, (ObjectTrack("O1", "person", "manual", frames),))


def test_a_60_second_shot_is_seamless(tiny_model_dir):
    from foley_assistant.model.inference import NeuralModel, decode_latents
    from foley_assistant.model.sampler import sample_long

    model = NeuralModel.load(tiny_model_dir, "cpu")
    torch.manual_seed(3)
    with torch.no_grad():  # a non-zero output layer, so that windows produce different content
        model.generator.latent_out.weight.normal_(0, 0.2)
        model.generator.latent_out.bias.normal_(0, 0.2)
    config = model.generator.config
    shot = _shot(60.0)
    n_latent = 60 * int(config.latent_rate)
    cond = model._batch(model.conditioning(shot, None), [0], n_latent)
    noise = torch.randn(1, n_latent, config.latent_dim, generator=torch.Generator().manual_seed(0))
    tokens = sample_long(model.generator, cond, n_latent, 2, 1.0, noise)
    assert tokens.shape == (1, n_latent, config.latent_dim) and torch.isfinite(tokens).all()
    # each window sampled alone: outside the overlaps the shot is exactly that window; inside, it
    # fades from one window to the next with weights that change by at most 1/overlap per frame
    starts = window_starts(n_latent, config.window_frames, config.overlap_frames)
    window, overlap = config.window_frames, config.overlap_frames
    from foley_assistant.model.sampler import sample, slice_conditioning

    cond.visual = model.generator.encode_visual(cond)

    def alone(start):
        return sample(model.generator, noise[:, start : start + window], slice_conditioning(cond, start, window), 2, 1.0)[0]

    for i in (1, len(starts) // 2):
        a, b = alone(starts[i]), alone(starts[i + 1])
        inner = slice(starts[i] + overlap, starts[i + 1])
        assert torch.allclose(tokens[0, inner], a[inner.start - starts[i] : inner.stop - starts[i]], atol=1e-5)
        frames = range(starts[i + 1], starts[i] + window)
        a_part = a[frames.start - starts[i] :]
        b_part = b[: len(frames)]
        mixed = tokens[0, frames.start : frames.stop]
        weight_of_a = ((mixed - b_part) * (a_part - b_part)).sum(dim=1) / (a_part - b_part).pow(2).sum(dim=1)
        assert torch.allclose(mixed, weight_of_a[:, None] * a_part + (1 - weight_of_a[:, None]) * b_part, atol=1e-4)
        assert weight_of_a[0] > 0.9 and weight_of_a[-1] < 0.1
        assert torch.all(-torch.diff(weight_of_a) <= 1.0 / overlap + 1e-3) and torch.all(torch.diff(weight_of_a) < 0)
    # decoding in chunks gives the single-pass audio (10 s of it, in chunks of 2 s)
    latent = model.generator.denormalise(tokens)[..., 1000:1500]
    chunked = decode_latents(model.codec, latent, chunk_frames=100)
    assert chunked.shape == (1, 2, 10 * 48000)
    with torch.no_grad():
        whole = model.codec.decode(latent)
    assert torch.allclose(chunked, whole, atol=1e-5 * float(whole.abs().max()))


def test_any_frame_rate_maps_latent_frames_to_the_picture_shown():
    from foley_assistant.model.features import latent_to_video_frames

    index = latent_to_video_frames(10, 50.0, 24000 / 1001, 5)
    # latent frame j is centred at (j + 0.5) / 50 s; frame n covers [n, n + 1) * 1001 / 24000 s
    expected = [min(4, int(((j + 0.5) / 50) * 24000 / 1001)) for j in range(10)]
    assert index.tolist() == expected
    assert latent_to_video_frames(4, 50.0, 60.0, 100).tolist() == [0, 1, 3, 4]


@pytest.mark.parametrize("cfg_scale", [1.0, 2.5])
def test_captured_steps_give_the_eager_sampler_result(tiny_model_dir, cfg_scale):
    """The CUDA-graph runner's bookkeeping (batches padded to a power of two, both guidance
    branches in their static rows, flow time / step / scale as tensors, any step count from one
    capture), replayed by direct calls on the CPU, against the plain sampler."""
    from foley_assistant.model.graphs import StepGraphs
    from foley_assistant.model.inference import NeuralModel
    from foley_assistant.model.sampler import sample_long

    model = NeuralModel.load(tiny_model_dir, "cpu")
    torch.manual_seed(4)
    with torch.no_grad():
        model.generator.latent_out.weight.normal_(0, 0.2)
        for block in model.generator.blocks:
            block.modulation.weight.normal_(0, 0.05)
    config = model.generator.config
    n_latent = 2 * config.window_frames + 10  # 3 windows: a batch of 3 padded to 4
    cond = model._batch(model.conditioning(_shot(n_latent / config.latent_rate), None), [0], n_latent)
    noise = torch.randn(1, n_latent, config.latent_dim, generator=torch.Generator().manual_seed(1))
    graphs = StepGraphs(replay="direct")
    for steps in (3, 5):
        eager = sample_long(model.generator, cond, n_latent, steps, cfg_scale, noise)
        replayed = sample_long(model.generator, cond, n_latent, steps, cfg_scale, noise, graphs=graphs)
        assert graphs.failed is None and len(graphs.runners) == 1
        assert next(iter(graphs.runners.values())).rows == 4
        assert torch.allclose(replayed, eager, atol=1e-5), float((replayed - eager).abs().max())
        assert (replayed - noise[:, :n_latent]).abs().mean() > 0.01  # the steps did move the tokens
