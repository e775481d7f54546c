"""Video files through PyAV: probe, decode in display space at analysis resolution, encode H.264."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Iterator

import av
import numpy as np

from foley_assistant.core.errors import MediaError
from foley_assistant.core.picture import PictureGeometry
from foley_assistant.core.progress import CancelToken
from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.display import orient, picture_geometry
from foley_assistant.io.pictures import PictureSource, ReadStats, open_container, rebuilds_times, video_stream

# Rates a variable-rate file is placed on: the nearest to its fastest run of pictures.
_GRID_RATES = (24000 / 1001, 24, 25, 30000 / 1001, 30, 48, 50, 60000 / 1001, 60, 90, 100, 120000 / 1001, 120, 240)


@dataclass(frozen=True)
class VideoInfo:
    """What analysis needs to know about a video file.

    `width` and `height` are the picture as displayed (`picture` says how it was coded); `rate`
    is the frame grid pictures are placed on by their times: the file's rate, or for variable
    frame rate footage the rate of its fastest run, so that every picture has a slot of its own.
    """

    path: str
    width: int
    height: int
    rate: FrameRate
    frame_count: int
    codec: str
    start_timecode: str | None
    picture: PictureGeometry | None = None
    variable_rate: bool = False
    rebuilt_times: bool = False

    @property
    def duration_seconds(self) -> Fraction:
        return self.rate.seconds(self.frame_count)


def _stream_rate(stream: av.video.stream.VideoStream) -> FrameRate:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        raise MediaError(f"cannot tell the frame rate of {stream.container.name}")
    return FrameRate.parse(Fraction(rate.numerator, rate.denominator))


def _first_picture(container: av.container.InputContainer, stream: av.video.stream.VideoStream) -> av.VideoFrame | None:
    try:
        for packet in container.demux(stream):
            if packet.size:
                for frame in packet.decode():
                    return frame
    except av.error.FFmpegError:
        return None
    return None


def _grid_rate(stream: av.video.stream.VideoStream, rate: FrameRate) -> FrameRate | None:
    """The rate of the fastest run of pictures when it is well above the average (variable
    frame rate), from the container's index; None for constant-rate footage."""
    stamps = np.sort(np.array([entry.timestamp for entry in stream.index_entries if entry.size > 0], dtype=np.int64))
    steps = np.diff(stamps)
    steps = steps[steps > 0]
    if len(steps) < 4 or stream.time_base is None:
        return None
    fastest = 1.0 / (float(np.percentile(steps, 10)) * float(stream.time_base))
    if fastest < float(rate.fps) * 1.25:
        return None
    nearest = min(_GRID_RATES, key=lambda grid: abs(grid - fastest))
    return FrameRate.parse(nearest if abs(nearest - fastest) < 0.04 * fastest else fastest)


def _count_pictures(path: str | os.PathLike[str]) -> int:
    """Picture chunks in a file without an index (raw streams cannot seek back: a fresh open)."""
    with open_container(path) as container:
        return sum(1 for packet in container.demux(video_stream(container, path)) if packet.size)


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Display size, frame grid, frame count, start timecode (if tagged) and picture geometry.

    Reads the first picture for the display matrix and field order."""
    with open_container(path) as container:
        stream = video_stream(container, path)
        rate = _stream_rate(stream)
        grid = _grid_rate(stream, rate)
        frame_count = 0 if grid else stream.frames
        rate = grid or rate
        if not frame_count:
            if stream.duration is not None and stream.time_base is not None:
                seconds = Fraction(stream.duration) * stream.time_base
            elif container.duration is not None:
                seconds = Fraction(container.duration, av.time_base)
            else:
                seconds = Fraction(0)
            frame_count = rate.frames(seconds, Rounding.NEAREST)
        codec = stream.codec_context.name
        timecode = stream.metadata.get("timecode") or container.metadata.get("timecode")
        rebuilt = rebuilds_times(container)
        geometry = picture_geometry(stream, _first_picture(container, stream))
    if not frame_count and rebuilt:
        frame_count = _count_pictures(path)
    width, height = geometry.display_size
    return VideoInfo(
        path=str(path),
        width=width,
        height=height,
        rate=rate,
        frame_count=int(frame_count),
        codec=codec,
        start_timecode=timecode,
        picture=geometry,
        variable_rate=grid is not None,
        rebuilt_times=rebuilt,
    )


def analysis_size(width: int, height: int, analysis_width: int | None) -> tuple[int, int]:
    """Frame size scaled to `analysis_width` (never up), even dimensions, aspect kept."""
    if analysis_width is None or analysis_width >= width:
        return width, height
    scaled_height = max(2, int(round(height * analysis_width / width / 2)) * 2)
    return analysis_width, scaled_height


def display_array(frame: av.VideoFrame, geometry: PictureGeometry, size: tuple[int, int], pixel_format: str) -> np.ndarray:
    """A decoded frame as the editor sees it, `size` = (width, height) in display space."""
    width, height = (size[1], size[0]) if geometry.transposed else size
    image = frame.reformat(width=width, height=height, format=pixel_format).to_ndarray()
    return orient(image, geometry.rotation, geometry.mirrored) if geometry.rotation or geometry.mirrored else image


def read_frames(
    path: str | os.PathLike[str],
    frame_range: FrameRange | None = None,
    analysis_width: int | None = 320,
    gray: bool = True,
    cancel: CancelToken | None = None,
    info: VideoInfo | None = None,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Decode frames as (frame index, array) pairs in display space, index counted from the
    file's first frame on `info.rate`'s grid (probed when not given), by presentation time.

    Frames are scaled to `analysis_width` (None keeps the display size); `gray` gives (H, W)
    uint8 arrays, otherwise (H, W, 3) RGB. Interlaced pictures are deinterlaced. Decoding seeks
    to the nearest keyframe before the range (from the start where times are rebuilt). What
    was read is counted in `stats` when given.
    """
    info = info or probe_video(path)
    geometry = info.picture or PictureGeometry(info.width, info.height)
    rate = info.rate
    start = frame_range.start if frame_range else 0
    end = frame_range.end if frame_range else None
    size = analysis_size(info.width, info.height, analysis_width)
    pixel_format = "gray" if gray else "rgb24"
    source = PictureSource(path, rate, geometry.field_order, stats)
    try:
        if start > 0:
            source.seek(rate.seconds(start) - rate.frame_duration / 2)
        for time, frame in source:
            index = rate.frames(time, Rounding.NEAREST)
            if index < start:
                continue
            if end is not None and index >= end:
                break
            if cancel is not None:
                cancel.check()
            yield index, display_array(frame, geometry, size, pixel_format)
    finally:
        source.close()


def write_video(
    path: str | os.PathLike[str],
    frames: Iterable[np.ndarray],
    rate: FrameRate,
    crf: int = 18,
    preset: str = "veryfast",
) -> int:
    """Encode RGB uint8 frames (H, W, 3) to H.264 (yuv420p) atomically; returns the frame count."""
    written = 0
    with atomic_path(path) as temporary:
        with av.open(str(temporary), mode="w") as container:
            stream = container.add_stream("libx264", rate=rate.fps)
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": str(crf), "preset": preset}
            for image in frames:
                if written == 0:
                    height, width = image.shape[:2]
                    if width % 2 or height % 2:
                        raise ValueError(f"H.264 needs even frame sizes, got {width}x{height}")
                    stream.width, stream.height = width, height
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image, dtype=np.uint8), format="rgb24")
                frame.pts = written
                frame.time_base = rate.frame_duration
                container.mux(stream.encode(frame))
                written += 1
            container.mux(stream.encode(None))
    return written
