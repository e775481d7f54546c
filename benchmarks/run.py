"""Speed of each stage on the demo cut, as ratios measured in the same run.

For every stage: seconds of picture processed per second of wall time ("x realtime").
For analysis: its time divided by a bare decode of exactly the same frames at the same analysis
resolution (how much the vision work costs on top of reading the pictures).

    .venv/bin/python benchmarks/run.py [--repeat 3] [--json]

Figures are medians over the repeats. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.io.video import probe_video, read_frames
from foley_assistant.pipeline.demo import build_demo
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.pipeline.spine.analyze import media_frame_range

STAGES = ("analyze", "generate", "render", "export")


def bare_decode_seconds(timeline: Path, analysis_width: int) -> float:
    """Time to decode every shot's frames at analysis size, doing nothing with them."""
    started = time.perf_counter()
    for shot in list_shots(read_timeline(timeline)):
        assert shot.media_path is not None
        frames = media_frame_range(shot, probe_video(shot.media_path))
        for _ in read_frames(shot.media_path, frames, analysis_width=analysis_width, gray=False):
            pass
    return time.perf_counter() - started


def measure(workdir: Path, repeat: int) -> dict[str, object]:
    """Build the demo once, then decode and run the pipeline `repeat` times."""
    timeline = build_demo(workdir / "source")
    runs: list[dict[str, float]] = []
    picture = 0.0
    for number in range(repeat):
        decode = bare_decode_seconds(timeline, 320)
        result = run_generate(GenerateRequest(timeline_path=timeline, out_dir=workdir / f"out{number}"))
        picture = result.picture_seconds
        runs.append({"decode": decode, **{s: result.timings_s.get(s, 0.0) for s in STAGES}, "total": result.timings_s["total"]})
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return {
        "picture_seconds": picture,
        "repeats": repeat,
        "seconds": median,
        "x_realtime": {key: picture / value if value > 0 else float("inf") for key, value in median.items()},
        "analysis_over_decode": median["analyze"] / median["decode"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="foley-bench-") as folder:
        figures = measure(Path(folder), args.repeat)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"demo cut: {figures['picture_seconds']:.2f} s of picture, median of {figures['repeats']} runs")
    print(f"{'stage':<22}{'seconds':>10}{'x realtime':>13}")
    labels = {"decode": "decode only (bare)", "total": "whole generate"}
    for key, seconds in figures["seconds"].items():
        print(f"{labels.get(key, key):<22}{seconds:>10.3f}{figures['x_realtime'][key]:>13.1f}")
    print(f"analysis / bare decode of the same frames: {figures['analysis_over_decode']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
