"""Atomic writes are durable: the file is flushed to the disk before it takes its name, and the
folder after (a kill or power cut right after a save leaves the old file or the new one, whole)."""

from __future__ import annotations

import os

import pytest

from foley_assistant.io.atomic import atomic_path, is_partial, write_json_atomic


def test_the_file_is_flushed_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor):
        target = os.readlink(f"/proc/self/fd/{descriptor}")
        events.append(("fsync", os.path.basename(target) if not os.path.isdir(target) else "folder"))
        real_fsync(descriptor)

    def replace(source, target):
        events.append(("rename", os.path.basename(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    write_json_atomic(tmp_path / "foley_project.json", {"version": 5})
    assert [kind for kind, _ in events] == ["fsync", "rename", "fsync"]
    assert is_partial(events[0][1]) and events[1] == ("rename", "foley_project.json") and events[2] == ("fsync", "folder")


def test_a_failed_write_leaves_the_old_file_and_no_partial(tmp_path):
    target = tmp_path / "stem.wav"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            temporary.write_bytes(b"new, half")
            raise RuntimeError("killed mid-write")
    assert target.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["stem.wav"]
