"""Record timecode of a shot's media frames: the one time language of the app."""

from __future__ import annotations

from fractions import Fraction

from foley_assistant.core.shot import Shot
from foley_assistant.core.shot_clock import ShotClock
from foley_assistant.core.timebase import FrameRange, FrameRate


def shot(rate: str = "25", media_rate: str = "25", speed: Fraction = Fraction(1), start: int = 50, duration: int = 100, global_start: int = 10 * 3600 * 25) -> Shot:
    timeline = FrameRate.parse(rate)
    return Shot(
        id="S002",
        track_name="V1",
        track_index=0,
        clip_name="walk",
        media_path="walk.mov",
        media_status="found",
        timeline_rate=timeline,
        record_range=FrameRange(start, duration),
        global_start_frame=global_start,  # 10:00:00:00 at 25 fps
        source_rate=FrameRate.parse(media_rate),
        source_range=FrameRange(1000, int(duration * speed)),
        speed=speed,
    )


def test_media_frames_read_as_the_record_timecode_of_the_shot():
    clock = ShotClock(shot(), media_start=1000, media_fps=FrameRate(25))
    assert clock.timecode_of(1000) == "10:00:02:00"  # the shot starts 50 frames into the cut
    assert clock.timecode_of(1037) == "10:00:03:12"
    assert clock.span_of(1000, 1099) == "10:00:02:00–10:00:05:24"


def test_the_end_of_a_shot_never_reads_as_the_next_shots_first_frame():
    clock = ShotClock(shot(), media_start=1000, media_fps=FrameRate(25))
    assert clock.timecode_at(Fraction(4)) == "10:00:05:24"  # playhead at the very end: its last frame
    assert clock.timecode_at(-1.0) == "10:00:02:00"


def test_another_media_rate_and_a_speed_change_map_by_time():
    # 50 fps media on a 25 fps timeline: two media frames per record frame.
    clock = ShotClock(shot(media_rate="50"), media_start=1000, media_fps=FrameRate(50))
    assert clock.timecode_of(1001) == "10:00:02:00" and clock.timecode_of(1002) == "10:00:02:01"
    # Half speed: the tracks are timed at 25 x 0.5 = 12.5 media frames per record second.
    slow = ShotClock(shot(speed=Fraction(1, 2)), media_start=1000, media_fps=FrameRate(25, 2))
    assert slow.timecode_of(1010) == "10:00:02:20"  # 10 media frames = 0.8 s = 20 record frames
    # 29.97 drop-frame timeline.
    ntsc = ShotClock(shot(rate="30000/1001", media_rate="30000/1001", start=0, global_start=0), media_start=1000, media_fps=FrameRate(30000, 1001))
    assert ntsc.timecode_of(1000 + 3) == ntsc.timecode_at(Fraction(3 * 1001, 30000))
