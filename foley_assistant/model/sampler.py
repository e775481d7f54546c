"""Sampling: Euler steps of the rectified flow with classifier-free guidance, and shots of any
length as overlapping windows crossfaded in the latent domain (then decoded in one pass by the
convolutional codec, so there is no seam to hear).

Windows are `window_frames` long and start every `window_frames - overlap_frames` latent frames;
the last one ends at the shot's end. Every window takes its slice of one noise sequence for the
whole shot, so neighbouring windows start from the same noise where they overlap, and their
outputs are blended there with linear weights that sum to one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import torch

from foley_assistant.model.euler import euler_step
from foley_assistant.model.generator import Conditioning, FlowGenerator

if TYPE_CHECKING:
    from foley_assistant.model.graphs import StepGraphs

StepCallback = Callable[[int, int], None]


def window_starts(length: int, window: int, overlap: int) -> list[int]:
    """Start frames of the windows covering `length` frames (one window when it fits)."""
    if window <= overlap:
        raise ValueError(f"the window ({window}) must be longer than the overlap ({overlap})")
    if length <= window:
        return [0]
    hop = window - overlap
    starts = list(range(0, length - window, hop))
    starts.append(length - window)
    return starts


def crossfade_weights(length: int, starts: list[int], window: int) -> torch.Tensor:
    """(len(starts), window) blending weights: linear ramps where windows overlap, summing to 1 at
    every frame of the shot."""
    total = torch.zeros(max(length, window))
    ramps = []
    for i, start in enumerate(starts):
        w = torch.ones(window)
        if i > 0:
            overlap_in = starts[i - 1] + window - start
            if overlap_in > 0:
                w[:overlap_in] = torch.linspace(0, 1, overlap_in + 2)[1:-1]
        if i + 1 < len(starts):
            overlap_out = start + window - starts[i + 1]
            if overlap_out > 0:
                w[window - overlap_out :] = torch.minimum(w[window - overlap_out :], torch.linspace(1, 0, overlap_out + 2)[1:-1])
        ramps.append(w)
        total[start : start + window] += w
    weights = torch.stack(ramps)
    for i, start in enumerate(starts):
        weights[i] = weights[i] / total[start : start + window]
    return weights


@torch.no_grad()
def sample(
    model: FlowGenerator,
    noise: torch.Tensor,
    cond: Conditioning,
    steps: int,
    cfg_scale: float,
    on_step: StepCallback | None = None,
    graphs: "StepGraphs | None" = None,
) -> torch.Tensor:
    """Integrate dx/dt = v from t = 0 (noise, (B, T, D)) to t = 1 with `steps` Euler steps; with
    guidance v = v_uncond + scale (v_cond - v_uncond), both branches in one batch (eagerly, the
    unconditional branch's cross-attention taken as its constant: `FlowGenerator.prepare`).
    `graphs` (CUDA) replays each step as a captured graph instead of launching its kernels one by
    one."""
    b = noise.shape[0]
    guided = cfg_scale != 1.0
    both = cond.repeat(2) if guided else cond
    drop = torch.cat([torch.zeros(b, dtype=torch.bool), torch.ones(b, dtype=torch.bool)]).to(noise.device) if guided else None
    # eagerly, the unconditional rows' cross-attention is its constant (the captured graphs keep
    # the full batch layout they were made for)
    prepared = model.prepare(both, drop, b if guided and graphs is None else 0)
    if graphs is not None:
        runner = graphs.runner(model, prepared, noise, guided)
        if runner is not None:
            return runner.run(noise, prepared, steps, cfg_scale, on_step)
    x = noise
    for step in range(steps):
        x = euler_step(model, x, prepared, step / steps, 1.0 / steps, cfg_scale if guided else None)
        if on_step is not None:
            on_step(step + 1, steps)
    return x


def window_conditioning(cond: Conditioning, items: torch.Tensor, starts: torch.Tensor, window: int) -> Conditioning:
    """The conditioning of windows (J,): item `items[j]`, latent frames [starts[j], starts[j] +
    window); past the shot's end the objects are absent and the picture holds its last frame."""
    length = cond.frame_index.shape[1]
    frames = starts[:, None] + torch.arange(window, device=starts.device)[None]
    inside = frames < length
    frames = frames.clamp_max(length - 1)
    k, f = cond.objects.shape[1], cond.objects.shape[-1]
    objects = torch.gather(cond.objects[items], 2, frames[:, None, :, None].expand(-1, k, -1, f)) * inside[:, None, :, None]
    visual = None
    if cond.visual is not None:
        visual = torch.gather(cond.visual[items], 1, frames[..., None].expand(-1, -1, cond.visual.shape[-1]))
    return Conditioning(
        None,
        torch.gather(cond.frame_index[items], 1, frames),
        cond.has_frames[items],
        objects,
        cond.labels[items],
        cond.present[items],
        cond.target[items],
        visual,
    )


def slice_conditioning(cond: Conditioning, start: int, window: int) -> Conditioning:
    """The conditioning of latent frames [start, start + window) of every item (padded past the
    end: objects absent)."""
    b = cond.frame_index.shape[0]
    device = cond.frame_index.device
    return window_conditioning(cond, torch.arange(b, device=device), torch.full((b,), start, device=device), window)


@torch.no_grad()
def sample_long(
    model: FlowGenerator,
    cond: Conditioning,
    length: int,
    steps: int,
    cfg_scale: float,
    noise: torch.Tensor | None = None,
    on_step: StepCallback | None = None,
    windows_per_batch: int = 64,
    graphs: "StepGraphs | None" = None,
) -> torch.Tensor:
    """Normalised latent tokens (B, length, D) for shots of any length (see the module docstring).

    `cond` covers the whole shot (B items); `noise` (B, >= length, D) is each item's starting
    noise (default: drawn here); all windows of all items run together in batches of
    `windows_per_batch` (through `graphs` on CUDA when given)."""
    config = model.config
    window, overlap = config.window_frames, config.overlap_frames
    device = cond.frame_index.device
    b = cond.frame_index.shape[0]
    visual = model.encode_visual(cond)
    cond = Conditioning(None, cond.frame_index, cond.has_frames, cond.objects, cond.labels, cond.present, cond.target, visual)
    if noise is None:
        noise = torch.randn(b, max(length, window), config.latent_dim)
    noise = noise.to(device)
    starts = window_starts(length, window, overlap)
    n_starts = len(starts)
    # job j = window j // b of item j % b
    items = torch.arange(b, device=device).repeat(n_starts)
    job_starts = torch.tensor(starts, device=device).repeat_interleave(b)
    offsets = job_starts[:, None] + torch.arange(window, device=device)[None]
    x0 = noise[items[:, None], offsets]
    results = []
    batches = range(0, len(items), windows_per_batch)
    for number, first in enumerate(batches):
        chosen = slice(first, first + windows_per_batch)

        def progress(step: int, total: int, number: int = number) -> None:
            if on_step is not None:
                on_step(number * total + step, len(batches) * total)

        pieces = window_conditioning(cond, items[chosen], job_starts[chosen], window)
        results.append(sample(model, x0[chosen], pieces, steps, cfg_scale, progress, graphs))
    tokens = torch.cat(results)
    weights = crossfade_weights(length, starts, window).to(device).repeat_interleave(b, dim=0)
    padded = max(length, window)
    out = torch.zeros(b * padded, config.latent_dim, device=device)
    rows = (items[:, None] * padded + offsets).flatten()
    out.index_add_(0, rows, (weights[..., None] * tokens.float()).flatten(0, 1))
    return out.view(b, padded, config.latent_dim)[:, :length]
