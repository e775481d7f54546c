"""Audio files: Broadcast WAV (EBU Tech 3285 v2) writing and metadata reading, and reading any audio.

`soundfile` cannot write a `bext` chunk, so Broadcast WAV files are assembled here chunk by chunk:

    RIFF/WAVE, `fmt `, `bext` (only in `write_bwf`), `iXML` (when asked for), `data`

Every chunk is padded to an even size (the pad byte is not counted in the chunk size). Samples are
integer PCM, 16 or 24 bit, little-endian, interleaved; `WAVE_FORMAT_PCM` is used for one and two
channels and `WAVE_FORMAT_EXTENSIBLE` (channel mask 0: no speaker assignment) for more.

Float samples become integers by scaling with 2^(bits-1), rounding to nearest and clipping to the
representable range (so +1.0 becomes the largest positive code); no dither. RF64 (files over 4 GiB)
is not supported yet: such a write is refused.

Audio arrays are float32 numpy arrays of shape (channels, samples). Audio too long to hold whole
can be written from its blocks (any object with `shape` (channels, samples) and `blocks()`, a
`BlockAudio`), and files are read and rescaled a block at a time (`read_blocks`, `rescale_wav`).
"""

from __future__ import annotations

import os
import struct
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping

import numpy as np
import soundfile

from foley_assistant.core.errors import InputFileError, OutputError
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.audio_blocks import Audio, audio_shape, blocks_of, read_blocks

SUPPORTED_BIT_DEPTHS = (16, 24, 32)  # 16/24: integer PCM; 32: IEEE float, never clipped
#: More channels than this is almost certainly a (samples, channels) array passed by mistake.
MAX_CHANNELS = 64
#: The largest RIFF file: its size field (file size - 8) is an unsigned 32-bit number.
MAX_RIFF_BYTES = 0xFFFFFFFF + 8

BEXT_VERSION = 2
#: Value written to the five v2 loudness fields: 0x7FFF means "not calculated" (nothing here
#: measures loudness yet). Readers that treat 0 as "not set" will show +327.67 LUFS instead;
#: change this one constant to 0 if a target application needs that.
LOUDNESS_NOT_SET = 0x7FFF
IXML_VERSION = "1.61"

_WAVE_FORMAT_PCM = 0x0001
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_KSDATAFORMAT_SUBTYPE_PCM = bytes.fromhex("0100000000001000800000aa00389b71")
_WAVE_FORMAT_IEEE_FLOAT = 0x0003
_KSDATAFORMAT_SUBTYPE_IEEE_FLOAT = bytes.fromhex("0300000000001000800000aa00389b71")
_BEXT_FIXED_SIZE = 602  # bytes before CodingHistory
_BEXT_STRUCT = struct.Struct("<256s32s32s10s8sIIH64shhhhh180s")
_IXML_KEYS = ("project", "scene", "take", "tape", "note", "track_names", "timecode_rate", "timecode_flag")


@dataclass(frozen=True)
class BextInfo:
    """The fields of a `bext` chunk that this tool writes and reads.

    `time_reference` is the sample count since midnight (at the file's sample rate) of the first
    sample: the record timecode a DAW spots the file to. Strings are as stored (trailing NULs
    removed); `coding_history` keeps its CR/LF line ends.
    """

    description: str
    originator: str
    originator_reference: str
    origination_date: str
    origination_time: str
    time_reference: int
    version: int
    coding_history: str


# --------------------------------------------------------------------------------------------
# Writing


def origination_now() -> datetime:
    """The origination date and time a BWF is stamped with: now (local time), or the time of
    `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) when it is set, the reproducible-builds
    convention, for files that must be the same byte for byte from run to run."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc).replace(tzinfo=None)
    return datetime.now()


def write_bwf(
    path: str | os.PathLike[str],
    audio: Audio,
    sample_rate: int,
    *,
    bit_depth: int = 24,
    time_reference: int = 0,
    description: str = "",
    originator: str = "Foley Assistant",
    originator_reference: str = "",
    origination: datetime | None = None,
    coding_history: str = "",
    ixml: Mapping[str, Any] | None = None,
) -> None:
    """Write a Broadcast WAV file atomically.

    `audio` is float, shape (channels, samples), nominally within -1..1 (beyond is clipped, except
    at `bit_depth` 32, which writes IEEE float samples as they are): an array, or a `BlockAudio`
    written a block at a time.
    `time_reference` is the first sample's position in samples since midnight at `sample_rate`
    (record timecode 01:00:00:00 at 48 kHz is 172_800_000). Text fields are stored as ASCII
    (accents are dropped, other characters become '?') and cut to the field sizes of the
    standard (description 256, originator 32, originator reference 32 characters). `origination`
    defaults to `origination_now()` (now, or SOURCE_DATE_EPOCH). `coding_history` lines are stored with CR/LF ends.

    `ixml`, when given (even empty), adds an iXML chunk; its keys, all optional: project, scene,
    take, tape, note, track_names (one name per channel), timecode_rate (e.g. "24/1",
    "30000/1001"), timecode_flag ("NDF" or "DF").

    Raises `OutputError` for audio that cannot be written (not 2-D, not float, NaN/inf, a file over
    4 GiB) or a location that cannot be written.
    """
    audio = _checked_audio(audio)
    sample_rate = _checked_sample_rate(sample_rate)
    _check_bit_depth(bit_depth)
    if not isinstance(time_reference, (int, np.integer)) or not 0 <= int(time_reference) < 2**64:
        raise OutputError(f"the BWF time reference must be a whole number of samples since midnight within 0..2^64-1, got {time_reference!r}")
    when = origination if origination is not None else origination_now()
    chunks = [
        _fmt_chunk(audio.shape[0], sample_rate, bit_depth),
        _bext_chunk(
            description=description,
            originator=originator,
            originator_reference=originator_reference,
            origination=when,
            time_reference=int(time_reference),
            coding_history=coding_history,
        ),
    ]
    if ixml is not None:
        chunks.append(_ixml_chunk(ixml, audio.shape[0], sample_rate, bit_depth, int(time_reference)))
    _write_riff(path, chunks, audio, bit_depth)


def write_wav(path: str | os.PathLike[str], audio: Audio, sample_rate: int, bit_depth: int = 24) -> None:
    """Write a plain PCM WAV file (no `bext`, no iXML) atomically; same rules as `write_bwf`."""
    audio = _checked_audio(audio)
    sample_rate = _checked_sample_rate(sample_rate)
    _check_bit_depth(bit_depth)
    _write_riff(path, [_fmt_chunk(audio.shape[0], sample_rate, bit_depth)], audio, bit_depth)


def rescale_wav(path: str | os.PathLike[str], gain: float) -> None:
    """Multiply a WAV file written here by a linear `gain`, in place and atomically, keeping its
    format and every other chunk (`fmt `, `bext`, iXML) byte for byte. Integer samples are
    requantised (rounded, clipped at full scale); float samples are scaled as they are.

    Raises `InputFileError` when the file cannot be read, `OutputError` when it cannot be written.
    """
    path = Path(path)
    chunks: list[bytes] = []
    bit_depth = 0
    try:
        with open(path, "rb") as handle:
            for fourcc, size in _iter_chunks(handle, path):
                if fourcc == b"data":  # the samples are read a block at a time below
                    handle.seek(size + size % 2, os.SEEK_CUR)
                    continue
                payload = handle.read(size)
                handle.seek(size % 2, os.SEEK_CUR)
                if fourcc == b"fmt ":
                    bit_depth = struct.unpack("<H", payload[14:16])[0]
                chunks.append(_chunk(fourcc, payload))
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if bit_depth not in SUPPORTED_BIT_DEPTHS:
        raise InputFileError(f"{path} holds {bit_depth}-bit samples, which are not rescaled here; give a file Foley Assistant wrote.")
    _write_riff(path, chunks, _Scaled(path, np.float32(gain)), bit_depth)


@dataclass(frozen=True)
class _Scaled:
    """A file's samples times a gain, read a block at a time (a `BlockAudio`)."""

    path: Path
    gain: np.float32

    @property
    def shape(self) -> tuple[int, int]:
        return audio_shape(self.path)

    def blocks(self) -> Iterator[np.ndarray]:
        for block in read_blocks(self.path):
            block *= self.gain
            yield block


def _checked_audio(audio: Any) -> Audio:
    if not isinstance(audio, np.ndarray) and hasattr(audio, "blocks"):
        shape = tuple(audio.shape)
        if len(shape) != 2 or not 0 < shape[0] <= MAX_CHANNELS:
            raise OutputError(f"audio to write must be shaped (channels, samples) with 1..{MAX_CHANNELS} channels; got {shape}.")
        return audio
    array = np.asarray(audio)
    if array.ndim != 2:
        raise OutputError(f"audio to write must be a 2-D array shaped (channels, samples); got {array.ndim} dimension(s) with shape {array.shape}. Reshape mono audio with audio[np.newaxis, :].")
    if not np.issubdtype(array.dtype, np.floating):
        raise OutputError(f"audio to write must be floating point (nominally -1..1); got {array.dtype}. Convert integer samples to float first.")
    channels = array.shape[0]
    if channels == 0:
        raise OutputError("audio to write has no channels (shape (0, n)); give at least one channel.")
    if channels > MAX_CHANNELS:
        raise OutputError(
            f"audio to write has {channels} channels (shape {array.shape}); the limit is {MAX_CHANNELS}. Arrays are (channels, samples): was a (samples, channels) array passed? Transpose it."
        )
    return array


def _checked_sample_rate(sample_rate: Any) -> int:
    is_whole = isinstance(sample_rate, (int, np.integer)) and not isinstance(sample_rate, bool)
    if not is_whole or not 0 < int(sample_rate) < 2**32:
        raise OutputError(f"the sample rate must be a positive whole number of Hz, got {sample_rate!r}")
    return int(sample_rate)


def _check_bit_depth(bit_depth: Any) -> None:
    if bit_depth not in SUPPORTED_BIT_DEPTHS:
        raise OutputError(f"bit depth {bit_depth!r} is not supported; choose one of {SUPPORTED_BIT_DEPTHS}")


def _chunk(fourcc: bytes, payload: bytes) -> bytes:
    """A RIFF chunk: id, size, payload, and a pad byte when the payload is odd-sized."""
    pad = b"\x00" if len(payload) % 2 else b""
    return fourcc + struct.pack("<I", len(payload)) + payload + pad


def _fmt_chunk(channels: int, sample_rate: int, bit_depth: int) -> bytes:
    block_align = channels * (bit_depth // 8)
    byte_rate = sample_rate * block_align
    is_float = bit_depth == 32
    if channels <= 2:
        payload = struct.pack("<HHIIHH", _WAVE_FORMAT_IEEE_FLOAT if is_float else _WAVE_FORMAT_PCM, channels, sample_rate, byte_rate, block_align, bit_depth)
    else:
        payload = struct.pack(
            "<HHIIHHHHI16s",
            _WAVE_FORMAT_EXTENSIBLE,
            channels,
            sample_rate,
            byte_rate,
            block_align,
            bit_depth,
            22,  # cbSize: the extension's length
            bit_depth,  # valid bits per sample
            0,  # channel mask: no speaker assignment (stems are named in iXML instead)
            _KSDATAFORMAT_SUBTYPE_IEEE_FLOAT if is_float else _KSDATAFORMAT_SUBTYPE_PCM,
        )
    return _chunk(b"fmt ", payload)


def _ascii_field(text: str, size: int | None = None) -> bytes:
    """Text as ASCII bytes: accents dropped, other non-ASCII as '?', cut to `size` bytes."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    data = stripped.encode("ascii", errors="replace")
    return data if size is None else data[:size]


def bext_payload(
    *,
    description: str = "",
    originator: str = "Foley Assistant",
    originator_reference: str = "",
    origination: datetime | None = None,
    time_reference: int = 0,
    coding_history: str = "",
) -> bytes:
    """The contents of a `bext` chunk (without its id and size), padded to an even length.

    For writers that take the chunk's bytes (e.g. the BW64 writer of the EBU `ear` package).
    """
    history = coding_history.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    if history and not history.endswith("\r\n"):
        history += "\r\n"
    when = origination if origination is not None else origination_now()
    fixed = _BEXT_STRUCT.pack(
        _ascii_field(description, 256),
        _ascii_field(originator, 32),
        _ascii_field(originator_reference, 32),
        when.strftime("%Y-%m-%d").encode("ascii"),
        when.strftime("%H:%M:%S").encode("ascii"),
        time_reference & 0xFFFFFFFF,
        time_reference >> 32,
        BEXT_VERSION,
        bytes(64),  # UMID: none
        *([LOUDNESS_NOT_SET] * 5),
        bytes(180),
    )
    assert len(fixed) == _BEXT_FIXED_SIZE
    payload = fixed + _ascii_field(history)
    return payload + (b"\x00" if len(payload) % 2 else b"")


def _bext_chunk(
    *,
    description: str,
    originator: str,
    originator_reference: str,
    origination: datetime,
    time_reference: int,
    coding_history: str,
) -> bytes:
    return _chunk(
        b"bext",
        bext_payload(
            description=description,
            originator=originator,
            originator_reference=originator_reference,
            origination=origination,
            time_reference=time_reference,
            coding_history=coding_history,
        ),
    )


def _ixml_chunk(ixml: Mapping[str, Any], channels: int, sample_rate: int, bit_depth: int, time_reference: int) -> bytes:
    unknown = sorted(set(ixml) - set(_IXML_KEYS))
    if unknown:
        raise OutputError(f"unknown iXML field(s) {unknown}; the known ones are {list(_IXML_KEYS)}")
    names = ixml.get("track_names")
    if names is None:
        defaults = {1: ["Mono"], 2: ["L", "R"]}
        names = defaults.get(channels, [f"Ch{i}" for i in range(1, channels + 1)])
    names = [str(n) for n in names]
    if len(names) != channels:
        raise OutputError(f"iXML track_names has {len(names)} name(s) for {channels} channel(s); give one per channel")

    root = ET.Element("BWFXML")

    def add(parent: ET.Element, tag: str, value: Any) -> ET.Element:
        element = ET.SubElement(parent, tag)
        element.text = str(value)
        return element

    add(root, "IXML_VERSION", IXML_VERSION)
    for key in ("project", "scene", "take", "tape"):
        if ixml.get(key) is not None:
            add(root, key.upper(), ixml[key])
    add(root, "NOTE", ixml.get("note") or "")
    speed = ET.SubElement(root, "SPEED")
    if ixml.get("timecode_rate") is not None:
        add(speed, "TIMECODE_RATE", ixml["timecode_rate"])
        add(speed, "TIMECODE_FLAG", ixml.get("timecode_flag") or "NDF")
    add(speed, "FILE_SAMPLE_RATE", sample_rate)
    add(speed, "AUDIO_BIT_DEPTH", bit_depth)
    add(speed, "DIGITIZER_SAMPLE_RATE", sample_rate)
    add(speed, "TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_HI", time_reference >> 32)
    add(speed, "TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO", time_reference & 0xFFFFFFFF)
    add(speed, "TIMESTAMP_SAMPLE_RATE", sample_rate)
    track_list = ET.SubElement(root, "TRACK_LIST")
    add(track_list, "TRACK_COUNT", channels)
    for index, name in enumerate(names, start=1):
        track = ET.SubElement(track_list, "TRACK")
        add(track, "CHANNEL_INDEX", index)
        add(track, "INTERLEAVE_INDEX", index)
        add(track, "NAME", name)
    ET.indent(root)
    text = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
    return _chunk(b"iXML", text.encode("utf-8"))


def _write_riff(path: str | os.PathLike[str], chunks: list[bytes], audio: Audio, bit_depth: int) -> None:
    channels, frames = audio.shape
    data_size = channels * frames * (bit_depth // 8)
    riff_size = 4 + sum(len(c) for c in chunks) + 8 + data_size + (data_size % 2)
    if riff_size + 8 > MAX_RIFF_BYTES:
        raise OutputError(
            f"{path}: {channels} channel(s) x {frames} samples at {bit_depth} bit would make a "
            f"{(riff_size + 8) / 2**30:.2f} GiB WAV file; WAV is limited to 4 GiB and RF64 is not "
            "supported yet. Write shorter files or fewer channels."
        )
    try:
        with atomic_path(path) as temporary, open(temporary, "wb") as handle:
            handle.write(b"RIFF" + struct.pack("<I", riff_size) + b"WAVE")
            for chunk in chunks:
                handle.write(chunk)
            handle.write(b"data" + struct.pack("<I", data_size))
            written = 0
            for block in blocks_of(audio):
                if not np.issubdtype(block.dtype, np.floating) or block.shape[0] != channels or written + block.shape[1] > frames:
                    raise OutputError(f"{path}: a block of {block.shape} {block.dtype} does not fit the {channels} x {frames} float audio announced")
                handle.write(_pcm_bytes(block, bit_depth, written))
                written += block.shape[1]
            if written != frames:
                raise OutputError(f"{path}: {written} of the {frames} samples announced were given")
            if data_size % 2:
                handle.write(b"\x00")
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(f"cannot write {path}: {reason}. Check the folder exists, is writable and has space.") from exc


def _pcm_bytes(block: np.ndarray, bit_depth: int, first_frame: int) -> bytes:
    """Interleaved little-endian integer PCM of a (channels, frames) float block."""
    finite = np.isfinite(block)
    if not finite.all():
        channel, frame = (int(i[0]) for i in np.nonzero(~finite))
        raise OutputError(
            f"the audio holds a non-finite sample ({block[channel, frame]}) at channel {channel}, sample {first_frame + frame}; NaN or infinity cannot be written. Check the processing that made it."
        )
    if bit_depth == 32:  # IEEE float: written as it is, levels above full scale kept
        return np.ascontiguousarray(block.T, dtype="<f4").tobytes()
    if block.dtype.itemsize < 4:  # float16 cannot hold the integer scale
        block = block.astype(np.float32)
    scale = float(1 << (bit_depth - 1))
    # Scaling by a power of two is exact, so float32 input stays float32 here without loss.
    ints = np.rint(np.clip(block * block.dtype.type(scale), -scale, scale - 1)).astype("<i4")
    interleaved = np.ascontiguousarray(ints.T)  # (frames, channels)
    if bit_depth == 16:
        return interleaved.astype("<i2").tobytes()
    return interleaved.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()


# --------------------------------------------------------------------------------------------
# Reading


def read_bext(path: str | os.PathLike[str]) -> BextInfo | None:
    """The `bext` chunk of a WAV file, or None when it has none.

    Raises `InputFileError` when the file is missing, not a RIFF/WAVE file, or its `bext` chunk is cut short.
    """
    payload = _read_chunk(path, b"bext")
    if payload is None:
        return None
    if len(payload) < 348:
        raise InputFileError(f"the bext chunk of {path} is truncated ({len(payload)} bytes); the file is damaged.")
    fields = _BEXT_STRUCT.unpack(payload[:_BEXT_FIXED_SIZE].ljust(_BEXT_FIXED_SIZE, b"\x00"))
    description, originator, reference, date, time, low, high, version = fields[:8]
    return BextInfo(
        description=_text(description),
        originator=_text(originator),
        originator_reference=_text(reference),
        origination_date=_text(date),
        origination_time=_text(time),
        time_reference=(high << 32) | low,
        version=version,
        coding_history=_text(payload[_BEXT_FIXED_SIZE:]),
    )


def read_ixml(path: str | os.PathLike[str]) -> str | None:
    """The iXML document of a WAV file as text, or None when it has none.

    Raises `InputFileError` when the file is missing or not a RIFF/WAVE file.
    """
    payload = _read_chunk(path, b"iXML")
    return None if payload is None else payload.rstrip(b"\x00").decode("utf-8", errors="replace")


def read_audio(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Any audio file soundfile can decode, as float32 (channels, samples) and its sample rate.

    Raises `InputFileError` when the file is missing or cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"audio file not found: {path}. Check the path.")
    try:
        data, sample_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.SoundFileError, RuntimeError, OSError) as exc:
        raise InputFileError(f"cannot read {path} as audio ({exc}). Use a WAV, AIFF or FLAC file that is not damaged.") from exc
    return np.ascontiguousarray(data.T), int(sample_rate)


def _text(raw: bytes) -> str:
    return raw.split(b"\x00", 1)[0].decode("utf-8", errors="replace")


def _read_chunk(path: str | os.PathLike[str], wanted: bytes) -> bytes | None:
    """The payload of the first chunk with id `wanted`, or None."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"WAV file not found: {path}. Check the path.")
    try:
        with open(path, "rb") as handle:
            for fourcc, size in _iter_chunks(handle, path):
                if fourcc == wanted:
                    payload = handle.read(size)
                    if len(payload) < size:
                        raise InputFileError(f"the {wanted.decode('ascii').strip()} chunk of {path} is cut short; the file is damaged.")
                    return payload
                handle.seek(size + (size % 2), os.SEEK_CUR)
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return None


def _iter_chunks(handle: BinaryIO, path: Path) -> Iterator[tuple[bytes, int]]:
    """Yield (id, size) of each chunk, the file positioned at its payload.

    The caller moves past the payload and its pad byte before asking for the next one.
    """
    header = handle.read(12)
    if len(header) < 12 or header[8:12] != b"WAVE" or header[:4] not in (b"RIFF", b"RF64", b"BW64"):
        raise InputFileError(f"{path} is not a WAV file (no RIFF/WAVE header). Give a .wav file.")
    if header[:4] != b"RIFF":
        raise InputFileError(f"{path} is an RF64/BW64 file, which is not supported yet. Give a plain WAV file.")
    while True:
        chunk_header = handle.read(8)
        if len(chunk_header) < 8:
            return
        fourcc, size = chunk_header[:4], struct.unpack("<I", chunk_header[4:])[0]
        yield fourcc, size
