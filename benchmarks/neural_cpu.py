"""The neural engine's generation on the CPU, setting by setting, against the procedural engine in
the same run: one 12 s shot at 25 fps with five moving objects (three walkers, a car, a ball; the
scene's own tracks and frames at the encoder's size, so no analysis, no worker, no file).

Each round times, in this process and in turn, the procedural engine's five stems (its dry sound
placed by the spatial renderer: the reference) and `NeuralModel.generate` of the five stems at
every setting (PRECISION/STEPS); the rounds repeat and each line keeps its fastest round, the one
least disturbed by other work on a shared machine (the load average is printed beside it). Per
setting: seconds, x real time, the time against the procedural engine's, and the stages
(picture encoder, sampler, decoder). "float32/16 full" is the default setting with the
unconditional branch's cross-attention computed at every step, as before it was taken as its
constant. Nothing passes or fails.

    .venv/bin/python benchmarks/neural_cpu.py [--rounds 3] [--settings float32/16 bfloat16/16 bfloat16/8 ...] [--model DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from foley_assistant.core.timebase import FrameRate
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.generators.procedural import ProceduralGenerator
from foley_assistant.model.generator import FlowGenerator
from foley_assistant.model.inference import NeuralModel
from foley_assistant.model.scenes import HFOV_DEG
from foley_assistant.spatial.curves import curves_from_track
from foley_assistant.spatial.render import render_stem
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.synth import ObjectSpec, SceneRenderer, SceneSpec

ROOT = Path(__file__).resolve().parents[1]
SECONDS = 12.0
RATE = 48000
FULL = "float32/16 full"


def five_objects(size: tuple[int, int]) -> tuple[ShotTracks, np.ndarray]:
    """The shot's truth tracks and its frames (T, H, W, 3) at `size` (height, width)."""
    objects = (
        ObjectSpec("walker", ((0.0, -6.0, 9.0), (12.0, 5.0, 9.0))),
        ObjectSpec("walker", ((0.0, 4.0, 14.0), (12.0, -4.0, 12.0))),
        ObjectSpec("walker", ((0.0, -2.0, 6.0), (12.0, 1.5, 18.0))),
        ObjectSpec("car", ((1.0, 25.0, 30.0), (7.0, -25.0, 30.0))),
        ObjectSpec("ball", ((2.0, -1.0, 7.0), (9.0, 1.5, 7.0)), height_m=0.4, width_m=0.4),
    )
    spec = SceneSpec(duration_s=SECONDS, rate=FrameRate(25), width=size[1], height=size[0], hfov_deg=HFOV_DEG, objects=objects, seed=5)
    renderer = SceneRenderer(spec)
    return renderer.truth.as_shot_tracks(shot_id="five"), np.stack(list(renderer.frames()))


def procedural_stems(tracks: ShotTracks) -> np.ndarray:
    """The procedural engine's placed stems of every object (the reference's work)."""
    engine = ProceduralGenerator(hfov_deg=HFOV_DEG)
    stereo = StereoSettings(sample_rate=RATE, pan_reference_deg=HFOV_DEG / 2)
    n = int(SECONDS * RATE)
    return np.stack([render_stem(engine.generate(obj, tracks, n, RATE, k).samples, curves_from_track(obj, tracks, HFOV_DEG), stereo) for k, obj in enumerate(tracks.objects)])


@contextmanager
def full_cross_attention() -> Iterator[None]:
    """The sampler as it was: every row's cross-attention computed at every step."""
    prepare = FlowGenerator.prepare

    def full(self: FlowGenerator, cond: Any, drop: Any = None, unconditioned: int = 0) -> Any:
        return prepare(self, cond, drop, 0)

    FlowGenerator.prepare = full  # type: ignore[method-assign]
    try:
        yield
    finally:
        FlowGenerator.prepare = prepare  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--settings", nargs="+", default=[FULL, "float32/16", "bfloat16/16", "float32/8", "bfloat16/8"])
    parser.add_argument("--model", type=Path, default=ROOT / "resources" / "model")
    args = parser.parse_args(argv)
    models = {}
    for setting in args.settings:
        precision = setting.split("/")[0]
        if precision not in models:
            models[precision] = NeuralModel.load(args.model, "cpu", precision)
    tracks, frames = five_objects(models[next(iter(models))].generator.config.frame_size)
    n = int(SECONDS * RATE)
    best: dict[str, tuple[float, dict[str, float], float]] = {}

    def keep(name: str, seconds: float, stages: dict[str, float]) -> None:
        if name not in best or seconds < best[name][0]:
            best[name] = (seconds, stages, os.getloadavg()[0])

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; {len(tracks.objects)} objects, {SECONDS:.0f} s; {args.rounds} rounds")
    for _ in range(args.rounds):
        started = time.perf_counter()
        procedural_stems(tracks)
        keep("procedural", time.perf_counter() - started, {})
        for setting in args.settings:
            precision, steps = setting.split()[0].split("/")
            stages: dict[str, float] = {}
            with full_cross_attention() if setting == FULL else _nothing():
                started = time.perf_counter()
                models[precision].generate(tracks, frames, n, steps=int(steps), timings=stages)
            keep(setting, time.perf_counter() - started, stages)
    reference = best["procedural"][0]
    print("| setting | seconds | x real time | / procedural | picture, sampler, decoder s | load |")
    print("| --- | ---: | ---: | ---: | --- | ---: |")
    for name, (seconds, stages, load) in best.items():
        parts = ", ".join(f"{stages.get(k, 0.0):.2f}" for k in ("video", "sampler", "decode")) if stages else "-"
        print(f"| {name} | {seconds:.2f} | {SECONDS / seconds:.2f} | {seconds / reference:.1f} | {parts} | {load:.1f} |")
    return 0


@contextmanager
def _nothing() -> Iterator[None]:
    yield


if __name__ == "__main__":
    raise SystemExit(main())
