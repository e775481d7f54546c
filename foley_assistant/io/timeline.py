"""Reading timelines through OpenTimelineIO and its adapters, and listing the shots.

Reads what the installed OTIO adapters read: otio_json, otioz and otiod (OTIO itself), FCP 7 XML
(otio-fcp-adapter), FCPXML (otio-fcpx-xml-adapter), CMX 3600 EDL (otio-cmx3600-adapter) and AAF
(otio-aaf-adapter); the adapter packages register through OTIO's plugin system. Every failure
becomes a `TimelineError`/`InputFileError` that says what to do.

Shots: every enabled clip on a video track (nested stacks and tracks flattened, gaps and
disabled items skipped), with the picture of a clip running through its transitions. Speed
effects are applied (a constant LinearTimeWarp on the clip) or the shot is refused with the
reason (freeze frames, reverse, a speed on a nested stack); generated pictures (bars, mattes)
are refused too. Nothing is ever mistimed silently.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PureWindowsPath
from typing import NamedTuple
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from foley_assistant.core.errors import InputFileError, TimelineError
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding
from foley_assistant.io.edl_rate import edl_rate
from foley_assistant.io.timeline_checks import check_timeline_times

log = logging.getLogger(__name__)

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
#: Schema tags of OTIO's value types, which are not versioned like the objects.
_VALUE_SCHEMAS = frozenset({"RationalTime", "TimeRange", "TimeTransform"})
_SCHEMA_TAG = re.compile(r'"OTIO_SCHEMA"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)\.(\d+)"')
#: Media paths are POSIX paths here (an absolute one that Path keeps as written needs no parsing).
_PLAIN_POSIX = os.sep == "/"
_ONE = Fraction(1)
MIN_SPEED, MAX_SPEED = 0.01, 100.0  # a constant speed outside these is not footage to make sound for


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
        return Fraction(0) if start is None else _seconds(start)


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
        media_root = Path(tempfile.mkdtemp(prefix="foley-assistant-otioz-"))
        atexit.register(shutil.rmtree, media_root, ignore_errors=True)
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
        result = otio.adapters.read_from_file(str(path), **extra)
    except otio.exceptions.UnsupportedSchemaError as exc:
        raise TimelineError(_newer_schema_message(path, exc)) from exc
    except Exception as exc:  # noqa: BLE001 - adapters raise anything; each becomes one clear message
        raise TimelineError(_read_failure_message(path, exc, chosen_rate)) from exc
    timeline = _as_timeline(result, path)
    check_timeline_times(timeline, path)
    return LoadedTimeline(timeline, path, media_root, chosen_rate, tuple(notes))


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
        return _frame_rate(timeline.global_start_time.rate)
    for track in timeline.video_tracks():
        for clip in track.find_clips():
            return _frame_rate(clip.trimmed_range().duration.rate)
    return FrameRate(24)


def _to_frames(time: otio.opentime.RationalTime, rate: FrameRate) -> int:
    """The nearest whole frame of `rate` to an OTIO time (halves round up), exact."""
    value = time.value
    if value.is_integer():  # the common case, in integers
        key = (time.rate, rate.numerator, rate.denominator)
        ratio = _FRAME_RATIOS.get(key)
        if ratio is None:
            source = _rate(time.rate)
            ratio = _FRAME_RATIOS[key] = (rate.numerator * source.denominator, rate.denominator * source.numerator)
        numerator, denominator = ratio
        if numerator == denominator:
            return int(value)
        numerator *= int(value)
        return (2 * numerator + denominator) // (2 * denominator)
    return rate.frames(_seconds(time), Rounding.NEAREST)


#: (OTIO rate, frame rate numerator, denominator) -> frames per unit of that OTIO time, as a ratio of integers.
_FRAME_RATIOS: dict[tuple[float, int, int], tuple[int, int]] = {}


def media_path_of(clip: otio.schema.Clip, media_root: Path) -> str | None:
    """Path of a clip's media file, or None when its reference is not a file (or names none).

    Relative paths start at `media_root`. A Windows path (C:\\..., \\\\server\\...) is kept as written,
    so that relinking can search for its file name.
    """
    reference = clip.media_reference
    if not isinstance(reference, otio.schema.ExternalReference) or not reference.target_url:
        return None
    return _url_path(reference.target_url, media_root)


def _url_path(url: str, media_root: Path) -> str | None:
    """The file path a media reference's URL names, or None for a URL of another scheme."""
    if _PLAIN_POSIX and url[:1] == "/" and "%" not in url and "//" not in url and "/./" not in url and not url.endswith(("/", "/.")):
        return url  # an absolute path that Path would give back unchanged (the common case, without parsing)
    if _WINDOWS_PATH.match(url):
        return url
    parsed = urlparse(url)
    if parsed.scheme == "file":
        raw = unquote(parsed.path)
        if len(raw) > 2 and raw[0] == "/" and raw[2] == ":":  # file:///C:/... on Windows
            raw = raw[1:]
        return str(Path(raw))
    if parsed.scheme and len(parsed.scheme) > 1:  # http:, s3: ... (a one-letter scheme is a drive)
        return None
    candidate = Path(unquote(url))
    return str(candidate if candidate.is_absolute() else (media_root / candidate))


class _MediaFiles:
    """Each media reference's file path and status (found / missing / not a file), every URL
    looked up once (a cut uses the same media file many times)."""

    def __init__(self, media_root: Path) -> None:
        self.media_root = media_root
        self._by_url: dict[str, tuple[str | None, str]] = {}

    def lookup(self, reference: otio.core.MediaReference | None) -> tuple[str | None, str]:
        """(path, status) of a clip's media reference; see `media_path_of`."""
        if isinstance(reference, otio.schema.ExternalReference):
            url = reference.target_url
            if not url:
                return None, "missing"
            known = self._by_url.get(url)
            if known is None:
                path = _url_path(url, self.media_root)
                status = "not a file" if path is None else ("found" if os.path.isfile(path) else "missing")
                known = self._by_url[url] = (path, status)
            return known
        if isinstance(reference, otio.schema.GeneratorReference):
            return None, "not a file"
        return None, "missing"


def media_file_name(path: str) -> str:
    """The file name of a media path written on any system (POSIX or Windows separators)."""
    return PureWindowsPath(path).name if ("\\" in path or _WINDOWS_PATH.match(path)) else Path(path).name


def _ancestry(item: otio.core.Composable, top: otio.core.Composable) -> list[otio.core.Composable]:
    """The item and its parents, up to (not including) `top`."""
    chain: list[otio.core.Composable] = []
    current: otio.core.Composable | None = item
    while current is not None and current is not top:
        chain.append(current)
        current = current.parent()
    return chain


def _is_enabled(item: otio.core.Composable) -> bool:
    """OTIO's flag, and FCP XML's <enabled>FALSE</enabled>, which otio-fcp-adapter keeps only in metadata."""
    if not getattr(item, "enabled", True):
        return False
    metadata = getattr(item, "metadata", None)
    if metadata is None or not _has_key(metadata, "fcp_xml"):
        return True
    fcp = metadata["fcp_xml"]
    return not (isinstance(fcp, Mapping) and "enabled" in fcp and str(fcp["enabled"]).upper() == "FALSE")


def _has_key(metadata: Mapping[str, object], key: str) -> bool:
    """`key in metadata`, fast on OTIO's dictionaries (whose `in` goes through a raised KeyError)."""
    return bool(metadata) and key in list(metadata)


def _speed(clip: otio.schema.Clip, ancestry: list[otio.core.Composable]) -> tuple[Fraction, str | None]:
    """The clip's constant speed, or the reason its timing cannot be applied."""
    speed = _ONE
    effects = clip.effects
    for effect in effects if effects else ():  # iterating an OTIO list costs ~10 us even when empty
        if isinstance(effect, otio.schema.FreezeFrame) or (isinstance(effect, otio.schema.LinearTimeWarp) and effect.time_scalar == 0):
            return speed, "is a freeze frame: one still picture has no motion to make sound from; the shot is skipped"
        if isinstance(effect, otio.schema.LinearTimeWarp):
            if effect.time_scalar < 0:
                return speed, f"plays backwards (LinearTimeWarp x{effect.time_scalar:g}), which is not supported; the shot is skipped"
            if not MIN_SPEED <= effect.time_scalar <= MAX_SPEED:
                return speed, f"plays at x{effect.time_scalar:g} (LinearTimeWarp), outside x{MIN_SPEED:g}..x{MAX_SPEED:g}; the shot is skipped"
            speed *= Fraction(effect.time_scalar).limit_denominator(10**6)
        elif isinstance(effect, otio.schema.TimeEffect):
            return speed, f"has a time effect ({effect.effect_name or type(effect).__name__}) whose timing is not known; the shot is skipped"
    if not MIN_SPEED <= speed <= MAX_SPEED:
        return _ONE, f"plays at x{float(speed):g} (its speed effects together), outside x{MIN_SPEED:g}..x{MAX_SPEED:g}; the shot is skipped"
    for container in ancestry[1:]:
        effects = getattr(container, "effects", None)
        for effect in effects if effects else ():
            if isinstance(effect, otio.schema.TimeEffect):
                scale = getattr(effect, "time_scalar", None)
                detail = f" x{scale:g}" if isinstance(effect, otio.schema.LinearTimeWarp) and not isinstance(effect, otio.schema.FreezeFrame) else ""
                return speed, (
                    f"sits in a nested {type(container).__name__.lower()} '{container.name}' with a speed effect "
                    f"({type(effect).__name__}{detail}) that is not applied to nested clips; the shot is skipped"
                )
    return speed, None


def _reference_refusal(reference: otio.core.MediaReference | None) -> str | None:
    if isinstance(reference, otio.schema.GeneratorReference):
        kind = reference.generator_kind or reference.name or "generator"
        return f"is a generated picture ({kind}), not footage: there is nothing to make sound for; the shot is skipped"
    return None


class _Placed(NamedTuple):
    """A clip with its visible record range in the top-level stack, in frames of the timeline."""

    clip: otio.schema.Clip
    track_index: int
    track_name: str
    own: otio.opentime.TimeRange  # the clip's trimmed range (source time)
    record_start: int
    record_end: int
    start_seconds: float  # where the picture starts, as OTIO's to_seconds() gives it (orders the shots)
    head: otio.opentime.RationalTime  # how far the picture starts before the clip's own start (transition)
    speed: Fraction
    refusal: str | None


def _handles(clip: otio.schema.Clip, speed: Fraction, neighbours: tuple[object, object] | None = None) -> tuple[otio.opentime.RationalTime, otio.opentime.RationalTime]:
    """How far the clip's picture runs before and after its own range, through the transitions on
    either side; never further than its media reaches (when the media's range is known).
    `neighbours` (the items before and after the clip in its track) saves looking them up."""
    own = clip.trimmed_range()
    zero = otio.opentime.RationalTime(0, own.duration.rate)
    head, tail = zero, zero
    if neighbours is not None:
        before, after = neighbours
        head = before.in_offset if isinstance(before, otio.schema.Transition) else zero
        tail = after.out_offset if isinstance(after, otio.schema.Transition) else zero
        if not (head.value or tail.value):
            return head, tail
    elif isinstance(clip.parent(), otio.schema.Track):
        before, after = clip.parent().handles_of_child(clip)
        head = before if before is not None else zero
        tail = after if after is not None else zero
    available = clip.media_reference.available_range if clip.media_reference else None
    if available is not None:
        room_before = (_seconds(own.start_time) - _seconds(available.start_time)) / speed
        room_after = (_seconds(available.end_time_exclusive()) - _seconds(own.end_time_exclusive())) / speed
        head = _at_most(head, room_before)
        tail = _at_most(tail, room_after)
    return head, tail


def _at_most(time: otio.opentime.RationalTime, seconds: Fraction) -> otio.opentime.RationalTime:
    if _seconds(time) <= seconds:
        return time
    return otio.opentime.RationalTime(float(max(seconds, Fraction(0)) * Fraction(time.rate).limit_denominator(10**6)), time.rate)


def _visible_record_range(clip: otio.schema.Clip, stack: otio.schema.Stack, ancestry: list[otio.core.Composable], speed: Fraction) -> tuple[otio.opentime.TimeRange, otio.opentime.RationalTime] | None:
    """Record range of the clip's picture in the top-level stack, through its transitions, cut to
    the windows of the nested compositions it sits in and to the timeline's start; None when none
    of it is visible. Also returns how far the picture starts before the clip's own start."""
    own = clip.trimmed_range()
    head, tail = _handles(clip, speed)
    record = clip.transformed_time_range(otio.opentime.TimeRange(own.start_time - head, own.duration + head + tail), stack)
    windows = [c.transformed_time_range(c.trimmed_range(), stack) for c in ancestry[1:-1] if c.source_range is not None]
    # The top-level track's own range is left out: adapters (cmx 3600) use it to carry the record timecode.
    zero = otio.opentime.RationalTime(0, record.start_time.rate)
    windows.append(otio.opentime.TimeRange(zero, record.end_time_exclusive() - zero if record.end_time_exclusive() > zero else zero))
    for window in windows:
        start = max(record.start_time, window.start_time)
        end = min(record.end_time_exclusive(), window.end_time_exclusive())
        if end <= start:
            return None
        head = head - (start - record.start_time)
        record = otio.opentime.range_from_start_end_time(start, end)
    return record, head


def list_shots(loaded: LoadedTimeline) -> list[Shot]:
    """Every enabled clip on a video track as a Shot, in track order then record order.

    Nested stacks and tracks are flattened (record positions are in the top-level stack, cut to
    what the nested composition shows); gaps and disabled items are skipped; a clip's picture
    runs through the transitions on either side of it. Shot ids are S001, S002... in that order.
    """
    timeline = loaded.timeline
    rate = loaded.rate
    stack = timeline.tracks
    global_start = 0
    if timeline.global_start_time is not None:
        global_start = _to_frames(timeline.global_start_time, rate)
    found: list[_Placed] = []
    for track_index, track in enumerate(timeline.video_tracks()):
        if _is_enabled(track):
            placed = _placed_in_frames(track, track_index, rate)
            found.extend(placed if placed is not None else _placed_clips(track, track_index, stack, rate))
    found.sort(key=lambda p: (p.track_index, p.start_seconds))
    media = _MediaFiles(loaded.media_root)
    return [_shot(f"S{number:03d}", placed, media, rate, global_start) for number, placed in enumerate(found, start=1)]


def _placed_in_frames(track: otio.schema.Track, track_index: int, rate: FrameRate) -> list[_Placed] | None:
    """The visible clips of a top-level track in one pass in whole frames, or None when the track
    holds anything that does not count whole frames of the timeline's rate (another rate, a
    fraction of a frame, a nested composition): `_placed_clips` places those with OTIO's times.

    Gives exactly what `_placed_clips` gives: OTIO adds times of one rate as doubles, exact for
    whole numbers, and a whole number of frames at the timeline's rate is that many frames.
    """
    children = track[:]
    source = track.source_range
    track_rate: float | None = None  # the one rate every time on the track counts in
    offset = 0  # track time -> stack time: the track's own range start (adapters use it for the record timecode)
    zero: otio.opentime.RationalTime | None = None
    cursor = 0
    track_has_effects = bool(track.effects)
    placed: list[_Placed] = []
    for index, child in enumerate(children):
        if isinstance(child, otio.schema.Transition):
            continue
        if isinstance(child, otio.core.Composition):
            return None
        own = child.trimmed_range()
        duration = own.duration
        if track_rate is None:
            track_rate = duration.rate
            if _rate(track_rate) != rate.fps:
                return None
            zero = otio.opentime.RationalTime(0, track_rate)
            if source is not None:
                start_time = source.start_time
                if start_time.rate != track_rate or not start_time.value.is_integer():
                    return None
                offset = -int(start_time.value)
        length = duration.value
        if duration.rate != track_rate or not length.is_integer():
            return None
        start = cursor
        cursor += int(length)
        if not isinstance(child, otio.schema.Clip) or not _is_enabled(child):
            continue
        if track_has_effects or child.effects:
            speed, refusal = _speed(child, [child, track] if track_has_effects else [child])
        else:
            speed, refusal = _ONE, None
        before = children[index - 1] if index else None
        after = children[index + 1] if index + 1 < len(children) else None
        head_time = zero
        head = tail = 0
        if isinstance(before, otio.schema.Transition) or isinstance(after, otio.schema.Transition):
            head_time, tail_time = _handles(child, speed, (before, after))
            if not (_whole(head_time, track_rate) and _whole(tail_time, track_rate)):
                return None
            head, tail = int(head_time.value), int(tail_time.value)
        record_start = start - head + offset
        record_end = cursor + tail + offset
        if record_end <= 0:
            continue
        if record_start < 0:  # cut to the timeline's start
            head_time = otio.opentime.RationalTime(head + record_start, track_rate)
            record_start = 0
        placed.append(_Placed(child, track_index, track.name, own, record_start, record_end, record_start / track_rate, head_time, speed, refusal))
    return placed


def _whole(time: otio.opentime.RationalTime, rate: float) -> bool:
    """True when `time` counts a whole number at `rate`."""
    return time.rate == rate and time.value.is_integer()


def _placed_clips(track: otio.schema.Track, track_index: int, stack: otio.schema.Stack, rate: FrameRate) -> list[_Placed]:
    """The visible clips of a top-level track, with OTIO's times. Its direct clips are placed in
    one pass over the track (OTIO's per-child lookups are linear in the track's length); clips in
    nested compositions go through OTIO's general transform."""
    placed: list[_Placed] = []
    children = track[:]
    # Track time -> stack time: the track's own range start (adapters use it for the record timecode).
    offset = -track.source_range.start_time if track.source_range is not None else None
    cursor = None
    track_has_effects = bool(track.effects)
    for index, child in enumerate(children):
        if isinstance(child, otio.schema.Transition):
            continue
        duration = child.duration()
        start = cursor if cursor is not None else otio.opentime.RationalTime(0, duration.rate)
        cursor = start + duration
        if not _is_enabled(child):
            continue
        if isinstance(child, otio.schema.Clip):
            speed, refusal = _speed(child, [child, track] if track_has_effects else [child])
            neighbours = (children[index - 1] if index else None, children[index + 1] if index + 1 < len(children) else None)
            head, tail = _handles(child, speed, neighbours)
            record_start = start - head if offset is None else start - head + offset
            record = otio.opentime.TimeRange(record_start, duration + head + tail)
            zero = otio.opentime.RationalTime(0, record_start.rate)
            if record.end_time_exclusive() <= zero:
                continue
            if record_start < zero:
                head = head + record_start
                record = otio.opentime.range_from_start_end_time(zero, record.end_time_exclusive())
            placed.append(_in_frames(child, track_index, track.name, record, head, speed, refusal, rate))
        elif isinstance(child, otio.core.Composition):
            for clip in child.find_clips():
                ancestry = _ancestry(clip, stack)
                if not all(_is_enabled(item) for item in ancestry):
                    continue
                speed, refusal = _speed(clip, ancestry)
                visible = _visible_record_range(clip, stack, ancestry, speed)
                if visible is not None:
                    placed.append(_in_frames(clip, track_index, track.name, *visible, speed, refusal, rate))
    return placed


def _in_frames(
    clip: otio.schema.Clip,
    track_index: int,
    track_name: str,
    record: otio.opentime.TimeRange,
    head: otio.opentime.RationalTime,
    speed: Fraction,
    refusal: str | None,
    rate: FrameRate,
) -> _Placed:
    """A clip placed at an OTIO record range, counted in frames of `rate`."""
    start = _to_frames(record.start_time, rate)
    end = _to_frames(record.end_time_exclusive(), rate)
    return _Placed(clip, track_index, track_name, clip.trimmed_range(), start, end, record.start_time.to_seconds(), head, speed, refusal)


def _shot(shot_id: str, placed: _Placed, media: _MediaFiles, rate: FrameRate, global_start: int) -> Shot:
    clip = placed.clip
    record_start = placed.record_start
    record_frames = placed.record_end - record_start
    speed = placed.speed
    reference = clip.media_reference
    refusal = _reference_refusal(reference) or placed.refusal
    own = placed.own
    source_rate = _frame_rate(own.start_time.rate)
    available = reference.available_range if reference is not None else None
    source_range = _source_range(own, available, placed, speed, source_rate, rate, record_frames)
    path, status = media.lookup(reference)
    metadata = clip.metadata
    cmx = metadata["cmx_3600"] if _has_key(metadata, "cmx_3600") else None
    reel = str(cmx["reel"]) if isinstance(cmx, Mapping) and "reel" in cmx else ""
    return Shot(
        id=shot_id,
        track_name=placed.track_name or f"V{placed.track_index + 1}",
        track_index=placed.track_index,
        clip_name=clip.name,
        media_path=path,
        media_status=status,
        timeline_rate=rate,
        record_range=FrameRange(record_start, record_frames),
        global_start_frame=global_start,
        source_rate=source_rate,
        source_range=source_range,
        refusal=refusal,
        speed=speed,
        source_from_timecode=available is None,
        reel=reel,
    )


def _source_range(
    own: otio.opentime.TimeRange,
    available: otio.opentime.TimeRange | None,
    placed: _Placed,
    speed: Fraction,
    source_rate: FrameRate,
    rate: FrameRate,
    record_frames: int,
) -> FrameRange:
    """The media frames the shot shows: from the file's first frame (when its range is known),
    through the transition handles, `record_frames` long at `speed`."""
    if not placed.head.value and (speed is _ONE or speed == 1) and (source_rate is rate or source_rate == rate):  # the common case, in integers
        start = _to_frames(own.start_time, source_rate)
        return FrameRange(start if available is None else start - _to_frames(available.start_time, source_rate), record_frames)
    start = _seconds(own.start_time) - _seconds(placed.head) * speed
    origin_s = Fraction(0) if available is None else _seconds(available.start_time)
    return FrameRange(
        source_rate.frames(start - origin_s, Rounding.NEAREST),
        source_rate.frames(rate.seconds(record_frames) * speed, Rounding.NEAREST),
    )


_FRAME_RATES: dict[float, FrameRate] = {}


def _frame_rate(rate: float) -> FrameRate:
    """FrameRate.parse of an OTIO rate, cached."""
    parsed = _FRAME_RATES.get(rate)
    if parsed is None:
        parsed = _FRAME_RATES[rate] = FrameRate.parse(rate)
    return parsed


_RATES: dict[float, Fraction] = {}


def _rate(rate: float) -> Fraction:
    """An OTIO rate as an exact fraction (29.97002997... snaps back to 30000/1001), cached."""
    exact = _RATES.get(rate)
    if exact is None:
        exact = _RATES[rate] = Fraction(rate).limit_denominator(10**6)
    return exact


def _seconds(time: otio.opentime.RationalTime) -> Fraction:
    """Exact seconds of an OTIO time."""
    value = time.value
    whole = Fraction(int(value)) if value.is_integer() else Fraction(value).limit_denominator(10**9)
    return whole / _rate(time.rate)
