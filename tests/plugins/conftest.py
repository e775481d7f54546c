"""Shared helpers of the plugin tests: tiny synthetic cuts at any frame rate, the plugin files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"
CLI = Path(sys.executable).with_name("foley-assistant")


def load_plugin_module(path: Path, name: str) -> ModuleType:
    """Import a plugin file that is not part of the package (Resolve script, Blender add-on)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def tiny_cut_factory(tmp_path_factory):
    """tiny_cut(rate, start_timecode) -> timeline path: two 1.2 s shots (a car crossing each way),
    160x90, written as real H.264 media with 4 frames of handle, cut back to back."""
    from foley_assistant.core.timebase import FrameRate
    from foley_assistant.pipeline.demo import SyntheticShot, build_synthetic_cut
    from foley_assistant.synth import ObjectSpec, SceneSpec

    made: dict[tuple[str, str], Path] = {}

    def tiny_cut(rate: str, start_timecode: str) -> Path:
        key = (rate, start_timecode)
        if key not in made:
            fps = FrameRate.parse(rate)
            handle = 4
            pad = float(fps.seconds(handle))
            shots = []
            for number, (x0, x1) in enumerate(((10.0, -10.0), (-9.0, 9.0)), start=1):
                spec = SceneSpec(duration_s=1.2 + 2 * pad, rate=fps, width=160, height=90, objects=(ObjectSpec("car", ((0.0, x0, 12.0), (1.2 + 2 * pad, x1, 12.0))),), seed=number)
                shots.append(SyntheticShot(f"shot {number}", spec, handle))
            folder = tmp_path_factory.mktemp(f"cut_{rate.replace('/', '_')}")
            made[key] = build_synthetic_cut(folder, shots, name=f"cut at {rate}", start_timecode=start_timecode).timeline_path
        return made[key]

    return tiny_cut
