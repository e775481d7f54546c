"""How long the neural engine will take on a shot, said before a long job starts.

The worker's cost grows with the number of objects times the seconds of picture (every object's
stem is sampled over the whole shot), and, per object-second, with the sampler's steps on top of
a fixed share (the codec's decoder, the picture's encoder). Until a shot of the run has been
timed, the estimate uses `CPU_COST`, measured with `benchmarks/neural_engine.py` on the 2-core
development machine for the worker's precision and steps (its ready message says both); after
that, the run's own figure. On a GPU the engine runs hundreds of times faster than real time, so
nothing is estimated there.
"""

from __future__ import annotations

import math

from foley_assistant.generators.neural.protocol import PRECISION_ENV, STEPS_ENV

#: The sampler steps of the shipped model (a worker that does not say its steps runs these).
DEFAULT_STEPS = 16
#: Seconds of CPU time per object per second of picture before any shot of the run was timed, as
#: (fixed, per sampler step), by the worker's precision: two cores, the stages and settings of
#: `benchmarks/neural_cpu.py` scaled to the 0.5 s of float32 at 16 steps measured before with
#: `benchmarks/neural_engine.py` (docs/model.md "On a CPU").
CPU_COST = {"float32": (0.16, 0.021), "bfloat16": (0.04, 0.012)}
#: The figure of float32 at 16 steps (the default on a CPU without native bf16).
CPU_SECONDS_PER_OBJECT_SECOND = CPU_COST["float32"][0] + DEFAULT_STEPS * CPU_COST["float32"][1]
#: A shot estimated to take longer than this is announced before it starts.
LONG_JOB_S = 20.0


def cpu_rate(dtype: str, steps: int) -> float:
    """Seconds per object per second of picture on the development CPU at `dtype` and `steps`
    (an unknown precision counts as float32)."""
    fixed, per_step = CPU_COST.get(dtype, CPU_COST["float32"])
    return fixed + per_step * max(1, steps)


class NeuralCost:
    """The running estimate of one generate run's neural cost on `device` ("cpu", "cuda:0"...)."""

    def __init__(self, device: str, dtype: str = "float32", steps: int = DEFAULT_STEPS) -> None:
        self.on_cpu = device.startswith("cpu")
        self.rate = cpu_rate(dtype, steps)
        self.setting = f"{dtype}, {steps} steps"
        self.measured = False

    def estimate_s(self, objects: int, seconds: float) -> float | None:
        """Expected seconds for a shot of `objects` stems over `seconds` of picture (None off the CPU)."""
        return self.rate * objects * seconds if self.on_cpu else None

    def record(self, objects: int, seconds: float, elapsed_s: float) -> None:
        """A shot took `elapsed_s`: later estimates use this run's figure."""
        if objects > 0 and seconds > 0 and math.isfinite(elapsed_s):
            self.rate, self.measured = elapsed_s / (objects * seconds), True

    def announcement(self, shot_id: str, objects: int, seconds: float) -> str | None:
        """The line said before a shot whose estimate exceeds `LONG_JOB_S`; None otherwise."""
        estimate = self.estimate_s(objects, seconds)
        if estimate is None or estimate <= LONG_JOB_S:
            return None
        basis = "as measured on this run's shots so far" if self.measured else f"on a 2-core CPU at {self.setting}"
        return (
            f"shot {shot_id}: the neural engine on the CPU needs about {_duration(estimate)} for {objects} objects x {seconds:.1f} s"
            f" ({self.rate:.2f} s per object per second of picture, {basis}); a GPU or --engine procedural is much faster,"
            f" and ${PRECISION_ENV}=bfloat16 or fewer ${STEPS_ENV} faster than the default (docs/model.md)"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
