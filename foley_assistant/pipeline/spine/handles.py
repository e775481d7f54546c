"""Handles: a stem runs on past both ends of its cut, so an editor can slip and extend it.

How much: `ProjectSettings.handles_s` (default 1 s) each side, as far as the shot's media has
picture beyond the cut (the media's frame count, probed) and no cut inside it: where another shot
of the run uses the same media file, the handle stops where that shot's part begins (a reel made
from one file, cut into shots, gets none). A retimed clip, a shot whose media is not found and the
neural engine get none.

What is heard in a handle: the object's sound goes on from the tracks extended by holding the
object's first and last tracked position (only for an object in the picture at that end of the
cut; one that enters later is silent before the cut), and its placement holds the curves' first
and last values. Nothing is analysed beyond the cut.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from foley_assistant.core.curves import Curve, SpatialCurves
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRange, Rounding, seconds_to_samples
from foley_assistant.core.tracks import ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.io.video import probe_video


@dataclass(frozen=True)
class Handles:
    """Media frames (at the tracks' rate) before and after the cut, and the same in samples."""

    before_frames: int = 0
    after_frames: int = 0
    before_samples: int = 0
    after_samples: int = 0

    @property
    def any(self) -> bool:
        """Whether there is a handle at either end."""
        return self.before_frames > 0 or self.after_frames > 0


NO_HANDLES = Handles()


def shot_handles(shot: Shot, tracks: ShotTracks, others: list[Shot], media_frames: int | None, handles_s: float, sample_rate: int) -> Handles:
    """The handles a shot's stems can have (see the module docstring). `others` are the run's
    other shots; `media_frames` the frame count of the shot's media (None: unknown, no handles)."""
    if handles_s <= 0 or media_frames is None or shot.speed != 1 or shot.media_path is None:
        return NO_HANDLES
    wanted = tracks.fps.frames(Fraction(handles_s), Rounding.FLOOR)
    used = tracks.frame_range
    before = max(0, min(wanted, used.start))
    after = max(0, min(wanted, media_frames - used.end))
    source = shot.source_range
    for other in others:
        if other.id == shot.id or other.media_path != shot.media_path:
            continue
        if other.source_range.end <= source.start:  # a cut before: the handle stops at it
            before = min(before, _media_frames(source.start - other.source_range.end, shot, tracks))
        elif other.source_range.start >= source.end:
            after = min(after, _media_frames(other.source_range.start - source.end, shot, tracks))
        else:  # the parts overlap: no handle can be told apart from the other shot
            before = after = 0
    return Handles(before, after, _samples(before, tracks, sample_rate), _samples(after, tracks, sample_rate))


def media_frame_count(shot: Shot, tracks: ShotTracks) -> int | None:
    """The frames of the shot's media at the tracks' rate, or None when its media is not at hand
    or cannot be read (then it gets no handles)."""
    if shot.media_path is None or shot.media_status not in ("found", "relinked"):
        return None
    try:
        info = probe_video(shot.media_path)
    except (FoleyError, OSError):  # unreadable media: no handles (the shot itself is made from its tracks)
        return None
    return info.frame_count if info.rate == tracks.fps else tracks.fps.frames(info.duration_seconds, Rounding.FLOOR)


def stem_handles(stem: Stem, tracks: ShotTracks) -> Handles:
    """The handles a stem was made with, in the tracks' frames too (to make a new take of it)."""
    frames = [tracks.fps.frames(Fraction(n, stem.sample_rate), Rounding.NEAREST) for n in (stem.handle_start_samples, stem.handle_end_samples)]
    return Handles(frames[0], frames[1], stem.handle_start_samples, stem.handle_end_samples)


def _media_frames(source_frames: int, shot: Shot, tracks: ShotTracks) -> int:
    """Source frames (at the shot's source rate) as whole media frames (at the tracks' rate)."""
    return tracks.fps.frames(shot.source_rate.seconds(source_frames), Rounding.FLOOR)


def _samples(frames: int, tracks: ShotTracks, sample_rate: int) -> int:
    return seconds_to_samples(tracks.fps.seconds(frames), sample_rate)


def extended_tracks(tracks: ShotTracks, handles: Handles) -> ShotTracks:
    """The shot's tracks over the cut and its handles: each object in the picture at an end of
    the cut holds its first (last) tracked box through the handle."""
    if not handles.any:
        return tracks
    used = tracks.frame_range
    start, end = used.start - handles.before_frames, used.end + handles.after_frames
    objects = tuple(_held(obj, used, start, end) for obj in tracks.objects)
    return replace(tracks, frame_range=FrameRange(start, end - start), objects=objects)


def _held(obj: ObjectTrack, used: FrameRange, start: int, end: int) -> ObjectTrack:
    first, last = obj.frames[0], obj.frames[-1]
    head = [replace(first, frame=f) for f in range(start, first.frame)] if first.frame == used.start else []
    tail = [replace(last, frame=f) for f in range(last.frame + 1, end)] if last.frame == used.end - 1 else []
    frames: tuple[TrackedFrame, ...] = tuple(head) + obj.frames + tuple(tail)
    return replace(obj, frames=frames)


def cut_times(events: list[dict[str, object]], handle_samples: int, sample_rate: int) -> list[dict[str, object]]:
    """Event records of a sound made with a handle, counted from the cut's first frame (as the
    tracks count): `time_s` and `sample` (an event in the handle before the cut is negative)."""
    if not handle_samples:
        return events
    return [{**event, "time_s": round(float(event["time_s"]) - handle_samples / sample_rate, 6), "sample": int(event["sample"]) - handle_samples} for event in events]  # type: ignore[call-overload]


def shifted_curves(curves: SpatialCurves, seconds: Fraction) -> SpatialCurves:
    """The curves later by `seconds` (a stem's handle before the cut): sampled from its file's
    first sample, they hold their first and last values through the handles."""
    if not seconds:
        return curves

    def later(curve: Curve) -> Curve:
        return Curve(tuple(replace(k, time=k.time + seconds) for k in curve.keyframes))

    return replace(curves, azimuth_deg=later(curves.azimuth_deg), distance_m=later(curves.distance_m), gain=later(curves.gain))
