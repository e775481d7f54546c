"""generate's memory against the length of the shot: a shot four times longer costs generate far
less per extra sample than whole-shot arrays did (stems placed as they are written, voices
synthesised without whole-shot temporaries, files rescaled a block at a time)."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from foley_assistant.cli.main import main
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
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


def test_generate_memory_grows_little_with_the_shot(tmp_path, capsys):
    """Two objects over 12 s and 48 s: the peak of what generate allocates grows by under 40 bytes
    per extra sample of shot (stems and mix held whole and voices on whole-shot float64 arrays
    took about 75; what is left is each object's float32 dry source and the voices' working set)."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _peak(tmp_path / "a", 4)  # imports and caches, so both measured runs start warm
    short = _peak(tmp_path / "a", 12)
    long = _peak(tmp_path / "b", 48)
    per_sample = (long - short) / (36 * SR)
    assert per_sample < 40, per_sample
