"""Nothing escapes the folder the user named: hostile ids, labels and project paths are refused or
made safe, and exports deliver only files the project made (issue 17, item 1)."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from foley_assistant.cli.main import main
from foley_assistant.core.commands import SetKeyframe
from foley_assistant.core.errors import FoleyError, UnsafePathError
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.json_files import write_tracks
from foley_assistant.pipeline.editing.session import EditSession
from foley_assistant.pipeline.handoff.export_bundle import ExportChoices, export_bundle
from foley_assistant.pipeline.output.deliver import dry_path_of


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


def _one_line_error(capsys, code: int, *phrases: str) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("WARNING")]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for phrase in phrases:
        assert phrase in lines[0]
    return lines[0]


def _cut_with_tracks(folder: Path, object_id: str, label: str) -> tuple[Path, Path]:
    """A one-shot cut (its media need not decode: tracks are given) and a tracks file of one walker."""
    folder.mkdir(parents=True)
    media = folder / "m.mp4"
    media.write_bytes(b"")
    write_cut(folder / "cut.otio", "cut", FrameRate(25), [CutClip("a", media, 100, FrameRange(0, 50))])
    frames = tuple(TrackedFrame(i, Box(0.1 + 0.01 * i, 0.3, 0.3 + 0.01 * i, 0.8)) for i in range(50))
    document = TracksDocument((ShotTracks("S001", str(media), FrameRate(25), FrameRange(0, 50), 320, 180, (ObjectTrack("O1", label, "tracker", frames),)),))
    write_tracks(folder / "tracks.json", document)
    data = json.loads((folder / "tracks.json").read_text())
    data["shots"][0]["objects"][0]["id"] = object_id
    (folder / "tracks.json").write_text(json.dumps(data))
    return folder / "cut.otio", folder / "tracks.json"


def test_an_object_id_with_a_path_in_it_writes_nothing_anywhere(tmp_path, capsys):
    timeline, tracks = _cut_with_tracks(tmp_path / "a" / "b" / "c" / "d", "O1/../../../../ESCAPED", "person")
    before = _files(tmp_path)
    out = timeline.parent / "out"
    code = main(["generate", str(timeline), "--out", str(out), "--tracks", str(tracks), "-q"])
    _one_line_error(capsys, code, "tracks.json", "object id 'O1/../../../../ESCAPED'", "not a plain name")
    assert _files(tmp_path) == before and not out.exists()


def test_a_label_with_a_path_in_it_is_only_a_name(tmp_path, capsys):
    timeline, tracks = _cut_with_tracks(tmp_path / "a" / "b" / "c", "O1", "../../../../ESCAPED/person")
    before = _files(tmp_path)
    out = timeline.parent / "out"
    assert main(["generate", str(timeline), "--out", str(out), "--tracks", str(tracks), "-q"]) == 0
    capsys.readouterr()
    written = _files(tmp_path) - before
    assert written and all(out in p.parents for p in written)
    assert (out / "stems" / "S001_O1_escaped-person.wav").is_file() and (out / "dry" / "S001_O1_escaped-person.wav").is_file()


def _set_stem_path(project_dir: Path, index: int, path: str) -> None:
    file = project_dir / "foley_project.json"
    data = json.loads(file.read_text())
    data["stems"][index]["path"] = path
    file.write_text(json.dumps(data))


def test_a_project_stem_path_outside_the_project_is_refused_and_no_edit_writes_there(project_copy, tmp_path, capsys):
    victim = tmp_path / "victim" / "x.wav"
    victim.parent.mkdir()
    victim.write_bytes(b"the victim's own file")
    clean = EditSession.open(project_copy)
    stem = clean.project.stems[0]
    _set_stem_path(project_copy, 0, "../victim/x.wav")
    with pytest.raises(FoleyError, match=r"stem path '\.\./victim/x\.wav' is not a plain path inside the project folder"):
        EditSession.open(project_copy)
    code = main(["export", str(project_copy), "--format", "rpp", "--out", str(tmp_path / "x.rpp"), "-q"])
    _one_line_error(capsys, code, "foley_project.json", "../victim/x.wav")
    # a stem that reached the session some other way (not through a project file) cannot be written outside either
    hostile = replace(stem, path="../victim/x.wav")
    (project_copy / dry_path_of(hostile)).write_bytes((project_copy / dry_path_of(stem)).read_bytes())
    clean.stack.reset(replace(clean.project, stems=(hostile,) + clean.project.stems[1:]))
    length = Fraction(stem.length_samples, stem.sample_rate)
    with pytest.raises(UnsafePathError, match="not a plain path inside the project folder"):
        clean.execute(SetKeyframe(stem.shot_id, stem.object_id, "azimuth_deg", length, -60.0))
    assert victim.read_bytes() == b"the victim's own file"


def test_otioz_never_bundles_a_file_outside_the_project(project_copy, tmp_path, capsys):
    bundle = tmp_path / "cut.otioz"
    _set_stem_path(project_copy, 0, "/etc/passwd")
    code = main(["export", str(project_copy), "--format", "otioz", "--out", str(bundle), "-q"])
    _one_line_error(capsys, code, "'/etc/passwd'", "not a plain path inside the project folder")
    assert not bundle.exists()


def test_a_stem_that_links_out_of_the_project_is_not_delivered(project_copy, tmp_path, capsys):
    secret = tmp_path / "secret.wav"
    secret.write_bytes(b"not the project's")
    stem_file = project_copy / json.loads((project_copy / "foley_project.json").read_text())["stems"][0]["path"]
    stem_file.unlink()
    os.symlink(secret, stem_file)
    bundle = tmp_path / "cut.otioz"
    code = main(["export", str(project_copy), "--format", "otioz", "--out", str(bundle), "-q"])
    _one_line_error(capsys, code, "leads outside")
    assert not bundle.exists()
    with pytest.raises(UnsafePathError):
        export_bundle(project_copy, ExportChoices(tmp_path / "delivery", (), copy_stems=True))
    assert not any(p.read_bytes() == secret.read_bytes() for p in _files(tmp_path / "delivery") if p.is_file())


def test_the_app_export_copies_only_the_files_the_project_made(project_copy, tmp_path):
    (project_copy / "stems" / ".S001_O1_car.partial-0badc0de.wav").write_bytes(b"half a file")
    (project_copy / "stems" / "not_ours.wav").write_bytes(b"someone else's")
    (project_copy / "mix" / "S999_mix.wav").write_bytes(b"someone else's")
    destination = tmp_path / "delivery"
    result = export_bundle(project_copy, ExportChoices(destination, (), copy_stems=True))
    copied = {p.relative_to(destination).as_posix() for p in result.files}
    project = json.loads((project_copy / "foley_project.json").read_text())
    expected = {s["path"] for s in project["stems"]} | {f"dry/{Path(s['path']).name}" for s in project["stems"] if s["kind"] == "object"}
    expected |= {f"mix/{s['shot_id']}_mix.wav" for s in project["stems"]}
    assert copied == expected
    assert {p.relative_to(destination).as_posix() for p in _files(destination)} == expected
