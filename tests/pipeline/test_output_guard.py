"""A rerun leaves no `.partial` file behind, and a file of the user's in the output folder is never
overwritten without --force (issue 17, item 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foley_assistant.cli.main import main
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.io.atomic import atomic_path, is_partial, remove_partials
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.json_files import write_tracks
from foley_assistant.pipeline.output.output_guard import RECORD_FILE


@pytest.fixture
def job(tmp_path) -> list[str]:
    """`generate` arguments for a one-shot cut with given tracks (fast: nothing to decode)."""
    source = tmp_path / "source"
    source.mkdir()
    media = source / "m.mp4"
    media.write_bytes(b"")
    write_cut(source / "cut.otio", "cut", FrameRate(25), [CutClip("a", media, 100, FrameRange(0, 50))])
    frames = tuple(TrackedFrame(i, Box(0.1 + 0.01 * i, 0.3, 0.3 + 0.01 * i, 0.8)) for i in range(50))
    write_tracks(source / "t.json", TracksDocument((ShotTracks("S001", str(media), FrameRate(25), FrameRange(0, 50), 320, 180, (ObjectTrack("O1", "person", "tracker", frames),)),)))
    return ["generate", str(source / "cut.otio"), "--tracks", str(source / "t.json"), "--out", str(tmp_path / "out"), "-q"]


def _partials(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if is_partial(p.name)]


def test_a_users_file_with_an_output_name_is_refused_then_overwritten_with_force(job, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "project.rpp").write_text("my own REAPER session")
    assert main(job) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "did not write" in err[0] and "project.rpp" in err[0] and "--force" in err[0]
    assert (out / "project.rpp").read_text() == "my own REAPER session" and sorted(p.name for p in out.iterdir()) == ["project.rpp"]
    assert main([*job, "--force"]) == 0
    assert (out / "project.rpp").read_text().startswith("<REAPER_PROJECT")
    capsys.readouterr()


def test_a_rerun_overwrites_its_own_files_but_not_one_the_user_put_among_them(job, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(job) == 0
    record = json.loads((out / RECORD_FILE).read_text())["files"]
    assert {"stems/S001_O1_person.wav", "dry/S001_O1_person.wav", "mix/S001_mix.wav", "project.rpp", "report.json"} <= set(record)
    assert main(job) == 0  # its own folder: everything in it is its own
    (out / "stems" / "mine.wav").write_bytes(b"RIFF mine")
    capsys.readouterr()
    assert main(job) == 2
    assert "stems/mine.wav" in capsys.readouterr().err
    assert (out / "stems" / "mine.wav").read_bytes() == b"RIFF mine"


def test_stems_the_app_made_since_are_the_products_own(job, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(job) == 0
    project = json.loads((out / "foley_project.json").read_text())
    added = dict(project["stems"][0], object_id="O2", path="stems/S001_O2_person.wav")
    project["stems"].append(added)
    (out / "foley_project.json").write_text(json.dumps(project))
    for folder in ("stems", "dry"):
        (out / folder / "S001_O2_person.wav").write_bytes((out / folder / "S001_O1_person.wav").read_bytes())
    assert main(job) == 0
    capsys.readouterr()


def test_no_partial_file_survives_a_run(job, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(job) == 0
    # what a run killed in the middle of writing leaves
    for left in ("stems/.S001_O1_person.partial-0badc0de.wav", "dry/.S001_O1_person.partial-12345678.wav", ".report.partial-abcdef01.json"):
        (out / left).write_bytes(b"half")
    assert len(_partials(out)) == 3
    assert main(job) == 0
    assert _partials(out) == []
    assert "partial" not in (out / RECORD_FILE).read_text()
    capsys.readouterr()


def test_partials_are_named_so_and_only_they_are_removed(tmp_path):
    target = tmp_path / "a" / "x.wav"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as temporary:
            assert is_partial(temporary.name)
            temporary.write_bytes(b"x")
            raise RuntimeError("interrupted")
    assert list((tmp_path / "a").iterdir()) == []  # removed on the way out
    keep = [tmp_path / "a" / n for n in ("x.wav", ".hidden.wav", "x.partial-12345678.wav", ".x.partial-xyz.wav")]
    for path in keep:
        path.write_bytes(b"keep")
    stale = tmp_path / "a" / ".x.partial-0badc0de.wav"
    stale.write_bytes(b"stale")
    assert remove_partials(tmp_path) == [stale]
    assert all(p.exists() for p in keep)
