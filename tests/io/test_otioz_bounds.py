"""An .otioz that would unpack far beyond its own size (a zip bomb) is refused before anything is
unpacked; an honest bundle (media barely compresses) is read."""

from __future__ import annotations

import zipfile

import pytest

from foley_assistant.core.errors import TimelineError
from foley_assistant.io import timeline


def test_a_bundle_that_would_unpack_a_thousand_fold_is_refused_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(timeline, "SUSPICIOUS_EXPANSION_BYTES", 4 << 20)  # 4 MB stands in for 1 GB
    bomb = tmp_path / "cut.otioz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("content.otio", '{"OTIO_SCHEMA": "Timeline.1", "name": "x", "tracks": null}')
        bundle.writestr("media/zeros.wav", b"\0" * (8 << 20))
    before = {p.name for p in tmp_path.iterdir()}
    with pytest.raises(TimelineError, match="would unpack to .* times its size"):
        timeline.check_bundle_expansion(bomb)
    with pytest.raises(TimelineError, match="Nothing was unpacked"):
        timeline.read_timeline(bomb)
    assert {p.name for p in tmp_path.iterdir()} == before


def test_an_honest_bundle_passes_the_check(tmp_path, monkeypatch):
    import numpy as np

    monkeypatch.setattr(timeline, "SUSPICIOUS_EXPANSION_BYTES", 1 << 20)
    honest = tmp_path / "cut.otioz"
    noise = np.random.default_rng(1).integers(0, 256, 3 << 20, dtype=np.uint8).tobytes()  # like audio: incompressible
    with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("media/take.wav", noise)
    timeline.check_bundle_expansion(honest)


def test_a_bundle_of_a_zip_version_python_cannot_read_is_refused_in_one_line(tmp_path):
    """Found by tests/fuzz: a damaged central directory that names zip version 23.5 raised
    NotImplementedError, an internal error."""
    bundle = tmp_path / "cut.otioz"
    with zipfile.ZipFile(bundle, "w") as archive:
        archive.writestr("content.otio", "{}")
    data = bytearray(bundle.read_bytes())
    data[data.index(b"PK\x01\x02") + 6] = 235  # the version needed to extract: 23.5
    bundle.write_bytes(bytes(data))
    with pytest.raises(TimelineError, match=r"'cut.otioz': it is not a readable .otioz bundle \(zip file version 23.5\)"):
        timeline.read_timeline(bundle)
