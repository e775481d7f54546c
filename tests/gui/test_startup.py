"""`foley-assistant gui --smoke-test`: the real window, opened offscreen in a fresh process, says how
long it took from launch to shown (the figure itself is a benchmark's, in benchmarks/gui.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_smoke_test_shows_the_real_window_and_says_how_long_it_took(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLEY_ASSISTANT_HOME", str(tmp_path))
    cli = Path(sys.executable).with_name("foley-assistant")
    done = subprocess.run([str(cli), "gui", "--smoke-test"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("main window shown in ") and line.endswith(" s") and float(line.split()[-2]) > 0
