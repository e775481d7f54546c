"""The analyze job: decode each shot's frames and track the objects in them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Iterator

import numpy as np

from foley_assistant.core.errors import MediaError
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding, frames_to_timecode, timecode_to_frames
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.io.video import VideoInfo, probe_video, read_frames
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.vision.analyze import AnalysisSettings, track_objects

STAGE = "analyze"


def media_frame_range(shot: Shot, info: VideoInfo) -> FrameRange:
    """The shot's frames in the media file, at the file's own rate, checked against its length.

    A shot at another speed covers its record duration times its speed. When the cut gave the
    source as a timecode (an EDL), the media's own start timecode is taken off.
    """
    seconds_in = shot.source_rate.seconds(shot.source_range.start)
    if shot.source_from_timecode and info.start_timecode:
        seconds_in -= info.rate.seconds(timecode_to_frames(info.start_timecode, info.rate))
    start = info.rate.frames(seconds_in, Rounding.NEAREST)
    duration = info.rate.frames(shot.duration_seconds * shot.speed, Rounding.NEAREST)
    if start < 0 or start >= info.frame_count:
        timecode = ""
        if shot.source_from_timecode:
            timecode = (
                f" The cut gives the source as timecode {frames_to_timecode(max(0, shot.source_range.start), shot.source_rate)}, "
                f"and the file's start timecode is {info.start_timecode or 'not tagged'}."
            )
        raise MediaError(
            f"shot {shot.id} ({shot.clip_name}) starts at media frame {start}, but {Path(info.path).name} has "
            f"{info.frame_count} frames.{timecode} The clip may point to other media: relink it."
        )
    return FrameRange(start, min(duration, info.frame_count - start))


def _counted(frames: Iterator[tuple[int, np.ndarray]], total: int, shot_label: str, context: JobContext) -> Iterator[tuple[int, np.ndarray]]:
    every = max(1, total // 50)
    for done, item in enumerate(frames, start=1):
        if done % every == 0 or done == total:
            context.report(STAGE, done, total, shot_label)
        yield item


def analyze_media(
    path: str,
    shot_id: str,
    frame_range: FrameRange | None,
    context: JobContext,
    settings: AnalysisSettings,
    analysis_width: int = 320,
) -> ShotTracks:
    """Track the objects in a run of frames of one media file (the whole file when no range)."""
    info = probe_video(path)
    frame_range = frame_range or FrameRange(0, info.frame_count)
    frames = read_frames(path, frame_range, analysis_width=analysis_width, gray=False, cancel=context.cancel)
    with context.clock.measure(STAGE):
        objects = track_objects(_counted(frames, frame_range.duration, shot_id, context), info.rate, info.width, info.height, settings)
    return ShotTracks(
        shot_id=shot_id,
        media=str(path),
        fps=info.rate,
        frame_range=frame_range,
        width=info.width,
        height=info.height,
        objects=objects,
    )


def analyze_shot(shot: Shot, context: JobContext, settings: AnalysisSettings, analysis_width: int = 320) -> ShotTracks:
    """Track the objects of one timeline shot in its media."""
    if shot.media_path is None or shot.media_status == "missing":
        raise MediaError(f"shot {shot.id} ({shot.clip_name}): media not found at {shot.media_path}. Relink it or pass --tracks.")
    frame_range = media_frame_range(shot, probe_video(shot.media_path))
    tracks = analyze_media(shot.media_path, shot.id, frame_range, context, settings, analysis_width)
    if shot.speed != 1:
        # Media frames pass at rate x speed on the timeline; the tracks' fps says so, so that
        # every later stage times the frames in record time.
        tracks = replace(tracks, fps=FrameRate.parse(tracks.fps.fps * shot.speed))
    return tracks


def analyze_shots(shots: list[Shot], context: JobContext, settings: AnalysisSettings, analysis_width: int = 320) -> TracksDocument:
    """Tracks for several shots, in order."""
    return TracksDocument(tuple(analyze_shot(s, context, settings, analysis_width) for s in shots))
