"""Write-back: the input survives unchanged, the stems land on the exact sample."""

import json
import os

import opentimelineio as otio
import pytest

from foley_assistant.core.curves import Curve, SpatialCurves
from foley_assistant.core.lanes import assign_lanes
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.io.writeback import stem_track, with_stem_tracks, write_timeline, write_with_stem_tracks

SR = 48000


def stems_for(shots, labels=("person", "car")):
    stems = []
    for shot in shots:
        for number, label in enumerate(labels, start=1):
            stems.append(Stem(shot.id, f"O{number}", label, f"stems/{shot.id}_O{number}_{label}.wav", "procedural", SR, shot.record_start_sample(SR), shot.duration_samples(SR)))
    return stems


def as_json(timeline):
    return json.loads(otio.adapters.write_to_string(timeline, "otio_json"))


def test_input_survives_and_only_tracks_are_added(corpus_timeline, tmp_path):
    loaded = read_timeline(corpus_timeline("effects.otio"))
    before = as_json(loaded.timeline)
    shots = list_shots(loaded)[:3]
    written = with_stem_tracks(loaded.timeline, assign_lanes(stems_for(shots)), tmp_path)
    assert as_json(loaded.timeline) == before  # the loaded input was not touched
    after = as_json(written)
    added = after["tracks"]["children"][len(before["tracks"]["children"]) :]
    after["tracks"]["children"] = after["tracks"]["children"][: len(before["tracks"]["children"])]
    assert after == before
    assert [t["name"] for t in added] == ["car", "person"]
    assert all(t["kind"] == "Audio" for t in added)


@pytest.mark.parametrize(
    "rate, start_frame",
    [(FrameRate(25), 90000), (FrameRate(24000, 1001), 86400), (FrameRate(30000, 1001), 107892)],
)
def test_stems_sit_on_the_exact_record_sample(tmp_path, rate, start_frame):
    media = tmp_path / "m.mp4"
    media.write_bytes(b"")
    clips = [CutClip(f"c{i}", media, 500, FrameRange(7 * i, 37 + 11 * i)) for i in range(4)]
    write_cut(tmp_path / "cut.otio", "cut", rate, clips, start_frame=start_frame)
    loaded = read_timeline(tmp_path / "cut.otio")
    shots = list_shots(loaded)
    stems = stems_for(shots, labels=("person",))
    curves = {(s.shot_id, s.object_id): SpatialCurves(s.shot_id, s.object_id, Curve.constant(-12.0), Curve.constant(3.0)) for s in stems}
    out = tmp_path / "out" / "timeline.otio"
    write_timeline(with_stem_tracks(loaded.timeline, assign_lanes(stems), tmp_path / "out", curves), out)
    reread = otio.adapters.read_from_file(str(out))
    (lane,) = reread.audio_tracks()
    clips_on_lane = list(lane.find_clips())
    assert len(clips_on_lane) == len(shots)
    for shot, clip in zip(shots, clips_on_lane):
        start = clip.range_in_parent().start_time
        assert start.rate == SR
        assert start.value == shot.record_start_sample(SR)
        # and the same instant as the picture clip, to the sample:
        assert round(start.to_seconds() * SR) == round(float(rate.seconds(shot.record_range.start)) * SR)
        info = clip.metadata["foley_assistant"]
        assert info["record_start_sample"] == shot.record_start_sample(SR)
        assert info["curves"]["azimuth_deg"][0]["v"] == -12.0
        assert clip.media_reference.target_url.startswith("file://")
        assert clip.media_reference.target_url.endswith(f"/out/stems/{shot.id}_O1_person.wav")


def test_overlapping_stems_on_one_lane_are_refused(tmp_path):
    a = Stem("S1", "O1", "x", "stems/a.wav", "procedural", SR, 0, 100, "x")
    b = Stem("S1", "O2", "x", "stems/b.wav", "procedural", SR, 50, 100, "x")
    with pytest.raises(ValueError, match="overlap"):
        with_stem_tracks(otio.schema.Timeline(), [("x", [a, b])], tmp_path)


def test_writing_without_a_copy_gives_the_same_file_and_leaves_the_input(corpus_timeline, tmp_path):
    loaded = read_timeline(corpus_timeline("effects.otio"))
    before = as_json(loaded.timeline)
    lanes = assign_lanes(stems_for(list_shots(loaded)[:4]))
    write_timeline(with_stem_tracks(loaded.timeline, lanes, tmp_path), tmp_path / "copy.otio")
    write_with_stem_tracks(loaded.timeline, lanes, tmp_path, tmp_path / "direct.otio")
    assert as_json(loaded.timeline) == before
    assert (tmp_path / "copy.otio").read_text() == (tmp_path / "direct.otio").read_text()


@pytest.mark.parametrize(
    "relative",
    ["stems/S001_O1_person.wav", "stems/a b#%?.wav", "stems/été/x.wav", "x.", ".hidden", "a/./b.wav", "a//b.wav", "../up.wav", "stems/"],
)
@pytest.mark.parametrize("folder", ["out", "/", "."])
def test_stem_clips_reference_the_absolute_file_url_pathlib_gives(relative, folder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from pathlib import Path

    stem = Stem("S001", "O1", "person", relative, "procedural", SR, 4800, 4800)
    clip = next(iter(stem_track("lane", [stem], Path(folder), {}).find_clips()))
    path = Path(folder) / relative
    assert clip.media_reference.target_url == Path(os.path.abspath(path)).as_uri()
    assert clip.name == path.stem


@pytest.mark.parametrize(
    "relative",
    ["stems/S001_O1_person.wav", "stems/a b#%?.wav", "stems/été/x.wav", "x.", "a/./b.wav", "a//b.wav", "../up.wav"],
)
@pytest.mark.parametrize("folder, session", [("out", "out"), ("out", "."), ("out", "deliver/here"), ("/", "out")])
def test_stem_clips_reference_their_file_relative_to_the_session_folder(relative, folder, session, tmp_path, monkeypatch):
    from pathlib import Path
    from urllib.parse import unquote

    monkeypatch.chdir(tmp_path)
    stem = Stem("S001", "O1", "person", relative, "procedural", SR, 4800, 4800)
    clip = next(iter(stem_track("lane", [stem], Path(folder), {}, relative_to=Path(session)).find_clips()))
    url = clip.media_reference.target_url
    assert "://" not in url and not url.startswith("/")
    assert os.path.normpath(Path(session).resolve() / unquote(url)) == os.path.normpath(Path(folder).resolve() / relative)
