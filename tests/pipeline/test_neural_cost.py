"""The estimate said before a long neural job on the CPU (issue 18, item 2)."""

from __future__ import annotations

import pytest

from foley_assistant.pipeline.spine.neural_cost import CPU_COST, CPU_SECONDS_PER_OBJECT_SECOND, DEFAULT_STEPS, LONG_JOB_S, NeuralCost, cpu_rate


def test_a_long_cpu_shot_is_announced_with_its_estimate_and_a_short_one_is_not():
    cost = NeuralCost("cpu")
    assert cost.estimate_s(5, 12.0) == pytest.approx(CPU_SECONDS_PER_OBJECT_SECOND * 60)
    line = cost.announcement("S001", 60, 10.0)
    minutes = round(CPU_SECONDS_PER_OBJECT_SECOND * 600 / 60)
    assert line is not None and line.startswith(f"shot S001: the neural engine on the CPU needs about {minutes} min for 60 objects x 10.0 s")
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


def test_the_first_estimate_follows_the_workers_precision_and_steps():
    default = NeuralCost("cpu")
    assert default.rate == pytest.approx(CPU_SECONDS_PER_OBJECT_SECOND) == pytest.approx(cpu_rate("float32", DEFAULT_STEPS))
    fixed, per_step = CPU_COST["bfloat16"]
    fast = NeuralCost("cpu", "bfloat16", 8)
    assert fast.estimate_s(5, 12.0) == pytest.approx((fixed + 8 * per_step) * 60)
    # fewer steps and bf16 each cost less, and the steps scale only the sampler's share
    assert cpu_rate("bfloat16", 8) < cpu_rate("bfloat16", 16) < cpu_rate("float32", 16)
    assert cpu_rate("float32", 32) - cpu_rate("float32", 16) == pytest.approx(cpu_rate("float32", 24) - cpu_rate("float32", 8))
    assert cpu_rate("float16", 16) == cpu_rate("float32", 16)  # a precision not measured counts as float32
    line = NeuralCost("cpu", "bfloat16", 8).announcement("S004", 40, 30.0)
    assert line is not None and "at bfloat16, 8 steps" in line
