"""The guide tracks of a REAPER session: the cut's picture and its production sound, muted.

The picture track holds one video item per shot at its record position, trimmed to the cut (its
source offset is where the shot's part of the media starts); REAPER shows it in its video window
and plays the file's own sound when the track is unmuted. The production sound track holds the
timeline's own audio clips the same way. Both are muted: they are there to cut against, not to
mix. Media files are the editor's, outside the delivery: they are referenced by absolute path
(a shot whose media is not found, or whose source is given as timecode only, has no guide item).
"""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.shot import Shot
from foley_assistant.io.exports.rpp import RppItem, RppTrack
from foley_assistant.io.media_paths import media_path_of
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import LoadedTimeline

PICTURE_TRACK = "picture (guide)"
PRODUCTION_TRACK = "production sound (guide)"


def guide_tracks(loaded: LoadedTimeline) -> list[RppTrack]:
    """The muted picture track (and production sound track, when the cut has audio clips)."""
    tracks = [RppTrack(PICTURE_TRACK, tuple(item for shot in list_shots(loaded) if (item := _picture_item(shot)) is not None), mute=True)]
    sound = _production_items(loaded)
    if sound:
        tracks.append(RppTrack(PRODUCTION_TRACK, tuple(sound), mute=True))
    return tracks


def _picture_item(shot: Shot) -> RppItem | None:
    if shot.media_path is None or shot.media_status not in ("found", "relinked") or shot.source_from_timecode or shot.refusal:
        return None
    return RppItem(
        name=f"{shot.id} {shot.clip_name}",
        file=str(Path(shot.media_path).resolve()),
        position_s=float(shot.record_start_seconds),
        length_s=float(shot.duration_seconds),
        source_offset_s=float(shot.source_rate.seconds(shot.source_range.start)),
        source="VIDEO",
    )


def _production_items(loaded: LoadedTimeline) -> list[RppItem]:
    items = []
    for track in loaded.timeline.audio_tracks():
        if not track.enabled:
            continue
        for clip in track.find_clips(shallow_search=True):
            path = media_path_of(clip, loaded.media_root)
            if path is None or not clip.enabled or not Path(path).is_file():
                continue
            placed = clip.range_in_parent()
            source = clip.trimmed_range()
            items.append(
                RppItem(
                    name=clip.name or Path(path).stem,
                    file=str(Path(path).resolve()),
                    position_s=float(placed.start_time.to_seconds()),
                    length_s=float(placed.duration.to_seconds()),
                    source_offset_s=float(_media_start(clip, source.start_time).to_seconds()),
                )
            )
    return items


def _media_start(clip: otio.schema.Clip, start: otio.opentime.RationalTime) -> otio.opentime.RationalTime:
    """Where a clip's source starts, from the start of its media file (the media's available
    range may start at a timecode)."""
    available = clip.media_reference.available_range if clip.media_reference is not None else None
    return start - available.start_time if available is not None else start
