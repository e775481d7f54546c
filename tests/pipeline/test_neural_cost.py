"""The estimate said before a long neural job on the CPU (issue 18, item 2)."""

from __future__ import annotations

import pytest

from foley_assistant.pipeline.spine.neural_cost import CPU_SECONDS_PER_OBJECT_SECOND, LONG_JOB_S, NeuralCost


def test_a_long_cpu_shot_is_announced_with_its_estimate_and_a_short_one_is_not():
    cost = NeuralCost("cpu")
    assert cost.estimate_s(5, 12.0) == pytest.approx(CPU_SECONDS_PER_OBJECT_SECOND * 60)
    line = cost.announcement("S001", 26, 10.0)
    assert line is not None and line.startswith("shot S001: the neural engine on the CPU needs about 2 min for 26 objects x 10.0 s")
    assert "on a 2-core CPU" in line
    short_seconds = 0.5 * LONG_JOB_S / CPU_SECONDS_PER_OBJECT_SECOND
    assert cost.announcement("S002", 1, short_seconds) is None


def test_the_estimate_follows_the_runs_own_timing_and_nothing_is_said_on_a_gpu():
    cost = NeuralCost("cpu")
    cost.record(2, 10.0, 60.0)  # 3 s per object-second on this machine
    assert cost.estimate_s(5, 12.0) == pytest.approx(180.0)
    assert "3 min" in cost.announcement("S003", 5, 12.0) and "this run's shots" in cost.announcement("S003", 5, 12.0)
    gpu = NeuralCost("cuda:0")
    assert gpu.estimate_s(26, 600.0) is None and gpu.announcement("S001", 26, 600.0) is None
