"""Reading timelines through OpenTimelineIO and listing the shots a sound editor can pick.

Reads what the installed OTIO adapters read (otio_json, otioz, otiod in OTIO itself). Every failure
becomes a `TimelineError`/`InputFileError` that says what to do.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from foley_assistant.core.errors import InputFileError, TimelineError
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding

log = logging.getLogger(__name__)

_TIME_EFFECTS = (otio.schema.LinearTimeWarp, otio.schema.FreezeFrame)


@dataclass(frozen=True)
class LoadedTimeline:
    """A timeline read from disk, with the folder its relative media paths start from."""

    timeline: otio.schema.Timeline
    path: Path
    media_root: Path

    @property
    def name(self) -> str:
        return self.timeline.name or self.path.stem

    @property
    def rate(self) -> FrameRate:
        return timeline_rate(self.timeline)


def readable_suffixes() -> list[str]:
    """File suffixes the installed OTIO adapters can read, e.g. ['.otio', '.otiod', '.otioz']."""
    suffixes: set[str] = set()
    for adapter in otio.plugins.ActiveManifest().adapters:
        if "read_from_file" in adapter.module().__dict__ or "read_from_string" in adapter.module().__dict__:
            suffixes.update(f".{s.lower()}" for s in adapter.suffixes)
    return sorted(suffixes)


def read_timeline(path: str | os.PathLike[str]) -> LoadedTimeline:
    """Read a timeline file; refuse it with a clear message when it cannot be used."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"timeline file not found: {path}. Check the path and try again.")
    suffix = path.suffix.lower()
    if suffix not in readable_suffixes():
        raise TimelineError(
            f"cannot read '{path.name}': no installed OTIO adapter reads '{suffix or 'files without a suffix'}'. "
            f"Readable here: {', '.join(readable_suffixes())}. Export the cut from your NLE as OpenTimelineIO (.otio)."
        )
    media_root = path.parent
    extra: dict[str, object] = {}
    if suffix == ".otioz":
        media_root = Path(tempfile.mkdtemp(prefix="foley-assistant-otioz-"))
        atexit.register(shutil.rmtree, media_root, ignore_errors=True)
        extra["extract_to_directory"] = str(media_root)
    elif suffix == ".otiod":
        media_root = path
    try:
        result = otio.adapters.read_from_file(str(path), **extra)
    except otio.exceptions.UnsupportedSchemaError as exc:
        raise TimelineError(
            f"'{path.name}' uses an OTIO schema that the installed OpenTimelineIO {otio.__version__} does not know "
            f"({exc}). Upgrade it (pip install -U opentimelineio) or re-export the timeline from an older NLE version."
        ) from exc
    except (otio.exceptions.OTIOError, ValueError, KeyError, UnicodeDecodeError, OSError) as exc:
        raise TimelineError(f"'{path.name}' could not be read as a timeline: {exc}. Is the file complete and of the right kind?") from exc
    return LoadedTimeline(_as_timeline(result, path), path, media_root)


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
        return FrameRate.parse(timeline.global_start_time.rate)
    for track in timeline.video_tracks():
        for clip in track.find_clips():
            return FrameRate.parse(clip.trimmed_range().duration.rate)
    return FrameRate(24)


def _to_frames(time: otio.opentime.RationalTime, rate: FrameRate, rounding: Rounding) -> int:
    seconds = Fraction(time.value).limit_denominator(10**9) / Fraction(time.rate).limit_denominator(10**6)
    return rate.frames(seconds, rounding)


def media_path_of(clip: otio.schema.Clip, media_root: Path) -> str | None:
    """Absolute path of a clip's media file, or None when its reference is not a file."""
    reference = clip.media_reference
    if not isinstance(reference, otio.schema.ExternalReference) or not reference.target_url:
        return None
    url = reference.target_url
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


def _ancestry(clip: otio.schema.Clip) -> list[otio.core.Composable]:
    chain: list[otio.core.Composable] = []
    item: otio.core.Composable | None = clip
    while item is not None:
        chain.append(item)
        item = item.parent()
    return chain


def _refusal(clip: otio.schema.Clip) -> str | None:
    for item in _ancestry(clip):
        for effect in getattr(item, "effects", []):
            if isinstance(effect, _TIME_EFFECTS):
                kind = type(effect).__name__
                scale = getattr(effect, "time_scalar", None)
                detail = f" x{scale:g}" if scale is not None and kind == "LinearTimeWarp" else ""
                return f"has a speed effect ({kind}{detail}) that this version does not apply yet; the shot is skipped"
    return None


def _enabled(clip: otio.schema.Clip) -> bool:
    return all(getattr(item, "enabled", True) for item in _ancestry(clip))


def list_shots(loaded: LoadedTimeline) -> list[Shot]:
    """Every enabled clip on a video track as a Shot, in track order then record order.

    Nested stacks are flattened (record positions are in the top-level stack); gaps and disabled
    clips are skipped. Shot ids are S001, S002... in that order.
    """
    timeline = loaded.timeline
    rate = timeline_rate(timeline)
    global_start = 0
    if timeline.global_start_time is not None:
        global_start = _to_frames(timeline.global_start_time, rate, Rounding.NEAREST)
    found: list[tuple[int, int, otio.schema.Clip, str]] = []
    for track_index, track in enumerate(timeline.video_tracks()):
        if not track.enabled:
            continue
        for clip in track.find_clips():
            if _enabled(clip):
                record = clip.transformed_time_range(clip.trimmed_range(), timeline.tracks)
                found.append((track_index, _to_frames(record.start_time, rate, Rounding.NEAREST), clip, track.name))
    shots = []
    for number, (track_index, _, clip, track_name) in enumerate(sorted(found, key=lambda f: (f[0], f[1])), start=1):
        shots.append(_shot_from_clip(f"S{number:03d}", clip, track_index, track_name, loaded, rate, global_start))
    return shots


def _shot_from_clip(
    shot_id: str,
    clip: otio.schema.Clip,
    track_index: int,
    track_name: str,
    loaded: LoadedTimeline,
    rate: FrameRate,
    global_start: int,
) -> Shot:
    timeline = loaded.timeline
    record = clip.transformed_time_range(clip.trimmed_range(), timeline.tracks)
    record_start = _to_frames(record.start_time, rate, Rounding.NEAREST)
    record_end = _to_frames(record.end_time_exclusive(), rate, Rounding.NEAREST)
    source = clip.trimmed_range()
    source_rate = FrameRate.parse(source.start_time.rate)
    source_start = _to_frames(source.start_time, source_rate, Rounding.NEAREST)
    origin = 0
    available = clip.media_reference.available_range if clip.media_reference else None
    if available is not None:
        origin = _to_frames(available.start_time, source_rate, Rounding.NEAREST)
    path = media_path_of(clip, loaded.media_root)
    status = "not a file" if path is None else ("found" if Path(path).is_file() else "missing")
    return Shot(
        id=shot_id,
        track_name=track_name or f"V{track_index + 1}",
        track_index=track_index,
        clip_name=clip.name,
        media_path=path,
        media_status=status,
        timeline_rate=rate,
        record_range=FrameRange(record_start, record_end - record_start),
        global_start_frame=global_start,
        source_rate=source_rate,
        source_range=FrameRange(source_start - origin, _to_frames(source.duration, source_rate, Rounding.NEAREST)),
        refusal=_refusal(clip),
    )
