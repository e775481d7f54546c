"""Tracks are matched to shots by id; after a recut they must not land on other pictures: a
tracks file whose shot names other media, or starts elsewhere in it, is refused (exit 2, one
line), and tracks that fit are used as they are."""

from __future__ import annotations

import json

import opentimelineio as otio

from foley_assistant.cli.main import main


def test_tracks_of_another_cut_are_refused_and_fitting_ones_used(small_cut, tmp_path, capsys):
    tracks = tmp_path / "tracks.json"
    assert main(["analyze", str(small_cut.timeline_path), "--out", str(tracks), "-q"]) == 0
    assert main(["generate", str(small_cut.timeline_path), "--tracks", str(tracks), "--out", str(tmp_path / "same"), "-q"]) == 0
    # the recut: the two clips swap places, so S001 is now the ball's media
    timeline = otio.adapters.read_from_file(str(small_cut.timeline_path))
    track = timeline.video_tracks()[0]
    clips = list(track)
    track[:] = []
    for clip in reversed(clips):
        track.append(clip.deepcopy())
    recut = small_cut.timeline_path.with_name("recut.otio")
    otio.adapters.write_to_file(timeline, str(recut))
    capsys.readouterr()
    assert main(["generate", str(recut), "--tracks", str(tracks), "--out", str(tmp_path / "recut"), "-q"]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "the tracks of shot S001 do not fit the cut" in lines[0] and "analyze again" in lines[0]
    assert not (tmp_path / "recut").exists()
    # a slip inside the same media: the clip now starts 10 frames later
    data = json.loads(tracks.read_text())
    data["shots"][0]["frame_range"] = [data["shots"][0]["frame_range"][0] + 10, data["shots"][0]["frame_range"][1] + 10]
    for obj in data["shots"][0]["objects"]:
        for frame in obj["frames"]:
            frame["frame"] += 10
    slipped = tmp_path / "slipped.json"
    slipped.write_text(json.dumps(data))
    assert main(["generate", str(small_cut.timeline_path), "--tracks", str(slipped), "--out", str(tmp_path / "slip"), "-q"]) == 2
    assert "start at media frame" in capsys.readouterr().err
