"""Where the model runs and at what precision: CUDA (bf16 autocast), Apple MPS (full precision)
or the CPU (bf16 autocast where the processor computes bf16 natively, else full precision)."""

from __future__ import annotations

import contextlib
from typing import Any

import torch

#: The precisions a model can be asked to run at ("auto": see `inference_dtype`).
PRECISIONS = ("auto", "float32", "bfloat16")


def pick_device(name: str = "auto") -> torch.device:
    """ "auto" -> CUDA, else MPS, else CPU; or the device named."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(name)


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 matrix products natively (AVX-512 BF16 or AMX: oneDNN's
    test); elsewhere bf16 on the CPU is emulated and slower than float32."""
    return bool(torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def inference_dtype(device: torch.device, precision: str = "auto") -> torch.dtype:
    """The autocast precision of inference on `device`: "auto" is bf16 on CUDA and on a CPU that
    computes bf16 natively (there about 1.5-2 times faster than float32, with held-out metrics
    within the sampler's own seed-to-seed spread: docs/model.md "On a CPU"), float32 elsewhere;
    "bfloat16" on a CPU without native bf16, or on MPS, is refused with what to do."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
    if precision == "float32":
        return torch.float32
    if device.type == "cuda" or (device.type == "cpu" and precision == "auto" and cpu_has_bf16()):
        return torch.bfloat16
    if precision == "bfloat16":
        if device.type == "cpu" and cpu_has_bf16():
            return torch.bfloat16
        raise ValueError(f"bfloat16 is not computed natively on {device} here (it needs CUDA or a CPU with AVX-512 BF16 or AMX); use --precision float32")
    return torch.float32


def autocast(device: torch.device, dtype: torch.dtype | None = None) -> contextlib.AbstractContextManager[Any]:
    """The autocast context of `dtype` on `device` (default: bf16 on CUDA, full precision
    elsewhere); float32 is no autocast at all."""
    if dtype is None:
        dtype = torch.bfloat16 if device.type == "cuda" else torch.float32
    if dtype == torch.float32 or device.type not in ("cuda", "cpu"):
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)
