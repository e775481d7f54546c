"""`train generator --library DIR` (issue 18, item 6): the targets are the editor's own sounds
(the library engine on synthetic scenes), and a tiny fine-tune runs on the CPU."""

from __future__ import annotations

import json

import numpy as np
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.model.library_targets import index_library
from foley_assistant.model.scenes import make_example

RATE = 48000


def _library(root):
    """A tiny SFX library: footsteps (a 900 Hz tone burst, nothing like the procedural steps),
    a ball bounce and a car engine."""
    (root / "Foley").mkdir(parents=True)
    t = np.arange(int(0.15 * RATE)) / RATE
    step = (0.5 * np.sin(2 * np.pi * 900 * t) * np.exp(-t / 0.03)).astype(np.float32)
    for i in range(3):
        soundfile.write(root / "Foley" / f"FEETHmn_Concrete Walk {i}_ABC_TestLib.wav", step * (0.8 + 0.1 * i), RATE)
    soundfile.write(root / "rubber ball bounce.wav", step[: RATE // 20], RATE)
    engine = (0.2 * np.sin(2 * np.pi * 60 * np.arange(2 * RATE) / RATE)).astype(np.float32)
    soundfile.write(root / "VEHCar_Sedan Idle Loop_ABC_TestLib.wav", engine, RATE)
    return root


def test_library_targets_sound_like_the_library(tmp_path):
    source = index_library(_library(tmp_path / "sfx"), tmp_path / "model")
    seed = next(s for s in range(40) if any(o.label == "person" for o in make_example(s, 2.0, (32, 56)).tracks.objects))
    procedural, library = make_example(seed, 2.0, (32, 56)), make_example(seed, 2.0, (32, 56), library=source)
    assert library.tracks == procedural.tracks and np.array_equal(library.frames, procedural.frames)
    k = next(i for i, o in enumerate(library.tracks.objects) if o.label == "person")

    def share_near_900_hz(stem: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(stem.mean(axis=0))) ** 2
        freqs = np.fft.rfftfreq(stem.shape[-1], 1 / RATE)
        return float(spectrum[(freqs > 850) & (freqs < 950)].sum() / spectrum.sum())

    # the walker's steps are the library's tone bursts, not the procedural footsteps
    assert share_near_900_hz(library.stems[k]) > 0.3 > 10 * share_near_900_hz(procedural.stems[k])


def test_a_tiny_generator_fine_tunes_on_library_targets_on_the_cpu(tmp_path, tiny_model_dir, capsys):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir / "codec", model / "codec")
    common = ["--model", str(model), "--size", "tiny", "--steps", "2", "--batch", "2", "--workers", "0", "--device", "cpu", "-q"]
    assert main(["train", "generator", *common, "--library", str(_library(tmp_path / "sfx")), "--from", str(tiny_model_dir)]) == 0
    assert (model / "generator" / "weights.safetensors").is_file() and (model / "library.sqlite").is_file()
    losses = [json.loads(line) for line in (model / "generator.log.jsonl").read_text().splitlines()]
    assert len(losses) == 2 and all(np.isfinite(r["loss"]) for r in losses)
    assert main(["train", "codec", "--model", str(tmp_path / "other"), "--library", str(tmp_path / "sfx"), "--steps", "1", "--device", "cpu", "-q"]) == 2
    assert "use it with `train generator`" in capsys.readouterr().err
    assert main(["train", "generator", *common[:2], "--library", str(tmp_path / "nothing"), "--steps", "1", "--device", "cpu", "-q", "--resume"]) == 2
    assert "is not a folder" in capsys.readouterr().err
