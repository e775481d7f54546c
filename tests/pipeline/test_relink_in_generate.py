"""generate relinks missing media from --search folders and keeps the choice in the project."""

from __future__ import annotations

import json

import opentimelineio as otio

from foley_assistant.cli.main import main
from foley_assistant.io.json_files import read_project


def test_generate_relinks_and_remembers(capsys, small_cut, tmp_path):
    timeline = otio.adapters.read_from_file(str(small_cut.timeline_path))
    media_folder = small_cut.timeline_path.parent / "media"
    for clip in timeline.find_clips():
        name = clip.media_reference.target_url.rsplit("/", 1)[1]
        clip.media_reference.target_url = f"file:///nowhere/offline/{name}"
    moved = tmp_path / "moved.otio"
    otio.adapters.write_to_file(timeline, str(moved))

    out = tmp_path / "out"
    assert main(["generate", str(moved), "--out", str(out), "--shot", "S002", "-q"]) == 2
    assert "--search" in capsys.readouterr().err

    assert main(["generate", str(moved), "--out", str(out), "--shot", "S002", "--search", str(media_folder), "-q"]) == 0
    assert "0 found, 2 relinked, 0 missing" in capsys.readouterr().err  # every shot of the cut is relinked
    project = read_project(out / "foley_project.json")
    assert project.media_relinks == {f"/nowhere/offline/shot_0{n}.mp4": str(media_folder / f"shot_0{n}.mp4") for n in (1, 2)}
    assert project.media_search_folders == (str(media_folder.resolve()),)
    report = json.loads((out / "report.json").read_text())
    assert report["shots"][0]["objects"] == 1  # the ball was found in the relinked media

    # Again into the same folder, without --search: the kept choice is used.
    assert main(["generate", str(moved), "--out", str(out), "--shot", "S002", "-q"]) == 0
    assert read_project(out / "foley_project.json").media_relinks == project.media_relinks
