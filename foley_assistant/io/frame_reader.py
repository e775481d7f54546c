"""Pictures at any frame of a video file, fast when stepping: the viewer's frame source.

`FrameReader` keeps the file open and decodes forward from where it is when the wanted frame is
a little ahead (stepping, playback), and seeks to the keyframe before it otherwise. Frames come
back as RGB uint8 (H, W, 3), scaled by FFmpeg to at most `max_width` pixels wide, and the last
`cache_frames` are kept, so stepping back over recent frames costs nothing.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from fractions import Fraction

import av
import numpy as np

from foley_assistant.core.errors import MediaError
from foley_assistant.core.timebase import Rounding
from foley_assistant.io.video import _open, _stream_rate, _video_stream, analysis_size

FORWARD_DECODE_LIMIT = 48  # decoding this many frames ahead is cheaper than a seek


class FrameReader:
    """Random access to the frames of one video file (frame 0 = the file's first frame)."""

    def __init__(self, path: str | os.PathLike[str], max_width: int | None = 1280, cache_frames: int = 48) -> None:
        self.path = str(path)
        self._container = _open(path)
        self._stream = _video_stream(self._container, path)
        self._stream.thread_type = "AUTO"
        self.rate = _stream_rate(self._stream)
        self._time_base = self._stream.time_base
        self._origin = Fraction(self._stream.start_time or 0) * self._time_base
        self.width, self.height = analysis_size(self._stream.codec_context.width, self._stream.codec_context.height, max_width)
        self.frame_count = int(self._stream.frames or 0)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_frames = cache_frames
        self._decoder = None
        self._last_index = -10**9
        self.seeks = 0  # how many times the file was sought (for tests and benchmarks)

    def frame(self, index: int) -> np.ndarray:
        """The picture of frame `index` (the nearest decodable one past the end of the file)."""
        cached = self._cache.get(index)
        if cached is not None:
            self._cache.move_to_end(index)
            return cached
        if not (self._last_index < index <= self._last_index + FORWARD_DECODE_LIMIT):
            self._seek(index)
        image = None
        for decoded_index, decoded in self._decode_until(index):
            image = decoded
            if decoded_index >= index:
                break
        if image is None:
            raise MediaError(f"frame {index} of {self.path} could not be decoded; the file may be shorter than the cut says")
        return image

    def _seek(self, index: int) -> None:
        target = self._origin + self.rate.seconds(max(index, 0)) - self.rate.frame_duration / 2
        self._container.seek(max(0, int(target / self._time_base)), stream=self._stream, backward=True, any_frame=False)
        self._decoder = self._container.decode(self._stream)
        self._last_index = -10**9
        self.seeks += 1

    def _decode_until(self, index: int):
        if self._decoder is None:
            self._seek(index)
        last = None
        try:
            for frame in self._decoder:
                if frame.pts is None:
                    continue
                number = self.rate.frames(Fraction(frame.pts) * self._time_base - self._origin, Rounding.NEAREST)
                self._last_index = number
                if number < index:
                    continue  # frames before the wanted one are decoded, not converted
                image = frame.reformat(width=self.width, height=self.height, format="rgb24").to_ndarray()
                self._remember(number, image)
                last = (number, image)
                yield last
                if number >= index:
                    return
        except av.error.FFmpegError as exc:
            raise MediaError(f"decoding {self.path} failed ({exc}); the file may be damaged") from exc
        self._decoder = None  # the end of the file: the next request seeks again
        if last is None:
            cached = self._cache.get(max((k for k in self._cache if k <= index), default=-1))
            if cached is not None:
                yield index, cached

    def _remember(self, index: int, image: np.ndarray) -> None:
        self._cache[index] = image
        self._cache.move_to_end(index)
        while len(self._cache) > self._cache_frames:
            self._cache.popitem(last=False)

    def close(self) -> None:
        """Close the file."""
        self._container.close()

    def __enter__(self) -> "FrameReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
