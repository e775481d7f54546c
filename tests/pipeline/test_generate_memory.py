"""generate's memory against the length of the shot: a shot four times longer costs generate next
to nothing more (sounds made a block at a time and kept in a temporary file when long, stems
placed as they are written with their controls computed a block at a time, files written and
rescaled a block at a time)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from foley_assistant.cli.main import main
from foley_assistant.core import samples
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
from foley_assistant.generators.procedural import dsp
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.json_files import write_tracks

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


def test_generate_memory_does_not_grow_with_the_shot(tmp_path, capsys, monkeypatch):
    """Two objects over 12 s and 48 s, both longer than a block of the objects' sounds (made 4 s
    here, so the test stays short) and than the length a sound is kept in memory below: the
    peak of what generate allocates grows by under 3 bytes per extra sample of shot (it measures
    about 2: the tracks, curves and report of every frame, about 1.7 kB per object and frame, and
    control-rate gains; it was about 23 when each object's dry source was held whole and its
    voices synthesised over whole-shot arrays, 75 before that). Holding the two objects' float32
    dry sources whole again would add 8."""
    monkeypatch.setattr(dsp, "BLOCK_SAMPLES", dsp.CHUNK_SAMPLES)
    monkeypatch.setattr(samples, "SPILL_SAMPLES", 2**16)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _peak(tmp_path / "a", 4)  # imports and caches, so both measured runs start warm
    short = _peak(tmp_path / "a", 12)
    long = _peak(tmp_path / "b", 48)
    per_sample = (long - short) / (36 * SR)
    print(short, long, per_sample)
    assert per_sample < 3, per_sample
