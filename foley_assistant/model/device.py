"""Where the model runs: CUDA (bf16 autocast), Apple MPS or the CPU (full precision)."""

from __future__ import annotations

import contextlib
from typing import Any

import torch


def pick_device(name: str = "auto") -> torch.device:
    """ "auto" -> CUDA, else MPS, else CPU; or the device named."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(name)


def autocast(device: torch.device) -> contextlib.AbstractContextManager[Any]:
    """bf16 autocast on CUDA; full precision elsewhere."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
