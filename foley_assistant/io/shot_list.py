"""The shots of a timeline: every enabled clip on a video track.

Nested stacks and tracks are flattened, gaps and disabled items skipped, and the picture of a clip
runs through its transitions. Speed effects are applied (a constant LinearTimeWarp on the clip)
or the shot is refused with the reason (freeze frames, reverse, a speed on a nested stack);
generated pictures (bars, mattes) are refused too. Nothing is ever mistimed silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import NamedTuple

import opentimelineio as otio

from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding
from foley_assistant.io.media_paths import MediaFiles
from foley_assistant.io.timeline import LoadedTimeline, exact_rate, exact_seconds, frame_rate_of

_ONE = Fraction(1)
MIN_SPEED, MAX_SPEED = 0.01, 100.0  # a constant speed outside these is not footage to make sound for


def _to_frames(time: otio.opentime.RationalTime, rate: FrameRate) -> int:
    """The nearest whole frame of `rate` to an OTIO time (halves round up), exact."""
    value = time.value
    if value.is_integer():  # the common case, in integers
        key = (time.rate, rate.numerator, rate.denominator)
        ratio = _FRAME_RATIOS.get(key)
        if ratio is None:
            source = exact_rate(time.rate)
            ratio = _FRAME_RATIOS[key] = (rate.numerator * source.denominator, rate.denominator * source.numerator)
        numerator, denominator = ratio
        if numerator == denominator:
            return int(value)
        numerator *= int(value)
        return (2 * numerator + denominator) // (2 * denominator)
    return rate.frames(exact_seconds(time), Rounding.NEAREST)


#: (OTIO rate, frame rate numerator, denominator) -> frames per unit of that OTIO time, as a ratio of integers.
_FRAME_RATIOS: dict[tuple[float, int, int], tuple[int, int]] = {}


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
        room_before = (exact_seconds(own.start_time) - exact_seconds(available.start_time)) / speed
        room_after = (exact_seconds(available.end_time_exclusive()) - exact_seconds(own.end_time_exclusive())) / speed
        head = _at_most(head, room_before)
        tail = _at_most(tail, room_after)
    return head, tail


def _at_most(time: otio.opentime.RationalTime, seconds: Fraction) -> otio.opentime.RationalTime:
    if exact_seconds(time) <= seconds:
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
    media = MediaFiles(loaded.media_root)
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
            if exact_rate(track_rate) != rate.fps:
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


def _shot(shot_id: str, placed: _Placed, media: MediaFiles, rate: FrameRate, global_start: int) -> Shot:
    clip = placed.clip
    record_start = placed.record_start
    record_frames = placed.record_end - record_start
    speed = placed.speed
    reference = clip.media_reference
    refusal = _reference_refusal(reference) or placed.refusal
    own = placed.own
    source_rate = frame_rate_of(own.start_time.rate)
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
    start = exact_seconds(own.start_time) - exact_seconds(placed.head) * speed
    origin_s = Fraction(0) if available is None else exact_seconds(available.start_time)
    return FrameRange(
        source_rate.frames(start - origin_s, Rounding.NEAREST),
        source_rate.frames(rate.seconds(record_frames) * speed, Rounding.NEAREST),
    )
