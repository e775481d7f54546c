"""The code passes `ruff check` and is `ruff format`ted, with the project's configuration
(pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff() -> str:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (it comes with the dev extras: pip install -e '.[dev]')")
    return ruff


def test_ruff_check_passes_on_the_whole_tree():
    done = subprocess.run([_ruff(), "check", "--no-cache", str(ROOT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_whole_tree_is_formatted():
    done = subprocess.run([_ruff(), "format", "--check", "--no-cache", str(ROOT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr
