"""The desktop build's plumbing, checked quickly (the PyInstaller build itself runs in
`make package` / packaging/build.sh, never in the test suite)."""

from __future__ import annotations

import configparser
import os
import re
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from foley_assistant import __version__
from foley_assistant._version import __version__ as single_source

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "foley_assistant.spec"


def test_version_comes_from_one_place_and_the_cli_prints_it():
    assert __version__ == single_source and re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    printed = subprocess.run([str(Path(sys.executable).with_name("foley-assistant")), "--version"], capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == f"foley-assistant {__version__}"
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["dynamic"] == ["version"]
    assert "version" not in config["project"]


def test_the_spec_builds_both_programs_from_existing_launchers():
    text = SPEC.read_text()
    scripts = re.findall(r'HERE / "launchers" / "(\w+\.py)"', text)
    assert scripts == ["cli.py", "gui.py"] and all((PACKAGING / "launchers" / s).is_file() for s in scripts)
    names = set(re.findall(r'program\("\w+", "([\w-]+)"\)', text))
    assert names == set(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])
    assert 'VARIANT == "light"' in text and '"torch"' in text.split('VARIANT == "light"')[1]
    compile(text, str(SPEC), "exec")  # valid Python (PyInstaller runs it as such)


def test_the_packaging_extra_holds_pyinstaller_and_dev_does_not():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(r.startswith("pyinstaller>=") for r in extras["packaging"])
    assert not any("pyinstaller" in r.lower() for r in extras["dev"])


def test_the_desktop_entry_runs_the_gui_with_the_bundled_icon():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(PACKAGING / "foley-assistant.desktop")
    section = entry["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Foley Assistant"
    assert section["Exec"].split()[0] == section["TryExec"] == "foley-assistant-gui"
    assert section["Categories"].endswith(";") and "AudioVideo" in section["Categories"].split(";")
    icon = section["Icon"]
    png, svg = ROOT / "resources" / f"{icon}.png", ROOT / "resources" / f"{icon}.svg"
    signature, _, _, width, height = struct.unpack(">8sI4sII", png.read_bytes()[:24])
    assert signature == b"\x89PNG\r\n\x1a\n" and (width, height) == (256, 256)
    assert ElementTree.parse(svg).getroot().get("viewBox") == "0 0 256 256"


def test_build_script_is_executable_shell():
    script = PACKAGING / "build.sh"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_the_cli_launcher_runs_the_cli_and_only_the_worker_module():
    launcher = PACKAGING / "launchers" / "cli.py"
    version = subprocess.run([sys.executable, str(launcher), "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.strip() == f"foley-assistant {__version__}"
    refused = subprocess.run([sys.executable, str(launcher), "-m", "http.server"], capture_output=True, text=True)
    assert refused.returncode == 2 and "foley_assistant.model.worker" in refused.stderr


def test_the_gui_launcher_reports_when_the_main_window_is_shown():
    pytest.importorskip("PySide6")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FOLEY_ASSISTANT_STARTUP_PROBE="1")
    done = subprocess.run([sys.executable, str(PACKAGING / "launchers" / "gui.py")], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    (line,) = [text for text in done.stdout.splitlines() if text.startswith("main-window-shown ")]
    assert float(line.split()[1]) > 1e9
