"""Exact time: rates, rounding, samples and timecode (checked against OTIO's own timecode code)."""

from fractions import Fraction

import opentimelineio as otio
import pytest

from foley_assistant.core.timebase import (
    FrameRange,
    FrameRate,
    Rounding,
    frames_to_timecode,
    round_fraction,
    seconds_to_samples,
    timecode_to_frames,
)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("23.976", (24000, 1001)),
        (23.976, (24000, 1001)),
        (29.97, (30000, 1001)),
        ("59.94", (60000, 1001)),
        ("24000/1001", (24000, 1001)),
        (25, (25, 1)),
        ("50", (50, 1)),
        ((30000, 1001), (30000, 1001)),
        (Fraction(48, 2), (24, 1)),
        (12.5, (25, 2)),
    ],
)
def test_rates_parse_to_exact_fractions(value, expected):
    assert FrameRate.parse(value).as_tuple() == expected


def test_invalid_rates_are_refused():
    with pytest.raises(ValueError):
        FrameRate(0)
    with pytest.raises(ValueError):
        FrameRate.parse("-25")


def test_rounding_is_explicit_and_deterministic():
    assert round_fraction(Fraction(5, 2), Rounding.NEAREST) == 3
    assert round_fraction(Fraction(-5, 2), Rounding.NEAREST) == -2
    assert round_fraction(Fraction(7, 3), Rounding.FLOOR) == 2
    assert round_fraction(Fraction(7, 3), Rounding.CEIL) == 3


def test_frame_to_sample_at_ntsc_rates():
    r2398 = FrameRate(24000, 1001)
    assert r2398.frame_to_sample(1, 48000) == 2002  # exact: 1001/24000 * 48000
    assert r2398.frame_to_sample(86400, 48000) == 86400 * 2002
    r2997 = FrameRate(30000, 1001)
    # 1601.6 samples per frame: frame 1 rounds to 1602, frame 5 is exactly 8008.
    assert r2997.frame_to_sample(1, 48000) == 1602
    assert r2997.frame_to_sample(1, 48000, Rounding.FLOOR) == 1601
    assert r2997.frame_to_sample(5, 48000) == 8008
    assert seconds_to_samples(Fraction(3600), 48000) == 172_800_000


def test_seconds_and_frames_round_trip():
    rate = FrameRate(30000, 1001)
    for frames in (0, 1, 29, 30, 1799, 1800, 17982, 107892):
        assert rate.frames(rate.seconds(frames), Rounding.NEAREST) == frames


@pytest.mark.parametrize("rate", [FrameRate(24), FrameRate(25), FrameRate(24000, 1001), FrameRate(50)])
def test_non_drop_timecode_matches_otio(rate):
    for frames in (0, 1, 23, 24, 86399, 90000, 24 * 3600 * 2 + 5):
        expected = otio.opentime.to_timecode(otio.opentime.RationalTime(frames, float(rate)), float(rate), drop_frame=False)
        assert frames_to_timecode(frames, rate, drop_frame=False) == expected
        assert timecode_to_frames(expected, rate) == frames


@pytest.mark.parametrize("rate", [FrameRate(30000, 1001), FrameRate(60000, 1001)])
def test_drop_frame_timecode_matches_otio_everywhere_in_an_hour(rate):
    base = rate.timecode_base
    for frames in list(range(0, base * 70)) + list(range(17980, 17990)) + [107892, 107891, 215784]:
        ours = frames_to_timecode(frames, rate)
        theirs = otio.opentime.to_timecode(otio.opentime.RationalTime(frames, float(rate)), float(rate), drop_frame=True)
        assert ours == theirs, frames
        assert timecode_to_frames(ours, rate) == frames


def test_drop_frame_known_values():
    rate = FrameRate(30000, 1001)
    assert frames_to_timecode(1800, rate) == "00:01:00;02"
    assert frames_to_timecode(17982, rate) == "00:10:00;00"
    assert frames_to_timecode(107892, rate) == "01:00:00;00"
    with pytest.raises(ValueError, match="does not exist"):
        timecode_to_frames("00:01:00;00", rate)


def test_drop_frame_only_where_it_exists():
    with pytest.raises(ValueError):
        frames_to_timecode(10, FrameRate(25), drop_frame=True)
    with pytest.raises(ValueError):
        timecode_to_frames("00:00:01;00", FrameRate(24))


def test_malformed_timecode_is_refused():
    for text in ("1:2:3", "00:00:00:25", "00:61:00:00", "abc"):
        with pytest.raises(ValueError):
            timecode_to_frames(text, FrameRate(25))


def test_frame_range():
    r = FrameRange(10, 5)
    assert r.end == 15 and 10 in r and 14 in r and 15 not in r
    assert r.shifted(-10) == FrameRange(0, 5)
    with pytest.raises(ValueError):
        FrameRange(0, -1)
