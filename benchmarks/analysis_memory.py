"""Peak memory and CPU time of `foley-assistant analyze --media` under rough camera work and on the dev clips.

Cases: four synthetic 640x360 25 fps shots of `synth.rough_camera` (whip pans, a roll, fast zooms,
handheld shake; a textured world with a moving box), encoded to H.264 with PyAV, and the four
dev clips of ../shared/footage. Each case runs twice, each time in a child process of its own:
a bare PyAV decode of the file at the analysis size (320 px wide, RGB), and
`foley-assistant analyze --media FILE --detector none` (the classical detector; decoding, cut
detection, motion, tracking). Per child the benchmark reads its own resource usage (`os.wait4`):
peak resident memory (ru_maxrss) and CPU seconds (user + system), printed per second of picture
and as analysis / bare decode. Children run one at a time, under an address-space limit
(`--limit-gb`, default 8) so that a runaway allocation fails instead of taking the machine.

    .venv/bin/python benchmarks/analysis_memory.py [--seconds 6] [--footage ../shared/footage] [--limit-gb 8]

Nothing here passes or fails; the target is a peak well under 2 GB for every case.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.video import probe_video, write_video
from foley_assistant.synth.rough_camera import ROUGH_MOVES, rough_camera_shot

_DECODE = "import sys\nfrom foley_assistant.io.video import read_frames\nfor _ in read_frames(sys.argv[1], None, analysis_width=320, gray=False):\n    pass\n"
_ANALYZE = "import sys\nfrom foley_assistant.cli.main import main\nsys.exit(main())\n"


@dataclass(frozen=True)
class Usage:
    """What one child process used: exit status, CPU seconds, peak resident memory (MB), and the
    end of its error output."""

    status: int
    cpu_s: float
    peak_mb: float
    error: str


def _child(arguments: list[str], limit_bytes: int) -> Usage:
    """Run a Python child with an address-space limit and read its own rusage."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen([sys.executable, "-c", *arguments], stdout=subprocess.DEVNULL, stderr=errors, preexec_fn=limit)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        tail = errors.read().decode(errors="replace").strip().splitlines()[-1:] or [""]
    return Usage(process.returncode, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, tail[0][:100])


def _synthetic(folder: Path, seconds: float) -> list[Path]:
    paths = []
    for move in ROUGH_MOVES:
        path = folder / f"{move}.mp4"
        shot = rough_camera_shot(move, width=640, height=360, seconds=seconds, seed=0)
        write_video(path, iter(shot.frames), FrameRate(25, 1), crf=20)
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=6.0, help="length of each synthetic shot")
    parser.add_argument("--footage", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "footage")
    parser.add_argument("--limit-gb", type=float, default=8.0, help="address-space limit of each child")
    args = parser.parse_args(argv)
    limit = int(args.limit_gb * 1024**3)
    with tempfile.TemporaryDirectory(prefix="foley-memory-") as folder:
        cases = _synthetic(Path(folder), args.seconds) + sorted(args.footage.glob("*.mp4"))
        print(f"{'case':<22}{'size':>10}{'picture':>9}{'decode MB':>11}{'analysis MB':>13}{'decode CPU/s':>14}{'analysis CPU/s':>16}{'ratio':>7}")
        worst = 0.0
        for path in cases:
            info = probe_video(path)
            picture = info.frame_count / float(info.rate)
            decode = _child([_DECODE, str(path)], limit)
            out = Path(folder) / f"{path.stem}.tracks.json"
            analysis = _child([_ANALYZE, "analyze", "--media", str(path), "--out", str(out), "--detector", "none"], limit)
            worst = max(worst, analysis.peak_mb)
            size = f"{info.width}x{info.height}"
            if analysis.status != 0:
                print(f"{path.stem:<22}{size:>10}{picture:>8.1f}s{decode.peak_mb:>11.0f}  FAILED (exit {analysis.status}, {analysis.cpu_s:.1f} CPU-s): {analysis.error}")
                continue
            print(
                f"{path.stem:<22}{size:>10}{picture:>8.1f}s{decode.peak_mb:>11.0f}{analysis.peak_mb:>13.0f}"
                f"{decode.cpu_s / picture:>14.2f}{analysis.cpu_s / picture:>16.2f}{analysis.cpu_s / decode.cpu_s:>7.1f}"
            )
    print(f"largest analysis peak: {worst:.0f} MB (limit of each child {args.limit_gb:g} GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
