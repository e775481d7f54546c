"""Audio as blocks: what the writers of `io.audio` take besides a whole array (`BlockAudio`: any
object with `shape` (channels, samples) and `blocks()`), and files read a block at a time, so
audio of any length is written, read and rescaled in memory of one block."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator, Protocol, Union

import numpy as np
import soundfile

from foley_assistant.core.errors import InputFileError

BLOCK_FRAMES = 1 << 18  # frames converted per step, to bound memory on long files


class BlockAudio(Protocol):
    """Audio given as its consecutive blocks: `shape` (channels, samples) and `blocks()`, the
    float (channels, m) blocks that cover it in order (read once per write)."""

    @property
    def shape(self) -> tuple[int, int]: ...

    def blocks(self) -> Iterable[np.ndarray]: ...


#: What the writers take: a whole (channels, samples) array or its blocks.
Audio = Union[np.ndarray, BlockAudio]


def blocks_of(audio: Audio) -> Iterable[np.ndarray]:
    """An array's blocks of `BLOCK_FRAMES`, or a `BlockAudio`'s own."""
    if isinstance(audio, np.ndarray):
        return (audio[:, start : start + BLOCK_FRAMES] for start in range(0, audio.shape[1], BLOCK_FRAMES))
    return audio.blocks()


def audio_shape(path: str | os.PathLike[str]) -> tuple[int, int]:
    """(channels, samples) of an audio file, read from its header.

    Raises `InputFileError` when the file is missing or cannot be decoded.
    """
    try:
        info = soundfile.info(str(path))
    except (soundfile.SoundFileError, RuntimeError, OSError) as exc:
        raise InputFileError(f"cannot read {path} as audio ({exc}). Use a WAV, AIFF or FLAC file that is not damaged.") from exc
    return int(info.channels), int(info.frames)


def read_blocks(path: str | os.PathLike[str], frames: int = BLOCK_FRAMES) -> Iterator[np.ndarray]:
    """An audio file's samples as consecutive float32 (channels, m) blocks of `frames` (the
    values `read_audio` gives, in memory of one block).

    Raises `InputFileError` when the file is missing or cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"audio file not found: {path}. Check the path.")
    try:
        with soundfile.SoundFile(str(path)) as handle:
            while True:
                block = handle.read(frames, dtype="float32", always_2d=True)
                if block.shape[0] == 0:
                    return
                yield np.ascontiguousarray(block.T)
    except (soundfile.SoundFileError, RuntimeError, OSError) as exc:
        raise InputFileError(f"cannot read {path} as audio ({exc}). Use a WAV, AIFF or FLAC file that is not damaged.") from exc
