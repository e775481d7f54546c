"""Speed of placing one object: stereo and binaural rendering against the memory-bandwidth floor.

For each renderer: seconds of 48 kHz audio rendered per second of wall time on one core ("x
realtime"), and the time divided by a plain numpy multiply of a mono signal by a gain of the
same length (float32), measured in the same run. The object sweeps across the frame while its
distance changes (so every automated parameter moves); the default settings are used (air
absorption on, Doppler and interchannel delay off) unless the row says otherwise.

    .venv/bin/python benchmarks/spatial.py [--seconds 10 [60 ...]] [--repeat 7] [--json]

One core: the thread counts of OpenMP, OpenBLAS and MKL are set to 1 before numpy loads, and the
process is pinned to one CPU; the header says which, and how many threads the process ran.
Figures are medians over the repeats. Nothing here passes or fails.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy and scipy start their thread pools: the targets are per core

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402

import numpy as np  # noqa: E402

from foley_assistant.core.timebase import FrameRange, FrameRate  # noqa: E402
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame  # noqa: E402
from foley_assistant.spatial.curves import curves_from_track  # noqa: E402
from foley_assistant.spatial.hrir import load_hrirs  # noqa: E402
from foley_assistant.spatial.render import render_stem  # noqa: E402
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings  # noqa: E402

SR = 48000


def _one_core() -> str:
    """Pin to one CPU (the thread pools were limited to one thread at import); says how."""
    threads = ", ".join(f"{name}={os.environ[name]}" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"))
    if not hasattr(os, "sched_setaffinity"):
        return f"{threads}; this platform cannot pin to one CPU"
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    return f"{threads}; pinned to CPU {sorted(os.sched_getaffinity(0))}"


def _process_threads() -> str:
    """The number of threads of this process (Linux), or '?'."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return "?"
    return next((line.split()[1] for line in status.splitlines() if line.startswith("Threads:")), "?")


def _object(seconds: float):
    frames = int(seconds * 25)
    xs = np.linspace(0.02, 0.98, frames)
    distance = np.linspace(3.0, 30.0, frames)
    track = tuple(TrackedFrame(i, Box(x - 0.05, 0.3, x + 0.05, 0.9), 1.0, float(d)) for i, (x, d) in enumerate(zip(xs, distance)))
    obj = ObjectTrack("O1", "car", "tracker", track)
    shot = ShotTracks("S001", "bench.mp4", FrameRate(25), FrameRange(0, frames), 1920, 1080, (obj,))
    return curves_from_track(obj, shot)


def _toy_sofa(folder: Path) -> Path:
    """A 5-degree horizontal ring of 256-tap HRIR pairs written with sofar (no download)."""
    import sofar

    from foley_assistant.acoustics.head import woodworth_itd

    sofa = sofar.Sofa("SimpleFreeFieldHRIR")
    azimuth = np.arange(0, 360, 5, dtype=float)
    sofa.SourcePosition = np.stack([azimuth, np.zeros_like(azimuth), np.full_like(azimuth, 1.5)], axis=1)
    irs = np.zeros((len(azimuth), 2, 256))
    rng = np.random.default_rng(0)
    for i, a in enumerate(azimuth):
        itd = int(round(float(woodworth_itd(-a)) * SR))
        decay = np.exp(-np.arange(200) / 20.0)
        irs[i, 0, 8 + max(itd, 0) : 208 + max(itd, 0)] = rng.standard_normal(200) * decay
        irs[i, 1, 8 + max(-itd, 0) : 208 + max(-itd, 0)] = rng.standard_normal(200) * decay
    sofa.Data_IR = irs
    sofa.Data_SamplingRate = SR
    path = folder / "bench.sofa"
    sofar.write_sofa(str(path), sofa)
    return path


def _median_seconds(task, repeat: int) -> float:
    task()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        task()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(seconds: float, repeat: int) -> dict[str, object]:
    dry = (np.random.default_rng(1).standard_normal(int(seconds * SR)) * 0.1).astype(np.float32)
    gain = np.full_like(dry, 0.5)
    curves = _object(seconds)
    base = StereoSettings()
    with tempfile.TemporaryDirectory(prefix="foley-bench-") as folder:
        hrirs = load_hrirs(_toy_sofa(Path(folder)), SR)
    rows = {
        "stereo": base,
        "stereo, no air absorption": replace(base, air_absorption=0.0),
        "stereo, Doppler + interchannel delay": replace(base, doppler=True, interchannel_delay_ms=0.5),
        "binaural (spherical head)": replace(base, binaural=BinauralSettings()),
        "binaural (SOFA, 256 taps)": replace(base, binaural=BinauralSettings(hrirs=hrirs)),
    }
    floor = _median_seconds(lambda: np.multiply(dry, gain), repeat)
    figures: dict[str, object] = {"audio_seconds": seconds, "repeats": repeat, "numpy_multiply_s": floor, "renderers": {}}
    for name, settings in rows.items():
        elapsed = _median_seconds(lambda s=settings: render_stem(dry, curves, s), repeat)
        figures["renderers"][name] = {"seconds": elapsed, "x_realtime": seconds / elapsed, "x_numpy_multiply": elapsed / floor}  # type: ignore[index]
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, nargs="+", default=[10.0], help="length(s) of the rendered audio")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (a list, one entry per length)")
    args = parser.parse_args(argv)
    pinning = _one_core()
    runs = [measure(seconds, args.repeat) for seconds in args.seconds]
    if args.json:
        print(json.dumps([{**figures, "one_core": pinning, "process_threads": _process_threads()} for figures in runs], indent=2))
        return 0
    print(f"one core: {pinning}; process threads after the runs: {_process_threads()}")
    for figures in runs:
        print(f"\none object, {figures['audio_seconds']:g} s at 48 kHz, median of {args.repeat}")
        print(f"plain numpy multiply of the same length: {figures['numpy_multiply_s'] * 1000:.3f} ms")
        print(f"{'renderer':<40}{'ms':>9}{'x realtime':>12}{'x multiply':>12}")
        for name, row in figures["renderers"].items():  # type: ignore[union-attr]
            print(f"{name:<40}{row['seconds'] * 1000:>9.2f}{row['x_realtime']:>12.0f}{row['x_numpy_multiply']:>12.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
