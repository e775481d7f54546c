"""Audio written from its blocks and files rescaled a block at a time: the same bytes as from a
whole array, a wrong length refused with nothing left behind, memory that does not grow with the file."""

from __future__ import annotations

import tracemalloc
from datetime import datetime

import numpy as np
import pytest

from foley_assistant.core.errors import OutputError
from foley_assistant.io.audio import read_audio, rescale_wav, write_bwf
from foley_assistant.io.audio_blocks import audio_shape, read_blocks

SR = 48000
WHEN = datetime(2026, 1, 2, 3, 4, 5)


class _Blocks:
    """An array given as blocks of an odd size (a `BlockAudio`), or fewer samples than announced."""

    def __init__(self, audio: np.ndarray, block: int = 7_777, short_by: int = 0) -> None:
        self.audio, self.block, self.short_by = audio, block, short_by

    @property
    def shape(self) -> tuple[int, int]:
        return self.audio.shape

    def blocks(self):
        end = self.audio.shape[1] - self.short_by
        for start in range(0, end, self.block):
            yield self.audio[:, start : min(start + self.block, end)]


def _audio(seconds: float, channels: int = 2) -> np.ndarray:
    return (np.random.default_rng(7).standard_normal((channels, int(seconds * SR))) * 0.2).astype(np.float32)


@pytest.mark.parametrize("bits", [24, 32])
def test_blocks_are_written_byte_for_byte_as_the_array(tmp_path, bits):
    audio = _audio(2.0)
    write_bwf(tmp_path / "whole.wav", audio, SR, bit_depth=bits, origination=WHEN, description="d")
    write_bwf(tmp_path / "blocks.wav", _Blocks(audio), SR, bit_depth=bits, origination=WHEN, description="d")
    assert (tmp_path / "blocks.wav").read_bytes() == (tmp_path / "whole.wav").read_bytes()


def test_blocks_short_of_the_length_announced_are_refused_and_nothing_is_left(tmp_path):
    with pytest.raises(OutputError, match="of the 96000 samples announced"):
        write_bwf(tmp_path / "short.wav", _Blocks(_audio(2.0), short_by=10), SR)
    assert list(tmp_path.iterdir()) == []


def test_a_file_is_read_in_blocks_as_it_is_read_whole(tmp_path):
    audio = _audio(1.0, channels=3)
    write_bwf(tmp_path / "a.wav", audio, SR, bit_depth=32)
    blocks = list(read_blocks(tmp_path / "a.wav", frames=10_000))
    assert len(blocks) == 5 and audio_shape(tmp_path / "a.wav") == (3, SR)
    np.testing.assert_array_equal(np.concatenate(blocks, axis=1), read_audio(tmp_path / "a.wav")[0])


def _rescale_peak(path) -> int:
    tracemalloc.start()
    try:
        rescale_wav(path, 0.5)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_rescaling_holds_one_block_whatever_the_length(tmp_path):
    """A file four times longer is rescaled in the same memory (within 1 MB), well under the
    size of the whole file as float32; its samples are the old ones times the gain."""
    peaks = {}
    for seconds in (15, 60):
        write_bwf(tmp_path / f"{seconds}.wav", _audio(seconds), SR, bit_depth=32)
        before = read_audio(tmp_path / f"{seconds}.wav")[0] if seconds == 15 else None
        peaks[seconds] = _rescale_peak(tmp_path / f"{seconds}.wav")
        if before is not None:
            np.testing.assert_array_equal(read_audio(tmp_path / "15.wav")[0], before * np.float32(0.5))
    assert abs(peaks[60] - peaks[15]) < 2**20
    assert peaks[60] < 0.5 * 60 * SR * 2 * 4
