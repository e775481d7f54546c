"""A long sound waits in its temporary file until it is written: the spine (loudness gain applied
in the file, dry source written from it a block at a time, stems and mix rendered from it) gives
the same files, sample for sample, as with every sound held in memory."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from foley_assistant.cli.main import main
from foley_assistant.core import samples
from foley_assistant.io.audio import read_audio
from tests.pipeline.test_generate_memory import _inputs


def _made(folder: Path) -> dict[str, np.ndarray]:
    cut, tracks = _inputs(folder, 6)
    assert main(["generate", str(cut), "--tracks", str(tracks), "--out", str(folder / "out"), "-q"]) == 0
    return {p.relative_to(folder / "out").as_posix(): read_audio(p)[0] for p in sorted((folder / "out").rglob("*.wav"))}


def test_sounds_spilled_to_their_files_make_the_same_stems_dry_sources_and_mix(tmp_path, monkeypatch, capsys):
    (tmp_path / "held").mkdir()
    (tmp_path / "spilled").mkdir()
    held = _made(tmp_path / "held")
    spilled_sounds: list[int] = []
    original = samples.SpilledSamples.__init__

    def counting(self: samples.SpilledSamples, handle: object, n_samples: int) -> None:
        spilled_sounds.append(n_samples)
        original(self, handle, n_samples)

    monkeypatch.setattr(samples, "SPILL_SAMPLES", 1000)
    monkeypatch.setattr(samples.SpilledSamples, "__init__", counting)
    spilled = _made(tmp_path / "spilled")
    assert spilled_sounds  # the sounds went to their files
    assert sorted(held) == sorted(spilled) and any(name.startswith("dry/") for name in held) and any(name.startswith("mix/") for name in held)
    for name, audio in held.items():
        assert float(np.max(np.abs(audio))) > 1e-4, name
        np.testing.assert_array_equal(spilled[name], audio, err_msg=name)
