"""The procedural voices a chunk at a time: the same samples, bit for bit, as the whole signal at
once (so no chunk boundary can click), in memory that grows with the shot at well under half the
bytes per sample it took when every voice worked on whole-shot float64 arrays."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.generators.procedural import ProceduralGenerator, dsp
from foley_assistant.generators.procedural.cloth import render_cloth
from foley_assistant.generators.procedural.dsp import event_rng
from foley_assistant.generators.procedural.engine import ENGINE_PRESETS, render_engine
from foley_assistant.generators.procedural.whoosh import WhooshSpec, render_whoosh

SR = 48000
SMALL_CHUNK = 96 * 37  # a multiple of every control block (32, 48) and reduced-rate factor, far from a power of two
WHOLE = 10**9  # one chunk: the whole signal at once


def _speed(seconds: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(int(seconds * SR)) / SR
    speed = np.clip(np.minimum(t * 6.0, 25.0 - np.maximum(t - 2.5, 0.0) * 10.0), 0.0, None)
    return speed, np.gradient(speed) * SR


def _track(label: str, seconds: float) -> tuple[ObjectTrack, ShotTracks]:
    """An object going back and forth across the picture, boxed on every frame."""
    frames = []
    for f in range(int(seconds * 25)):
        x = 0.1 + 0.6 * abs(((f % 150) / 75) - 1.0)
        frames.append(TrackedFrame(f, Box(x, 0.5, x + 0.2, 0.8), 0.9, 8.0))
    obj = ObjectTrack("O1", label, "tracker", tuple(frames))
    return obj, ShotTracks("S", "m.mp4", FrameRate(25), FrameRange(0, len(frames)), 1280, 720, (obj,))


VOICES = {
    "engine car": lambda s, a: render_engine(s, a, ENGINE_PRESETS["car"], event_rng(1, "car", 0), SR),
    "engine truck": lambda s, a: render_engine(s, a, ENGINE_PRESETS["truck"], event_rng(1, "truck", 0), SR),
    "whoosh": lambda s, a: render_whoosh(s * 0.6, WhooshSpec(), event_rng(1, "w", 0), SR),
    "cloth": lambda s, a: render_cloth(s * 0.2, a * 0.2, list(np.arange(0.2, 3.8, 0.52)), event_rng(1, "c", 0), SR),
    "person (footsteps, cloth, the life gate)": lambda s, a: ProceduralGenerator().generate(*_track("person", 4.0), 4 * SR, SR, 5).samples,
    "car (engine, its fade-in)": lambda s, a: ProceduralGenerator().generate(*_track("car", 4.0), 4 * SR, SR, 5).samples,
}


@pytest.mark.parametrize("name", list(VOICES))
def test_a_voice_in_chunks_is_the_whole_signal_voice(monkeypatch, name):
    speed, accel = _speed(4.0)
    monkeypatch.setattr(dsp, "CHUNK_SAMPLES", WHOLE)
    whole = VOICES[name](speed, accel)
    monkeypatch.setattr(dsp, "CHUNK_SAMPLES", SMALL_CHUNK)
    chunked = VOICES[name](speed, accel)
    assert chunked.dtype == whole.dtype and chunked.shape == whole.shape == (4 * SR,)
    assert float(np.max(np.abs(whole))) > 1e-3  # it sounds
    np.testing.assert_array_equal(chunked, whole)
    jumps = np.abs(np.diff(chunked.astype(np.float64)))
    at_boundaries = jumps[np.arange(SMALL_CHUNK, len(chunked), SMALL_CHUNK) - 1]
    assert at_boundaries.max() <= jumps.max()  # no click where one chunk meets the next


def _peak_bytes(label: str, seconds: int) -> int:
    obj, shot = _track(label, seconds)
    generator = ProceduralGenerator()
    tracemalloc.start()
    try:
        generator.generate(obj, shot, seconds * SR, SR, 1)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("label", ["car", "person"])
def test_synthesis_memory_per_sample_of_shot_stays_low(label):
    """Four times the shot: the synthesis' own peak grows by under 45 bytes per extra sample (it
    was about 75 with whole-shot float64 speed, voice and gate arrays; the float32 dry result
    itself is 4)."""
    short, long = _peak_bytes(label, 5), _peak_bytes(label, 20)
    per_sample = (long - short) / (15 * SR)
    assert 4 < per_sample < 45, per_sample
