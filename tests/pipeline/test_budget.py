"""The up-front estimate of a generate run: its figures, a refusal before anything is written
when the run would not fit, and a warning when it would take most of what is left."""

from __future__ import annotations

from pathlib import Path

import pytest

import foley_assistant.pipeline.budget as budget
from foley_assistant.cli.main import main
from foley_assistant.core.errors import OutputError
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.json_files import write_tracks
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline

GB = 2**30


def _cut(folder: Path, frames: int, objects: int = 2) -> tuple[Path, Path]:
    """A one-shot cut of `frames` at 25 fps (empty media) and tracks of `objects` movers boxed on a few frames."""
    media = folder / "m.mp4"
    media.write_bytes(b"")
    cut = folder / "cut.otio"
    write_cut(cut, "cut", FrameRate(25), [CutClip("a", media, frames, FrameRange(0, frames))])
    boxes = tuple(TrackedFrame(f, Box(0.1 + 0.01 * i, 0.3, 0.3 + 0.01 * i, 0.8), 0.9, 8.0) for i, f in enumerate(range(0, min(frames, 25))))
    found = tuple(ObjectTrack(f"O{i + 1}", "person", "tracker", boxes) for i in range(objects))
    tracks = folder / "tracks.json"
    write_tracks(tracks, TracksDocument((ShotTracks("S001", str(media), FrameRate(25), FrameRange(0, frames), 320, 180, found),)))
    return cut, tracks


def test_the_estimate_follows_the_longest_shot_for_memory_and_every_shot_for_disk(tmp_path):
    cut, tracks = _cut(tmp_path, 25 * 3600)
    from foley_assistant.io.json_files import read_tracks

    shots = list_shots(read_timeline(cut))
    estimate = budget.estimate_generate(shots, read_tracks(tracks), 48000)
    samples = 48000 * 3600
    assert estimate.memory_bytes == budget.BASE_BYTES + samples * 2 * budget.FRAME_BYTES_PER_SAMPLE
    assert estimate.memory_bytes < 1.5 * GB  # an hour with two objects (benchmarks/memory.py measures about 0.9 GB)
    assert estimate.temp_bytes == samples * 2 * budget.TEMP_BYTES_PER_SAMPLE  # the two dry sources, while the shot is made
    assert estimate.disk_bytes == samples * (2 * budget.DISK_BYTES_PER_SAMPLE + budget.MIX_BYTES_PER_SAMPLE)
    assert estimate.longest_shot == "S001" and estimate.longest_minutes == pytest.approx(60.0) and estimate.objects_known
    unknown = budget.estimate_generate(shots, None, 48000)
    assert not unknown.objects_known and unknown.disk_bytes == samples * (budget.ASSUMED_OBJECTS * budget.DISK_BYTES_PER_SAMPLE + budget.MIX_BYTES_PER_SAMPLE)
    handled = budget.estimate_generate(shots, read_tracks(tracks), 48000, handles_s=1.0)  # stems and dry sources run 1 s past each end
    assert handled.memory_bytes == estimate.memory_bytes + 2 * 48000 * 2 * budget.FRAME_BYTES_PER_SAMPLE
    assert handled.disk_bytes == estimate.disk_bytes + 2 * 48000 * 2 * budget.DISK_BYTES_PER_SAMPLE  # the mix covers the cut only
    assert handled.longest_minutes == pytest.approx(60.0)
    bedded = budget.estimate_generate(shots, read_tracks(tracks), 48000, ambience=True)  # a bed is still made whole
    assert bedded.memory_bytes == estimate.memory_bytes + samples * budget.AMBIENCE_BYTES_PER_SAMPLE
    assert bedded.disk_bytes == estimate.disk_bytes + samples * budget.DISK_BYTES_PER_SAMPLE


def test_a_run_that_does_not_fit_is_refused_with_the_figures_and_one_that_nearly_does_warns(tmp_path):
    estimate = budget.Estimate(memory_bytes=6 * GB, disk_bytes=3 * GB, longest_shot="S007", longest_minutes=40.0, objects_known=True)
    with pytest.raises(OutputError, match=r"about 6\.0 GB of memory for shot S007 \(40 min\), and 4\.0 GB is available; nothing was written"):
        budget.check_budget(estimate, tmp_path, memory=4 * GB, disk=100 * GB, temp=100 * GB)
    with pytest.raises(OutputError, match=r"about 3\.0 GB and .* has 2\.0 GB free"):
        budget.check_budget(estimate, tmp_path, memory=100 * GB, disk=2 * GB, temp=100 * GB)
    warned = budget.check_budget(estimate, tmp_path, memory=8 * GB, disk=100 * GB, temp=100 * GB)
    assert warned == ["generate may need about 6.0 GB of memory for shot S007 (40 min), of 8.0 GB available"]
    assert budget.check_budget(estimate, tmp_path, memory=100 * GB, disk=100 * GB, temp=100 * GB) == []
    guessed = budget.Estimate(6 * GB, 3 * GB, "S007", 40.0, objects_known=False)
    assert len(budget.check_budget(guessed, tmp_path, memory=4 * GB, disk=2 * GB, temp=100 * GB)) == 2  # objects unknown: warn only


def test_a_run_whose_sounds_would_not_fit_in_the_temporary_folder_is_refused(tmp_path):
    estimate = budget.Estimate(1 * GB, 3 * GB, "S002", 50.0, objects_known=True, temp_bytes=5 * GB)
    with pytest.raises(OutputError, match=r"sounds of shot S002 \(50 min\) wait in the temporary folder .* about 5\.0 GB, and it has 2\.0 GB free; nothing was written\. .*TMPDIR"):
        budget.check_budget(estimate, tmp_path, memory=100 * GB, disk=100 * GB, temp=2 * GB)
    warned = budget.check_budget(estimate, tmp_path, memory=100 * GB, disk=100 * GB, temp=6 * GB)
    assert len(warned) == 1 and "may take about 5.0 GB of the 6.0 GB free in the temporary folder" in warned[0]
    assert budget.check_budget(estimate, tmp_path, memory=100 * GB, disk=100 * GB, temp=100 * GB) == []


def test_generate_refuses_an_hour_long_shot_that_would_not_fit_before_writing_anything(tmp_path, monkeypatch, capsys):
    cut, tracks = _cut(tmp_path, 25 * 3600)
    monkeypatch.setattr(budget, "available_memory", lambda: GB // 2)
    out = tmp_path / "out"
    assert main(["generate", str(cut), "--tracks", str(tracks), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: generate would need about 1.0 GB of memory for shot S001 (60 min), and 0.5 GB is available") and "\n" not in err
    assert not out.exists()


def test_generate_warns_when_a_run_takes_most_of_the_memory_left(tmp_path, monkeypatch, capsys):
    cut, tracks = _cut(tmp_path, 25, objects=1)
    need = budget.BASE_BYTES + 48000 * budget.FRAME_BYTES_PER_SAMPLE
    monkeypatch.setattr(budget, "available_memory", lambda: int(need / 0.9))
    assert main(["generate", str(cut), "--tracks", str(tracks), "--out", str(tmp_path / "out"), "-q"]) == 0
    assert f"generate may need about {need / 2**30:.1f} GB of memory for shot S001 (0 min)" in capsys.readouterr().err
