"""Decoded pictures in presentation order, each with its presentation time.

Containers that store presentation times (MP4/MOV, MKV, MXF, TS...) are read by them; FFmpeg
applies edit lists, and times count from the stream's start (its start offset). AVI and raw
elementary streams (.h264, .hevc, .m2v...) store no presentation times: a decoder gives its
pictures in presentation order, so the k-th picture is given the k-th picture chunk's slot in
the file (AVI: chunk times in decode order; raw streams: k frame durations). Zero-size AVI chunks
("drop" chunks, the previous picture held) keep their slot and are counted, not decoded.
Interlaced pictures go through FFmpeg's bwdif filter (one picture per frame, at the frame's time,
built from its first field in the stream's field order).
"""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator

import av

from foley_assistant.core.errors import MediaError
from foley_assistant.core.timebase import FrameRate

# Formats with no presentation times of their own (FFmpeg demuxer names).
UNTIMED_FORMATS = frozenset({"avi", "h264", "hevc", "vvc", "mpegvideo", "m4v", "cavsvideo", "vc1", "avs2", "avs3", "h261", "h263", "mjpeg", "dirac"})


@dataclass
class ReadStats:
    """What reading found, for truthful notes: pictures decoded, empty chunks met, how times were set."""

    pictures: int = 0
    empty_chunks: int = 0
    rebuilt_times: bool = False
    deinterlaced: bool = False


def open_container(path: str | os.PathLike[str]) -> av.container.InputContainer:
    """Open a media file, or raise MediaError saying what is wrong."""
    if not os.path.isfile(path):
        raise MediaError(f"media file not found: {path}. Check the path, or relink the media.")
    try:
        return av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        raise MediaError(f"cannot read {path} as video ({exc}). Is it a video file FFmpeg can decode?") from exc


def video_stream(container: av.container.InputContainer, path: str | os.PathLike[str]) -> av.video.stream.VideoStream:
    """The first video stream, or MediaError."""
    if not container.streams.video:
        raise MediaError(f"{path} has no video stream; pick a file with picture.")
    return container.streams.video[0]


def rebuilds_times(container: av.container.InputContainer) -> bool:
    """True for formats whose pictures carry no presentation time (AVI, raw streams)."""
    return bool(UNTIMED_FORMATS & set(container.format.name.split(",")))


class PictureSource:
    """The pictures of one video file as (seconds from the stream's start, frame), in order."""

    def __init__(self, path: str | os.PathLike[str], rate: FrameRate, field_order: str = "progressive", stats: ReadStats | None = None) -> None:
        self.path = str(path)
        self.rate = rate
        self.field_order = field_order
        self.stats = stats if stats is not None else ReadStats()
        self._open()

    def _open(self) -> None:
        self.container = open_container(self.path)
        self.stream = video_stream(self.container, self.path)
        self.stream.thread_type = "AUTO"
        self.time_base = self.stream.time_base
        self.rebuilt = rebuilds_times(self.container)
        self.stats.rebuilt_times = self.rebuilt
        start = self.stream.start_time
        self.origin: Fraction | None = None if start is None or self.rebuilt else Fraction(start) * self.time_base
        self._sought = False

    def seek(self, seconds: Fraction) -> None:
        """Start reading at the keyframe at or before `seconds` (from the start for rebuilt times)."""
        if self.rebuilt:
            if self._sought:
                self.close()
                self._open()
            self._sought = True
            return
        origin = self.origin or Fraction(0)
        target = max(Fraction(0), origin + seconds)
        self.container.seek(int(target / self.time_base), stream=self.stream, backward=True, any_frame=False)
        self._sought = True

    def __iter__(self) -> Iterator[tuple[Fraction, av.VideoFrame]]:
        self._sought = True
        deinterlacer = _Deinterlacer(self.field_order) if self.field_order != "progressive" else None
        self.stats.deinterlaced = deinterlacer is not None
        try:
            for time, frame in self._timed():
                if deinterlacer is None:
                    yield time, frame
                else:
                    yield from deinterlacer.feed(time, frame)
            if deinterlacer is not None:
                yield from deinterlacer.feed(None, None)
        except av.error.FFmpegError as exc:
            raise MediaError(f"decoding {self.path} failed ({exc}); the file may be damaged") from exc

    def _timed(self) -> Iterator[tuple[Fraction, av.VideoFrame]]:
        slots: deque[Fraction] = deque()
        count = 0
        previous: Fraction | None = None
        last_dts: int | None = None
        for packet in self.container.demux(self.stream):
            if packet.size == 0 and packet.dts is not None:
                self.stats.empty_chunks += 1  # an AVI drop chunk: the picture before is held
                continue
            if self.rebuilt and packet.size and packet.dts is not None:
                if last_dts is not None and packet.dts > last_dts + 1:
                    self.stats.empty_chunks += packet.dts - last_dts - 1  # AVI counts chunks; FFmpeg skips empty ones
                last_dts = packet.dts
            if self.rebuilt and packet.size:
                slots.append(Fraction(packet.dts) * self.time_base if packet.dts is not None else self.rate.seconds(count + len(slots)))
            for frame in packet.decode():
                if self.rebuilt:
                    time = slots.popleft() if slots else self.rate.seconds(count)
                elif frame.pts is not None:
                    time = Fraction(frame.pts) * self.time_base
                else:
                    time = (previous + self.rate.frame_duration) if previous is not None else Fraction(0)
                if self.origin is None:
                    self.origin = time
                previous = time
                count += 1
                self.stats.pictures += 1
                yield time - self.origin, frame

    def close(self) -> None:
        """Close the file."""
        self.container.close()


class _Deinterlacer:
    """bwdif in a PyAV filter graph: one progressive picture per interlaced frame, same time."""

    def __init__(self, field_order: str) -> None:
        self.parity = "tff" if field_order == "top field first" else "bff"
        self.graph: av.filter.Graph | None = None
        self.times: deque[Fraction] = deque()
        self.pushed = 0

    def _build(self, frame: av.VideoFrame) -> None:
        self.graph = av.filter.Graph()
        source = self.graph.add_buffer(width=frame.width, height=frame.height, format=frame.format.name, time_base=Fraction(1, 1000))
        bwdif = self.graph.add("bwdif", f"mode=send_frame:parity={self.parity}:deint=all")
        sink = self.graph.add("buffersink")
        source.link_to(bwdif)
        bwdif.link_to(sink)
        self.graph.configure()

    def feed(self, time: Fraction | None, frame: av.VideoFrame | None) -> Iterator[tuple[Fraction, av.VideoFrame]]:
        """Push one frame (None at the end) and give the pictures that are ready."""
        if frame is not None:
            if self.graph is None:
                self._build(frame)
            frame.pts = self.pushed  # the filter needs rising times; the real ones wait in `times`
            frame.time_base = Fraction(1, 1000)
            self.pushed += 1
            self.times.append(time)
        if self.graph is None:
            return
        self.graph.push(frame)
        while self.times:
            try:
                picture = self.graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            yield self.times.popleft(), picture
