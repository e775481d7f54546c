"""The analyze job: decode each shot's frames and track the objects in them.

Bad input never stops the other shots: each shot's problem becomes one line in `AnalysisReport`
(and in the log). A shot that cannot be read at all (missing, corrupt, zero length, starting past
the end of its media) is left out; a shot that can be partly read (a truncated file, a clip that
runs past the end of its media, a damaged stretch) is analyzed on the frames that decode, with a
note saying so. Pictures are placed by presentation time on the file's frame grid (for variable
frame rate footage, the grid of its fastest run, so every picture keeps a slot of its own); notes
say what a file with fewer pictures than frames is (held, duplicated or dropped frames) and call
it possibly truncated only when its pictures stop short of its end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import numpy as np

from foley_assistant.core.errors import FoleyError, MediaError
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding, frames_to_timecode, timecode_to_frames
from foley_assistant.core.tracks import ObjectTrack, ShotTracks, TracksDocument, renumber_objects
from foley_assistant.io.pictures import ReadStats
from foley_assistant.io.prefetch import prefetched
from foley_assistant.io.video import VideoInfo, probe_video, read_frames
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.detectors import ANALYSIS_THREADS, choose_detector, record_of
from foley_assistant.vision.analyze import AnalysisSettings, FrameDetector, analyze_frames
from foley_assistant.vision.pose import FeetReader, PoseEstimator, pose_span

STAGE = "analyze"
log = logging.getLogger(__name__)


@dataclass
class AnalysisReport:
    """What went wrong, shot by shot, without stopping the job: `failed` shots have no tracks,
    `notes` describe shots analyzed on part of their frames or with a caveat."""

    failed: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)

    def note(self, shot_id: str, message: str) -> None:
        log.warning("%s: %s", shot_id, message)
        self.notes.append((shot_id, message))

    def fail(self, shot_id: str, message: str) -> None:
        log.error("%s: %s", shot_id, message)
        self.failed.append((shot_id, message))


def media_frame_range(shot: Shot, info: VideoInfo, report: AnalysisReport | None = None) -> FrameRange:
    """The shot's frames in the media file, at the file's own rate, checked against its length.

    A shot at another speed covers its record duration times its speed. When the cut gave the
    source as a timecode (an EDL), the media's own start timecode is taken off. A clip running
    past the media's end is cut to the frames that exist, with a note in `report`.
    """
    seconds_in = shot.source_rate.seconds(shot.source_range.start)
    if shot.source_from_timecode and info.start_timecode:
        seconds_in -= info.rate.seconds(timecode_to_frames(info.start_timecode, info.rate))
    start = info.rate.frames(seconds_in, Rounding.NEAREST)
    duration = info.rate.frames(shot.duration_seconds * shot.speed, Rounding.NEAREST)
    if duration <= 0:
        raise MediaError(f"shot {shot.id} ({shot.clip_name}) has zero length: there are no frames to analyze. Trim it to at least one frame or leave it out.")
    if start < 0 or start >= info.frame_count:
        timecode = ""
        if shot.source_from_timecode:
            timecode = (
                f" The cut gives the source as timecode {frames_to_timecode(max(0, shot.source_range.start), shot.source_rate)}, "
                f"and the file's start timecode is {info.start_timecode or 'not tagged'}."
            )
        raise MediaError(
            f"shot {shot.id} ({shot.clip_name}) starts at media frame {start}, but {Path(info.path).name} has {info.frame_count} frames.{timecode} The clip may point to other media: relink it."
        )
    available = info.frame_count - start
    if duration > available and report is not None:
        report.note(
            shot.id,
            f"the clip runs {duration - available} frames past the end of {Path(info.path).name}; analyzed the {available} frames that exist (check the clip's source range or relink it)",
        )
    return FrameRange(start, min(duration, available))


class _CheckedFrames:
    """Decoded pictures with their frame slots kept strictly increasing, and notes that say what
    the file is: held (empty-chunk) or duplicated frames, variable frame rate, dropped frames, and
    only when the pictures stop short of the file's end or decoding fails, a possible truncation."""

    def __init__(self, frames: Iterator[tuple[int, np.ndarray]], shot_id: str, frame_range: FrameRange, info: VideoInfo, stats: ReadStats, report: AnalysisReport) -> None:
        self.frames = frames
        self.shot_id = shot_id
        self.frame_range = frame_range
        self.info = info
        self.stats = stats
        self.report = report
        self.count = 0

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        last = None
        collided = repeated = widest_gap = 0
        previous = None
        try:
            for index, image in self.frames:
                if last is not None and index <= last:
                    collided += 1
                    continue
                if last is not None:
                    widest_gap = max(widest_gap, index - last)
                if previous is not None and previous.shape == image.shape and np.array_equal(previous, image):
                    repeated += 1
                last, previous = index, image
                self.count += 1
                yield index, image
        except MediaError as exc:
            self.report.note(self.shot_id, f"decoding stopped after {self.count} of {self.frame_range.duration} frames ({exc}); analyzed those")
            return
        self._describe(last, collided, repeated, widest_gap)

    def _describe(self, last: int | None, collided: int, repeated: int, widest_gap: int) -> None:
        expected, rate = self.frame_range.duration, self.info.rate
        note = self.report.note
        if collided:
            note(self.shot_id, f"{collided} pictures fell on frame slots already used on the {rate} fps grid (their times are less than a frame apart) and were skipped")
        if repeated:
            note(self.shot_id, f"{repeated} pictures repeat the picture before exactly (duplicated frames in the file)")
        if last is None:
            return
        if last < self.frame_range.end - max(2, widest_gap + 1):
            note(self.shot_id, f"the pictures stop at frame {last} of frames {self.frame_range.start}-{self.frame_range.end - 1} (the file may be truncated); analyzed the {self.count} that decoded")
            return
        empty = expected - self.count - collided
        if empty <= 0:
            return
        if self.stats.empty_chunks:
            held = expected / max(self.count, 1)
            note(
                self.shot_id,
                f"{self.count} pictures fill {expected} frames: {empty} frames are empty (zero-size) chunks that hold the picture before, "
                f"so each picture is shown for about {held:.3g} frames ({float(rate.fps) / held:.4g} pictures a second); every picture was analyzed at its time",
            )
        elif self.info.variable_rate:
            note(
                self.shot_id, f"variable frame rate: the {self.count} pictures were placed by their times on a {rate} fps grid (its fastest run); {empty} slots between slower pictures have no picture"
            )
        else:
            note(
                self.shot_id,
                f"{empty} of {expected} frame slots have no picture of their own (frames dropped by the camera, or fewer pictures than the header says); every picture was analyzed at its time",
            )


def _counted(frames: Iterator[tuple[int, np.ndarray]], total: int, shot_label: str, context: JobContext) -> Iterator[tuple[int, np.ndarray]]:
    every = max(1, total // 50)
    for done, item in enumerate(frames, start=1):
        if done % every == 0 or done == total:
            context.report(STAGE, done, total, shot_label)
        yield item


def _open_frames(info: VideoInfo, shot_id: str, frame_range: FrameRange, context: JobContext, report: AnalysisReport, analysis_width: int) -> _CheckedFrames:
    if info.picture is not None and not info.picture.is_plain():
        report.note(shot_id, info.picture.describe())
    stats = ReadStats()
    frames = read_frames(info.path, frame_range, analysis_width=analysis_width, gray=False, cancel=context.cancel, info=info, stats=stats)
    # Decoded ahead on a thread of its own: PyAV decodes and scales beside the analysis.
    return _CheckedFrames(_counted(prefetched(frames, name="decode"), frame_range.duration, shot_id, context), shot_id, frame_range, info, stats, report)


def analyze_media(
    path: str,
    shot_id: str,
    frame_range: FrameRange | None,
    context: JobContext,
    settings: AnalysisSettings,
    analysis_width: int = 320,
    report: AnalysisReport | None = None,
    detector: FrameDetector | None = None,
) -> ShotTracks:
    """Track the objects in a run of frames of one media file (the whole file when no range).

    Tracks never cross a cut or dissolve inside the run; the result is one shot."""
    report = report or AnalysisReport()
    info = probe_video(path)
    frame_range = frame_range or FrameRange(0, info.frame_count)
    if frame_range.duration <= 0:
        raise nothing_to_analyze(path)
    checked = _open_frames(info, shot_id, frame_range, context, report, analysis_width)
    detector = settings_detector(settings, detector)
    with context.clock.measure(STAGE):
        parts = analyze_frames(checked, info.rate, info.width, info.height, settings, detector)
    note_flashes(report, shot_id, [f for part in parts for f in part.flashes], info.rate)
    objects = renumber_objects(obj for part in parts for obj in part.objects)
    if checked.count == 0:
        raise undecodable(path)
    (objects,) = read_feet(path, [objects], context, settings, analysis_width)
    return ShotTracks(
        shot_id=shot_id,
        media=str(path),
        fps=info.rate,
        frame_range=frame_range,
        width=info.width,
        height=info.height,
        objects=objects,
        picture=info.picture,
        detector=record_of(detector),
    )


def note_flashes(report: AnalysisReport, shot_id: str, frames: list[int] | tuple[int, ...], rate: FrameRate) -> None:
    """Say in the report where flashes were seen: light, not things (no object, no cut), and
    perhaps worth a sound of their own (a camera flash, lightning), which the editor decides."""
    if frames:
        where = ", ".join(f"{frames_to_timecode(f, rate)} (frame {f})" for f in frames[:8]) + (" ..." if len(frames) > 8 else "")
        report.note(shot_id, f"flash seen at {where}: taken as light, not as an object or a cut; add a sound for it if it needs one")


def nothing_to_analyze(path: str | Path) -> MediaError:
    """The error for a media file, or a range of it, that holds no frame."""
    return MediaError(f"{Path(path).name} has no frames to analyze.")


def undecodable(path: str | Path) -> MediaError:
    """The error for a media file of which no frame could be decoded."""
    return MediaError(f"no frame of {Path(path).name} could be decoded; the file is damaged or not a video FFmpeg can read.")


def analyze_media_shots(
    path: str,
    context: JobContext,
    settings: AnalysisSettings,
    analysis_width: int = 320,
    report: AnalysisReport | None = None,
    prefix: str = "M",
    detector: FrameDetector | None = None,
) -> TracksDocument:
    """One media file split at its cuts and dissolves: one tracks-file shot per sub-shot
    (ids M001, M002... in order; `frame_range` is each sub-shot's frames in the file)."""
    report = report or AnalysisReport()
    info = probe_video(path)
    if info.frame_count <= 0:
        raise nothing_to_analyze(path)
    whole = FrameRange(0, info.frame_count)
    checked = _open_frames(info, Path(path).name, whole, context, report, analysis_width)
    detector = settings_detector(settings, detector)
    with context.clock.measure(STAGE):
        parts = analyze_frames(checked, info.rate, info.width, info.height, settings, detector)
    if not parts:
        raise undecodable(path)
    for number, part in enumerate(parts, start=1):
        note_flashes(report, f"{prefix}{number:03d}", part.flashes, info.rate)
    with_feet = read_feet(path, [part.objects for part in parts], context, settings, analysis_width)
    parts = [replace(part, objects=objects) for part, objects in zip(parts, with_feet)]
    shots = tuple(
        ShotTracks(
            shot_id=f"{prefix}{number:03d}",
            media=str(path),
            fps=info.rate,
            frame_range=FrameRange(part.sub_shot.start, part.sub_shot.end - part.sub_shot.start),
            width=info.width,
            height=info.height,
            objects=part.objects,
            picture=info.picture,
            detector=record_of(detector),
        )
        for number, part in enumerate(parts, start=1)
    )
    return TracksDocument(shots)


def analyze_shot(
    shot: Shot,
    context: JobContext,
    settings: AnalysisSettings,
    analysis_width: int = 320,
    report: AnalysisReport | None = None,
    detector: FrameDetector | None = None,
) -> ShotTracks:
    """Track the objects of one timeline shot in its media."""
    if shot.media_path is None or shot.media_status == "missing":
        raise MediaError(f"shot {shot.id} ({shot.clip_name}): media not found at {shot.media_path}. Relink it or pass --tracks.")
    frame_range = media_frame_range(shot, probe_video(shot.media_path), report)
    tracks = analyze_media(shot.media_path, shot.id, frame_range, context, settings, analysis_width, report, detector)
    if shot.speed != 1:
        # Media frames pass at rate x speed on the timeline; the tracks' fps says so, so that
        # every later stage times the frames in record time.
        tracks = replace(tracks, fps=FrameRate.parse(tracks.fps.fps * shot.speed))
    return tracks


def try_analyze_shot(
    shot: Shot,
    context: JobContext,
    settings: AnalysisSettings,
    analysis_width: int = 320,
    report: AnalysisReport | None = None,
    detector: FrameDetector | None = None,
) -> ShotTracks | None:
    """`analyze_shot`, or None when the shot cannot be analyzed (why is in `report.failed`)."""
    try:
        return analyze_shot(shot, context, settings, analysis_width, report, detector)
    except FoleyError as exc:
        (report if report is not None else AnalysisReport()).fail(shot.id, str(exc))
        return None


def analyzed_shots(
    shots: list[Shot],
    context: JobContext,
    settings: AnalysisSettings,
    analysis_width: int = 320,
    report: AnalysisReport | None = None,
    detector: FrameDetector | None = None,
) -> Iterator[ShotTracks]:
    """Tracks of each shot, in order, as each is done; a shot that fails is reported and left
    out, the others are still analyzed."""
    for shot in shots:
        tracks = try_analyze_shot(shot, context, settings, analysis_width, report, detector)
        if tracks is not None:
            yield tracks


def analyze_shots(
    shots: list[Shot],
    context: JobContext,
    settings: AnalysisSettings,
    analysis_width: int = 320,
    report: AnalysisReport | None = None,
    detector: FrameDetector | None = None,
) -> TracksDocument:
    """Tracks for several shots (see `analyzed_shots`)."""
    return TracksDocument(tuple(analyzed_shots(shots, context, settings, analysis_width, report, detector)))


def read_feet(path: str, groups: list[tuple[ObjectTrack, ...]], context: JobContext, settings: AnalysisSettings, analysis_width: int) -> list[tuple[ObjectTrack, ...]]:
    """Each group of objects with the feet of its moving people (`vision.pose`), read in one more
    decode of the frames they span; unchanged when no one walks or the pose model is off."""
    if not settings.pose:
        return groups
    spans = [span for span in (pose_span(group) for group in groups) if span is not None]
    if not spans:
        return groups
    from foley_assistant.vision.perception.movenet import PoseModel

    readers = [FeetReader(group, _shipped_pose(PoseModel)) for group in groups]
    first, end = min(s[0] for s in spans), max(s[1] for s in spans)
    with context.clock.measure(STAGE):
        try:
            # decoded ahead on a thread of its own while the pose model reads the frames before
            frames = read_frames(path, FrameRange(first, end - first), analysis_width=analysis_width, gray=False, cancel=context.cancel)
            for index, image in prefetched(frames, name="pose decode"):
                for reader in readers:
                    reader.see(index, image)
        except MediaError as exc:  # the first pass already noted a damaged stretch
            log.warning("pose: decoding stopped early (%s); feet read on the frames before", exc)
    return [reader.result() for reader in readers]


@lru_cache(maxsize=1)
def _shipped_pose(kind: type) -> PoseEstimator:
    """The shipped pose model, loaded once per process."""
    return kind(threads=ANALYSIS_THREADS)


def settings_detector(settings: AnalysisSettings, detector: FrameDetector | None) -> FrameDetector | None:
    """The detector to use: the one given, else the one `settings.detector` names (a choice
    that cannot run is logged, and analysis runs on motion alone)."""
    if detector is not None:
        return detector
    chosen, note = choose_detector(settings.detector, settings.detector_model)
    if chosen is None and settings.detector != "none":
        log.warning("%s", note)
    return chosen
