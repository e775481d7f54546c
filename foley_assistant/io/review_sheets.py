"""The files behind review.html: a few picture frames in, a stem's peak envelope in, PNGs out.

Everything here is bounded: frames are decoded one at a time at a small width (only the ones
asked for, seeking between them), a stem is read in blocks, and a PNG is written atomically to a
path that must lie inside the output folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import soundfile

from foley_assistant.core.errors import InputFileError, OutputError
from foley_assistant.core.safe_paths import resolve_inside
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.frame_reader import FrameReader

READ_BLOCK_SAMPLES = 1 << 16  # a stem is read this many samples (per channel) at a time
PNG_COMPRESSION = 2  # zlib level: near the smallest file for live-action sheets at a third of level 6's time


def write_png(root: Path, relative: str, image: np.ndarray) -> str:
    """Write an RGB uint8 (H, W, 3) image as PNG at `root/relative`, atomically.

    The path must stay inside `root` (no '..', no absolute path): the review never writes outside
    the output folder. Returns `relative` (POSIX), for the page's link.
    """
    target = resolve_inside(root, relative, "review image")
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(image, dtype=np.uint8), cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise OutputError(f"could not encode the review image {relative} as PNG")
    with atomic_path(target) as temporary:
        temporary.write_bytes(encoded.tobytes())
    return Path(relative).as_posix()


def read_picture_frames(media: str | os.PathLike[str], frame_numbers: list[int], max_width: int) -> list[tuple[int, np.ndarray]]:
    """RGB pictures (at most `max_width` wide) of the given frames of a video file, in order.

    Only the frames asked for are converted; the reader decodes forward between close ones and
    seeks between far ones. Raises MediaError when the file cannot be opened or decoded.
    """
    pictures = []
    with FrameReader(media, max_width=max_width, cache_frames=1) as reader:
        for number in sorted(set(frame_numbers)):
            pictures.append((number, reader.frame(number).copy()))
    return pictures


@dataclass(frozen=True)
class PeakEnvelope:
    """The peak level of each channel over `columns` equal slices of a stem.

    `peaks` is (channels, columns), linear full scale; a slice past the end of a short file is 0.
    """

    peaks: np.ndarray
    sample_rate: int
    length_samples: int


def read_peak_envelope(path: str | os.PathLike[str], columns: int) -> PeakEnvelope:
    """The per-slice peak of each channel of an audio file, read block by block (bounded memory).

    Raises InputFileError when the file is missing or cannot be decoded.
    """
    if columns < 1:
        raise ValueError(f"an envelope needs at least one column, got {columns}")
    try:
        with soundfile.SoundFile(str(path)) as sound:
            length, channels, sample_rate = sound.frames, sound.channels, sound.samplerate
            per_column = max(1, -(-length // columns))
            peaks = np.zeros((channels, columns), dtype=np.float32)
            block = per_column * max(1, READ_BLOCK_SAMPLES // per_column)
            column = 0
            for data in sound.blocks(blocksize=block, dtype="float32", always_2d=True):
                whole = -(-len(data) // per_column)
                padded = np.zeros((whole * per_column, channels), dtype=np.float32)
                padded[: len(data)] = np.abs(data)
                slice_peaks = padded.reshape(whole, per_column, channels).max(axis=1).T
                stop = min(columns, column + whole)
                peaks[:, column:stop] = slice_peaks[:, : stop - column]
                column = stop
    except (soundfile.SoundFileError, RuntimeError, OSError) as exc:
        raise InputFileError(f"cannot read {path} for its waveform ({exc}).") from exc
    return PeakEnvelope(peaks, int(sample_rate), int(length))
