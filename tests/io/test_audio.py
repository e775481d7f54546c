"""Broadcast WAV writing and reading (foley_assistant.io.audio)."""

from __future__ import annotations

import struct
import time
import wave
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile

from foley_assistant.core.errors import InputFileError, OutputError
from foley_assistant.io.audio import (
    BextInfo,
    read_audio,
    read_bext,
    read_ixml,
    rescale_wav,
    write_bwf,
    write_wav,
)

LSB_24 = 1.0 / 2**23
WHEN = datetime(2024, 3, 9, 14, 5, 30)


def _noise(channels: int, frames: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.uniform(-0.99, 0.99, size=(channels, frames))).astype(np.float32)


def _only_file(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _decode_int24(raw: bytes) -> np.ndarray:
    b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
    v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
    return np.where(v >= 1 << 23, v - (1 << 24), v)


def test_soundfile_reads_samples_within_one_lsb(tmp_path: Path) -> None:
    audio = _noise(2, 48000)
    audio[:, :4] = [[0.0, 1.0, -1.0, 0.5], [LSB_24, -LSB_24, 0.25, -0.75]]
    path = tmp_path / "stem.wav"
    write_bwf(path, audio, 48000, origination=WHEN)

    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (48000, 2, "PCM_24", 48000)
    data, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    assert rate == 48000
    assert np.max(np.abs(data.T - audio.astype(np.float64))) <= LSB_24 * 1.0001


def test_read_audio_returns_channels_first_float32(tmp_path: Path) -> None:
    audio = _noise(2, 1000)
    path = tmp_path / "stem.wav"
    write_bwf(path, audio, 44100)
    back, rate = read_audio(path)
    assert rate == 44100 and back.dtype == np.float32 and back.shape == (2, 1000)
    assert np.max(np.abs(back - audio)) <= LSB_24 * 1.0001


@pytest.mark.parametrize("channels", [1, 2, 6])
@pytest.mark.parametrize("bit_depth", [16, 24])
def test_channel_counts_and_bit_depths(tmp_path: Path, channels: int, bit_depth: int) -> None:
    audio = _noise(channels, 1001)  # odd frame count: odd data size for mono 24-bit, needs a pad byte
    path = tmp_path / "x.wav"
    write_bwf(path, audio, 48000, bit_depth=bit_depth, ixml={})
    info = soundfile.info(str(path))
    assert info.channels == channels and info.subtype == f"PCM_{bit_depth}" and info.frames == 1001
    data, _ = soundfile.read(str(path), dtype="float64", always_2d=True)
    assert np.max(np.abs(data.T - audio)) <= 1.0001 / 2 ** (bit_depth - 1)
    assert path.stat().st_size % 2 == 0
    assert read_bext(path) is not None and read_ixml(path) is not None


def test_standard_wave_module_reads_header_sizes(tmp_path: Path) -> None:
    audio = _noise(2, 4801)
    path = tmp_path / "stem.wav"
    write_bwf(path, audio, 48000, description="door slam", ixml={"project": "P"})
    with wave.open(str(path), "rb") as reader:
        assert reader.getnchannels() == 2
        assert reader.getsampwidth() == 3
        assert reader.getframerate() == 48000
        assert reader.getnframes() == 4801
        raw = reader.readframes(4801)
    ints = _decode_int24(raw).reshape(-1, 2).T
    assert np.max(np.abs(ints / 2**23 - audio)) <= LSB_24 * 1.0001
    # The RIFF size field is the file size minus 8.
    header = path.read_bytes()[:8]
    assert struct.unpack("<I", header[4:8])[0] == path.stat().st_size - 8


def test_clipping_beyond_full_scale(tmp_path: Path) -> None:
    audio = np.array([[1.5, -1.5, 1.0, -1.0, 0.0, 100.0]], dtype=np.float32)
    path = tmp_path / "clip.wav"
    write_bwf(path, audio, 48000)
    with wave.open(str(path), "rb") as reader:
        ints = _decode_int24(reader.readframes(6))
    assert ints.tolist() == [2**23 - 1, -(2**23), 2**23 - 1, -(2**23), 0, 2**23 - 1]


def test_bext_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    history = "A=PCM,F=48000,W=24,M=stereo,T=Foley Assistant\r\n"
    write_bwf(
        path,
        _noise(2, 100),
        48000,
        time_reference=172_800_000,  # record timecode 01:00:00:00 at 48 kHz
        description="SH010 O1 footsteps",
        originator="Foley Assistant",
        originator_reference="FA-SH010-O1",
        origination=WHEN,
        coding_history=history,
    )
    assert read_bext(path) == BextInfo(
        description="SH010 O1 footsteps",
        originator="Foley Assistant",
        originator_reference="FA-SH010-O1",
        origination_date="2024-03-09",
        origination_time="14:05:30",
        time_reference=172_800_000,
        version=2,
        coding_history=history,
    )


def test_bext_layout_and_time_reference_above_32_bits(tmp_path: Path) -> None:
    path = tmp_path / "late.wav"
    reference = 25 * 3600 * 192_000  # 25 hours at 192 kHz = 17_280_000_000 > 2^32
    assert reference > 2**32
    write_bwf(path, _noise(2, 10), 192_000, time_reference=reference, origination=WHEN)
    assert read_bext(path).time_reference == reference  # type: ignore[union-attr]

    data = path.read_bytes()
    start = data.index(b"bext")
    size = struct.unpack("<I", data[start + 4 : start + 8])[0]
    body = data[start + 8 : start + 8 + size]
    assert size == 602  # no coding history
    assert body[320:338] == b"2024-03-0914:05:30"
    low, high, version = struct.unpack("<IIH", body[338:348])
    assert (high << 32) | low == reference and version == 2
    assert body[348:412] == bytes(64)  # UMID
    assert struct.unpack("<5h", body[412:422]) == (0x7FFF,) * 5  # loudness: not set
    assert body[422:602] == bytes(180)


def test_chunk_order(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    write_bwf(path, _noise(2, 11), 48000, ixml={}, coding_history="odd")  # odd-sized chunks need pads
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    ids, offset = [], 12
    while offset < len(data):
        fourcc, size = data[offset : offset + 4], struct.unpack("<I", data[offset + 4 : offset + 8])[0]
        ids.append(fourcc)
        offset += 8 + size + (size % 2)
    assert offset == len(data)
    assert ids == [b"fmt ", b"bext", b"iXML", b"data"]


def test_bext_text_is_ascii_and_cut_to_field_size(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    long_description = "Café door " + "x" * 300
    write_bwf(path, _noise(1, 10), 48000, description=long_description, originator="Ünïcode Ōriginator that is long")
    info = read_bext(path)
    assert info is not None
    assert info.description.startswith("Cafe door ") and len(info.description) == 256
    assert info.originator == "Unicode Originator that is long"[:32]


def test_ixml_parses_and_names_tracks(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    write_bwf(
        path,
        _noise(2, 10),
        48000,
        time_reference=172_800_000,
        ixml={
            "project": "Short Film",
            "scene": "12A",
            "take": 3,
            "note": "O1 footsteps & <gravel>",
            "track_names": ["O1 footsteps L", "O1 footsteps R"],
            "timecode_rate": "24/1",
        },
    )
    text = read_ixml(path)
    assert text is not None
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "BWFXML"
    assert root.findtext("IXML_VERSION") == "1.61"
    assert root.findtext("PROJECT") == "Short Film"
    assert root.findtext("SCENE") == "12A"
    assert root.findtext("TAKE") == "3"
    assert root.findtext("NOTE") == "O1 footsteps & <gravel>"
    assert root.findtext("TRACK_LIST/TRACK_COUNT") == "2"
    tracks = root.findall("TRACK_LIST/TRACK")
    assert [(t.findtext("CHANNEL_INDEX"), t.findtext("INTERLEAVE_INDEX"), t.findtext("NAME")) for t in tracks] == [
        ("1", "1", "O1 footsteps L"),
        ("2", "2", "O1 footsteps R"),
    ]
    assert root.findtext("SPEED/TIMESTAMP_SAMPLES_SINCE_MIDNIGHT_LO") == "172800000"
    assert root.findtext("SPEED/TIMECODE_RATE") == "24/1"


def test_ixml_refuses_wrong_track_name_count_and_unknown_keys(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="one per channel"):
        write_bwf(tmp_path / "a.wav", _noise(2, 10), 48000, ixml={"track_names": ["only one"]})
    with pytest.raises(OutputError, match="unknown iXML"):
        write_bwf(tmp_path / "b.wav", _noise(2, 10), 48000, ixml={"projekt": "typo"})
    assert _only_file(tmp_path) == []


def test_reader_skips_unknown_odd_sized_chunks(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    write_bwf(path, _noise(2, 10), 48000, description="after junk", ixml={})
    data = path.read_bytes()
    junk = b"junk" + struct.pack("<I", 5) + b"abcde" + b"\x00"  # odd payload + pad byte
    patched = data[:12] + junk + data[12:]
    patched = patched[:4] + struct.pack("<I", len(patched) - 8) + patched[8:]
    path.write_bytes(patched)
    assert read_bext(path).description == "after junk"  # type: ignore[union-attr]
    assert read_ixml(path) is not None
    assert soundfile.info(str(path)).frames == 10


def test_plain_wav_has_no_bext_or_ixml(tmp_path: Path) -> None:
    path = tmp_path / "plain.wav"
    write_wav(path, _noise(2, 10), 48000)
    assert read_bext(path) is None and read_ixml(path) is None
    assert soundfile.info(str(path)).subtype == "PCM_24"


def test_no_temporary_file_left_after_success(tmp_path: Path) -> None:
    write_bwf(tmp_path / "stem.wav", _noise(2, 100), 48000)
    assert _only_file(tmp_path) == ["stem.wav"]


def test_refuses_nan_and_leaves_nothing(tmp_path: Path) -> None:
    audio = _noise(2, 600_000)  # more than one conversion block: the NaN is found mid-write
    audio[1, 500_000] = np.nan
    with pytest.raises(OutputError, match=r"NaN.*|non-finite") as caught:
        write_bwf(tmp_path / "stem.wav", audio, 48000)
    assert "channel 1, sample 500000" in str(caught.value)
    assert _only_file(tmp_path) == []


def test_refuses_inf_and_keeps_the_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "stem.wav"
    write_bwf(path, _noise(2, 100), 48000, description="good")
    bad = _noise(2, 100)
    bad[0, 3] = np.inf
    with pytest.raises(OutputError, match="non-finite"):
        write_bwf(path, bad, 48000, description="bad")
    assert read_bext(path).description == "good"  # type: ignore[union-attr]
    assert _only_file(tmp_path) == ["stem.wav"]


@pytest.mark.parametrize(
    "audio, message",
    [
        (np.zeros(100, dtype=np.float32), "2-D"),
        (np.zeros((1, 2, 3), dtype=np.float32), "2-D"),
        (np.zeros((2, 100), dtype=np.int16), "floating point"),
        (np.zeros((48000, 2), dtype=np.float32), "Transpose"),
    ],
)
def test_refuses_badly_shaped_audio(tmp_path: Path, audio: np.ndarray, message: str) -> None:
    with pytest.raises(OutputError, match=message):
        write_bwf(tmp_path / "stem.wav", audio, 48000)
    assert _only_file(tmp_path) == []


def test_refuses_files_over_4_gib(tmp_path: Path) -> None:
    huge = np.broadcast_to(np.float32(0.0), (2, 800_000_000))  # 4.8 GB at 24 bit, no memory used
    started = time.perf_counter()
    with pytest.raises(OutputError, match="4 GiB"):
        write_bwf(tmp_path / "huge.wav", huge, 48000)
    assert time.perf_counter() - started < 1.0
    assert _only_file(tmp_path) == []


def test_refuses_bad_parameters(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="bit depth"):
        write_bwf(tmp_path / "a.wav", _noise(1, 10), 48000, bit_depth=20)
    with pytest.raises(OutputError, match="sample rate"):
        write_bwf(tmp_path / "a.wav", _noise(1, 10), 0)
    with pytest.raises(OutputError, match="time reference"):
        write_bwf(tmp_path / "a.wav", _noise(1, 10), 48000, time_reference=-1)
    assert _only_file(tmp_path) == []


def test_60_seconds_of_stereo_writes_fast(tmp_path: Path) -> None:
    audio = _noise(2, 60 * 48000)
    started = time.perf_counter()
    write_bwf(tmp_path / "long.wav", audio, 48000, ixml={})
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"writing 60 s of stereo took {elapsed:.2f} s"
    assert soundfile.info(str(tmp_path / "long.wav")).frames == 60 * 48000


def test_readers_report_missing_and_wrong_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.wav"
    for reader in (read_audio, read_bext, read_ixml):
        with pytest.raises(InputFileError, match="not found"):
            reader(missing)
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    with pytest.raises(InputFileError, match="not a WAV"):
        read_bext(text)
    with pytest.raises(InputFileError, match="cannot read"):
        read_audio(text)


@pytest.mark.parametrize("bit_depth", [24, 32])
def test_rescale_wav_scales_the_samples_and_keeps_every_other_chunk(tmp_path: Path, bit_depth: int) -> None:
    path = tmp_path / "stem.wav"
    audio = (0.1 * _noise(2, 4800)).astype(np.float32)
    write_bwf(path, audio, 48000, bit_depth=bit_depth, time_reference=172_800_000, description="S001 O1", origination=WHEN, ixml={"scene": "S001", "take": "3"})
    bext, ixml = read_bext(path), read_ixml(path)
    before, _ = read_audio(path)
    rescale_wav(path, 10 ** (6.0 / 20))
    after, rate = read_audio(path)
    assert rate == 48000 and (read_bext(path), read_ixml(path)) == (bext, ixml)
    assert np.max(np.abs(after - before * 10 ** (6.0 / 20))) <= (LSB_24 if bit_depth == 24 else 1e-7)
    assert _only_file(tmp_path) == ["stem.wav"]  # written in place, nothing left beside it


def test_source_date_epoch_fixes_the_origination_time(tmp_path, monkeypatch):
    """The reproducible-builds convention: with SOURCE_DATE_EPOCH the bext origination is that
    time (UTC), so two writes of the same audio are the same bytes."""
    audio = np.zeros((2, 480), dtype=np.float32)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    write_bwf(tmp_path / "a.wav", audio, 48000)
    write_bwf(tmp_path / "b.wav", audio, 48000)
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()
    info = read_bext(tmp_path / "a.wav")
    assert info is not None
    assert (info.origination_date, info.origination_time) == ("2023-11-14", "22:13:20")
