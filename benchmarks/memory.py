"""Peak memory of `generate` against shot length (issue 17, item 3).

A synthetic shot of N minutes at 25 fps (its media an empty file: with `--tracks` the picture is
never decoded) with two tracked objects, a walker crossing left to right and a car driving back
and forth, each boxed on every frame; `generate --tracks` makes its stems, dry sources and mix.
Each length runs in its own subprocess, which reports its own peak resident set size
(`resource.getrusage(RUSAGE_SELF).ru_maxrss`) and the wall time. The target is under 1.5 GB at 60
minutes, and memory that does not grow with the length of the shot.

    .venv/bin/python benchmarks/memory.py            # 1, 10 and 60 minutes
    .venv/bin/python benchmarks/memory.py --smoke    # 0.25, 0.5 and 1 minute
    .venv/bin/python benchmarks/memory.py --minutes 3 --minutes 30
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

RATE = 25
CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from foley_assistant.cli.main import main
    start = time.perf_counter()
    code = main(sys.argv[1:])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"exit": code, "peak_bytes": peak, "seconds": time.perf_counter() - start}))
    """
)


def write_inputs(folder: Path, minutes: float) -> tuple[Path, Path]:
    """A one-shot cut of `minutes` and its tracks file (two objects boxed on every frame)."""
    from foley_assistant.core.timebase import FrameRange, FrameRate
    from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
    from foley_assistant.io.cut_writer import CutClip, write_cut
    from foley_assistant.io.json_files import write_tracks

    frames = int(round(minutes * 60 * RATE))
    media = folder / "long.mp4"
    media.write_bytes(b"")
    cut = folder / "long.otio"
    write_cut(cut, "long", FrameRate(RATE), [CutClip("long", media, frames, FrameRange(0, frames))])
    walker, car = [], []
    for frame in range(frames):
        phase = (frame % (20 * RATE)) / (20 * RATE)  # crosses the picture every 20 s
        walker.append(TrackedFrame(frame, Box(0.05 + 0.8 * phase, 0.4, 0.15 + 0.8 * phase, 0.9), 0.9, 6.0))
        swing = abs(((frame % (30 * RATE)) / (15 * RATE)) - 1.0)  # back and forth every 30 s
        car.append(TrackedFrame(frame, Box(0.1 + 0.6 * swing, 0.5, 0.3 + 0.6 * swing, 0.7), 0.9, 15.0))
    objects = (ObjectTrack("O1", "person", "tracker", tuple(walker)), ObjectTrack("O2", "car", "tracker", tuple(car)))
    tracks = folder / "long_tracks.json"
    write_tracks(tracks, TracksDocument((ShotTracks("S001", str(media), FrameRate(RATE), FrameRange(0, frames), 1280, 720, objects),)))
    return cut, tracks


def measure(minutes: float) -> dict[str, float]:
    """Run generate on a shot of `minutes` in a subprocess; its exit, peak RSS and time."""
    with tempfile.TemporaryDirectory(prefix="foley-memory-") as scratch:
        folder = Path(scratch)
        cut, tracks = write_inputs(folder, minutes)
        argv = ["generate", str(cut), "--tracks", str(tracks), "--out", str(folder / "out"), "-q"]
        done = subprocess.run([sys.executable, "-c", CHILD, *argv], capture_output=True, text=True, check=False)
        lines = done.stdout.strip().splitlines()
        if not lines:
            raise SystemExit(f"generate of {minutes} min produced no report:\n{done.stderr[-2000:]}")
        result = json.loads(lines[-1])
        if result["exit"] != 0:
            print(done.stderr[-2000:], file=sys.stderr)
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, action="append", help="shot length in minutes (repeatable; default 1, 10, 60)")
    parser.add_argument("--smoke", action="store_true", help="short shots only (0.25, 0.5, 1 minute)")
    args = parser.parse_args()
    lengths = args.minutes or ([0.25, 0.5, 1.0] if args.smoke else [1.0, 10.0, 60.0])
    print(f"{'shot (min)':>10} {'exit':>5} {'peak RSS (MB)':>14} {'MB per min':>11} {'time (s)':>9} {'x real time':>12}")
    first: tuple[float, float] | None = None
    for minutes in lengths:
        result = measure(minutes)
        peak_mb = result["peak_bytes"] / 2**20
        growth = "" if first is None else f"{(peak_mb - first[1]) / (minutes - first[0]):11.1f}" if minutes != first[0] else ""
        first = first or (minutes, peak_mb)
        print(f"{minutes:10g} {result['exit']:5d} {peak_mb:14.0f} {growth:>11} {result['seconds']:9.1f} {minutes * 60 / result['seconds']:12.1f}", flush=True)
    print("MB per min: growth of the peak per extra minute of shot, against the first length; target: peak < 1536 MB at 60 min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
