"""Speed of the classical analysis on 720p 25 fps footage, against a bare decode of the same file.

A synthetic 1280x720 25 fps H.264 shot (a car and a walker, panning camera, sensor noise) is
written once; then, in the same run, the file is decoded bare with PyAV at the analysis size
(320 px wide, RGB) and analyzed exactly as `foley-assistant analyze --media` does (cut detection,
motion detection, tracking, labels, distance; decoding included).

    .venv/bin/python benchmarks/analysis_speed.py [--seconds 8] [--repeat 3]

Prints seconds of picture per second of wall time ("x realtime") and analysis / bare decode.
Medians over the repeats. Nothing here passes or fails; the target is 2x realtime or better.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from foley_assistant.core.progress import CancelToken
from foley_assistant.io.video import probe_video, read_frames
from foley_assistant.pipeline.analyze import analyze_media_shots
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.synth import street_scene, write_scene
from foley_assistant.vision.analyze import AnalysisSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="foley-speed-") as folder:
        path = Path(folder) / "street720.mp4"
        write_scene(street_scene(3, duration_s=args.seconds, width=1280, height=720, pan_deg_per_s=3.0, noise_sigma=3.0), path, crf=20)
        info = probe_video(path)
        picture = info.frame_count / float(info.rate)
        decode, analysis = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            for _ in read_frames(path, None, analysis_width=320, gray=False):
                pass
            decode.append(time.perf_counter() - started)
            started = time.perf_counter()
            document = analyze_media_shots(str(path), JobContext(lambda *_: None, CancelToken()), AnalysisSettings())
            analysis.append(time.perf_counter() - started)
    d, a = statistics.median(decode), statistics.median(analysis)
    objects = sum(len(s.objects) for s in document.shots)
    print(f"720p 25 fps, {picture:.1f} s of picture, {objects} objects found, median of {args.repeat} runs")
    print(f"bare decode at 320 px : {d:7.2f} s  {picture / d:6.1f} x realtime")
    print(f"analysis (classical)  : {a:7.2f} s  {picture / a:6.1f} x realtime")
    print(f"analysis / bare decode: {a / d:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
