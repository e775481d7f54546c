"""Fades in FCP 7 XML: the project's fade at each edit is an audio transition of the track, read
back with lxml (and otio-fcp-adapter's reader, which must place every clip where it was).

The small cut is at 25 fps; its stems have 6 frames of handle on each side of the cut.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from lxml import etree

from foley_assistant.cli.main import main
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.timebase import fade_frames
from foley_assistant.io.exports.fcp7 import add_edit_fades, write_fcp7
from foley_assistant.io.json_files import read_project, write_project
from foley_assistant.io.writeback import stem_track

from .fade_stems import FPS, SR, person_stem


def _export(folder: Path, out: Path, *extra: str) -> None:
    assert main(["export", str(folder), "--format", "fcp7", "--out", str(out), "-q", *extra]) == 0


def _audio_tracks(path: Path) -> list[etree._Element]:
    return etree.parse(str(path)).xpath("/xmeml/*//sequence/media/audio/track")


def _fades(track: etree._Element) -> list[tuple[str, int, int]]:
    out = []
    for item in track.iter("transitionitem"):
        effect = item.find("effect")
        assert (effect.findtext("name"), effect.findtext("effectid"), effect.findtext("mediatype")) == ("Cross Fade (+3dB)", "KGAudioTransCrossFade3dB", "audio")
        assert item.findtext("rate/timebase") == str(FPS)
        out.append((item.findtext("alignment"), int(item.findtext("start")), int(item.findtext("end"))))
    return out


def test_fade_frames_round_to_whole_frames_at_least_one():
    assert fade_frames(10.0, Fraction(25)) == 1  # 0.25 frame: the shortest fade FCP 7 has
    assert fade_frames(120.0, Fraction(25)) == 3
    assert fade_frames(100.0, Fraction(30000, 1001)) == 3
    assert fade_frames(0.0, Fraction(25)) == 0


def test_every_stem_clip_fades_in_and_out_at_its_edit(project_copy, tmp_path):
    project = read_project(project_copy / "foley_project.json")
    quiet = sorted(project.stems, key=lambda s: s.path)[0]
    write_project(project_copy / "foley_project.json", replace(project, settings=replace(project.settings, fade_ms=120.0), mixer=(StemMix(quiet.path, -6.0),)))
    _export(project_copy, tmp_path / "cut.xml")
    stem_tracks = [t for t in _audio_tracks(tmp_path / "cut.xml") if t.find("clipitem/file/pathurl") is not None and "stems/" in t.findtext("clipitem/file/pathurl")]
    assert len(stem_tracks) == len(project.stems)  # one lane each in the small cut
    for track in stem_tracks:
        (clip,) = track.findall("clipitem")
        start, end = int(clip.findtext("start")), int(clip.findtext("end"))
        assert end - start == round(Fraction(next(s.length_samples for s in project.stems if Path(s.path).stem == clip.findtext("name")) * FPS, SR))
        # 120 ms is 3 frames (5760 samples at 48 kHz): in from silence at the clip's start, out to silence at its end
        assert _fades(track) == [("start-black", start, start + 3), ("end-black", end - 3, end)]
        assert [c.tag for c in track if c.tag in ("transitionitem", "clipitem")] == ["transitionitem", "clipitem", "transitionitem"]
        assert (int(clip.findtext("in")), int(clip.findtext("out"))) == (6, 6 + end - start)  # trimmed to the cut, handles outside
    # the editor's gain is still the clip's Audio Levels, in dB as set
    (level,) = [i for t in stem_tracks for i in t.iter("clipitem") if i.findtext("name") == Path(quiet.path).stem][0].xpath("filter/effect[effectid='audiolevels']/parameter/value")
    assert 20 * math.log10(float(level.text)) == pytest.approx(-6.0, abs=1e-4)
    # otio-fcp-adapter reads the fades as transitions and every clip where it was
    read = otio.adapters.read_from_file(str(tmp_path / "cut.xml"))
    for track in read.audio_tracks()[-len(project.stems) :]:
        kinds = [(type(i).__name__, i.in_offset.value, i.out_offset.value) if isinstance(i, otio.schema.Transition) else type(i).__name__ for i in track if not isinstance(i, otio.schema.Gap)]
        assert kinds == [("Transition", 0, 3), "Clip", ("Transition", 3, 0)]
        (clip,) = track.find_clips()
        stem = next(s for s in project.stems if Path(s.path).stem == clip.name)
        assert read.tracks.range_of_child(track).start_time.value == 0
        assert track.range_of_child(clip).start_time.value == round(Fraction(stem.record_start_sample * FPS, SR))


def test_no_fade_writes_no_transition(project_copy, tmp_path):
    project = read_project(project_copy / "foley_project.json")
    write_project(project_copy / "foley_project.json", replace(project, settings=replace(project.settings, fade_ms=0.0)))
    _export(project_copy, tmp_path / "cut.xml")
    assert not list(etree.parse(str(tmp_path / "cut.xml")).iter("transitionitem"))


@pytest.mark.parametrize("handle", [6, 1])
def test_abutting_clips_cross_fade_over_their_handles(tmp_path, handle):
    """Two clips of a lane meeting at frame 50: one centred cross-fade, each side taking at most
    the fade and the media past the cut (the handle); the clip edges inside it are -1 and the
    media it plays is added to in and out, as FCP 7 writes a transition between two clips."""
    from foley_assistant.core.timebase import FrameRate

    stems = [person_stem(1, 10, 40, handle), person_stem(2, 50, 30, handle)]
    track = stem_track("person", stems, tmp_path, {}, FrameRate(FPS))
    assert add_edit_fades(track, 3) == 0
    timeline = otio.schema.Timeline("t")
    timeline.tracks.append(track)
    write_fcp7(timeline, tmp_path / "cut.xml")
    (written,) = _audio_tracks(tmp_path / "cut.xml")
    side = min(3, handle)
    assert _fades(written) == [("start-black", 10, 13), ("center", 50 - side, 50 + side), ("end-black", 77, 80)]
    first, second = written.findall("clipitem")
    assert [first.findtext(k) for k in ("start", "end", "in", "out")] == ["10", "-1", str(handle), str(handle + 40 + side)]
    assert [second.findtext(k) for k in ("start", "end", "in", "out")] == ["-1", "80", str(handle - side), str(handle + 30)]
    read = otio.adapters.read_from_file(str(tmp_path / "cut.xml")).audio_tracks()[0]
    assert [(track_range.start_time.value, track_range.duration.value) for track_range in (read.range_of_child(c) for c in read.find_clips())] == [(10, 40), (50, 30)]


def test_abutting_clips_without_media_past_the_cut_stay_a_cut(tmp_path):
    from foley_assistant.core.timebase import FrameRate

    track = stem_track("person", [person_stem(1, 0, 40, 0), person_stem(2, 40, 30, 0)], tmp_path, {}, FrameRate(FPS))
    assert add_edit_fades(track, 2) == 1
    assert [(i.in_offset.value, i.out_offset.value) for i in track if isinstance(i, otio.schema.Transition)] == [(0, 2), (2, 0)]


def test_a_one_frame_clip_gets_no_fade(tmp_path):
    from foley_assistant.core.timebase import FrameRate

    track = stem_track("person", [person_stem(1, 0, 1, 0)], tmp_path, {}, FrameRate(FPS))
    assert add_edit_fades(track, 1) == 0
    assert not [i for i in track if isinstance(i, otio.schema.Transition)]
