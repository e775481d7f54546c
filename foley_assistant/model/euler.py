"""One Euler step of the flow: the update every sampler and every captured CUDA graph makes."""

from __future__ import annotations

import torch

from foley_assistant.model.generator import FlowGenerator, Prepared


def euler_step(model: FlowGenerator, x: torch.Tensor, prepared: Prepared, t: float | torch.Tensor, dt: float | torch.Tensor, cfg_scale: float | torch.Tensor | None) -> torch.Tensor:
    """x + dt v(x, t): `prepared` holds both branches (conditional, then unconditional) when
    `cfg_scale` is given, else one."""
    b = x.shape[0]
    times = t.expand(b) if isinstance(t, torch.Tensor) else torch.full((b,), float(t), device=x.device)  # a fill, not a copy from the host
    if cfg_scale is None:
        velocity = model(x, times, prepared=prepared).float()
    else:
        v_cond, v_uncond = model(torch.cat([x, x]), torch.cat([times, times]), prepared=prepared).float().chunk(2)
        velocity = v_uncond + cfg_scale * (v_cond - v_uncond)
    return x + velocity * dt
