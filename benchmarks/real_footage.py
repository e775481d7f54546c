"""The real-footage benchmark: `generate CLIP` on each annotated clip, scored against its annotations.

For each clip of the footage folder (default `../shared/footage` from the repository root; one
annotation file per clip in its `annotations/`), this runs the product's own command line,
`foley-assistant generate CLIP --out TMP`, in a child process, then reads tracks.json,
report.json and the stems it wrote and scores them with `foley_assistant.eval.real_footage`
(definitions in docs/metrics.md). It also times, in the same run, a bare decode of the same file
(PyAV through `io.video.read_frames`, every frame at the 320 px analysis size, RGB, nothing done
with it) in this process.

    .venv/bin/python benchmarks/real_footage.py [FOOTAGE_DIR] [--clips caminandes tears_of_steel] [--json] [--detector NAME]

`--detector` scores another detector than the shipped NanoDet-g: a model installed with
`foley-assistant models install`, an ONNX file, or none.

Columns: cuts found within 1 frame / annotated, false cuts; movers found / annotated; false tracks
/ tracks of 10+ frames; tracks per found mover; labels right / unknown / wrong of the found
movers; sure contacts within 1 frame, approximate within 2; silent stems (peak < -60 dBFS) /
object stems; analysis CPU seconds per second of picture (report.json `cpu_timings_s.analyze`:
the child's CPU, all threads, while it decoded and analysed), the bare decode's, their ratio,
analysis x realtime (wall); peak memory (the child's ru_maxrss, from os.wait4). Nothing here
passes or fails; the last line prints issue 21's "Done when" targets beside the totals.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from foley_assistant.eval.real_footage import ClipScore, load_annotations, read_product_output, score_clip
from foley_assistant.io.video import probe_video, read_frames

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOOTAGE = ROOT.parent / "shared" / "footage"
ANALYSIS_WIDTH = 320


def cli_command() -> list[str]:
    """The product's command line entry in this environment."""
    script = Path(sys.executable).with_name("foley-assistant")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from foley_assistant.cli.main import main; sys.exit(main())"]


def run_generate(clip: Path, out: Path, log: Path, detector: str = "nanodet") -> dict[str, Any]:
    """Run `generate CLIP --out OUT --detector DETECTOR` in a child; its exit code, wall time, CPU
    time and peak memory."""
    started = time.perf_counter()
    with log.open("wb") as sink:
        command = [*cli_command(), "generate", str(clip), "--out", str(out), "--detector", detector, "--quiet"]
        child = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit_code": child.returncode,
        "wall_s": time.perf_counter() - started,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
    }


def bare_decode(clip: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of decoding every frame at the analysis size, in this process."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in read_frames(clip, None, analysis_width=ANALYSIS_WIDTH, gray=False):
        pass
    return time.process_time() - cpu, time.perf_counter() - wall


def measure_clip(footage: Path, name: str, keep: Path | None, detector: str = "nanodet") -> dict[str, Any]:
    """Everything the table shows for one clip."""
    annotations = load_annotations(footage / "annotations" / f"{name}.json")
    clip = footage / annotations.video
    info = probe_video(clip)
    picture_s = info.frame_count / float(info.rate)
    decode_cpu, decode_wall = bare_decode(clip)
    with tempfile.TemporaryDirectory(prefix=f"foley-real-{name}-") as folder:
        out = (keep / name) if keep else Path(folder) / "out"
        child = run_generate(clip, out, Path(folder) / "generate.log", detector)
        if child["exit_code"] != 0:
            tail = (Path(folder) / "generate.log").read_text(errors="replace")[-2000:]
            return {"clip": name, "error": f"generate exited {child['exit_code']}: {tail}", **child}
        report = json.loads((out / "report.json").read_text())
        score = score_clip(annotations, read_product_output(out))
    analysis_cpu = report["cpu_timings_s"].get("analyze", 0.0)
    analysis_wall = report["timings_s"].get("analyze", 0.0)
    return {
        "clip": name,
        "picture_s": round(picture_s, 3),
        "size": [info.width, info.height],
        "score": score.to_dict(),
        "analysis_cpu_per_s": analysis_cpu / picture_s,
        "decode_cpu_per_s": decode_cpu / picture_s,
        "analysis_over_decode": analysis_cpu / decode_cpu if decode_cpu > 0 else None,
        "analysis_x_realtime": picture_s / analysis_wall if analysis_wall > 0 else None,
        "decode_wall_s": decode_wall,
        **child,
    }


HEADER = (
    f"{'clip':<18} {'cuts':>5} {'false':>5} {'movers':>6} {'false tr':>9} {'tr/mov':>6} {'lab R/U/W':>9} "
    f"{'sure':>5} {'appr':>5} {'silent':>6} {'an CPU/s':>8} {'dec CPU/s':>9} {'an/dec':>6} {'x rt':>5} {'peak MB':>7}"
)


def _ratio(a: int, b: int) -> str:
    return f"{a}/{b}"


def row(name: str, s: ClipScore, an: float, dec: float, xrt: float | None, peak: float) -> str:
    """One line of the table."""
    tpm = f"{s.tracks_per_mover:.2f}" if s.tracks_per_mover is not None else "-"
    return (
        f"{name:<18} {_ratio(s.cuts_found, s.cuts_total):>5} {s.false_cuts:>5} {_ratio(s.movers_found, s.movers_total):>6} "
        f"{_ratio(s.false_tracks, s.long_tracks):>9} {tpm:>6} {f'{s.labels_right}/{s.labels_unknown}/{s.labels_wrong}':>9} "
        f"{_ratio(s.sure_hits, s.sure_total):>5} {_ratio(s.approximate_hits, s.approximate_total):>5} {_ratio(s.silent_stems, s.stems):>6} "
        f"{an:>8.2f} {dec:>9.2f} {an / dec if dec else float('nan'):>6.1f} {xrt or 0:>5.2f} {peak:>7.0f}"
    )


def totals(results: list[dict[str, Any]]) -> tuple[ClipScore, dict[str, float]]:
    """The clips' scores summed (tracks per mover as the mean over all found movers) and the time figures."""
    total = ClipScore()
    weighted_tracks = 0.0
    for r in results:
        for key, value in r["score"].items():
            if isinstance(value, int) and hasattr(total, key):
                setattr(total, key, getattr(total, key) + value)
        if r["score"]["tracks_per_mover"] is not None:
            weighted_tracks += r["score"]["tracks_per_mover"] * r["score"]["movers_found"]
    total.tracks_per_mover = weighted_tracks / total.movers_found if total.movers_found else None
    picture = sum(r["picture_s"] for r in results)
    analysis_cpu = sum(r["analysis_cpu_per_s"] * r["picture_s"] for r in results)
    decode_cpu = sum(r["decode_cpu_per_s"] * r["picture_s"] for r in results)
    analysis_wall = sum(r["picture_s"] / r["analysis_x_realtime"] for r in results if r["analysis_x_realtime"])
    times = {
        "analysis_cpu_per_s": analysis_cpu / picture,
        "decode_cpu_per_s": decode_cpu / picture,
        "analysis_x_realtime": picture / analysis_wall if analysis_wall else 0.0,
        "peak_mb": max(r["peak_mb"] for r in results),
    }
    return total, times


def targets_line(total: ClipScore, times: dict[str, float]) -> list[str]:
    """Issue 21's "Done when", each beside the totals."""
    movers = max(total.movers_total, 1)
    false_share = total.false_tracks / total.long_tracks if total.long_tracks else 0.0
    ratio = times["analysis_cpu_per_s"] / times["decode_cpu_per_s"] if times["decode_cpu_per_s"] else float("nan")
    return [
        f"  cuts: {total.cuts_found}/{total.cuts_total} found, {total.false_cuts} false   (target: all, 0 false)",
        f"  movers found: {total.movers_found / movers:.0%}   (target >= 90 %)",
        f"  false tracks: {false_share:.0%}   (target <= 10 %)",
        f"  tracks per mover: {total.tracks_per_mover if total.tracks_per_mover is not None else float('nan'):.2f}   (target <= 1.3)",
        f"  labels of annotated movers: right {total.labels_right / movers:.0%}, wrong {total.labels_wrong / movers:.0%}   (target right >= 70 %, wrong <= 10 %)",
        f"  sure contacts within 1 frame: {total.sure_hits}/{total.sure_total}   (target: all)",
        f"  silent stems: {total.silent_stems}/{total.stems}   (target: 0)",
        f"  peak memory: {times['peak_mb']:.0f} MB   (target < 2048 MB)",
        f"  analysis: {times['analysis_x_realtime']:.2f}x realtime, {ratio:.1f}x a bare decode (CPU)   (target >= 2x realtime on 720p, <= 4x a bare decode)",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("footage", type=Path, nargs="?", default=DEFAULT_FOOTAGE, help=f"footage folder (default {DEFAULT_FOOTAGE})")
    parser.add_argument("--clips", nargs="+", metavar="NAME", help="only these clips (annotation file names without .json)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep each clip's generate folder under DIR/<clip>")
    parser.add_argument("--detector", default="nanodet", help="generate's --detector: nanodet (default), none, an installed model's name, an ONNX file")
    args = parser.parse_args(argv)
    available = sorted(p.stem for p in (args.footage / "annotations").glob("*.json"))
    if not available:
        parser.error(f"no annotations in {args.footage / 'annotations'}")
    unknown = sorted(set(args.clips or ()) - set(available))
    if unknown:
        parser.error(f"no annotations for {', '.join(unknown)}; clips here: {', '.join(available)}")
    results = [measure_clip(args.footage, name, args.keep, args.detector) for name in (args.clips or available)]
    failed = [r for r in results if "error" in r]
    good = [r for r in results if "error" not in r]
    if args.json:
        document: dict[str, Any] = {"clips": results}
        if good:
            total, times = totals(good)
            document["total"] = {**total.to_dict(), **times}
        print(json.dumps(document, indent=2))
        return 0
    print(f"real footage, {len(good)} clips, generate through `{' '.join(Path(c).name for c in cli_command()[:1])}` (classical perception unless the product says otherwise)")
    print(HEADER)
    for r in good:
        s = ClipScore(**{k: v for k, v in r["score"].items() if k in ClipScore.__dataclass_fields__})
        print(row(r["clip"], s, r["analysis_cpu_per_s"], r["decode_cpu_per_s"], r["analysis_x_realtime"], r["peak_mb"]))
    for r in failed:
        print(f"{r['clip']:<18} FAILED: {r['error']}")
    if good:
        total, times = totals(good)
        print(row("total", total, times["analysis_cpu_per_s"], times["decode_cpu_per_s"], times["analysis_x_realtime"], times["peak_mb"]))
        print("Done when (issue 21), totals against targets:")
        print("\n".join(targets_line(total, times)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
