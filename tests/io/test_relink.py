"""Relinking missing media: by file name, name without extension, reel, clip name; choices kept."""

from pathlib import Path

import opentimelineio as otio

from foley_assistant.io.relink import relink_key, relink_shots
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline

TIMELINES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path


def test_windows_path_from_an_edl_is_found_by_file_name(tmp_path):
    shots = list_shots(read_timeline(TIMELINES / "avid_example.edl"))
    wanted = touch(tmp_path / "plates" / "ZZ100_501.take_1.0001.exr")
    touch(tmp_path / "plates" / "unrelated.mov")
    result = relink_shots(shots, [tmp_path])
    first, second = result.shots
    assert first.media_status == "relinked" and first.media_path == str(wanted)
    assert result.outcomes[0].rule == "file name"
    assert second.media_status == "missing" and result.outcomes[1].path is None
    assert result.choices == {"S:\\path\\to\\ZZ100_501.take_1.0001.exr": str(wanted)}
    assert result.summary() == "media: 0 found, 1 relinked, 1 missing"


def test_name_without_extension_prefers_picture_files(tmp_path):
    shots = list_shots(read_timeline(TIMELINES / "simple_cut.otio"))  # /folder/titles.mov ...
    touch(tmp_path / "a" / "titles.wav")
    movie = touch(tmp_path / "b" / "titles.mxf")
    result = relink_shots(shots[:1], [tmp_path])
    assert result.shots[0].media_path == str(movie)
    assert result.outcomes[0].rule == "name without extension" and result.outcomes[0].alternatives == 1
    assert "several matching files" in result.summary()


def test_reel_then_clip_name(tmp_path):
    cdl = list_shots(read_timeline(TIMELINES / "screening_example.edl"))  # reels ZZ100_50, clips 'ZZ100_501 (LAY3)'
    by_reel = touch(tmp_path / "ZZ100_50.mov")
    result = relink_shots(cdl[:1], [tmp_path])
    assert result.shots[0].media_path == str(by_reel) and result.outcomes[0].rule == "reel name"
    by_clip = touch(tmp_path / "other" / "ZZ100_501 (LAY3).mov")
    by_reel.unlink()
    result = relink_shots(cdl[:1], [tmp_path])
    assert result.shots[0].media_path == str(by_clip) and result.outcomes[0].rule == "clip name"


def test_an_earlier_choice_wins_and_is_kept(tmp_path):
    shots = list_shots(read_timeline(TIMELINES / "avid_example.edl"))
    chosen = touch(tmp_path / "picked" / "take one.mov")
    touch(tmp_path / "search" / "ZZ100_501.take_1.0001.exr")
    result = relink_shots(shots, [tmp_path / "search"], {relink_key(shots[0]): str(chosen), "gone": str(tmp_path / "nope.mov")})
    assert result.shots[0].media_path == str(chosen) and result.outcomes[0].rule == "earlier choice"
    assert result.choices == {relink_key(shots[0]): str(chosen)}  # a choice whose file is gone is dropped


def test_found_media_is_left_alone(tmp_path):
    media = touch(tmp_path / "m.mov")
    clip = otio.schema.Clip(
        name="c", media_reference=otio.schema.ExternalReference(target_url=media.as_uri()), source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(5, 24))
    )
    timeline = otio.schema.Timeline(tracks=[otio.schema.Track(children=[clip])])
    otio.adapters.write_to_file(timeline, str(tmp_path / "t.otio"))
    result = relink_shots(list_shots(read_timeline(tmp_path / "t.otio")), [tmp_path])
    assert result.outcomes[0].status == "found" and result.choices == {}
