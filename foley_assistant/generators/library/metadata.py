"""What an audio file says about itself, read from its header only (never its samples).

WAV/BWF (and RF64) are read chunk by chunk: `fmt ` gives rate, channels and frame size; `data`
(or the ds64 chunk of RF64) the length; `bext` its 256-byte Description; `LIST/INFO` the INAM
title, ICMT comment and IKEY keywords. Chunks are skipped by seeking, so a file costs a few small
reads whatever its size. FLAC and AIFF are read with soundfile's header info (and FLAC's Vorbis
comments for title and comment). A file that cannot be read gives `HeaderInfo.error`.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass

import soundfile

AUDIO_SUFFIXES = (".wav", ".wave", ".bwf", ".flac", ".aif", ".aiff", ".aifc")


@dataclass(frozen=True)
class HeaderInfo:
    """Header facts of one file (duration in seconds; texts '' when absent)."""

    duration_s: float = 0.0
    sample_rate: int = 0
    channels: int = 0
    format: str = ""
    description: str = ""
    title: str = ""
    keywords: str = ""
    error: str = ""


def read_header(path: str | os.PathLike[str]) -> HeaderInfo:
    """The header facts of an audio file; never raises for a bad file (see `error`)."""
    suffix = os.path.splitext(str(path))[1].lower()
    try:
        if suffix in (".wav", ".wave", ".bwf"):
            return _read_wav(path)
        info = soundfile.info(str(path))
        title = comment = ""
        if info.format == "FLAC":
            with soundfile.SoundFile(str(path)) as handle:
                tags = handle.copy_metadata()
            title, comment = tags.get("title", ""), tags.get("comment", "")
        return HeaderInfo(float(info.duration), int(info.samplerate), int(info.channels), info.format, comment, title)
    except (OSError, RuntimeError, ValueError, struct.error, soundfile.SoundFileError) as exc:
        return HeaderInfo(error=f"{type(exc).__name__}: {exc}"[:200])


def _read_wav(path: str | os.PathLike[str]) -> HeaderInfo:
    with open(path, "rb") as handle:
        head = handle.read(12)
        if len(head) < 12 or head[8:12] != b"WAVE" or head[:4] not in (b"RIFF", b"RF64", b"BW64"):
            raise ValueError("not a RIFF/RF64 WAVE file")
        channels = sample_rate = block_align = 0
        data_size = big_data_size = None
        description = title = comment = keywords = ""
        while True:
            chunk = handle.read(8)
            if len(chunk) < 8:
                break
            fourcc, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            start = handle.tell()
            if fourcc == b"fmt ":
                fmt = handle.read(min(size, 16))
                _, channels, sample_rate, _, block_align = struct.unpack("<HHIIH", fmt[:14])
            elif fourcc == b"ds64":
                big_data_size = struct.unpack("<Q", handle.read(16)[8:16])[0]
            elif fourcc == b"data":
                data_size = size
            elif fourcc == b"bext":
                description = _text(handle.read(min(size, 256)))
            elif fourcc == b"LIST" and size >= 4 and handle.read(4) == b"INFO":
                title, comment, keywords = _info(handle.read(min(size - 4, 65536)))
            if fourcc == b"data" and (size == 0xFFFFFFFF or big_data_size is not None):
                data_size = big_data_size if big_data_size is not None else data_size
            handle.seek(start + size + (size & 1))
        if not (channels and sample_rate and block_align) or data_size is None:
            raise ValueError("no fmt or data chunk")
        duration = data_size / block_align / sample_rate
        return HeaderInfo(duration, sample_rate, channels, "WAV", description or comment, title, keywords)


def _info(payload: bytes) -> tuple[str, str, str]:
    """(INAM, ICMT, IKEY) of a LIST/INFO payload."""
    found: dict[bytes, str] = {}
    at = 0
    while at + 8 <= len(payload):
        fourcc, size = payload[at : at + 4], struct.unpack("<I", payload[at + 4 : at + 8])[0]
        found[fourcc] = _text(payload[at + 8 : at + 8 + size])
        at += 8 + size + (size & 1)
    return found.get(b"INAM", ""), found.get(b"ICMT", ""), found.get(b"IKEY", "")


def _text(raw: bytes) -> str:
    """A NUL-padded text field, decoded leniently (UTF-8, else Latin-1)."""
    raw = raw.split(b"\0", 1)[0]
    try:
        return raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        return raw.decode("latin-1").strip()
