"""Reading timelines and listing shots, on OTIO's own sample timelines and on written cuts."""

from pathlib import Path

import opentimelineio as otio
import pytest

from foley_assistant.core.errors import InputFileError, TimelineError
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.media_paths import media_path_of
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline


def test_simple_cut_lists_every_clip_in_record_order(corpus_timeline):
    shots = list_shots(read_timeline(corpus_timeline("simple_cut.otio")))
    assert [s.id for s in shots] == ["S001", "S002", "S003", "S004"]
    assert [s.clip_name for s in shots] == ["Clip-001", "Clip-002", "Clip-003", "Clip-004"]
    assert [s.record_range.start for s in shots] == [0, 3, 9, 13]
    assert shots[1].record_tc_in == "00:00:00:03"
    assert shots[0].media_path == "/folder/titles.mov" and shots[0].media_status == "missing"


def test_nested_stacks_are_flattened_to_top_level_record_time(corpus_timeline):
    shots = list_shots(read_timeline(corpus_timeline("nested_example.otio")))
    inner = next(s for s in shots if s.clip_name == "Clip Inside A Stack 1")
    # The clip is 37 frames long, but its stack shows only its first 31 (source_range 0+31).
    assert inner.record_range == FrameRange(238, 31)
    assert inner.source_range == FrameRange(373, 31)


def test_global_start_time_sets_record_timecode(corpus_timeline):
    shots = list_shots(read_timeline(corpus_timeline("effects.otio")))
    assert shots[0].record_tc_in == "01:00:00:00"
    assert shots[0].global_start_frame == 86400


def test_newer_schema_is_refused_with_advice(corpus_timeline):
    with pytest.raises(TimelineError, match=r"Marker.3 \(this OTIO reads up to Marker.2\).*Upgrade"):
        read_timeline(corpus_timeline("screening_example.otio"))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        read_timeline(tmp_path / "nope.otio")
    bad = tmp_path / "bad.otio"
    bad.write_text("{ not json")
    with pytest.raises(TimelineError, match="could not be read"):
        read_timeline(bad)
    other = tmp_path / "cut.xyz"
    other.write_text("x")
    with pytest.raises(TimelineError, match="no installed OTIO adapter"):
        read_timeline(other)


def test_disabled_clips_and_gaps_are_skipped(tmp_path):
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    rt = lambda v: otio.opentime.RationalTime(v, 24)  # noqa: E731
    track.append(otio.schema.Clip(name="a", source_range=otio.opentime.TimeRange(rt(0), rt(10))))
    track.append(otio.schema.Gap(duration=rt(5)))
    off = otio.schema.Clip(name="off", source_range=otio.opentime.TimeRange(rt(0), rt(10)))
    off.enabled = False
    track.append(off)
    track.append(otio.schema.Clip(name="b", source_range=otio.opentime.TimeRange(rt(0), rt(10))))
    timeline = otio.schema.Timeline()
    timeline.tracks.append(track)
    path = tmp_path / "t.otio"
    otio.adapters.write_to_file(timeline, str(path))
    shots = list_shots(read_timeline(path))
    assert [(s.clip_name, s.record_range.start) for s in shots] == [("a", 0), ("b", 25)]
    assert shots[0].media_status == "missing" and shots[0].media_path is None  # no reference: to be relinked by name


def _one_clip_timeline(tmp_path, *effects, name="speed.otio"):
    rt = lambda v: otio.opentime.RationalTime(v, 24)  # noqa: E731
    clip = otio.schema.Clip(
        name="c",
        source_range=otio.opentime.TimeRange(rt(10), rt(10)),
        media_reference=otio.schema.ExternalReference(target_url="m.mov", available_range=otio.opentime.TimeRange(rt(0), rt(100))),
    )
    clip.effects.extend(effects)
    timeline = otio.schema.Timeline()
    timeline.tracks.append(otio.schema.Track(children=[clip]))
    path = tmp_path / name
    otio.adapters.write_to_file(timeline, str(path))
    return path


def test_constant_speed_is_applied_to_the_source_range(tmp_path):
    (shot,) = list_shots(read_timeline(_one_clip_timeline(tmp_path, otio.schema.LinearTimeWarp(time_scalar=2.0))))
    assert shot.refusal is None and shot.speed == 2
    assert shot.record_range == FrameRange(0, 10)  # the clip keeps its place and length in the cut
    assert shot.source_range == FrameRange(10, 20)  # and plays 20 frames of its media


@pytest.mark.parametrize(
    "effect, reason",
    [
        (otio.schema.FreezeFrame(), "freeze frame"),
        (otio.schema.LinearTimeWarp(time_scalar=-1.0), "backwards"),
        (otio.schema.TimeEffect(name="ramp", effect_name="SpeedRamp"), "SpeedRamp"),
    ],
)
def test_speeds_that_cannot_be_applied_are_refused_per_shot(tmp_path, effect, reason):
    (shot,) = list_shots(read_timeline(_one_clip_timeline(tmp_path, effect)))
    assert reason in shot.refusal and shot.speed == 1


def test_relative_and_url_media_paths(tmp_path):
    clip = otio.schema.Clip(media_reference=otio.schema.ExternalReference(target_url="media/a%20b.mov"))
    assert media_path_of(clip, tmp_path) == str(tmp_path / "media" / "a b.mov")
    clip.media_reference = otio.schema.ExternalReference(target_url="file:///C:/cuts/a.mov")
    assert media_path_of(clip, tmp_path) == str(Path("C:/cuts/a.mov"))
    clip.media_reference = otio.schema.ExternalReference(target_url="https://example.com/a.mov")
    assert media_path_of(clip, tmp_path) is None


def test_written_cut_at_2997_drop_frame(tmp_path):
    rate = FrameRate(30000, 1001)
    media = tmp_path / "m.mp4"
    media.write_bytes(b"")
    clips = [CutClip("one", media, 300, FrameRange(15, 100)), CutClip("two", media, 300, FrameRange(0, 50))]
    write_cut(tmp_path / "cut.otio", "cut", rate, clips, start_frame=107892)
    loaded = read_timeline(tmp_path / "cut.otio")
    assert loaded.rate == rate
    one, two = list_shots(loaded)
    assert one.record_tc_in == "01:00:00;00" and two.record_range.start == 100
    assert two.record_tc_in == "01:00:03;10"
    assert one.source_range == FrameRange(15, 100) and one.media_status == "found"
    # 100 frames at 29.97 = 3.336666 s = 160160 samples exactly.
    assert two.record_start_sample(48000) == 160160


def test_otioz_bundle_media_is_found(tmp_path):
    media = tmp_path / "m.mp4"
    media.write_bytes(b"not really video")
    timeline = write_cut(tmp_path / "cut.otio", "cut", FrameRate(25), [CutClip("one", media, 50, FrameRange(0, 50))])
    bundle = tmp_path / "cut.otioz"
    otio.adapters.write_to_file(timeline, str(bundle), adapter_name="otioz")
    (shot,) = list_shots(read_timeline(bundle))
    assert shot.media_status == "found" and Path(shot.media_path).read_bytes() == b"not really video"


def test_drop_frame_edl_is_read_at_2997(tmp_path):
    edl = tmp_path / "df.edl"
    edl.write_text("TITLE: df\nFCM: DROP FRAME\n001  TAPE1    V     C        01:00:00;00 01:00:02;00 00:59:59;28 01:00:01;28\n* FROM CLIP NAME:  walk\n")
    loaded = read_timeline(edl)
    (shot,) = list_shots(loaded)
    assert loaded.rate == FrameRate(30000, 1001) and "drop-frame" in loaded.notes[0]
    assert shot.record_tc_in == "00:59:59;28" and shot.record_tc_out == "01:00:01;28"
    # 00:59:59;28 is frame 107890 in drop-frame counting; 60 frames long.
    assert shot.record_range == FrameRange(107890, 60)
    assert shot.record_start_sample(48000) == 172_796_624  # 107890 x 1601.6 samples per frame, exactly


def test_fcpxml_is_read_through_its_adapter(tmp_path):
    media = tmp_path / "walk.mov"
    media.write_bytes(b"")
    timeline = write_cut(tmp_path / "cut.otio", "cut", FrameRate(25), [CutClip("walk", media, 100, FrameRange(10, 40)), CutClip("run", media, 100, FrameRange(50, 25))])
    otio.adapters.write_to_file(timeline, str(tmp_path / "cut.fcpxml"), adapter_name="fcpx_xml")
    shots = list_shots(read_timeline(tmp_path / "cut.fcpxml"))
    assert [(s.clip_name, s.record_range, s.source_range, s.record_tc_in) for s in shots] == [
        ("walk", FrameRange(0, 40), FrameRange(10, 40), "00:00:00:00"),
        ("run", FrameRange(40, 25), FrameRange(50, 25), "00:00:01:15"),
    ]
