"""PyAV video: exact rates, frame indexing from the file's first frame, analysis scaling."""

import numpy as np
import pytest

from foley_assistant.core.errors import MediaError
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.video import analysis_size, probe_video, read_frames, write_video


def numbered_frames(count: int, width: int = 320, height: int = 180):
    for i in range(count):
        frame = np.zeros((height, width, 3), np.uint8)
        frame[:, :, :] = (i * 5) % 256  # the frame number is in the brightness
        yield frame


@pytest.mark.parametrize("rate", [FrameRate(25), FrameRate(24000, 1001), FrameRate(30000, 1001)])
def test_round_trip_keeps_rate_count_and_frame_identity(tmp_path, rate):
    path = tmp_path / "v.mp4"
    assert write_video(path, numbered_frames(60), rate) == 60
    info = probe_video(path)
    assert info.rate == rate and info.frame_count == 60 and (info.width, info.height) == (320, 180)
    frames = list(read_frames(path, FrameRange(23, 10), analysis_width=None))
    assert [i for i, _ in frames] == list(range(23, 33))
    for index, image in frames:
        assert abs(int(np.median(image)) - (index * 5) % 256) <= 2


def test_analysis_resolution_keeps_aspect_and_even_sizes(tmp_path):
    path = tmp_path / "v.mp4"
    write_video(path, numbered_frames(3, 640, 360), FrameRate(25))
    _, image = next(read_frames(path, analysis_width=320))
    assert image.shape == (180, 320)
    assert analysis_size(1920, 1080, 320) == (320, 180)
    assert analysis_size(720, 576, 320) == (320, 256)
    assert analysis_size(200, 100, 320) == (200, 100)


def test_clear_errors_for_missing_or_non_video_files(tmp_path):
    with pytest.raises(MediaError, match="not found"):
        probe_video(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video")
    with pytest.raises(MediaError, match="cannot read"):
        probe_video(junk)


def test_odd_sizes_are_refused_and_nothing_is_left_behind(tmp_path):
    path = tmp_path / "odd.mp4"
    with pytest.raises(ValueError, match="even"):
        write_video(path, [np.zeros((9, 16, 3), np.uint8)], FrameRate(25))
    assert list(tmp_path.iterdir()) == []
