"""Checks of a timeline's times as it is read: what no cut can hold is refused, naming where.

OTIO keeps whatever a file says: a rate of 0 or 1e-300, a NaN or infinite time, a clip that
lasts -50 frames, a start timecode before midnight. Listing shots from such a timeline would
divide by zero, overflow, or (worse) silently re-time the clips after the bad one. Each of those
is a `TimelineError` naming the file, the track and the clip; speeds are checked per shot by
`io.timeline` (an implausible speed skips that shot, with the reason).
"""

from __future__ import annotations

import math
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.errors import TimelineError

MIN_RATE, MAX_RATE = 1.0, 1_000_000.0  # any OTIO time's rate (1: seconds; 30000: FCPXML's units)
MIN_FPS, MAX_FPS = 1.0, 1000.0  # the timeline's frame rate, which counts its frames
MAX_SECONDS = 1_000_000.0  # about 11.6 days: no position or length in a cut is further


def check_timeline_times(timeline: otio.schema.Timeline, path: Path) -> None:
    """Refuse (TimelineError) a timeline whose start or whose video items' times are unusable."""
    start = timeline.global_start_time
    if start is not None:
        _check_time(start, path, "the timeline's start timecode")
        if start.value < 0:
            _refuse(path, f"the timeline's start timecode is negative ({start.value:g} at {start.rate:g} fps); timecode starts at 00:00:00:00")
        if not MIN_FPS <= start.rate <= MAX_FPS:
            _refuse(path, f"the timeline's frame rate {start.rate:g} is not a picture rate (between {MIN_FPS:g} and {MAX_FPS:g} fps)")
    for index, track in enumerate(timeline.video_tracks(), start=1):
        _check_composition(track, path, f"video track {index} '{track.name}'")


def _check_composition(composition: otio.core.Composition, path: Path, where: str) -> None:
    _check_range(composition.source_range, path, where, positive=False)
    for number, child in enumerate(composition, start=1):
        name = f"{where}, {type(child).__name__.lower()} {number}" + (f" '{child.name}'" if child.name else "")
        if isinstance(child, otio.schema.Transition):
            _check_time(child.in_offset, path, f"{name}: its in offset", non_negative=True)
            _check_time(child.out_offset, path, f"{name}: its out offset", non_negative=True)
            continue
        _check_range(child.source_range, path, name, positive=isinstance(child, otio.schema.Clip))
        if isinstance(child, otio.schema.Clip):
            reference = child.media_reference
            available = getattr(reference, "available_range", None) if reference is not None else None
            _check_range(available, path, f"{name}: its media's available range", positive=False)
            if child.source_range is None and available is None:
                _refuse(path, f"{name} has neither a source range nor a media range: its length is not known")
        elif isinstance(child, otio.core.Composition):
            _check_composition(child, path, name)


def _check_range(time_range: otio.opentime.TimeRange | None, path: Path, where: str, positive: bool) -> None:
    if time_range is None:
        return
    _check_time(time_range.start_time, path, f"{where}: its start")
    duration = time_range.duration
    _check_time(duration, path, f"{where}: its duration")
    if duration.value < 0 or (positive and duration.value == 0):
        rule = "a clip must last at least one frame" if positive else "a length cannot be negative"
        _refuse(path, f"{where} lasts {duration.value:g} frames at {duration.rate:g} fps; {rule} (a negative length would move every clip after it)")


def _check_time(time: otio.opentime.RationalTime, path: Path, where: str, non_negative: bool = False) -> None:
    value, rate = time.value, time.rate
    if not (math.isfinite(value) and math.isfinite(rate)):
        _refuse(path, f"{where} is not a number ({value:g} at {rate:g} fps)")
    if not MIN_RATE <= rate <= MAX_RATE:
        _refuse(path, f"{where} counts at a rate of {rate:g}, which is not a rate (between {MIN_RATE:g} and {MAX_RATE:g})")
    if abs(value) / rate > MAX_SECONDS:
        _refuse(path, f"{where} is {value:g} at {rate:g} fps, over {MAX_SECONDS:g} seconds: not a position in a cut")
    if non_negative and value < 0:
        _refuse(path, f"{where} is negative ({value:g})")


def _refuse(path: Path, problem: str) -> None:
    raise TimelineError(f"'{path.name}': {problem}. Fix it in the editor and export the cut again.")
