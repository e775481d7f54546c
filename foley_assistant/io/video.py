"""Video files through PyAV: probe, decode at analysis resolution, encode H.264."""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterable, Iterator

import av
import numpy as np

from foley_assistant.core.errors import MediaError
from foley_assistant.core.progress import CancelToken
from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding
from foley_assistant.io.atomic import atomic_path


@dataclass(frozen=True)
class VideoInfo:
    """What analysis needs to know about a video file."""

    path: str
    width: int
    height: int
    rate: FrameRate
    frame_count: int
    codec: str
    start_timecode: str | None

    @property
    def duration_seconds(self) -> Fraction:
        return self.rate.seconds(self.frame_count)


def _open(path: str | os.PathLike[str]) -> av.container.InputContainer:
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"media file not found: {path}. Check the path, or relink the media.")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise MediaError(f"cannot read {path} as video ({exc}). Is it a video file FFmpeg can decode?") from exc


def _video_stream(container: av.container.InputContainer, path: str | os.PathLike[str]) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise MediaError(f"{path} has no video stream; pick a file with picture.")
    return container.streams.video[0]


def _stream_rate(stream: av.video.stream.VideoStream) -> FrameRate:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        raise MediaError(f"cannot tell the frame rate of {stream.container.name}")
    return FrameRate.parse(Fraction(rate.numerator, rate.denominator))


def probe_video(path: str | os.PathLike[str]) -> VideoInfo:
    """Size, exact frame rate, frame count and start timecode (if tagged) of a video file."""
    with _open(path) as container:
        stream = _video_stream(container, path)
        rate = _stream_rate(stream)
        frame_count = stream.frames
        if not frame_count:
            if stream.duration is not None and stream.time_base is not None:
                seconds = Fraction(stream.duration) * stream.time_base
            elif container.duration is not None:
                seconds = Fraction(container.duration, av.time_base)
            else:
                seconds = Fraction(0)
            frame_count = rate.frames(seconds, Rounding.NEAREST)
        timecode = stream.metadata.get("timecode") or container.metadata.get("timecode")
        return VideoInfo(
            path=str(path),
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            rate=rate,
            frame_count=int(frame_count),
            codec=stream.codec_context.name,
            start_timecode=timecode,
        )


def analysis_size(width: int, height: int, analysis_width: int | None) -> tuple[int, int]:
    """Frame size scaled to `analysis_width` (never up), even dimensions, aspect kept."""
    if analysis_width is None or analysis_width >= width:
        return width, height
    scaled_height = max(2, int(round(height * analysis_width / width / 2)) * 2)
    return analysis_width, scaled_height


def read_frames(
    path: str | os.PathLike[str],
    frame_range: FrameRange | None = None,
    analysis_width: int | None = 320,
    gray: bool = True,
    cancel: CancelToken | None = None,
) -> Iterator[tuple[int, np.ndarray]]:
    """Decode frames as (frame index, array) pairs, index counted from the file's first frame.

    Frames are scaled by FFmpeg to `analysis_width` (None keeps full size); `gray` gives (H, W)
    uint8 arrays, otherwise (H, W, 3) RGB. Decoding seeks to the nearest keyframe before the range.
    """
    with _open(path) as container:
        stream = _video_stream(container, path)
        stream.thread_type = "AUTO"
        rate = _stream_rate(stream)
        time_base = stream.time_base
        origin = Fraction(stream.start_time or 0) * time_base
        start = frame_range.start if frame_range else 0
        end = frame_range.end if frame_range else None
        width, height = analysis_size(stream.codec_context.width, stream.codec_context.height, analysis_width)
        if start > 0:
            target = origin + rate.seconds(start) - rate.frame_duration / 2
            container.seek(int(target / time_base), stream=stream, backward=True, any_frame=False)
        pixel_format = "gray" if gray else "rgb24"
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                index = rate.frames(Fraction(frame.pts) * time_base - origin, Rounding.NEAREST)
                if index < start:
                    continue
                if end is not None and index >= end:
                    break
                if cancel is not None:
                    cancel.check()
                image = frame.reformat(width=width, height=height, format=pixel_format).to_ndarray()
                yield index, image
        except av.error.FFmpegError as exc:
            raise MediaError(f"decoding {path} failed ({exc}); the file may be damaged") from exc


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
