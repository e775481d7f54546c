"""ADM Broadcast WAV for a Dolby Atmos master, written with the EBU `ear` package.

The structure the Dolby Atmos master ADM profile expects: one audioProgramme (APR_1001), and one
audioContent per audioObject (as Dolby's own tools write them), each with its `dialogue` (0: not
dialogue). The ambience, when given, is a bed first: a 2.0 DirectSpeakers object on the file's
first two channels, referencing the common definitions' stereo pack (AP_00010002: M+030,
M-030), whose channel formats carry their speaker label and no block timing. Then one mono
object per stem: its channel carries the object's (dry) sound at its record position, and its
audioBlockFormats give its position over time in Cartesian coordinates (X -1 left .. +1 right,
Y -1 back .. +1 front, Z 0 floor .. 1 ceiling), with its gain. The file is 48 kHz, 24-bit, at
most 118 objects and 128 channels (the profile's limits), with a `chna` chunk, an `axml` chunk
and a `bext` chunk whose TimeReference is the file's first sample's position since midnight.

Block timing follows ADM: a block moves the object from the previous block's position to its own
over the block's duration. The first block of each object is a short jump to where the object
starts; then one block per point. Every time (object start and duration, block rtime and
duration, programme end) is written in the BS.2076 time format with five decimals
(hh:mm:ss.fffff, 10 us, finer than half a sample at 48 kHz, so each names its sample exactly):
block boundaries are rounded once and each duration is the difference of two rounded boundaries,
so the blocks of an object tile it exactly, with no overlap or gap for a strict renderer to
refuse (exact sample times n/48000 have no finite decimal form).

`ear` declares numpy~=1.14, attrs<22 and lxml~=4.4 but runs on numpy 2, attrs 26 and lxml 6
(its own file-I/O tests pass there), so the Makefile installs it with --no-deps; without it this
export is refused with a message saying how to install it.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from foley_assistant.core.errors import OutputError
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.audio import bext_payload

MAX_OBJECTS = 118  # Dolby Atmos master ADM profile
MAX_CHANNELS = 128
#: The common definitions of a 2.0 bed: its pack, and per channel (left, right) its track formats.
BED_PACK = "AP_00010002"
BED_TRACKS = ("AT_00010001_01", "AT_00010002_01")
BED_STREAMS = ("AS_00010001", "AS_00010002")
BED_CHANNELS = ("AC_00010001", "AC_00010002")
SAMPLE_RATE = 48000
BIT_DEPTH = 24
_FIRST_BLOCK_S = Fraction(1, 100)  # the jump to the start position
#: ADM times are written with this many decimals of a second (BS.2076: hh:mm:ss.fffff).
TIME_DECIMALS = 5
_BLOCK_FRAMES = 1 << 16
#: The longest stretch with no object sounding that an export writes (as silence; see `check_gaps`).
MAX_GAP_S = 600


@dataclass(frozen=True)
class AdmPoint:
    """An object's place at a time (seconds from the object's start)."""

    time_s: Fraction
    x: float
    y: float
    z: float
    gain: float


@dataclass(frozen=True)
class AdmObject:
    """One object: its name, mono sound, first sample (since the timeline's start) and path."""

    name: str
    audio: np.ndarray  # float, shape (samples,)
    start_sample: int
    points: tuple[AdmPoint, ...]


@dataclass(frozen=True)
class AdmBed:
    """A stereo bed: its name, sound (2, samples) and first sample (since the timeline's start)."""

    name: str
    audio: np.ndarray  # float, shape (2, samples)
    start_sample: int


def ear_available() -> bool:
    """Whether the EBU `ear` package can be imported."""
    try:
        import ear.fileio  # noqa: F401
    except ImportError:
        return False
    return True


def adm_time(seconds: Fraction) -> Fraction:
    """A time rounded to the BS.2076 time format's `TIME_DECIMALS` decimals (exact as written)."""
    scale = 10**TIME_DECIMALS
    return Fraction(round(seconds * scale), scale)


def _block_formats(obj: AdmObject, sample_rate: int) -> list[object]:
    from ear.fileio.adm.elements import AudioBlockFormatObjects, ObjectCartesianPosition

    length = adm_time(Fraction(len(obj.audio), sample_rate))
    points = sorted((p for p in obj.points if 0 <= p.time_s <= length), key=lambda p: p.time_s)
    if not points:
        points = [AdmPoint(Fraction(0), 0.0, 1.0, 0.0, 1.0)]

    def block(start: Fraction, end: Fraction, point: AdmPoint, jump: bool) -> object:
        position = ObjectCartesianPosition(X=_clip(point.x), Y=_clip(point.y), Z=_clip(point.z, 0.0))
        return AudioBlockFormatObjects(rtime=start, duration=end - start, cartesian=True, position=position, gain=max(0.0, float(point.gain)), jumpPosition=_jump(jump))

    first_end = min(_FIRST_BLOCK_S, length)
    blocks = [block(Fraction(0), first_end, points[0], True)]
    cursor = first_end
    for point in points[1:]:
        end = adm_time(point.time_s)
        if end > cursor:
            blocks.append(block(cursor, end, point, False))
            cursor = end
    if cursor < length:
        blocks.append(block(cursor, length, points[-1], False))
    return blocks


_TIME_ATTRIBUTES = ("start", "end", "duration", "rtime")


def _padded_times(tree: Any) -> Any:
    """The ADM XML tree with every time attribute written with exactly `TIME_DECIMALS` decimals
    (ear writes the fewest digits that are exact: "00:00:01.5" becomes "00:00:01.50000")."""
    for element in tree.iter():
        for name in _TIME_ATTRIBUTES:
            value = element.get(name)
            if value and value.count(":") == 2:
                whole, _, decimals = value.partition(".")
                if len(decimals) <= TIME_DECIMALS:
                    element.set(name, f"{whole}.{decimals.ljust(TIME_DECIMALS, '0')}")
    return tree


def _jump(flag: bool) -> object:
    from ear.fileio.adm.elements.block_formats import JumpPosition

    return JumpPosition(flag=flag, interpolationLength=Fraction(0) if flag else None)


def _clip(value: float, low: float = -1.0) -> float:
    return float(min(max(value, low), 1.0))


def _clock(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min {int(seconds % 60):02d} s"


def check_gaps(objects: Sequence[AdmObject], sample_rate: int) -> None:
    """Refuse (OutputError) objects with a stretch longer than `MAX_GAP_S` where none sounds: a
    BW64 file cannot skip time, so the gap would be written as silence on every channel (a
    10-hour gap was 26 GB of zeros)."""
    spans = sorted((o.start_sample, o.start_sample + len(o.audio), o.name) for o in objects)
    if not spans:
        return
    reach, last = spans[0][1], spans[0][2]
    for start, end, name in spans[1:]:
        if (start - reach) / sample_rate > MAX_GAP_S:
            raise OutputError(
                f"no stem sounds for {_clock((start - reach) / sample_rate)} between '{last}' and '{name}': an ADM file cannot skip time, so it would hold "
                f"that gap as silence on all {len(objects)} channels ({(start - reach) * len(objects) * BIT_DEPTH // 8 / 2**30:.1f} GB). "
                "Export the parts of the timeline on either side of the gap separately (generate them into separate folders with --shot)."
            )
        if end > reach:
            reach, last = end, name


def _place(audio_object: Any, channel: AdmObject, first: int, sample_rate: int) -> None:
    """An audioObject's start (from the programme's) and duration: its channel's sound."""
    audio_object.start = adm_time(Fraction(channel.start_sample - first, sample_rate))
    audio_object.duration = adm_time(Fraction(len(channel.audio), sample_rate))


def write_adm_bwf(
    path: str | os.PathLike[str],
    objects: Sequence[AdmObject],
    *,
    bed: AdmBed | None = None,
    timeline_start_since_midnight: int,
    programme: str,
    sample_rate: int = SAMPLE_RATE,
    origination: datetime | None = None,
) -> None:
    """Write an ADM BWF of the objects, atomically (see the module docstring).

    `bed` is the ambience, written as a 2.0 bed on the first two channels.
    `timeline_start_since_midnight` is the timeline's first sample counted from midnight (its
    start timecode), so that the file's TimeReference is its own first sample's.
    """
    bed_channels = [] if bed is None else [AdmObject(f"{bed.name} {side}", bed.audio[index], bed.start_sample, ()) for index, side in enumerate("LR")]
    check_gaps([*bed_channels, *objects], sample_rate)
    if not ear_available():
        raise OutputError("ADM export needs the EBU 'ear' package, which is not installed. Install it with `pip install --no-deps ear==2.1.0 multipledispatch ruamel.yaml` (make does this).")
    if not objects and bed is None:
        raise OutputError("there are no stems to write as ADM objects; run generate first.")
    if len(objects) > MAX_OBJECTS or len(objects) + len(bed_channels) > MAX_CHANNELS:
        raise OutputError(
            f"{len(objects)} stems{' and a bed' if bed_channels else ''} is more than a Dolby Atmos master holds ({MAX_OBJECTS} objects, {MAX_CHANNELS} channels); export fewer shots at a time."
        )
    import lxml.etree
    from ear.fileio.adm.builder import ADMBuilder
    from ear.fileio.adm.chna import populate_chna_chunk
    from ear.fileio.adm.generate_ids import generate_ids
    from ear.fileio.adm.xml import adm_to_xml
    from ear.fileio.bw64 import Bw64Writer
    from ear.fileio.bw64.chunks import ChnaChunk, FormatInfoChunk

    channels = [*bed_channels, *objects]
    first = min(o.start_sample for o in channels)
    end = max(o.start_sample + len(o.audio) for o in channels)
    builder = ADMBuilder()
    builder.load_common_definitions()
    builder.create_programme(audioProgrammeName=programme[:64] or "Foley", start=Fraction(0), end=adm_time(Fraction(end - first, sample_rate)))
    if bed is not None:
        builder.create_content(audioContentName=bed.name[:64] or "Bed", dialogue=0)
        common = builder.adm
        bed_format = ADMBuilder.Format(
            channel_formats=[common[i] for i in BED_CHANNELS], track_formats=[common[i] for i in BED_TRACKS], pack_format=common[BED_PACK], stream_formats=[common[i] for i in BED_STREAMS]
        )
        item = builder.create_item_multichannel_from_format(format=bed_format, track_indices=[0, 1], name=bed.name)
        _place(item.audio_object, bed_channels[0], first, sample_rate)
    for index, obj in enumerate(objects, start=len(bed_channels)):
        builder.create_content(audioContentName=obj.name[:64] or "Object", dialogue=0)
        item = builder.create_item_objects(track_index=index, name=obj.name, block_formats=_block_formats(obj, sample_rate))
        _place(item.audio_object, obj, first, sample_rate)
    generate_ids(builder.adm)
    chna = ChnaChunk()
    populate_chna_chunk(chna, builder.adm)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="loss of accuracy", category=UserWarning)  # every time is exact as written
        tree = adm_to_xml(builder.adm)
    axml = lxml.etree.tostring(_padded_times(tree), pretty_print=True)
    bext = bext_payload(
        description=f"{programme} | Foley Assistant ADM, {len(objects)} objects" + (" and a 2.0 bed" if bed is not None else ""),
        origination=origination,
        time_reference=timeline_start_since_midnight + first,
    )
    info = FormatInfoChunk(formatTag=1, channelCount=len(channels), sampleRate=sample_rate, bitsPerSample=BIT_DEPTH)
    try:
        with atomic_path(path) as temporary, open(temporary, "wb") as handle:
            writer = Bw64Writer(handle, formatInfo=info, axml=axml, chna=chna, bext=bext)
            for start in range(first, end, _BLOCK_FRAMES):
                stop = min(end, start + _BLOCK_FRAMES)
                block = np.zeros((stop - start, len(channels)), dtype=np.float64)
                for column, obj in enumerate(channels):
                    lo, hi = max(start, obj.start_sample), min(stop, obj.start_sample + len(obj.audio))
                    if hi > lo:
                        block[lo - start : hi - start, column] = obj.audio[lo - obj.start_sample : hi - obj.start_sample]
                writer.write(np.clip(block, -1.0, 1.0 - 2.0**-23))
            writer.close()
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror}") from exc
