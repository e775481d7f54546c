"""Bad input from day one: one clear line on stderr, exit code 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from foley_assistant.cli.main import main
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.json_files import write_tracks


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_user_error(code: int, err: str, *phrases: str) -> None:
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in lines[0]


def test_missing_timeline(capsys, tmp_path):
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "generate", str(tmp_path / "cut.otio"), "--out", str(out))
    assert_user_error(code, err, "timeline file not found", "cut.otio", "Check the path")
    assert not out.exists()


def test_unreadable_timeline(capsys, tmp_path):
    bad = tmp_path / "cut.otio"
    bad.write_text('{"OTIO_SCHEMA": "Timeline.1", "tracks": ')
    code, _, err = run_cli(capsys, "shots", str(bad))
    assert_user_error(code, err, "could not be read")
    other = tmp_path / "cut.mov"
    other.write_bytes(b"\x00")
    code, _, err = run_cli(capsys, "shots", str(other))
    assert_user_error(code, err, "no installed OTIO adapter", "Export the cut")


def test_missing_media(capsys, tmp_path):
    write_cut(tmp_path / "cut.otio", "cut", FrameRate(25), [CutClip("gone", tmp_path / "gone.mp4", 100, FrameRange(0, 50))])
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "generate", str(tmp_path / "cut.otio"), "--out", str(out))
    assert_user_error(code, err, "media not found", "gone.mp4", "--tracks")
    assert not out.exists()
    code, out_text, _ = run_cli(capsys, "shots", str(tmp_path / "cut.otio"))
    assert code == 0 and "missing" in out_text


def test_empty_timeline(capsys, tmp_path):
    empty = tmp_path / "empty.otio"
    otio.adapters.write_to_file(otio.schema.Timeline(name="empty"), str(empty))
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "generate", str(empty), "--out", str(out))
    assert_user_error(code, err, "no clips on its video tracks")
    assert not out.exists()


def test_unknown_shot_and_bad_tracks_file(capsys, tmp_path):
    media = tmp_path / "m.mp4"
    media.write_bytes(b"")
    write_cut(tmp_path / "cut.otio", "cut", FrameRate(25), [CutClip("a", media, 100, FrameRange(0, 50))])
    code, _, err = run_cli(capsys, "generate", str(tmp_path / "cut.otio"), "--out", str(tmp_path / "o"), "--shot", "S009")
    assert_user_error(code, err, "no shot S009", "S001")
    tracks = tmp_path / "tracks.json"
    tracks.write_text("[1, 2")
    code, _, err = run_cli(capsys, "generate", str(tmp_path / "cut.otio"), "--out", str(tmp_path / "o"), "--tracks", str(tracks))
    assert_user_error(code, err, "not a valid tracks file")
    assert not (tmp_path / "o").exists()


def test_output_may_not_overwrite_an_input(capsys, tmp_path):
    media = tmp_path / "m.mp4"
    media.write_bytes(b"")
    write_cut(tmp_path / "timeline.otio", "cut", FrameRate(25), [CutClip("a", media, 100, FrameRange(0, 50))])
    tracks = TracksDocument((ShotTracks("S001", str(media), FrameRate(25), FrameRange(0, 50), 320, 180, ()),))
    write_tracks(tmp_path / "t.json", tracks)
    before = (tmp_path / "timeline.otio").read_bytes()
    code, _, err = run_cli(capsys, "generate", str(tmp_path / "timeline.otio"), "--out", str(tmp_path), "--tracks", str(tmp_path / "t.json"))
    assert_user_error(code, err, "would overwrite the input", "timeline.otio")
    assert (tmp_path / "timeline.otio").read_bytes() == before


def test_console_script_exit_codes_and_help():
    exe = Path(sys.executable).with_name("foley-assistant")
    done = subprocess.run([str(exe), "shots", "/nonexistent/cut.otio"], capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("error: timeline file not found")
    assert done.stdout == ""
    helped = subprocess.run([str(exe), "--help"], capture_output=True, text=True)
    assert helped.returncode == 0
    for command in ("demo", "shots", "analyze", "generate", "render", "export", "eval", "library"):
        assert command in helped.stdout
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True)
    from foley_assistant import __version__

    assert version.stdout.strip() == f"foley-assistant {__version__}"


@pytest.mark.parametrize("command", ["demo", "shots", "analyze", "generate", "render", "export"])
def test_every_command_has_help(capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: foley-assistant " + command in capsys.readouterr().out
