"""How long the neural engine will take on a shot, said before a long job starts.

The worker's cost grows with the number of objects times the seconds of picture (every object's
stem is sampled over the whole shot). Until a shot of the run has been timed, the estimate uses
`CPU_SECONDS_PER_OBJECT_SECOND`, measured with `benchmarks/neural_engine.py` on the 2-core
development machine; after that, the run's own figure. On a GPU the engine runs hundreds of
times faster than real time, so nothing is estimated there.
"""

from __future__ import annotations

import math

#: Seconds of CPU time per object per second of picture before any shot of the run was timed
#: (16 sampler steps, two cores; docs/model.md "On a CPU").
CPU_SECONDS_PER_OBJECT_SECOND = 0.5
#: A shot estimated to take longer than this is announced before it starts.
LONG_JOB_S = 20.0


class NeuralCost:
    """The running estimate of one generate run's neural cost on `device` ("cpu", "cuda:0"...)."""

    def __init__(self, device: str) -> None:
        self.on_cpu = device.startswith("cpu")
        self.rate = CPU_SECONDS_PER_OBJECT_SECOND
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
        basis = "as measured on this run's shots so far" if self.measured else "on a 2-core CPU"
        return (
            f"shot {shot_id}: the neural engine on the CPU needs about {_duration(estimate)} for {objects} objects x {seconds:.1f} s"
            f" ({self.rate:.2f} s per object per second of picture, {basis}); a GPU or --engine procedural is much faster"
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
