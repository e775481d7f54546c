"""Batch generation: a synthetic reel through `--executor serial`, `local` and `ray` in one run.

A reel of N shots (default 40; the demo's three kinds of shot in turn, 320x180, 3.5-4.5 s each)
is generated three times into separate folders with the default engine: serially, on local
worker processes (one per core), and as Ray tasks on a local Ray cluster this script starts and
stops. It prints shots per minute, the speed-up against the serial run of the same session,
whether every stem, dry source and mix is the same file byte for byte as the serial run's, the
machine's load average around each run (the machine may be shared), and the serial run's
per-shot costs (the figures docs/scale.md plans a cluster from).

    .venv/bin/python benchmarks/scale.py [--shots 40] [--workers N] [--smoke] [--json]

`--smoke` is a 4-shot reel. Ray's part is skipped, saying why, when Ray is not installed.
Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from foley_assistant.pipeline.demo import build_synthetic_cut, reel_shots
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.pipeline.spine.executors import ExecutorSpec


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every WAV of an output folder (stems, dry sources, mixes)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*/*.wav"))}


def one_run(timeline: Path, out: Path, executor: ExecutorSpec) -> dict[str, Any]:
    """Generate the reel with `executor`; wall seconds, load averages and what was made."""
    load_before = os.getloadavg()
    started = time.perf_counter()
    result = run_generate(GenerateRequest(timeline_path=timeline, out_dir=out, executor=executor))
    seconds = time.perf_counter() - started
    return {
        "executor": executor.kind,
        "workers": executor.workers or 1,
        "seconds": seconds,
        "shots": len(result.done_shots),
        "status": result.status,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "timings_s": result.timings_s,
        "picture_s": result.picture_seconds,
        "files": digests(out),
        "bytes": sum(p.stat().st_size for p in out.glob("*/*.wav")),
    }


def per_shot_costs(run: dict[str, Any]) -> dict[str, float]:
    """The serial run's seconds per shot by stage, picture seconds and output megabytes per shot."""
    shots = max(1, run["shots"])
    costs = {f"{stage}_s": seconds / shots for stage, seconds in run["timings_s"].items() if stage in ("analyze", "generate", "render", "loudness", "export", "total")}
    costs["picture_s"] = run["picture_s"] / shots
    costs["output_mb"] = run["bytes"] / shots / 1e6
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shots", type=int, default=40)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--smoke", action="store_true", help="a 4-shot reel")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    count = 4 if args.smoke else args.shots
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")  # every run stamps its files alike
    with tempfile.TemporaryDirectory(prefix="foley-scale-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        timeline = build_synthetic_cut(root / "reel", reel_shots(count), name=f"scale reel {count}").timeline_path
        print(f"reel: {count} shots built in {time.perf_counter() - started:.1f} s; {os.cpu_count()} cores, {args.workers} workers", flush=True)
        runs = [one_run(timeline, root / "serial", ExecutorSpec("serial"))]
        runs.append(one_run(timeline, root / "local", ExecutorSpec("local", args.workers)))
        try:
            import ray
        except ImportError as exc:
            print(f"ray: skipped ({exc}; pip install 'foley-assistant[ray]')")
        else:
            started = time.perf_counter()
            ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False)
            cluster_s = time.perf_counter() - started
            try:
                runs.append(one_run(timeline, root / "ray", ExecutorSpec("ray", args.workers)) | {"cluster_start_s": cluster_s})
            finally:
                ray.shutdown()
    serial = runs[0]
    print(f"\n{'executor':<8} {'workers':>7} {'seconds':>8} {'shots/min':>9} {'speed-up':>8}  {'identical':<9} load (1 min) before/after")
    for run in runs:
        same = run["files"] == serial["files"] and len(run["files"]) > 0
        run["shots_per_min"] = run["shots"] / run["seconds"] * 60
        run["speedup"] = serial["seconds"] / run["seconds"]
        run["identical"] = same
        extra = f"  (cluster start {run['cluster_start_s']:.1f} s, not counted)" if "cluster_start_s" in run else ""
        print(
            f"{run['executor']:<8} {run['workers']:>7} {run['seconds']:>8.1f} {run['shots_per_min']:>9.2f} {run['speedup']:>7.2f}x  {str(same):<9} {run['load_before'][0]:.2f} / {run['load_after'][0]:.2f}{extra}"
        )
    costs = per_shot_costs(serial)
    print("\nserial, per shot: " + ", ".join(f"{name} {value:.2f}" for name, value in costs.items()))
    if args.json:
        print(json.dumps({"runs": [{k: v for k, v in r.items() if k != "files"} for r in runs], "per_shot": costs}, indent=2))


if __name__ == "__main__":
    main()
