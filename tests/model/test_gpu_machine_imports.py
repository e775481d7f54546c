"""The GPU machine has torch, numpy, scipy, OpenCV and safetensors but not PyAV, OTIO, soundfile,
pyloudnorm or sofar: training on synthetic scenes, evaluating and the GPU script must not need them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ABSENT = ("av", "opentimelineio", "soundfile", "pyloudnorm", "sofar", "PySide6")

PROBE = f"""
import sys
for name in {ABSENT!r}:
    sys.modules[name] = None  # importing it now raises ImportError, as on a machine without it
sys.argv = ["model_gpu.py"]
sys.path.insert(0, {str(ROOT / "benchmarks")!r})
import itertools
import model_gpu  # the GPU script's imports
from foley_assistant.model.config import tiny_codec, tiny_generator
from foley_assistant.model.data import SyntheticItems, collate
from foley_assistant.model.evaluate import evaluate, held_out_examples, procedural_engine
codec = tiny_codec()
items = list(itertools.islice(iter(SyntheticItems(codec, tiny_generator(codec))), 2))
batch = collate(items)
examples = held_out_examples(1, 1.0, (32, 56), 48000, 960)
results = evaluate(examples, {{"procedural": procedural_engine}})
print("ok", tuple(batch["audio"].shape), results["procedural"]["objects"])
"""


def test_training_data_and_evaluation_need_no_media_libraries():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok (2, 2, 61440)")
