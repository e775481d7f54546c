"""Sampling: Euler steps of the rectified flow with classifier-free guidance, and shots of any
length as overlapping windows crossfaded in the latent domain (then decoded in one pass by the
convolutional codec, so there is no seam to hear).

Windows are `window_frames` long and start every `window_frames - overlap_frames` latent frames;
the last one ends at the shot's end. Every window takes its slice of one noise sequence for the
whole shot, so neighbouring windows start from the same noise where they overlap, and their
outputs are blended there with linear weights that sum to one.
"""

from __future__ import annotations

from typing import Callable

import torch

from foley_assistant.model.generator import Conditioning, FlowGenerator

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
) -> torch.Tensor:
    """Integrate dx/dt = v from t = 0 (noise, (B, T, D)) to t = 1 with `steps` Euler steps; with
    guidance v = v_uncond + scale (v_cond - v_uncond), both branches in one batch."""
    x = noise
    b = x.shape[0]
    guided = cfg_scale != 1.0
    both = cond.repeat(2) if guided else cond
    drop = torch.cat([torch.zeros(b, dtype=torch.bool), torch.ones(b, dtype=torch.bool)]).to(x.device) if guided else None
    prepared = model.prepare(both, drop)
    for step in range(steps):
        t = torch.full((b,), step / steps, device=x.device)
        if guided:
            v_cond, v_uncond = model(torch.cat([x, x]), torch.cat([t, t]), prepared=prepared).float().chunk(2)
            velocity = v_uncond + cfg_scale * (v_cond - v_uncond)
        else:
            velocity = model(x, t, prepared=prepared).float()
        x = x + velocity / steps
        if on_step is not None:
            on_step(step + 1, steps)
    return x


def slice_conditioning(cond: Conditioning, start: int, window: int) -> Conditioning:
    """The conditioning of latent frames [start, start + window) (padded past the end: objects absent)."""
    length = cond.frame_index.shape[1]
    end = min(start + window, length)
    pad = window - (end - start)

    def cut(t: torch.Tensor, dim: int) -> torch.Tensor:
        piece = t.narrow(dim, start, end - start)
        if pad:
            edge = piece.narrow(dim, piece.shape[dim] - 1, 1)
            piece = torch.cat([piece, edge.expand(*[pad if d == dim else -1 for d in range(t.dim())])], dim=dim)
        return piece

    objects = cut(cond.objects, 2)
    if pad:
        objects = objects.clone()
        objects[:, :, window - pad :] = 0.0
    visual = None if cond.visual is None else cut(cond.visual, 1)
    return Conditioning(None, cut(cond.frame_index, 1), cond.has_frames, objects, cond.labels, cond.present, cond.target, visual)


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
) -> torch.Tensor:
    """Normalised latent tokens (B, length, D) for shots of any length (see the module docstring).

    `cond` covers the whole shot (B items); `noise` (B, >= length, D) is each item's starting
    noise (default: drawn here); all windows of all items run together in batches of
    `windows_per_batch`."""
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
    jobs = [(item, start) for start in starts for item in range(b)]
    outputs: dict[tuple[int, int], torch.Tensor] = {}
    batches = [jobs[i : i + windows_per_batch] for i in range(0, len(jobs), windows_per_batch)]
    for number, batch in enumerate(batches):
        pieces = [slice_conditioning(_item(cond, item), start, window) for item, start in batch]
        stacked = _stack(pieces)
        x0 = torch.stack([noise[item, start : start + window] for item, start in batch])

        def progress(step: int, total: int, number: int = number) -> None:
            if on_step is not None:
                on_step(number * total + step, len(batches) * total)

        result = sample(model, x0, stacked, steps, cfg_scale, progress)
        for (item, start), tokens in zip(batch, result):
            outputs[(item, start)] = tokens
    weights = crossfade_weights(length, starts, window).to(device)
    out = torch.zeros(b, max(length, window), config.latent_dim, device=device)
    for item in range(b):
        for i, start in enumerate(starts):
            out[item, start : start + window] += weights[i][:, None] * outputs[(item, start)]
    return out[:, :length]


def _item(cond: Conditioning, index: int) -> Conditioning:
    s = slice(index, index + 1)
    return Conditioning(
        None,
        cond.frame_index[s],
        cond.has_frames[s],
        cond.objects[s],
        cond.labels[s],
        cond.present[s],
        cond.target[s],
        None if cond.visual is None else cond.visual[s],
    )


def _stack(items: list[Conditioning]) -> Conditioning:
    """One batch from single-item, picture-encoded window conditionings."""
    visual = None if items[0].visual is None else torch.cat([c.visual for c in items])  # type: ignore[misc]
    return Conditioning(
        None,
        torch.cat([c.frame_index for c in items]),
        torch.cat([c.has_frames for c in items]),
        torch.cat([c.objects for c in items]),
        torch.cat([c.labels for c in items]),
        torch.cat([c.present for c in items]),
        torch.cat([c.target for c in items]),
        visual,
    )
