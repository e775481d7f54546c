"""CUDA graphs for the sampler: each Euler step of a batch of windows is captured once and then
replayed, so a step costs one launch instead of a few hundred kernel launches from Python (the
small generator is launch-bound on a GPU: about 4 ms per step eagerly on an H100).

One graph per (model, batch bucket, window shape, guided or not) serves any number of steps and
any guidance scale: the flow time, the step size and the scale are tensors the graph reads. The
batch is padded up to a power of two (padding rows are computed and ignored), so shots of many
lengths share a few graphs. A capture is checked against an eager step on the same inputs before
it is used; if capturing fails or disagrees, the sampler logs why and stays eager from then on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from foley_assistant.model.euler import euler_step
from foley_assistant.model.generator import FlowGenerator, Prepared

log = logging.getLogger(__name__)

StepCallback = Callable[[int, int], None]
#: A captured step must match an eager one to this relative error (bf16 matmuls may pick other kernels for padded batches).
AGREEMENT = 0.05


def bucket(rows: int) -> int:
    """The batch size a graph is captured for: the next power of two."""
    return 1 << max(0, rows - 1).bit_length()


class _DirectReplay:
    """Replays a step by calling it (the bookkeeping of a graph without CUDA: for CPU tests)."""

    def __init__(self, step: Callable[[], None]) -> None:
        self.step = step

    def replay(self) -> None:
        self.step()


@dataclass
class StepRunner:
    """Static inputs of one captured step and the graph that reads them."""

    model: FlowGenerator
    guided: bool
    x: torch.Tensor
    prepared: Prepared
    t: torch.Tensor
    dt: torch.Tensor
    cfg: torch.Tensor
    graph: Any = None

    @property
    def rows(self) -> int:
        return self.x.shape[0]

    def step(self) -> None:
        """One Euler step on the static tensors, in place (what the graph holds)."""
        with _autocast_like(self.x.device):
            moved = euler_step(self.model, self.x, self.prepared, self.t, self.dt, self.cfg if self.guided else None)
        self.x.copy_(moved)

    def load(self, noise: torch.Tensor, prepared: Prepared) -> None:
        """Copy a batch (J <= rows windows) into the static inputs; the padding rows keep what they hold."""
        j = noise.shape[0]
        self.x[:j].copy_(noise)
        branches = 2 if self.guided else 1
        for static, given in zip(self.prepared.tensors(), prepared.tensors()):
            for branch in range(branches):
                static[branch * self.rows : branch * self.rows + j].copy_(given[branch * j : (branch + 1) * j])

    def run(self, noise: torch.Tensor, prepared: Prepared, steps: int, cfg_scale: float, on_step: StepCallback | None) -> torch.Tensor:
        """`steps` Euler steps from `noise` (J, T, D) with `prepared` (2J or J rows): as `sampler.sample`."""
        self.load(noise, prepared)
        self.cfg.fill_(cfg_scale)
        self.dt.fill_(1.0 / steps)
        for step in range(steps):
            self.t.fill_(step / steps)
            self.graph.replay()
            if on_step is not None:
                on_step(step + 1, steps)
        return self.x[: noise.shape[0]].clone()


def _autocast_like(device: torch.device) -> Any:
    """bf16 autocast on CUDA without its weight cache (cached casts made during a capture would
    live in the graph's pool), nothing elsewhere."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16, cache_enabled=False)
    return torch.autocast("cpu", enabled=False)


def _padded(tensor: torch.Tensor, rows: int, branches: int, fill: float) -> torch.Tensor:
    """A static copy of `tensor` ((branches * J, ...)) with `branches * rows` rows, padding filled with `fill`."""
    j = tensor.shape[0] // branches
    out = torch.full((branches * rows, *tensor.shape[1:]), fill, dtype=tensor.dtype, device=tensor.device)
    for branch in range(branches):
        out[branch * rows : branch * rows + j] = tensor[branch * j : (branch + 1) * j]
    return out


@dataclass
class StepGraphs:
    """The captured steps of one process, by shape; `replay` "cuda" captures CUDA graphs, "direct"
    replays by plain calls (the same bookkeeping, for testing it on a CPU)."""

    replay: str = "cuda"
    runners: dict[tuple[Any, ...], StepRunner] = field(default_factory=dict)
    failed: str | None = None

    def runner(self, model: FlowGenerator, prepared: Prepared, noise: torch.Tensor, guided: bool) -> StepRunner | None:
        """The runner for this batch (captured now if it is the first of its shape), or None to stay eager."""
        if self.failed is not None:
            return None
        rows = bucket(noise.shape[0])
        shapes = tuple(tuple(t.shape[1:]) for t in prepared.tensors())
        key = (id(model), rows, tuple(noise.shape[1:]), guided, shapes, torch.is_autocast_enabled(noise.device.type))
        found = self.runners.get(key)
        if found is None:
            try:
                found = self._capture(model, prepared, noise, guided, rows)
            except Exception as exc:  # noqa: BLE001 - any failure to capture means: run eagerly
                self.failed = f"{type(exc).__name__}: {exc}"
                log.warning("sampler steps run eagerly: capturing a CUDA graph failed (%s)", self.failed)
                return None
            if found is None:
                return None
            self.runners[key] = found
        return found

    def _capture(self, model: FlowGenerator, prepared: Prepared, noise: torch.Tensor, guided: bool, rows: int) -> StepRunner | None:
        branches = 2 if guided else 1
        tensors = prepared.tensors()
        statics = [_padded(t, rows, branches, 1 if t.dtype == torch.bool else 0) for t in tensors]
        cross = [(statics[1 + 2 * i], statics[2 + 2 * i]) for i in range(len(prepared.cross))]
        device = noise.device
        runner = StepRunner(
            model=model,
            guided=guided,
            x=_padded(noise, rows, 1, 0.0),
            prepared=Prepared(statics[0], cross, statics[-1]),
            t=torch.zeros((), device=device),
            dt=torch.full((), 1.0 / 16, device=device),
            cfg=torch.full((), 1.0, device=device),
        )
        if self.replay == "direct":
            runner.graph = _DirectReplay(runner.step)
        else:
            stream = torch.cuda.Stream(device)
            stream.wait_stream(torch.cuda.current_stream(device))
            with torch.cuda.stream(stream):
                for _ in range(2):  # warm-up outside the capture (lazy initialisation of kernels and handles)
                    runner.step()
            torch.cuda.current_stream(device).wait_stream(stream)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                runner.step()
            runner.graph = graph
        return runner if self._agrees(runner, model, prepared, noise, guided) else None

    def _agrees(self, runner: StepRunner, model: FlowGenerator, prepared: Prepared, noise: torch.Tensor, guided: bool) -> bool:
        """One replayed step against one eager step on the same inputs."""
        scale = 2.5 if guided else None
        runner.load(noise, prepared)
        runner.cfg.fill_(scale or 1.0)
        runner.dt.fill_(1.0 / 16)
        runner.t.fill_(0.25)
        runner.graph.replay()
        replayed = runner.x[: noise.shape[0]] - noise
        with _autocast_like(noise.device):
            eager = euler_step(model, noise, prepared, 0.25, 1.0 / 16, scale) - noise
        error = float((replayed - eager).norm() / eager.norm().clamp_min(1e-12))
        if not error <= AGREEMENT:
            self.failed = f"a captured step differs from an eager one by {error:.3g} (relative)"
            log.warning("sampler steps run eagerly: %s", self.failed)
            return False
        return True
