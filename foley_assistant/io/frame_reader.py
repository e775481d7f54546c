"""Pictures at any frame of a video file, fast when stepping: the viewer's frame source.

`FrameReader` keeps the file open and decodes forward from where it is when the wanted frame is
a little ahead (stepping, playback), and seeks to the keyframe before it otherwise. Frames come
back as RGB uint8 (H, W, 3) in display space (pixel aspect, display rotation and deinterlacing
applied, as in analysis), scaled to at most `max_width` pixels wide, and the last `cache_frames`
are kept, so stepping back over recent frames costs nothing.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Iterator

import numpy as np

from foley_assistant.core.errors import MediaError
from foley_assistant.core.picture import PictureGeometry
from foley_assistant.core.timebase import Rounding
from foley_assistant.io.pictures import PictureSource
from foley_assistant.io.video import analysis_size, display_array, probe_video

FORWARD_DECODE_LIMIT = 48  # decoding this many frames ahead is cheaper than a seek


class FrameReader:
    """Random access to the frames of one video file (frame 0 = the file's first frame)."""

    def __init__(self, path: str | os.PathLike[str], max_width: int | None = 1280, cache_frames: int = 48) -> None:
        self.path = str(path)
        info = probe_video(path)
        self.rate = info.rate
        self._geometry = info.picture or PictureGeometry(info.width, info.height)
        self._source = PictureSource(path, self.rate, self._geometry.field_order)
        self.width, self.height = analysis_size(info.width, info.height, max_width)
        self.frame_count = info.frame_count
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._cache_frames = cache_frames
        self._decoder: Iterator | None = None
        self._last_index = -(10**9)
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
        self._source.seek(self.rate.seconds(max(index, 0)) - self.rate.frame_duration / 2)
        self._decoder = iter(self._source)
        self._last_index = -(10**9)
        self.seeks += 1

    def _decode_until(self, index: int) -> Iterator[tuple[int, np.ndarray]]:
        if self._decoder is None:
            self._seek(index)
        last = None
        for time, frame in self._decoder:
            number = self.rate.frames(time, Rounding.NEAREST)
            self._last_index = number
            if number < index:
                continue  # frames before the wanted one are decoded, not converted
            image = display_array(frame, self._geometry, (self.width, self.height), "rgb24")
            self._remember(number, image)
            last = (number, image)
            yield last
            if number >= index:
                return
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
        self._source.close()

    def __enter__(self) -> "FrameReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
