"""Desktop builds: build time and size of each variant (from packaging/build.sh), and start-up time
of the built app to its main window against starting the same code from the venv, in this run.

    make package            # builds dist/full and dist/light (records build-info.json)
    make bench-packaging    # this script

Start-up is measured from just before the process is spawned to the moment the main window has
been shown and had one turn of the event loop (the launcher prints that moment when
FOLEY_ASSISTANT_STARTUP_PROBE is set; packaging/launchers/gui.py), under QT_QPA_PLATFORM=offscreen.
One warm-up run, then the median of RUNS. The CLI's `--version` start is measured the same way.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("FOLEY_BENCH_RUNS", "5"))
VENV_PYTHON = Path(sys.executable)


def gui_start_s(command: list[str]) -> float:
    """Seconds from spawning `command` to its main window being shown."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FOLEY_ASSISTANT_STARTUP_PROBE="1")
    started = time.time()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    shown = [line for line in done.stdout.splitlines() if line.startswith("main-window-shown ")]
    if done.returncode != 0 or not shown:
        raise RuntimeError(f"{command[0]} did not show its main window: {done.stderr[-500:]}")
    return float(shown[0].split()[1]) - started


def cli_start_s(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*command, "--version"], capture_output=True, check=True, timeout=300)
    return time.perf_counter() - started


def median_of(measure, command: list[str]) -> float:
    measure(command)  # warm-up: file cache
    return statistics.median(measure(command) for _ in range(RUNS))


def main() -> int:
    apps = {"venv": ([str(VENV_PYTHON), str(ROOT / "packaging" / "launchers" / "gui.py")], [str(VENV_PYTHON), str(ROOT / "packaging" / "launchers" / "cli.py")])}
    builds = {}
    for variant in ("full", "light"):
        folder = ROOT / "dist" / variant
        info = folder / "build-info.json"
        if info.is_file():
            builds[variant] = json.loads(info.read_text())
            app = folder / "foley-assistant"
            apps[variant] = ([str(app / "foley-assistant-gui")], [str(app / "foley-assistant")])
    if not builds:
        print("no builds in dist/: run `make package` (packaging/build.sh) first")
    print(f"Desktop builds (PyInstaller one-folder), {os.cpu_count()} CPUs, median of {RUNS} runs after one warm-up")
    print(f"{'variant':<8} {'build s':>8} {'size MiB':>9} {'GUI start s':>12} {'x venv':>7} {'CLI start s':>12} {'x venv':>7}")
    reference_gui = reference_cli = None
    for name, (gui, cli) in apps.items():
        gui_s, cli_s = median_of(gui_start_s, gui), median_of(cli_start_s, cli)
        if name == "venv":
            reference_gui, reference_cli = gui_s, cli_s
        build = builds.get(name)
        built = f"{build['build_s']:>8.1f} {build['bytes'] / 2**20:>9.0f}" if build else f"{'-':>8} {'-':>9}"
        print(f"{name:<8} {built} {gui_s:>12.2f} {gui_s / reference_gui:>7.2f} {cli_s:>12.2f} {cli_s / reference_cli:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
