"""Speed of every procedural voice and of the SFX library index, on one core.

    .venv/bin/python benchmarks/speed_voices.py [--files 10000] [--json]

Voices: each renders 10 s at 48 kHz of a typical scene (footsteps at 1.9 steps/s, impacts at
2 hits/s, an engine pulling away and cruising, whooshes, cloth on a walk, a 10 s ambience bed),
three times; the figure is seconds of audio per second of CPU time of this process (median), so
other processes on the machine slow it less than wall time would. The reference line is a
second-order IIR filter (scipy lfilter) over the same 10 s, timed the same way in the same run:
`cost in IIR passes` = voice time / reference time, a machine-independent measure of the work.

Library: writes N small sound files (a third BWF with a bext description and UCS names, a
third FLAC, a third AIFF, in nested folders), then times a first index (every header read),
a second one (nothing changed: every file skipped by size and mtime) and a search.
Nothing here passes or fails.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402
import soundfile  # noqa: E402
from scipy import signal  # noqa: E402

from foley_assistant.generators.library import LibraryIndex  # noqa: E402
from foley_assistant.generators.procedural.ambience import AMBIENCES, render_ambience  # noqa: E402
from foley_assistant.generators.procedural.cloth import render_cloth  # noqa: E402
from foley_assistant.generators.procedural.dsp import add_at, event_rng  # noqa: E402
from foley_assistant.generators.procedural.engine import ENGINE_PRESETS, render_engine  # noqa: E402
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep  # noqa: E402
from foley_assistant.generators.procedural.impacts import MATERIALS, Hit, render_impacts  # noqa: E402
from foley_assistant.generators.procedural.whoosh import WhooshSpec, render_whoosh  # noqa: E402
from foley_assistant.io.audio import write_bwf  # noqa: E402

SR = 48000
SECONDS = 10.0
N = int(SECONDS * SR)


def cpu_seconds(run: Callable[[], object], repeat: int = 3) -> float:
    """Median CPU time (this process) of `repeat` runs."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        run()
        times.append(time.process_time() - started)
    return statistics.median(times)


def voice_jobs() -> dict[str, Callable[[], object]]:
    """Name -> a function rendering 10 s of that voice."""
    jobs: dict[str, Callable[[], object]] = {}
    steps = np.arange(0.1, SECONDS - 0.5, 1 / 1.9)

    def footsteps(name: str) -> Callable[[], object]:
        def run() -> np.ndarray:
            out = np.zeros(N)
            for i, t in enumerate(steps):
                add_at(out, render_footstep(0.7, SURFACES[name], event_rng(1, name, i), SR), int(t * SR))
            return out

        return run

    for name in SURFACES:
        jobs[f"footsteps {name}"] = footsteps(name)
    hits = [Hit(int(t * SR), 0.6) for t in np.arange(0.1, SECONDS, 0.5)]
    for name, material in MATERIALS.items():
        jobs[f"impacts {name}"] = lambda material=material, name=name: render_impacts(hits, material, event_rng(1, name, 0), N, SR)
    t = np.arange(N) / SR
    speed = np.interp(t, [0, 2, 5, 8, 10], [0, 0, 15, 15, 5])
    accel = np.gradient(speed) * SR
    for name, spec in ENGINE_PRESETS.items():
        jobs[f"engine {name}"] = lambda spec=spec, name=name: render_engine(speed, accel, spec, event_rng(1, name, 0), SR)
    swipes = sum(top * np.exp(-0.5 * ((t - c) / 0.15) ** 2) for c, top in ((1.0, 5.0), (4.0, 9.0), (7.0, 14.0)))
    jobs["whoosh"] = lambda: render_whoosh(swipes, WhooshSpec(), event_rng(1, "whoosh", 0), SR)
    walk = np.full(N, 1.4)
    jobs["cloth"] = lambda: render_cloth(walk, np.zeros(N), list(steps), event_rng(1, "cloth", 0), SR)
    for kind in AMBIENCES:
        jobs[f"ambience {kind} (stereo)"] = lambda kind=kind: render_ambience(kind, N, event_rng(1, kind, 0), SR)
    return jobs


def measure_voices() -> dict[str, object]:
    x = np.random.default_rng(0).standard_normal(N)
    reference = cpu_seconds(lambda: signal.lfilter([0.0, 0.1], [1.0, -1.9, 0.95], x), repeat=5)
    rows = []
    for name, run in voice_jobs().items():
        seconds = cpu_seconds(run)
        rows.append({"voice": name, "cpu_s": round(seconds, 4), "x_realtime": round(SECONDS / seconds, 1), "iir_passes": round(seconds / reference, 1)})
    return {"reference_iir_10s_cpu_s": round(reference, 5), "voices": rows}


def write_library(root: Path, count: int) -> float:
    """`count` short files under root (nested folders); returns the seconds it took to write them."""
    started = time.perf_counter()
    rng = np.random.default_rng(0)
    sound = (0.1 * rng.standard_normal((2, 2400))).astype(np.float32)  # 50 ms, stereo
    words = ["Concrete Walk", "Gravel Run", "Door Slam", "Car Pass", "Wind Gust", "Glass Clink", "Cloth Rustle", "Rain Light"]
    cats = ["FEETHmn", "FEETHmn", "DOORWood", "VEHCar", "AMBWind", "GLASSHit", "CLOTHMvmt", "AMBRain"]
    for i in range(count):
        folder = root / f"vendor{i % 7}" / f"pack{i % 23}"
        folder.mkdir(parents=True, exist_ok=True)
        k = i % len(words)
        if i % 3 == 0:
            write_bwf(folder / f"{cats[k]}_{words[k]} {i}_BNC_Bench.wav", sound, SR, description=f"{words[k]}, take {i}")
        elif i % 3 == 1:
            soundfile.write(folder / f"{words[k].lower().replace(' ', '_')}_{i}.flac", sound.T, SR)
        else:
            soundfile.write(folder / f"{words[k]} {i}.aiff", sound.T, SR)
    return time.perf_counter() - started


def measure_library(count: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="foley-library-bench-") as folder:
        root = Path(folder) / "library"
        written = write_library(root, count)
        with LibraryIndex(Path(folder) / "index.sqlite") as index:
            first = index.update([root])
            second = index.update([root])
            started = time.perf_counter()
            found = index.search("footsteps concrete", limit=50)
            search_s = time.perf_counter() - started
        return {
            "files": count,
            "write_s": round(written, 2),
            "first_index_s": round(first.seconds, 2),
            "files_per_s": round(count / first.seconds),
            "reindex_unchanged_s": round(second.seconds, 2),
            "unchanged": second.unchanged,
            "search_ms": round(search_s * 1000, 1),
            "search_hits": len(found),
            "fts5": index.fts,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10000, help="library files to write and index (default 10000)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = {"load_average": os.getloadavg(), "cpus": os.cpu_count(), **measure_voices(), "library": measure_library(args.files)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"machine: {figures['cpus']} CPUs, load average {', '.join(f'{v:.1f}' for v in figures['load_average'])} (shared)")
    print(f"reference: 2nd-order IIR over 10 s at 48 kHz = {figures['reference_iir_10s_cpu_s'] * 1000:.2f} ms CPU")
    print(f"{'voice':<28}{'CPU s / 10 s':>14}{'x realtime':>12}{'IIR passes':>12}")
    for row in figures["voices"]:  # type: ignore[union-attr]
        print(f"{row['voice']:<28}{row['cpu_s']:>14.4f}{row['x_realtime']:>12.1f}{row['iir_passes']:>12.1f}")
    lib = figures["library"]
    print(
        f"library: {lib['files']} files written in {lib['write_s']} s; first index {lib['first_index_s']} s "  # type: ignore[index]
        f"({lib['files_per_s']} files/s), re-index unchanged {lib['reindex_unchanged_s']} s, "  # type: ignore[index]
        f"search {lib['search_ms']} ms ({lib['search_hits']} hits, FTS5 {lib['fts5']})"  # type: ignore[index]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
