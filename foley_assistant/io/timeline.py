"""Reading timelines through OpenTimelineIO and its adapters.

Reads what the installed OTIO adapters read: otio_json, otioz and otiod (OTIO itself), FCP 7 XML
(otio-fcp-adapter), FCPXML (otio-fcpx-xml-adapter), CMX 3600 EDL (otio-cmx3600-adapter) and AAF
(otio-aaf-adapter); the adapter packages register through OTIO's plugin system. Every failure
becomes a `TimelineError`/`InputFileError` that says what to do. The shots of a timeline are
listed by `io.shot_list`; its media references are turned into file paths by `io.media_paths`.
"""

from __future__ import annotations

import logging
import os
import re
import zipfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.errors import InputFileError, TimelineError
from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.edl_rate import edl_rate
from foley_assistant.io.otio_json_checks import check_otio_file
from foley_assistant.io.temp_folders import discard, product_temp_dir
from foley_assistant.io.timeline_checks import check_timeline_times

log = logging.getLogger(__name__)
#: Schema tags of OTIO's value types, which are not versioned like the objects.
_VALUE_SCHEMAS = frozenset({"RationalTime", "TimeRange", "TimeTransform"})
_SCHEMA_TAG = re.compile(r'"OTIO_SCHEMA"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)\.(\d+)"')


@dataclass(frozen=True)
class LoadedTimeline:
    """A timeline read from disk, with the folder its relative media paths start from.

    `edl_rate` is the rate an EDL was read at (EDLs do not store one); `notes` say what the
    reader assumed or inferred (for the user to see).
    """

    timeline: otio.schema.Timeline
    path: Path
    media_root: Path
    edl_rate: FrameRate | None = None
    notes: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.timeline.name or self.path.stem

    @property
    def rate(self) -> FrameRate:
        return self.edl_rate or timeline_rate(self.timeline)

    @property
    def start_seconds(self) -> Fraction:
        """The timeline's start timecode in seconds since midnight (0 when it has none)."""
        start = self.timeline.global_start_time
        return Fraction(0) if start is None else exact_seconds(start)


def readable_suffixes() -> list[str]:
    """File suffixes the installed OTIO adapters can read, e.g. ['.aaf', '.edl', '.otio', ...]."""
    suffixes: set[str] = set()
    for adapter in otio.plugins.ActiveManifest().adapters:
        if "read_from_file" in adapter.module().__dict__ or "read_from_string" in adapter.module().__dict__:
            suffixes.update(f".{s.lower()}" for s in adapter.suffixes)
    return sorted(suffixes)


def read_timeline(path: str | os.PathLike[str], rate: FrameRate | None = None) -> LoadedTimeline:
    """Read a timeline file; refuse it with a clear message when it cannot be used.

    `rate` is the frame rate of an EDL (which does not store one); other formats carry their
    own rate, and a `rate` given for them is noted and not used.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"timeline file not found: {path}. Check the path and try again.")
    suffix = path.suffix.lower()
    if suffix not in readable_suffixes():
        raise TimelineError(
            f"cannot read '{path.name}': no installed OTIO adapter reads '{suffix or 'files without a suffix'}'. "
            f"Readable here: {', '.join(readable_suffixes())}. Export the cut from your NLE as OpenTimelineIO (.otio), "
            "AAF, FCP 7 XML, FCPXML or CMX 3600 EDL."
        )
    media_root = path.parent
    extra: dict[str, object] = {}
    notes: list[str] = []
    chosen_rate: FrameRate | None = None
    if suffix == ".otioz":
        check_bundle_expansion(path)
        media_root = product_temp_dir("otioz")  # removed at exit; now, if the bundle cannot be read
        extra["extract_to_directory"] = str(media_root)
    elif suffix == ".otiod":
        media_root = path
    elif suffix == ".edl":
        choice = edl_rate(_read_text(path), path.name, rate)
        chosen_rate = choice.rate
        extra["rate"] = float(choice.rate)
        notes.append(choice.note)
        log.info(choice.note)
    if rate is not None and suffix != ".edl":
        notes.append(f"--rate {rate} was not used: '{path.name}' stores its own frame rate")
    try:
        timeline = _read(path, extra, chosen_rate)
    except BaseException:
        if suffix == ".otioz":
            discard(media_root)
        raise
    return LoadedTimeline(timeline, path, media_root, chosen_rate, tuple(notes))


def _read(path: Path, extra: dict[str, object], chosen_rate: FrameRate | None) -> otio.schema.Timeline:
    """The timeline of a file through its OTIO adapter, checked (see `read_timeline`)."""
    if path.suffix.lower() in (".otio", ".otioz", ".otiod"):
        check_otio_file(path)
    try:
        result = otio.adapters.read_from_file(str(path), **extra)
    except otio.exceptions.UnsupportedSchemaError as exc:
        raise TimelineError(_newer_schema_message(path, exc)) from exc
    except Exception as exc:  # noqa: BLE001 - adapters raise anything; each becomes one clear message
        raise TimelineError(_read_failure_message(path, exc, chosen_rate)) from exc
    timeline = _as_timeline(result, path)
    check_timeline_times(timeline, path)
    return timeline


#: An .otioz that would unpack to more than this many bytes, at more than this many times its own
#: size, is refused: media (audio, video) barely compresses, so such a bundle is a zip bomb, not a
#: cut (a 2 MB bundle unpacked to 2 GB in the temporary folder before).
SUSPICIOUS_EXPANSION_BYTES = 1 << 30
MAX_EXPANSION_RATIO = 50


def check_bundle_expansion(path: Path) -> None:
    """Refuse an .otioz whose contents would unpack far beyond its own size (see above), before
    anything is unpacked."""
    try:
        with zipfile.ZipFile(path) as bundle:
            unpacked = sum(item.file_size for item in bundle.infolist())
    except (OSError, zipfile.BadZipFile, NotImplementedError, ValueError, EOFError) as exc:  # a damaged or unsupported zip (found by tests/fuzz)
        raise TimelineError(f"cannot read '{path.name}': it is not a readable .otioz bundle ({exc}). Export it again from your NLE.") from exc
    packed = max(path.stat().st_size, 1)
    if unpacked > SUSPICIOUS_EXPANSION_BYTES and unpacked > MAX_EXPANSION_RATIO * packed:
        raise TimelineError(
            f"'{path.name}' would unpack to {unpacked / 2**30:.1f} GB from {packed / 2**20:.1f} MB ({unpacked / packed:.0f} times its size): "
            "that is not media, which barely compresses. Nothing was unpacked; export the bundle again, or open its .otio."
        )


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputFileError(f"cannot read {path}: {exc.strerror}") from exc


def _newer_schema_message(path: Path, exc: Exception) -> str:
    """Name the schemas the file uses that the installed OTIO does not know, and what to do."""
    known = otio.core.type_version_map()
    newer: list[str] = []
    if path.suffix.lower() == ".otio":
        seen = set(_SCHEMA_TAG.findall(_read_text(path)))
        for name, version in sorted(seen):
            if name in _VALUE_SCHEMAS:
                continue
            if name in known and int(version) > known[name]:
                newer.append(f"{name}.{version} (this OTIO reads up to {name}.{known[name]})")
            elif name not in known:
                newer.append(f"{name}.{version} (unknown to this OTIO)")
    which = "; ".join(newer) if newer else str(exc)
    return (
        f"'{path.name}' was written by a newer OpenTimelineIO than the installed {otio.__version__}: it uses {which}. "
        "Upgrade it (pip install -U opentimelineio), or export the cut again for OTIO "
        f"{'.'.join(otio.__version__.split('.')[:2])}."
    )


def _read_failure_message(path: Path, exc: Exception, rate: FrameRate | None) -> str:
    text = str(exc).strip() or type(exc).__name__
    suffix = path.suffix.lower()
    if suffix == ".xml" and "No top-level sequences" in text:
        return (
            f"'{path.name}' holds no sequence: it is an XML file, but not an FCP 7 XML timeline (xmeml with a "
            "<sequence>). Export the sequence itself from your NLE (File > Export > Final Cut Pro XML)."
        )
    if suffix == ".edl" and "duration don't match" in text:
        return (
            f"'{path.name}' is inconsistent at {rate} fps: {text}. Each event's source and record durations must agree; fix that event in the EDL or export it again (a wrong --rate also causes this)."
        )
    if suffix == ".edl" and "Overlapping record" in text:
        return f"'{path.name}' has events that overlap in record time ({text}); an EDL track cannot overlap. Export it again."
    if suffix == ".aaf" and isinstance(exc, (OSError, ValueError, KeyError, AttributeError)):
        return f"'{path.name}' could not be read as an AAF composition ({text}). Is it a complete AAF file exported by an NLE?"
    return f"'{path.name}' could not be read as a timeline: {text}. Is the file complete and of the right kind?"


def _as_timeline(result: object, path: Path) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        return result
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = [t for t in result.find_children(descended_from_type=otio.schema.Timeline)]
        if len(timelines) == 1:
            return timelines[0]
        raise TimelineError(f"'{path.name}' holds {len(timelines)} timelines; export the one cut you want on its own.")
    raise TimelineError(f"'{path.name}' holds a {type(result).__name__}, not a timeline.")


def timeline_rate(timeline: otio.schema.Timeline) -> FrameRate:
    """The timeline's frame rate: its start time's rate, else its first video clip's, else 24."""
    if timeline.global_start_time is not None:
        return frame_rate_of(timeline.global_start_time.rate)
    for track in timeline.video_tracks():
        for clip in track.find_clips():
            return frame_rate_of(clip.trimmed_range().duration.rate)
    return FrameRate(24)


_FRAME_RATES: dict[float, FrameRate] = {}


def frame_rate_of(rate: float) -> FrameRate:
    """FrameRate.parse of an OTIO rate, cached."""
    parsed = _FRAME_RATES.get(rate)
    if parsed is None:
        parsed = _FRAME_RATES[rate] = FrameRate.parse(rate)
    return parsed


_RATES: dict[float, Fraction] = {}


def exact_rate(rate: float) -> Fraction:
    """An OTIO rate as an exact fraction (29.97002997... snaps back to 30000/1001), cached."""
    exact = _RATES.get(rate)
    if exact is None:
        exact = _RATES[rate] = Fraction(rate).limit_denominator(10**6)
    return exact


def exact_seconds(time: otio.opentime.RationalTime) -> Fraction:
    """Exact seconds of an OTIO time."""
    value = time.value
    whole = Fraction(int(value)) if value.is_integer() else Fraction(value).limit_denominator(10**9)
    return whole / exact_rate(time.rate)
