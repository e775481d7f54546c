"""The viewer's frame source: exact pictures at any frame, stepping without seeking."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.core.errors import MediaError
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.frame_reader import FrameReader
from foley_assistant.io.video import read_frames


@pytest.fixture(scope="module")
def numbered_video(tmp_path_factory):
    """60 frames at 25 fps whose brightness encodes the frame number (keyframe every 12)."""
    path = tmp_path_factory.mktemp("frames") / "numbered.mp4"
    frames = []
    for i in range(60):
        image = np.zeros((72, 128, 3), dtype=np.uint8)
        image[:, :, 0] = 4 * i
        image[:, : 2 * i + 2, 1] = 200
        frames.append(image)
    import av

    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 128, 72, "yuv420p"
        stream.options = {"crf": "12", "g": "12"}
        for i, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def test_frames_match_a_full_decode_in_any_order(numbered_video):
    reference = dict(read_frames(numbered_video, FrameRange(0, 60), analysis_width=None, gray=False))
    with FrameReader(numbered_video, max_width=None, cache_frames=4) as reader:
        assert reader.rate == FrameRate(25) and (reader.width, reader.height) == (128, 72)
        for index in (30, 31, 32, 5, 59, 0, 47, 12, 11, 58):
            assert np.array_equal(reader.frame(index), reference[index]), index


def test_stepping_forward_decodes_on_without_seeking(numbered_video):
    with FrameReader(numbered_video, max_width=None) as reader:
        reader.frame(10)
        seeks = reader.seeks
        for index in range(11, 50):
            reader.frame(index)
        assert reader.seeks == seeks
        reader.frame(20)  # recent frames come from the cache
        assert reader.seeks == seeks
        reader.frame(2)
        assert reader.seeks == seeks + 1


def test_frames_are_scaled_to_the_width_asked_for(numbered_video):
    with FrameReader(numbered_video, max_width=64) as reader:
        assert reader.frame(3).shape == (36, 64, 3)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(MediaError, match="not found"):
        FrameReader(tmp_path / "gone.mp4")
