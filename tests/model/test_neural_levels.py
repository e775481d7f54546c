"""Levels and artefacts of the neural engine's stems (issue 18, item 3): the decoder's gains
interpolated (no steps at latent frame boundaries), stems brought within range of the procedural
engine's level for the same object, peaks limited, the mix on its loudness target, and the onsets
heard in the generated audio logged as events."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
import soundfile

torch = pytest.importorskip("torch")

from foley_assistant.model.codec import tamed  # noqa: E402
from foley_assistant.pipeline.generate import GenerateRequest, run_generate  # noqa: E402
from foley_assistant.pipeline.spine.neural_levels import (  # noqa: E402
    active_level_db,
    largest_jump_db,
    limit_peaks,
    match_level,
    onset_events,
    stem_loudness,
)
from foley_assistant.spatial.loudness import LoudnessSettings  # noqa: E402

BUNDLED = Path(str(files("foley_assistant.resources"))) / "model"
RATE = 48000


def test_the_decoders_taming_gain_has_no_step_at_frame_boundaries():
    hop = 960
    t = np.arange(40 * hop) / RATE
    # a decoder output off its manifold: a tone 40 to 160 dB over unit level, its level changing
    # smoothly by up to 25 dB from one frame to the next
    level = 10 ** ((100 + 60 * np.sin(2 * np.pi * t / 0.3)) / 20)
    unit = torch.tensor(np.stack([np.sin(2 * np.pi * 220 * t), np.sin(2 * np.pi * 330 * t)]) * level, dtype=torch.float32)[None]
    out = tamed(unit, hop)[0].numpy()
    jumps = np.abs(np.diff(out, axis=-1)).max(axis=0)
    boundaries = np.arange(hop - 1, len(jumps), hop)
    inside = np.setdiff1d(np.arange(len(jumps)), boundaries)
    # a gain held per frame stepped at every boundary: jumps 20 times the tone's own steps
    assert jumps[boundaries].max() < 1.5 * jumps[inside].max()


def test_match_level_brings_a_stem_to_the_references_loudness_and_leaves_a_silent_one_alone():
    rng = np.random.default_rng(1)
    reference = rng.normal(0, 0.01, (2, RATE)).astype(np.float32)
    hot = reference * 100  # 40 dB hotter
    match = match_level(hot, reference, RATE)
    assert match.gain_db == pytest.approx(-40, abs=0.1) and not match.silent
    assert match_level(reference * 0.5, reference, RATE).gain_db == pytest.approx(6.02, abs=0.1)
    silent = match_level(reference * 1e-3, reference, RATE)
    assert silent.silent and silent.gain_db == 0.0
    assert active_level_db(np.zeros((2, RATE)), RATE) is None
    # the active level is the sound's level, not diluted by the silence around it
    burst = np.zeros((2, RATE), np.float32)
    burst[:, :4800] = 0.1
    assert active_level_db(burst, RATE) == pytest.approx(-20.0, abs=0.01)


def test_the_peak_limiter_holds_its_ceiling_and_leaves_quiet_audio_untouched():
    rng = np.random.default_rng(2)
    audio = rng.normal(0, 0.05, (2, RATE)).astype(np.float32)
    audio[:, 20000:20010] = 3.0  # a spike 36 dB over the noise
    limited = limit_peaks(audio, RATE, 0.5)
    assert np.abs(limited).max() <= 0.5 + 1e-6
    assert np.array_equal(limited[:, :19000], audio[:, :19000])  # nothing far from the spike changes
    quiet = audio * 0.01
    assert np.array_equal(limit_peaks(quiet, RATE, 0.5), quiet)
    assert largest_jump_db(audio) > 30 and largest_jump_db(limited) < largest_jump_db(audio) - 10


def test_onsets_of_generated_audio_are_events_of_the_objects_kind():
    audio = np.zeros(2 * RATE, np.float32)
    for start in (0.3, 0.8, 1.4):
        n = int(start * RATE)
        audio[n : n + 2400] = np.random.default_rng(int(start * 10)).normal(0, 0.3, 2400) * np.exp(-np.arange(2400) / 400)
    steps = onset_events(audio, RATE, "person", "O1")
    assert [round(e.time_s, 2) for e in steps] == [0.3, 0.8, 1.4]
    assert {e.kind for e in steps} == {"footfall"} and all(e.object_id == "O1" for e in steps)
    assert {e.kind for e in onset_events(audio, RATE, "ball", "O2")} == {"impact"}
    assert onset_events(np.zeros(RATE), RATE, "person", "O1") == ()


def _pre_gain_stems(out: Path) -> dict[tuple[str, str], np.ndarray]:
    """Stems by (shot, object), divided by their shot's loudness gain (as the engine made them)."""
    report = json.loads((out / "report.json").read_text())
    gains = {shot["id"]: shot["loudness"]["gain_db"] for shot in report["shots"]}
    stems = {}
    for stem in report["stems"]:
        audio, _ = soundfile.read(out / stem["path"], always_2d=True, dtype="float32")
        stems[(stem["shot"], stem["object"])] = audio.T / 10 ** (gains[stem["shot"]] / 20)
    return stems


def test_the_shipped_models_stems_are_at_the_procedural_engines_level_and_the_mix_on_target(small_cut, tmp_path):
    out, cut_only = tmp_path / "neural", tmp_path / "procedural"
    # each shot's mix to the target (the reel's one gain would put the reel there, not each shot)
    per_shot = LoudnessSettings(scope="shot")
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, engine="neural", model_dir=BUNDLED, loudness=per_shot))
    # the procedural engine's sound of the same cut, as the neural levels' references are made:
    # without handles (with them it is generated over a longer span, other samples in the cut)
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=cut_only, handles_s=0.0, loudness=per_shot))
    report = json.loads((out / "report.json").read_text())
    neural, procedural = _pre_gain_stems(out), _pre_gain_stems(cut_only)
    assert neural.keys() == procedural.keys()
    made_by_model = [s for s in report["stems"] if s["engine"] == "neural"]
    assert made_by_model
    for key, stem in neural.items():
        reference = procedural[key]
        # at the procedural engine's loudness (under it by what the peak limiter took)
        assert -3.0 <= stem_loudness(stem, RATE) - stem_loudness(reference, RATE) <= 0.5, key
        assert np.abs(stem).max() <= np.abs(reference).max() + 1e-4, key  # peaks no higher than the procedural engine's
        assert largest_jump_db(stem) <= max(largest_jump_db(r) for r in procedural.values()) + 3.0, key  # no click
    for shot in report["shots"]:
        assert shot["loudness"]["loudness_lufs"] == pytest.approx(-23.0, abs=0.5)
    for stem in made_by_model:
        assert stem["events"] == len(stem["event_log"]) > 0
        assert all(e["cause"] == "onset in the generated audio" for e in stem["event_log"])
        assert "to the procedural engine's" in stem["voice_reason"]
