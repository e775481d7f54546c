"""Which media frames a shot covers: speed and source timecode (EDL) are applied, not ignored."""

from dataclasses import replace
from fractions import Fraction

import pytest

from foley_assistant.core.errors import MediaError
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.video import VideoInfo
from foley_assistant.pipeline.spine.analyze import media_frame_range

RATE = FrameRate(25)
SHOT = Shot("S001", "V1", 0, "walk", "/m.mov", "found", RATE, FrameRange(0, 50), 90000, RATE, FrameRange(10, 50))


def info(start_timecode=None, frames=1000):
    return VideoInfo("/m.mov", 320, 180, RATE, frames, "h264", start_timecode)


def test_plain_shot():
    assert media_frame_range(SHOT, info()) == FrameRange(10, 50)


def test_speed_covers_more_media_frames():
    fast = replace(SHOT, speed=Fraction(2), source_range=FrameRange(10, 100))
    assert media_frame_range(fast, info()) == FrameRange(10, 100)


def test_source_timecode_is_taken_relative_to_the_media_start_timecode():
    edl = replace(SHOT, source_from_timecode=True, source_range=FrameRange(90000 + 125, 50))  # 01:00:05:00
    assert media_frame_range(edl, info("01:00:00:00")) == FrameRange(125, 50)
    with pytest.raises(MediaError, match="source as timecode 01:00:05:00.*not tagged"):
        media_frame_range(edl, info(None))
