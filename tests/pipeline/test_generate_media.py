"""`generate MEDIA.mp4`: a plain media file with a hard cut is a reel of two shots."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.pipeline.editing.session import EditSession
from foley_assistant.pipeline.media_reel import REEL_FILE, is_media_file
from foley_assistant.synth import walker_scene, write_reel

SAMPLES_PER_FRAME = 48000 // 25


@pytest.fixture(scope="module")
def reel_output(tmp_path_factory):
    """A 25 fps reel cut at frame 50 (2.0 s + 2.4 s of a walker), and its `generate` folder."""
    folder = tmp_path_factory.mktemp("reel")
    media = folder / "reel clip.mp4"
    specs = [walker_scene(5, duration_s=2.0, width=320, height=180), walker_scene(6, duration_s=2.4, width=320, height=180, direction=-1)]
    write_reel(specs, media)
    before = hashlib.sha256(media.read_bytes()).hexdigest()
    out = folder / "out"
    code = main(["generate", str(media), "--out", str(out), "--quiet"])
    return media, before, out, code


def test_two_shots_with_stems_from_their_first_sample(reel_output):
    media, before, out, code = reel_output
    assert code == 0
    assert hashlib.sha256(media.read_bytes()).hexdigest() == before  # the input is only read
    report = json.loads((out / "report.json").read_text())
    assert [(s["id"], s["done"], s["duration_s"]) for s in report["shots"]] == [("S001", True, 2.0), ("S002", True, 2.4)]
    assert all(s["loudness"] is not None for s in report["shots"])
    assert report["media"] == str(media.resolve())
    assert report["timeline"] == str((out / REEL_FILE).resolve())
    assert report["timings_s"]["analyze"] > 0 and report["cpu_timings_s"]["analyze"] > 0
    stems = [s for s in report["stems"] if s["kind"] == "object"]
    assert {s["shot"] for s in stems} == {"S001", "S002"}
    for stem in stems:
        first, frames = (0, 50) if stem["shot"] == "S001" else (50, 60)
        assert (stem["record_start_sample"], stem["length_samples"]) == (first * SAMPLES_PER_FRAME, frames * SAMPLES_PER_FRAME)
        assert soundfile.info(str(out / stem["path"])).frames == frames * SAMPLES_PER_FRAME  # no tail across the cut
    for shot_id, frames in (("S001", 50), ("S002", 60)):
        assert soundfile.info(str(out / "mix" / f"{shot_id}_mix.wav")).frames == frames * SAMPLES_PER_FRAME
    tracks = json.loads((out / "tracks.json").read_text())
    assert [(s["id"], s["frame_range"]) for s in tracks["shots"]] == [("S001", [0, 50]), ("S002", [50, 110])]


def test_the_reel_timeline_is_written_in_the_output_folder(reel_output):
    media, _, out, _ = reel_output
    for name in (REEL_FILE, "timeline.otio"):
        loaded = read_timeline(out / name)
        shots = list_shots(loaded)
        assert loaded.rate.as_tuple() == (25, 1)
        assert [(s.record_range.start, s.record_range.duration) for s in shots] == [(0, 50), (50, 60)]
        assert [(s.source_range.start, s.source_range.duration) for s in shots] == [(0, 50), (50, 60)]
        assert {Path(s.media_path) for s in shots} == {media.resolve()} and all(s.media_status == "found" for s in shots)
    written = read_timeline(out / "timeline.otio").timeline
    assert len(written.audio_tracks()) >= 1  # the foley stems laid under the reel
    session = EditSession.open(out)  # the app reopens the folder: its project names reel.otio
    assert [s.id for s in session.shots] == ["S001", "S002"] and len(session.project.stems) >= 2


def test_media_suffixes_and_refusals(tmp_path, capsys):
    assert all(is_media_file(Path(f"clip{s}")) for s in (".mp4", ".MOV", ".mxf"))
    assert not is_media_file(Path("cut.otio")) and not is_media_file(Path("cut.edl"))
    assert main(["generate", str(tmp_path / "missing.mov"), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "media file not found" in capsys.readouterr().err
    media = tmp_path / "x.mp4"
    media.write_bytes(b"")
    tracks = tmp_path / "t.json"
    tracks.write_text("{}")
    assert main(["generate", str(media), "--tracks", str(tracks), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    assert "--tracks cannot be used with a media file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
