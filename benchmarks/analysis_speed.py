"""Speed of analysis (cut network, motion, shipped detector, pose, tracking), against bare decodes.

For each file: a synthetic 1280x720 25 fps H.264 shot (a car and a walker, panning camera,
sensor noise), written once, and the real clips of `../shared/footage` when that folder is there
(or the files given with `--media`). In the same run each file is decoded bare with PyAV twice (at
the 320 px analysis size, and at its own size, RGB, nothing done with the frames), then analyzed
exactly as `foley-assistant analyze --media` does (decoding included, models loaded beforehand).

    .venv/bin/python benchmarks/analysis_speed.py [--seconds 8] [--repeat 3] [--media FILE ...] [--no-footage]

Prints, per file, medians over the repeats: wall seconds and process CPU seconds (all threads)
per second of picture, "x realtime" (picture seconds per wall second) and the ratios of analysis
to each bare decode, in CPU. Nothing here passes or fails; the targets are 2x realtime or better
on 720p and at most 4x a bare decode.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av

from foley_assistant.core.progress import CancelToken
from foley_assistant.io.video import probe_video, read_frames
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.analyze import analyze_media_shots, choose_detector
from foley_assistant.synth import street_scene, write_scene
from foley_assistant.vision.analyze import AnalysisSettings

FOOTAGE = Path(__file__).resolve().parents[1].parent / "shared" / "footage"


def timed(work) -> tuple[float, float]:
    """(wall, process CPU) seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def decode(path: Path, width: int | None) -> None:
    """Every frame as RGB, at `width` (None: the file's own size)."""
    if width is not None:
        for _ in read_frames(path, None, analysis_width=width, gray=False):
            pass
        return
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            frame.to_ndarray(format="rgb24")


def measure(path: Path, repeat: int) -> dict[str, float]:
    """Medians of wall and CPU per second of picture for the decodes and the analysis."""
    info = probe_video(path)
    picture = info.frame_count / float(info.rate)
    runs: dict[str, list[tuple[float, float]]] = {"decode320": [], "decode": [], "analysis": []}
    for _ in range(repeat):
        runs["decode320"].append(timed(lambda: decode(path, 320)))
        runs["decode"].append(timed(lambda: decode(path, None)))
        runs["analysis"].append(timed(lambda: analyze_media_shots(str(path), JobContext(lambda *_: None, CancelToken()), AnalysisSettings())))
    out = {"picture_s": picture, "width": info.width, "height": info.height}
    for name, values in runs.items():
        out[f"{name}_wall"] = statistics.median(w for w, _ in values) / picture
        out[f"{name}_cpu"] = statistics.median(c for _, c in values) / picture
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--media", type=Path, nargs="*", default=[], help="real clips to time (default: ../shared/footage/*.mp4)")
    parser.add_argument("--no-footage", action="store_true", help="only the synthetic 720p shot")
    args = parser.parse_args(argv)
    print(choose_detector("nanodet")[1], file=sys.stderr)  # load and verify the models before timing
    clips = list(args.media) or ([] if args.no_footage or not FOOTAGE.is_dir() else sorted(FOOTAGE.glob("*.mp4")))
    with tempfile.TemporaryDirectory(prefix="foley-speed-") as folder:
        synthetic = Path(folder) / "street720.mp4"
        write_scene(street_scene(3, duration_s=args.seconds, width=1280, height=720, pan_deg_per_s=3.0, noise_sigma=3.0), synthetic, crf=20)
        print(f"median of {args.repeat} runs; per second of picture: wall s, CPU s (all threads)")
        print(f"{'file':22s} {'size':>9s} {'dec320 cpu':>10s} {'dec cpu':>8s} {'an wall':>8s} {'an cpu':>7s} {'x rt':>6s} {'an/dec320':>9s} {'an/dec':>7s}")
        for path in [synthetic, *clips]:
            m = measure(path, args.repeat)
            print(
                f"{path.stem[:22]:22s} {m['width']:>4d}x{m['height']:<4d} {m['decode320_cpu']:10.3f} {m['decode_cpu']:8.3f} {m['analysis_wall']:8.3f} "
                f"{m['analysis_cpu']:7.3f} {1 / m['analysis_wall']:6.2f} {m['analysis_cpu'] / m['decode320_cpu']:9.1f} {m['analysis_cpu'] / m['decode_cpu']:7.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
