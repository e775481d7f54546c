"""REAPER project (.rpp) writer: one track per object, its stems as items, its pan and volume automation.

What a sound editor gets on opening the file: the project time offset (`PROJOFFS`) set to the
timeline's start timecode, and per object a track named after it holding its audio items at their
record positions (each with its own volume and mute), with a volume envelope (`VOLENV2`, linear amplitude, 1.0 = 0 dB) and a pan
envelope (`PANENV2`). Times everywhere (item positions, envelope points) are seconds from the start
of the project, i.e. from the first frame of the timeline, without the offset.

The text is deterministic for the same input apart from the save time in the header (pass
`timestamp` to pin it): GUIDs are uuid5 values derived from track/item names, indexes and
positions, so a re-export diffs cleanly against the previous one.

Written from the format as REAPER saves it; only a parse with the `rpp` package is tested here, not
a load in REAPER itself (see `_pan_to_envelope_value` for the one convention that matters most).
"""

from __future__ import annotations

import math
import os
import time
import uuid
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np

from foley_assistant.io.atomic import write_text_atomic

REAPER_VERSION = "7.0/linux-x86_64"
#: Thinning tolerances: a point is dropped when the line between its kept neighbours passes within
#: this of it (pan in pan units, -1..1; volume in dB).
PAN_TOLERANCE = 0.005
VOLUME_TOLERANCE_DB = 0.1
_SILENCE_FLOOR = 1e-8  # -160 dB: gains at or below compare as equal when thinning
_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://foley-assistant/exports/rpp")


@dataclass(frozen=True)
class RppItem:
    """One audio item: `file` as it should appear in the project (relative to the .rpp, or absolute).

    `position_s` is where the item starts on the timeline (seconds from project start), `length_s`
    how long it plays, `source_offset_s` where in the file playback starts (past a handle). `gain`
    is the item's volume (linear, 1.0 = 0 dB; the first field of the item's `VOLPAN`), `mute` its
    mute (`MUTE 1 0`), `alternates` its other takes (REAPER `TAKE`s after the one that plays),
    `fade_in_s`/`fade_out_s` its fades (the second field of `FADEIN`/`FADEOUT`,
    as REAPER saves its own 10 ms default fades), `source` the kind of file (`WAVE`, or `VIDEO`
    for a picture).
    """

    name: str
    file: str
    position_s: float
    length_s: float
    source_offset_s: float = 0.0
    gain: float = 1.0
    mute: bool = False
    fade_in_s: float = 0.0
    fade_out_s: float = 0.0
    source: str = "WAVE"
    alternates: tuple[RppTake, ...] = ()

    def __post_init__(self) -> None:
        if not self.file:
            raise ValueError(f"item {self.name!r} has no file")
        _require_finite(f"item {self.name!r} position", self.position_s)
        _require_finite(f"item {self.name!r} source offset", self.source_offset_s)
        _require_finite(f"item {self.name!r} length", self.length_s)
        if self.length_s <= 0:
            raise ValueError(f"item {self.name!r} must have a positive length, got {self.length_s}")
        _require_finite(f"item {self.name!r} gain", self.gain)
        if self.gain < 0:
            raise ValueError(f"item {self.name!r}: gain cannot be negative, got {self.gain}")
        for what, fade in (("fade in", self.fade_in_s), ("fade out", self.fade_out_s)):
            _require_finite(f"item {self.name!r} {what}", fade)
            if not 0 <= fade <= self.length_s:
                raise ValueError(f"item {self.name!r}: the {what} must be 0 to the item's length, got {fade}")
        if self.source not in ("WAVE", "VIDEO"):
            raise ValueError(f"item {self.name!r}: source must be WAVE or VIDEO, got {self.source!r}")


@dataclass(frozen=True)
class RppTake:
    """Another take of an item (a `TAKE` of it in REAPER: not played until chosen there)."""

    name: str
    file: str
    source_offset_s: float = 0.0


@dataclass(frozen=True)
class RppEnvelopePoint:
    """An automation value at a time (seconds from project start)."""

    time_s: float
    value: float

    def __post_init__(self) -> None:
        _require_finite("envelope point time", self.time_s)
        _require_finite("envelope point value", self.value)


@dataclass(frozen=True)
class RppTrack:
    """One object's track: its items and automation.

    `pan` values are in the usual DAW sense, -1 = hard left .. +1 = hard right; `volume` values are
    linear gain, 1.0 = 0 dB (REAPER's volume envelope reaches +6 dB, 2.0, by default). Points need
    not be sorted; they are written in time order, thinned. `mute` mutes the track (`MUTESOLO 1`:
    a guide track). `gain` is the track's fader (linear, the first field of its `VOLPAN`); in
    REAPER's default automation mode (trim/read) it trims the volume envelope.
    """

    name: str
    items: tuple[RppItem, ...]
    pan: tuple[RppEnvelopePoint, ...] = ()
    volume: tuple[RppEnvelopePoint, ...] = ()
    mute: bool = False
    gain: float = 1.0

    def __post_init__(self) -> None:
        _require_finite("track gain", self.gain)
        if self.gain < 0.0:
            raise ValueError(f"track {self.name!r}: gain cannot be negative, got {self.gain}")
        object.__setattr__(self, "items", tuple(self.items))
        object.__setattr__(self, "pan", tuple(self.pan))
        object.__setattr__(self, "volume", tuple(self.volume))
        for point in self.pan:
            if not -1.0 <= point.value <= 1.0:
                raise ValueError(f"track {self.name!r}: pan must be within -1..1, got {point.value} at {point.time_s} s")
        for point in self.volume:
            if point.value < 0.0:
                raise ValueError(f"track {self.name!r}: volume gain cannot be negative, got {point.value} at {point.time_s} s")


@dataclass(frozen=True)
class RppProject:
    """A REAPER project: tracks, sample rate, and the timeline's start timecode in seconds.

    `frame_rate` sets the project's frame rate for timecode display (written as the nearest whole
    rate; see `write_rpp`). `notes` become the project notes.
    """

    tracks: tuple[RppTrack, ...]
    sample_rate: int = 48000
    project_start_s: float = 0.0
    frame_rate: float | None = None
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "tracks", tuple(self.tracks))
        if isinstance(self.sample_rate, bool) or not isinstance(self.sample_rate, int) or self.sample_rate <= 0:
            raise ValueError(f"the project sample rate must be a positive whole number, got {self.sample_rate!r}")
        _require_finite("project start", self.project_start_s)
        if self.frame_rate is not None:
            _require_finite("frame rate", self.frame_rate)
            if self.frame_rate <= 0:
                raise ValueError(f"the frame rate must be positive, got {self.frame_rate}")


def write_rpp(path: str | os.PathLike[str], project: RppProject, *, timestamp: int | None = None) -> None:
    """Write `project` as a REAPER project file, atomically.

    `timestamp` (unix seconds) is the save time in the header; it defaults to now. Raises
    `OutputError` when the file cannot be written.
    """
    write_text_atomic(path, rpp_text(project, timestamp=timestamp))


def _now() -> int:
    """Seconds since the epoch to stamp a project with: now, or `SOURCE_DATE_EPOCH` when it is
    set (the reproducible-builds convention, as the BWF origination of `io.audio`)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    return int(epoch) if epoch.isdigit() else int(time.time())


def rpp_text(project: RppProject, *, timestamp: int | None = None) -> str:
    """The text of the project file (what `write_rpp` writes).

    With `frame_rate`, a `TIMEMODE` line sets the project frame rate to the nearest whole rate
    (23.976 -> 24, 29.97 -> 30); the NTSC and drop-frame variants are not written (the field layout
    for them is not known here), so set them in REAPER's project settings if needed.
    """
    saved_at = _now() if timestamp is None else int(timestamp)
    out = _Writer()
    out.open("REAPER_PROJECT", "0.1", _quote(REAPER_VERSION), str(saved_at))
    if project.notes:
        out.open("NOTES", "0", "2")
        for line in project.notes.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            out.line("|" + line)
        out.close()
    out.line("PROJOFFS", _number(project.project_start_s), "0", "0")
    if project.frame_rate is not None:
        out.line("TIMEMODE", "1", "5", "-1", str(max(1, round(project.frame_rate))), "0", "0", "-1")
    out.line("SAMPLERATE", str(project.sample_rate), "0", "0")
    item_id = 0
    for track_index, track in enumerate(project.tracks):
        track_key = f"track/{track_index}/{track.name}"
        guid = _guid(track_key)
        out.open("TRACK", guid)
        out.line("NAME", _quote(track.name))
        out.line("VOLPAN", _number(track.gain), "0", "-1", "-1", "1")
        out.line("MUTESOLO", "1" if track.mute else "0", "0", "0")
        out.line("NCHAN", "2")
        out.line("TRACKID", guid)
        if track.volume:
            points = thin_envelope(track.volume, VOLUME_TOLERANCE_DB, _gain_db)
            _write_envelope(out, "VOLENV2", _guid(track_key + "/volume"), [(p.time_s, p.value) for p in points])
        if track.pan:
            points = thin_envelope(track.pan, PAN_TOLERANCE)
            _write_envelope(out, "PANENV2", _guid(track_key + "/pan"), [(p.time_s, _pan_to_envelope_value(p.value)) for p in points])
        for item_index, item in enumerate(track.items):
            item_id += 1
            _write_item(out, item, item_id, f"{track_key}/item/{item_index}/{item.name}/{item.position_s!r}")
        out.close()
    out.close()
    return out.text()


def _pan_to_envelope_value(pan: float) -> float:
    """A pan position (-1 = hard left .. +1 = hard right) as a REAPER pan-envelope point value.

    REAPER stores pan ENVELOPE points inverted relative to the track pan knob (VOLPAN): in the
    envelope chunk +1 = hard LEFT and -1 = hard RIGHT. Believed true (it matches REAPER-side
    importers that negate pan for envelopes only) but not verified in REAPER here. If a pan sweep
    plays mirrored in REAPER, flip the sign in this one function.
    """
    return -float(pan)


def thin_envelope(
    points: Iterable[RppEnvelopePoint],
    tolerance: float,
    measure: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[RppEnvelopePoint]:
    """The points, sorted by time, without those the straight line between the kept ones reproduces.

    Every dropped point lies within `tolerance` of the line between the kept points around it,
    the difference taken after `measure` (e.g. gain -> dB; default the values themselves). The first
    and last points are always kept, and so are points that share a time with another (steps).
    """
    ordered = sorted(points, key=lambda p: p.time_s)
    if len(ordered) <= 2:
        return ordered
    times = np.array([p.time_s for p in ordered], dtype=np.float64)
    values = np.array([p.value for p in ordered], dtype=np.float64)
    measured = values if measure is None else measure(values)
    keep = np.zeros(len(ordered), dtype=bool)
    keep[0] = keep[-1] = True
    spans = [(0, len(ordered) - 1)]
    while spans:  # Ramer-Douglas-Peucker with the vertical (value) distance, iteratively
        first, last = spans.pop()
        if last - first < 2:
            continue
        inner = slice(first + 1, last)
        if times[last] > times[first]:
            fraction = (times[inner] - times[first]) / (times[last] - times[first])
            line = values[first] + (values[last] - values[first]) * fraction
            error = np.abs((line if measure is None else measure(line)) - measured[inner])
            error[times[inner] == times[first]] = np.inf  # a step at the start of the span
            error[times[inner] == times[last]] = np.inf
        else:
            error = np.full(last - first - 1, np.inf)
        worst = int(np.argmax(error))
        if error[worst] > tolerance:
            split = first + 1 + worst
            keep[split] = True
            spans.append((first, split))
            spans.append((split, last))
    return [point for point, kept in zip(ordered, keep) if kept]


def _gain_db(gain: np.ndarray) -> np.ndarray:
    return 20.0 * np.log10(np.maximum(gain, _SILENCE_FLOOR))


def _write_envelope(out: "_Writer", tag: str, guid: str, points: Sequence[tuple[float, float]]) -> None:
    out.open(tag)
    out.line("EGUID", guid)
    out.line("ACT", "1", "-1")
    out.line("VIS", "1", "1", "1")
    out.line("LANEHEIGHT", "0", "0")
    out.line("ARM", "0")
    out.line("DEFSHAPE", "0", "-1", "-1")
    for time_s, value in points:
        out.line("PT", _number(time_s), _number(value), "0")  # shape 0: linear
    out.close()


def _write_item(out: "_Writer", item: RppItem, item_id: int, key: str) -> None:
    out.open("ITEM")
    out.line("POSITION", _number(item.position_s))
    out.line("SNAPOFFS", "0")
    out.line("LENGTH", _number(item.length_s))
    out.line("LOOP", "0")
    out.line("ALLTAKES", "0")
    out.line("FADEIN", "1", _number(item.fade_in_s), "0", "1", "0", "0", "0")
    out.line("FADEOUT", "1", _number(item.fade_out_s), "0", "1", "0", "0", "0")
    out.line("MUTE", "1" if item.mute else "0", "0")
    out.line("SEL", "0")
    out.line("IGUID", _guid(key))
    out.line("IID", str(item_id))
    out.line("NAME", _quote(item.name))
    out.line("VOLPAN", _number(item.gain), "0", "1", "-1")
    out.line("SOFFS", _number(item.source_offset_s))
    out.line("PLAYRATE", "1", "1", "0", "-1", "0", "0.0025")
    out.line("CHANMODE", "0")
    out.line("GUID", _guid(key + "/take"))
    out.open("SOURCE", item.source)
    out.line("FILE", _quote(item.file))
    out.close()
    for index, take in enumerate(item.alternates, start=1):  # the first take above plays
        out.line("TAKE")
        out.line("NAME", _quote(take.name))
        out.line("VOLPAN", "1", "0", "1", "-1")
        out.line("SOFFS", _number(take.source_offset_s))
        out.line("PLAYRATE", "1", "1", "0", "-1", "0", "0.0025")
        out.line("CHANMODE", "0")
        out.line("GUID", _guid(f"{key}/take/{index}"))
        out.open("SOURCE", "WAVE")
        out.line("FILE", _quote(take.file))
        out.close()
    out.close()


class _Writer:
    """Indented lines of the RPP text; `open`/`close` nest `<TAG ...` / `>` blocks."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._depth = 0

    def line(self, *tokens: str) -> None:
        self._lines.append("  " * self._depth + " ".join(tokens))

    def open(self, tag: str, *tokens: str) -> None:
        self.line("<" + tag, *tokens)
        self._depth += 1

    def close(self) -> None:
        self._depth -= 1
        self.line(">")

    def text(self) -> str:
        assert self._depth == 0, "unbalanced RPP blocks"
        return "\n".join(self._lines) + "\n"


def _quote(text: str) -> str:
    """A string token as REAPER reads it: in double quotes, or single quotes / backticks when it
    holds double quotes. REAPER has no escapes, so a string holding all three quote characters
    has its backticks turned into single quotes (as REAPER does). Line breaks become spaces."""
    text = " ".join(str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    if "`" not in text:
        return f"`{text}`"
    return "`" + text.replace("`", "'") + "`"


def _number(value: float) -> str:
    """A number in plain decimal (10 places at most, no exponent, no negative zero)."""
    _require_finite("a number in the project", value)
    text = f"{float(value):.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _guid(key: str) -> str:
    """A stable REAPER-style GUID ({XXXXXXXX-...}) for a key."""
    return "{" + str(uuid.uuid5(_GUID_NAMESPACE, key)).upper() + "}"


def _require_finite(what: str, value: float) -> None:
    if not isinstance(value, (int, float, np.floating, np.integer)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value!r}")
