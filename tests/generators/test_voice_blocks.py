"""An object's sound a block at a time: the voices, the gate and the ceiling over several blocks
give the sound made in one block (the whole-sound levels measured in spans instead of at once:
within a float32 rounding, under one step of a 24-bit file), a long sound goes to its
temporary file, and a voice read in spans of any length is the same, sample for sample."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.core import samples
from foley_assistant.core.samples import SpilledSamples
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.generators.procedural import ProceduralGenerator, dsp
from foley_assistant.generators.procedural.cloth import ClothVoice, cloth_into
from foley_assistant.generators.procedural.dsp import control_points, event_rng
from foley_assistant.generators.procedural.engine import ENGINE_PRESETS, EngineVoice, engine_into
from foley_assistant.generators.procedural.impacts import MATERIALS, Hit, ImpactVoice, render_impacts
from foley_assistant.generators.procedural.voice_map import VoiceMap
from foley_assistant.generators.procedural.whoosh import WhooshSpec, WhooshVoice, whoosh_into

SR = 48000
SECONDS = 12
LSB_24 = 2.0**-23  # one step of a 24-bit file (full scale 1)


def _track(label: str, seconds: float) -> tuple[ObjectTrack, ShotTracks]:
    """An object going back and forth across the picture, boxed on every frame from frame 5."""
    frames = []
    for f in range(5, int(seconds * 25)):
        x = 0.1 + 0.6 * abs(((f % 150) / 75) - 1.0)
        y = 0.5 + 0.1 * np.sin(f / 7.0)
        frames.append(TrackedFrame(f, Box(x, y, x + 0.2, y + 0.3), 0.9, 8.0))
    obj = ObjectTrack("O1", label, "tracker", tuple(frames))
    return obj, ShotTracks("S", "m.mp4", FrameRate(25), FrameRange(0, int(seconds * 25)), 1280, 720, (obj,))


def _made(monkeypatch, label: str, block: int, spec: dict | None = None) -> object:
    monkeypatch.setattr(dsp, "BLOCK_SAMPLES", block)
    obj, shot = _track(label, SECONDS)
    generator = ProceduralGenerator()
    voice = generator.voice_for(label) if spec is None else VoiceMap.from_dict({"_default": spec}).lookup(label)
    return generator.render(obj, shot, SECONDS * SR + 123, SR, 7, voice).samples


WHOOSH = {"voice": "whoosh", "onset_m_s": 0.1, "reference_m_s": 1.0}


@pytest.mark.parametrize("label, spec", [("person", None), ("car", None), ("truck", None), ("unknown", None), ("bicycle", WHOOSH)])
def test_a_sound_over_several_blocks_is_the_sound_of_one_block(monkeypatch, label, spec):
    monkeypatch.setattr(dsp, "CHUNK_SAMPLES", 96 * 37)
    monkeypatch.setattr(samples, "SPILL_SAMPLES", 10**9)
    whole = np.asarray(_made(monkeypatch, label, 10**9, spec))
    monkeypatch.setattr(samples, "SPILL_SAMPLES", SR)
    blocks = _made(monkeypatch, label, 4 * 96 * 37 * 5, spec)  # 71,040 samples: eight blocks and a piece
    assert isinstance(blocks, SpilledSamples)  # longer than the spill threshold: in its file
    made = np.asarray(blocks)
    assert float(np.max(np.abs(whole))) > 1e-3
    assert made.shape == whole.shape
    assert float(np.max(np.abs(made - whole))) <= LSB_24


def test_a_loud_sound_over_several_blocks_is_brought_under_the_ceiling_as_a_whole(monkeypatch):
    loud = {"voice": "engine", "preset": "car", "level_db": 24}
    whole = np.asarray(_made(monkeypatch, "car", 10**9, loud))
    made = np.asarray(_made(monkeypatch, "car", 3 * 2**15, loud))
    assert float(np.max(np.abs(whole))) == pytest.approx(0.98, abs=1e-6)  # the ceiling
    assert float(np.max(np.abs(made - whole))) <= LSB_24


def _speed(n: int, block: int) -> tuple[np.ndarray, np.ndarray]:
    t = control_points(n, block) / SR
    speed = np.clip(np.minimum(t * 6.0, 25.0 - np.maximum(t - 2.5, 0.0) * 10.0), 0.0, None)
    return speed, np.gradient(speed) * SR / block


@pytest.mark.parametrize("voice", ["cloth", "engine", "whoosh", "impacts metal", "impacts wood"])
def test_a_voice_read_in_uneven_spans_is_the_voice_at_once(voice):
    n = 5 * SR + 17
    whole = np.zeros(n)
    if voice == "cloth":
        speed, accel = _speed(n, 32)
        steps = list(np.arange(0.2, 4.8, 0.52))
        cloth_into(whole, speed, accel, steps, event_rng(3, "c", 0), SR)
        reader = ClothVoice(n, speed, accel, steps, event_rng(3, "c", 0), SR)
    elif voice == "engine":
        speed, accel = _speed(n, 48)
        engine_into(whole, speed, accel, ENGINE_PRESETS["car"], event_rng(3, "e", 0), SR)
        reader = EngineVoice(n, speed, accel, ENGINE_PRESETS["car"], event_rng(3, "e", 0), SR)
    elif voice == "whoosh":
        speed = _speed(n, 32)[0] * 0.6
        whoosh_into(whole, speed, WhooshSpec(), event_rng(3, "w", 0), SR)
        reader = WhooshVoice(n, speed, WhooshSpec(), event_rng(3, "w", 0), SR)
    else:
        material = MATERIALS[voice.split()[1]]  # metal rings on one shared bank, wood per hit
        hits = [Hit(at, 0.4 + 0.1 * (at % 5)) for at in (3, 4_090, 99_000, 100_000, 180_000, 229_990, n - 40)]
        whole = render_impacts(hits, material, event_rng(3, "i", 0), n, SR)
        reader = ImpactVoice(hits, material, event_rng(3, "i", 0), n, SR)
    assert float(np.max(np.abs(whole))) > 1e-3
    cuts = [0, 1, 4_097, 100_000, 100_001, 230_000, n]
    spans = np.concatenate([reader.block(a, b) for a, b in zip(cuts, cuts[1:])])
    np.testing.assert_array_equal(spans, whole)
    with pytest.raises(ValueError, match="follow each other"):
        reader.block(0, 10)
