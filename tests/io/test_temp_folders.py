"""The product's temporary folders (an .otioz unpacked) are removed on every way out: at exit,
at once when the bundle cannot be read, and, for a run killed outright, by the next run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from foley_assistant.core.errors import TimelineError
from foley_assistant.io import temp_folders
from foley_assistant.io.timeline import read_timeline


def _bundle(path, content: str) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("version.txt", "1.0.0")
        archive.writestr("content.otio", content)
        archive.writestr("media/take.mov", b"x" * 100)


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_the_folder_of_a_killed_run_is_removed_by_the_next_and_a_living_ones_kept(tmp_path):
    dead = tmp_path / f"foley-assistant-otioz-{_dead_pid()}-abc123"
    alive = tmp_path / f"foley-assistant-otioz-{os.getpid()}-def456"
    other_kind = tmp_path / f"foley-assistant-scratch-{_dead_pid()}-ghi789"
    old_unowned, new_unowned = tmp_path / "foley-assistant-otioz-old_one", tmp_path / "foley-assistant-otioz-newone"
    not_ours = tmp_path / "otioz-12345-xyz"
    for folder in (dead, alive, other_kind, old_unowned, new_unowned, not_ours):
        (folder / "media").mkdir(parents=True)
    long_ago = time.time() - 2 * temp_folders.UNOWNED_AGE_S
    os.utime(old_unowned, (long_ago, long_ago))
    made = temp_folders.product_temp_dir("otioz", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, other_kind.name, new_unowned.name, not_ours.name, made.name])
    assert made.name.startswith(f"foley-assistant-otioz-{os.getpid()}-")


def test_a_bundle_that_cannot_be_read_leaves_no_folder_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(temp_folders.tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    bundle = tmp_path / "cut.otioz"
    _bundle(bundle, json.dumps({"OTIO_SCHEMA": "Timeline.1", "tracks": "not a stack"}))
    with pytest.raises(TimelineError):
        read_timeline(bundle)
    assert list((tmp_path / "temp").iterdir()) == []


def test_a_read_bundle_is_unpacked_in_a_named_folder_removed_at_exit(tmp_path):
    bundle = tmp_path / "cut.otioz"
    _bundle(bundle, json.dumps({"OTIO_SCHEMA": "Timeline.1", "name": "cut", "tracks": {"OTIO_SCHEMA": "Stack.1", "children": []}}))
    temp = tmp_path / "temp"
    temp.mkdir()
    script = f"import tempfile; tempfile.tempdir = {str(temp)!r}\nfrom foley_assistant.io.timeline import read_timeline\nloaded = read_timeline({str(bundle)!r})\nprint(loaded.media_root)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    used = Path(done.stdout.strip())
    assert used.parent == temp and re.fullmatch(r"foley-assistant-otioz-\d+-\w+", used.name), used
    assert list(temp.iterdir()) == []
