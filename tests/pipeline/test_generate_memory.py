"""generate's memory against the length of the shot: a shot four times longer costs generate next
to nothing more (sounds made a block at a time and kept in a temporary file when long, stems
placed as they are written with their controls computed a block at a time, files written and
rescaled a block at a time)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from foley_assistant.cli.main import main
from foley_assistant.core import samples
from foley_assistant.core.progress import CancelToken, ignore_progress
from foley_assistant.core.project_settings import LoudnessPolicy, ProjectSettings
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.generators.procedural import dsp
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.json_files import read_tracks, write_tracks
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.shot_spine import run_shots

RATE = 25
SR = 48000


def _inputs(folder: Path, seconds: int) -> tuple[Path, Path]:
    """A one-shot cut and its tracks: a walker crossing the picture and a car going back and forth."""
    frames = seconds * RATE
    media = folder / "long.mp4"
    media.write_bytes(b"")
    cut = folder / "long.otio"
    write_cut(cut, "long", FrameRate(RATE), [CutClip("long", media, frames, FrameRange(0, frames))])
    walker, car = [], []
    for frame in range(frames):
        phase = (frame % (20 * RATE)) / (20 * RATE)
        walker.append(TrackedFrame(frame, Box(0.05 + 0.8 * phase, 0.4, 0.15 + 0.8 * phase, 0.9), 0.9, 6.0))
        swing = abs(((frame % (30 * RATE)) / (15 * RATE)) - 1.0)
        car.append(TrackedFrame(frame, Box(0.1 + 0.6 * swing, 0.5, 0.3 + 0.6 * swing, 0.7), 0.9, 15.0))
    objects = (ObjectTrack("O1", "person", "tracker", tuple(walker)), ObjectTrack("O2", "car", "tracker", tuple(car)))
    tracks = folder / "long_tracks.json"
    write_tracks(tracks, TracksDocument((ShotTracks("S001", str(media), FrameRate(RATE), FrameRange(0, frames), 1280, 720, objects),)))
    return cut, tracks


def _peak(folder: Path, seconds: int) -> int:
    cut, tracks = _inputs(folder, seconds)
    tracemalloc.start()
    try:
        assert main(["generate", str(cut), "--tracks", str(tracks), "--out", str(folder / "out"), "-q"]) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _sound_peak(folder: Path, seconds: int) -> int:
    """The peak of what making and writing one shot's sounds allocates (`run_shots`: the voices,
    the loudness of the mix, the stems, dry sources and mix written; not the session files,
    which hold every frame's keyframes, nor the reel's loudness, read from the files written
    with a meter of fixed size)."""
    cut, tracks = _inputs(folder, seconds)
    shots, known = list_shots(read_timeline(cut)), read_tracks(tracks)
    tracemalloc.start()
    try:
        settings = ProjectSettings(loudness=LoudnessPolicy(scope="shot"))
        run = run_shots(shots, settings, folder / "out", JobContext(ignore_progress, CancelToken()), known=known)
        assert [made.shot_id for made in run.made] == ["S001"]
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _short_blocks(monkeypatch) -> None:
    """Chunks of 0.6 s, blocks of 1.2 s and sounds longer than 1.4 s kept in their files, so that
    short shots behave as long ones (every working set at its full, fixed size)."""
    monkeypatch.setattr(dsp, "CHUNK_SAMPLES", 96 * 37 * 8)
    monkeypatch.setattr(dsp, "BLOCK_SAMPLES", 2 * 96 * 37 * 8)
    monkeypatch.setattr(samples, "SPILL_SAMPLES", 2**16)


def test_making_a_shots_sounds_takes_memory_independent_of_its_length(tmp_path, monkeypatch):
    """Two objects over 12 s and 48 s, both several blocks long: the peak of what making and
    writing their sounds allocates grows by under 1 byte per extra sample of shot (it measures
    about 0.3: the curves and control-rate gains). Holding the two float32 dry sources whole again
    would add 8, a voice's float64 output 8 more."""
    _short_blocks(monkeypatch)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _sound_peak(tmp_path / "a", 4)  # imports and caches, so both measured runs start warm
    short = _sound_peak(tmp_path / "a", 12)
    long = _sound_peak(tmp_path / "b", 48)
    per_sample = (long - short) / (36 * SR)
    print(short, long, per_sample)
    assert per_sample < 1, per_sample


def test_generate_memory_does_not_grow_with_the_shot(tmp_path, capsys, monkeypatch):
    """The whole of generate (its session files, report and reel loudness too) over 12 s and
    48 s: its peak grows by under 3 bytes per extra sample of shot (it measures about 1.7: the
    tracks, curves, event log and project of every frame, about 1.7 kB per object and frame,
    written and read back as JSON; it was about 23 when each object's dry source was held whole
    and its voices synthesised over whole-shot arrays, 75 before that)."""
    _short_blocks(monkeypatch)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _peak(tmp_path / "a", 4)  # imports and caches, so both measured runs start warm
    short = _peak(tmp_path / "a", 12)
    long = _peak(tmp_path / "b", 48)
    per_sample = (long - short) / (36 * SR)
    print(short, long, per_sample)
    assert per_sample < 3, per_sample
