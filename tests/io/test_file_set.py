"""Saving the scratch area's files into a folder as one set, and settling a folder whose save was
cut short at each step (the process dying is simulated by a roll-back that never runs)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from foley_assistant.io import file_set
from foley_assistant.io.file_set import adopt, promote, scratch_dir, scratch_files, settle, settle_folder


class Died(BaseException):
    """The process stopping where it stands."""


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "stems").mkdir(parents=True)
    (root / "stems" / "a.wav").write_bytes(b"old a")
    (root / "project.rpp").write_text("old rpp")
    (root / "foley_project.json").write_text(json.dumps({"generation": 4}))
    return root


def _render(root: Path) -> None:
    scratch = scratch_dir(root)
    (scratch / "stems").mkdir(parents=True, exist_ok=True)
    (scratch / "stems" / "a.wav").write_bytes(b"new a")
    (scratch / "stems" / "b.wav").write_bytes(b"new b")
    (scratch / "project.rpp").write_text("new rpp")
    (scratch / "stems" / ".a.partial-0000.wav").write_bytes(b"half")  # a write that never finished
    (scratch / ".jobs" / "0a1b" / "stems").mkdir(parents=True, exist_ok=True)
    (scratch / ".jobs" / "0a1b" / "stems" / "a.wav").write_bytes(b"a job's a")  # a job's result, not taken


def _write_project(root: Path, generation: int):
    return lambda: (root / "foley_project.json").write_text(json.dumps({"generation": generation}))


def _contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_save_moves_the_renders_in_and_writes_the_project_last(tmp_path):
    root = _folder(tmp_path)
    _render(root)
    assert scratch_files(root) == ["project.rpp", "stems/a.wav", "stems/b.wav"]
    order = []

    def write_last():
        order.append(sorted(_contents(root)))  # every render is in place when the project is written
        _write_project(root, 5)()

    assert promote(root, 5, write_last) == ["project.rpp", "stems/a.wav", "stems/b.wav"]
    assert _contents(root) == {"foley_project.json": b'{"generation": 5}', "project.rpp": b"new rpp", "stems/a.wav": b"new a", "stems/b.wav": b"new b"}
    assert "stems/b.wav" in order[0] and not scratch_dir(root).exists()


def test_a_failure_on_the_way_puts_the_folder_back(tmp_path):
    root = _folder(tmp_path)
    before = _contents(root)
    _render(root)

    def fails():
        raise Died()

    with pytest.raises(Died):
        promote(root, 5, fails)
    assert {k: v for k, v in _contents(root).items() if not k.startswith(".scratch/")} == before
    # the renders are back in the scratch area, for the next try
    assert scratch_files(root) == ["project.rpp", "stems/a.wav", "stems/b.wav"]
    assert (scratch_dir(root) / "stems" / "a.wav").read_bytes() == b"new a" and not (scratch_dir(root) / "save.json").exists()
    promote(root, 5, _write_project(root, 5))
    assert (root / "stems" / "a.wav").read_bytes() == b"new a" and (root / "stems" / "b.wav").read_bytes() == b"new b"


def test_a_crash_after_the_files_moved_is_undone_by_settle(tmp_path, monkeypatch):
    root = _folder(tmp_path)
    before = _contents(root)
    _render(root)
    monkeypatch.setattr(file_set, "roll_back", lambda root, keep_renders=False: [])  # the process died: nothing undoes it now
    with pytest.raises(Died):
        promote(root, 5, lambda: (_ for _ in ()).throw(Died()))
    assert (root / "stems" / "a.wav").read_bytes() == b"new a" and (root / "stems" / "b.wav").is_file()
    monkeypatch.undo()
    assert "cut short" in settle_folder(root, root / "foley_project.json")
    assert _contents(root) == before


def test_a_crash_in_the_middle_of_the_moves_is_undone_by_settle(tmp_path, monkeypatch):
    root = _folder(tmp_path)
    before = _contents(root)
    _render(root)
    real_replace, calls = os.replace, []

    def dies_on_the_third(source, target):  # the journal, project.rpp, then stems/a.wav
        calls.append(target)
        if len(calls) == 3:
            raise Died()
        real_replace(source, target)

    with monkeypatch.context() as patch:
        patch.setattr(file_set, "roll_back", lambda root, keep_renders=False: [])
        patch.setattr(file_set.os, "replace", dies_on_the_third)
        with pytest.raises(Died):
            promote(root, 5, _write_project(root, 5))
    assert (root / "project.rpp").read_text() == "new rpp" and (root / "stems" / "a.wav").read_bytes() == b"old a"
    settle(root, 4)
    assert _contents(root) == before


def test_a_first_save_cut_short_leaves_the_folder_empty_again(tmp_path, monkeypatch):
    root = tmp_path / "fresh"
    _render(root)
    monkeypatch.setattr(file_set, "roll_back", lambda root, keep_renders=False: [])
    with pytest.raises(Died):
        promote(root, 1, lambda: (_ for _ in ()).throw(Died()))
    monkeypatch.undo()
    settle_folder(root, root / "foley_project.json")  # no project file: nothing was ever saved
    assert _contents(root) == {}


def test_a_finished_save_keeps_its_files_and_renders_never_saved_are_dropped(tmp_path, monkeypatch):
    root = _folder(tmp_path)
    _render(root)
    monkeypatch.setattr(file_set, "drop_scratch", lambda root: None)  # died just before clearing up
    promote(root, 5, _write_project(root, 5))
    monkeypatch.undo()
    assert "had finished" in settle_folder(root, root / "foley_project.json")
    assert (root / "stems" / "b.wav").read_bytes() == b"new b" and not scratch_dir(root).exists()
    saved = _contents(root)
    _render(root)  # a session that ended without saving
    assert "dropped" in settle_folder(root, root / "foley_project.json")
    assert _contents(root) == saved


def test_a_job_s_files_join_the_scratch_area_when_adopted(tmp_path):
    root = _folder(tmp_path)
    _render(root)
    job = scratch_dir(root) / ".jobs" / "0a1b"
    assert adopt(root, job) == ["stems/a.wav"] and not job.exists()
    assert (scratch_dir(root) / "stems" / "a.wav").read_bytes() == b"a job's a"
    promote(root, 5, _write_project(root, 5))
    assert (root / "stems" / "a.wav").read_bytes() == b"a job's a"
