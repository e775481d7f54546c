"""The neural engine against the procedural one, in the same run: levels, clicks and speed.

For each case, the picture is analysed once (`generate` with the procedural engine writes the
tracks), then `generate --tracks` runs with each engine on the same tracks, in this process, and
the stems are compared object by object:

- real footage: the two walking clips of `benchmarks/footage` (each taken as a reel);
- synthetic: the demo cut (three shots, 12 s, five objects) and one 12 s shot with five objects.

Per stem, before the shot's loudness gain (the stem divided by it, as the engine made it): BS.1770
loudness (LUFS), sample peak (dBFS), and the click figure, the largest sample-to-sample jump over
the stem's RMS (dB). Per shot: the mix's loudness after the gain and whether the true-peak
ceiling held it under the -23 LUFS target. Per engine: wall seconds of `generate` per second of
picture (the neural figure includes starting its worker and loading the model) and the ratio to
the procedural engine's (the reference, measured in the same run). Nothing passes or fails.

`--neural` runs the neural engine once per setting, PRECISION/STEPS (the worker's `--precision`
and default sampler steps, given to it through $FOLEY_ASSISTANT_NEURAL_PRECISION and
$FOLEY_ASSISTANT_NEURAL_STEPS; "default" for either leaves it to the worker), each against the
same procedural run; the table of stems is printed for the first.

    .venv/bin/python benchmarks/neural_engine.py [--cases sports2d_walk one_by_one_walk demo five] [--model DIR] [--keep DIR]
        [--neural auto/default float32/16 bfloat16/16 bfloat16/8 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from foley_assistant.core.timebase import FrameRate
from foley_assistant.generators.neural.protocol import PRECISION_ENV, STEPS_ENV
from foley_assistant.pipeline.demo import SyntheticShot, build_synthetic_cut, demo_shots
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.pipeline.media_reel import REEL_FILE, generate_media
from foley_assistant.pipeline.spine.neural_levels import largest_jump_db, stem_loudness
from foley_assistant.synth import ObjectSpec, SceneSpec

ROOT = Path(__file__).resolve().parents[1]
FOOTAGE = ROOT / "benchmarks" / "footage"
CASES = ("sports2d_walk", "one_by_one_walk", "demo", "five")
RATE = 48000


def five_objects(folder: Path) -> Path:
    """A one-shot cut of 12 s at 25 fps with five moving objects: three walkers, a car, a ball."""
    rate, handle = FrameRate(25), 12
    h = float(rate.seconds(handle))

    def path(*keys: tuple[float, float, float]) -> tuple[tuple[float, float, float], ...]:
        return tuple((t + h, x, z) for t, x, z in keys)

    objects = (
        ObjectSpec("walker", path((0.0, -6.0, 9.0), (12.0, 5.0, 9.0))),
        ObjectSpec("walker", path((0.0, 4.0, 14.0), (12.0, -4.0, 12.0))),
        ObjectSpec("walker", path((0.0, -2.0, 6.0), (12.0, 1.5, 18.0))),
        ObjectSpec("car", path((1.0, 25.0, 30.0), (7.0, -25.0, 30.0))),
        ObjectSpec("ball", path((2.0, -1.0, 7.0), (9.0, 1.5, 7.0)), height_m=0.4, width_m=0.4),
    )
    spec = SceneSpec(duration_s=12.0 + 2 * h, rate=rate, width=640, height=360, objects=objects, seed=5)
    return build_synthetic_cut(folder, [SyntheticShot("five", spec, handle)], name="five objects").timeline_path


def analysed(case: str, folder: Path) -> tuple[Path, Path]:
    """(timeline, tracks file) of a case, analysed once by a procedural `generate`."""
    out = folder / "analysis"
    if case in ("sports2d_walk", "one_by_one_walk"):
        generate_media(GenerateRequest(timeline_path=FOOTAGE / f"{case}.mp4", out_dir=out))
        return out / REEL_FILE, out / "tracks.json"
    if case == "demo":
        timeline = build_synthetic_cut(folder / "cut", demo_shots(7)).timeline_path
    else:
        timeline = five_objects(folder / "cut")
    run_generate(GenerateRequest(timeline_path=timeline, out_dir=out))
    return timeline, out / "tracks.json"


def run_engine(engine: str, timeline: Path, tracks: Path, out: Path, model: Path | None) -> dict[str, Any]:
    """One `generate --tracks` with `engine`: its wall seconds, the seconds of picture, and per
    stem and per shot what the module docstring lists."""
    started = time.perf_counter()
    run_generate(GenerateRequest(timeline_path=timeline, out_dir=out, tracks_path=tracks, engine=engine, model_dir=model))
    wall = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text())
    gains = {shot["id"]: (shot.get("loudness") or {}) for shot in report["shots"]}
    stems = {}
    for stem in report["stems"]:
        audio, _ = soundfile.read(out / stem["path"], always_2d=True, dtype="float32")
        made = audio.T / 10 ** (gains[stem["shot"]].get("gain_db", 0.0) / 20)
        stems[(stem["shot"], stem["object"])] = {
            "engine": stem["engine"],
            "lufs": stem_loudness(made, RATE),
            "peak_dbfs": 20 * float(np.log10(max(float(np.abs(made).max()), 1e-10))),
            "jump_db": largest_jump_db(made),
            "events": stem["events"],
        }
    return {"wall_s": wall, "picture_s": report["picture_seconds"], "stems": stems, "shots": gains}


def run_neural(setting: str, timeline: Path, tracks: Path, out: Path, model: Path | None) -> dict[str, Any]:
    """`run_engine` with the neural engine's worker at `setting` (PRECISION/STEPS)."""
    precision, _, steps = setting.partition("/")
    saved = {name: os.environ.get(name) for name in (PRECISION_ENV, STEPS_ENV)}
    for name, value in ((PRECISION_ENV, precision), (STEPS_ENV, steps)):
        if value in ("", "default"):
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    try:
        return run_engine("neural", timeline, tracks, out, model)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_case(case: str, results: dict[str, dict[str, Any]]) -> None:
    """The case's table: per object both engines side by side (the first neural setting), then
    mixes and the speed of every setting."""
    procedural = results["procedural"]
    settings = [name for name in results if name != "procedural"]
    neural = results[settings[0]]
    print(f"\n## {case}: {procedural['picture_s']:.1f} s of picture, {len(procedural['stems'])} stems")
    print("| stem | LUFS proc / neural | peak dBFS proc / neural | jump/RMS dB proc / neural | events proc / neural | neural made by |")
    print("| --- | --- | --- | --- | --- | --- |")
    for key, ref in procedural["stems"].items():
        made = neural["stems"].get(key)
        if made is None:
            continue
        print(
            f"| {key[0]} {key[1]} | {number(ref['lufs'])} / {number(made['lufs'])} | {number(ref['peak_dbfs'])} / {number(made['peak_dbfs'])}"
            f" | {number(ref['jump_db'])} / {number(made['jump_db'])} | {ref['events']} / {made['events']} | {made['engine']} |"
        )
    for shot, loud in procedural["shots"].items():
        other = neural["shots"].get(shot, {})
        print(
            f"mix {shot}: proc {number(loud.get('loudness_lufs'))} LUFS{' (true-peak limited)' if loud.get('limited_by_true_peak') else ''},"
            f" neural {number(other.get('loudness_lufs'))} LUFS{' (true-peak limited)' if other.get('limited_by_true_peak') else ''}"
        )
    per_proc = procedural["wall_s"] / procedural["picture_s"]
    print(f"speed: procedural {per_proc:.2f} s per s of picture ({1 / per_proc:.2f}x real time)")
    for name in settings:
        per_neural = results[name]["wall_s"] / results[name]["picture_s"]
        print(f"speed: {name} {per_neural:.2f} s per s of picture ({1 / per_neural:.2f}x real time); {name} / procedural time {per_neural / per_proc:.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--model", type=Path, default=None, help="neural model folder (default: the shipped one)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the outputs in this folder")
    parser.add_argument("--neural", nargs="+", default=["default/default"], help="neural settings PRECISION/STEPS, e.g. float32/16 bfloat16/8")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="neural-engine-bench-") as scratch:
        base = args.keep or Path(scratch)
        for case in args.cases:
            folder = base / case
            timeline, tracks = analysed(case, folder)
            results = {"procedural": run_engine("procedural", timeline, tracks, folder / "procedural", args.model)}
            for number_, setting in enumerate(args.neural):
                results[f"neural {setting}"] = run_neural(setting, timeline, tracks, folder / f"neural{number_}", args.model)
            print_case(case, results)
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
