"""32-bit float BWF: written unclipped and read back exactly (the dry sources use it)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile

from foley_assistant.io.audio import read_audio, read_bext, write_bwf


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_float_bwf_keeps_levels_above_full_scale(tmp_path, channels):
    rng = np.random.default_rng(3)
    audio = (rng.standard_normal((channels, 999)) * 1.7).astype(np.float32)
    assert np.abs(audio).max() > 1.5
    path = tmp_path / "dry.wav"
    write_bwf(path, audio, 48000, bit_depth=32, time_reference=172_800_000, ixml={"track_names": ["x"] * channels})
    info = soundfile.info(str(path))
    assert info.subtype == "FLOAT" and info.channels == channels and info.frames == 999
    back, rate = read_audio(path)
    assert rate == 48000 and np.array_equal(back, audio)
    assert read_bext(path).time_reference == 172_800_000
