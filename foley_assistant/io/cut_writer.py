"""Writing a simple cut as an OTIO timeline: one video track of clips, back to back."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.writeback import write_timeline


@dataclass(frozen=True)
class CutClip:
    """A clip of the cut: which media, how long the media is, which frames of it are used."""

    name: str
    media_path: Path
    media_frames: int
    source: FrameRange


def write_cut(
    path: str | os.PathLike[str],
    name: str,
    rate: FrameRate,
    clips: list[CutClip],
    start_frame: int = 0,
) -> otio.schema.Timeline:
    """Write an OTIO timeline (atomically) whose V1 plays the clips in order from `start_frame`.

    Media references are absolute file URLs, so copies of the timeline written elsewhere still
    find their media.
    """
    fps = float(rate)

    def time(frames: int) -> otio.opentime.RationalTime:
        return otio.opentime.RationalTime(frames, fps)

    timeline = otio.schema.Timeline(name=name, global_start_time=time(start_frame))
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    for clip in clips:
        reference = otio.schema.ExternalReference(
            target_url=clip.media_path.resolve().as_uri(),
            available_range=otio.opentime.TimeRange(time(0), time(clip.media_frames)),
        )
        track.append(
            otio.schema.Clip(
                name=clip.name,
                media_reference=reference,
                source_range=otio.opentime.TimeRange(time(clip.source.start), time(clip.source.duration)),
            )
        )
    timeline.tracks.append(track)
    write_timeline(timeline, path)
    return timeline
