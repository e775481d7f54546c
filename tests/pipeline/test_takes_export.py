"""Takes in a delivery: `export` delivers the chosen take of each stem; `--all-takes` (REAPER)
adds the others as takes of the same item, which do not play until chosen. Read back with `rpp`
after the delivery is moved."""

from __future__ import annotations

import shutil
from pathlib import Path

import rpp

from foley_assistant.cli.main import main
from foley_assistant.core.commands import ChooseTake
from foley_assistant.core.progress import CancelToken, ignore_progress
from foley_assistant.pipeline.editing.session import EditSession
from foley_assistant.pipeline.editing.session_jobs import regenerate_job
from foley_assistant.pipeline.progress import JobContext


def _two_takes(folder: Path) -> tuple[str, str]:
    """Regenerate one stem of the project in `folder` and choose its first take again; returns
    (the chosen take's dry file, the other take's), relative to the folder."""
    session = EditSession.open(folder)
    stem = next(s for s in session.project.stems if not s.is_ambience)
    made = regenerate_job(session.shot(stem.shot_id), session.project, stem, session.dry_audio(stem), session.out_dir, session.rendered, JobContext(ignore_progress, CancelToken()), take=2)
    session.apply_regenerated(made)
    session.execute(ChooseTake(stem.shot_id, stem.object_id, 1))
    session.save()
    return stem.path.replace("stems/", "dry/"), made.stem.path.replace("stems/", "dry/")


def _items(session: Path) -> dict[str, list]:
    project = rpp.loads(session.read_text())
    return {item.find("NAME")[1]: item for track in project.findall("TRACK") if not track.find("NAME")[1].endswith("(guide)") for item in track.findall("ITEM")}


def test_export_delivers_the_chosen_take_and_all_takes_on_request(project_copy, tmp_path):
    chosen, other = _two_takes(project_copy)
    main_out, all_out = tmp_path / "chosen" / "cut.rpp", tmp_path / "all" / "cut.rpp"
    assert main(["export", str(project_copy), "--format", "rpp", "--out", str(main_out), "-q"]) == 0
    assert main(["export", str(project_copy), "--format", "rpp", "--out", str(all_out), "--all-takes", "-q"]) == 0
    moved = shutil.move(str(all_out.parent), str(tmp_path / "moved"))
    name = Path(chosen).stem
    plain = _items(main_out)[name]
    assert [c.attrib for c in plain.children if getattr(c, "tag", None) == "SOURCE"] == [["WAVE"]]
    assert plain.find("SOURCE").find("FILE")[1] == f"cut_media/{chosen}"
    assert not (main_out.parent / "cut_media" / other).exists()  # the other take is not delivered
    both = _items(Path(moved) / "cut.rpp")[name]
    files = [c.find("FILE")[1] for c in both.children if getattr(c, "tag", None) == "SOURCE"]
    assert files == [f"cut_media/{chosen}", f"cut_media/{other}"]  # the chosen take first: it plays
    assert "TAKE" in both.children  # a bare TAKE line starts the second take
    assert all((Path(moved) / f).is_file() for f in files)  # both delivered, nothing offline after the move


def test_all_takes_is_refused_for_formats_without_takes(project_copy, tmp_path, capsys):
    assert main(["export", str(project_copy), "--format", "otio", "--out", str(tmp_path / "cut.otio"), "--all-takes", "-q"]) == 2
    assert "--all-takes is for --format rpp" in capsys.readouterr().err
