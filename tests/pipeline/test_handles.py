"""Handles and fades: each stem runs on past its cut where the picture allows, and every session
trims its items to the cut (source offset = the handle) with short fades at the edits.

Read back with independent readers: `rpp` for REAPER, OTIO for .otio, pyaaf2 for AAF, lxml for
FCP 7 XML. The small cut's media has 6 frames (0.24 s at 25 fps) of picture on each side of the
part the cut uses, less than the 1 s asked for by default.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import aaf2
import numpy as np
import opentimelineio as otio
import pytest
import rpp
import soundfile
import wavinfo
from lxml import etree

from foley_assistant.cli.main import main
from foley_assistant.core.timebase import FrameRange
from foley_assistant.io.json_files import read_project, read_tracks
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.pipeline.output.guide import PICTURE_TRACK
from foley_assistant.pipeline.spine.handles import extended_tracks, shot_handles

SR = 48000
MEDIA_HANDLE = Fraction(6, 25)  # seconds of picture either side of the cut in the small cut's media
HANDLE = int(MEDIA_HANDLE * SR)


def _export(folder, fmt, out, *extra) -> None:
    assert main(["export", str(folder), "--format", fmt, "--out", str(out), "-q", *extra]) == 0


def test_stems_carry_the_handles_the_picture_allows(generated_small):
    project = read_project(generated_small / "foley_project.json")
    assert project.settings.handles_s == 1.0 and project.settings.fade_ms == 10.0
    for stem in project.stems:
        assert (stem.handle_start_samples, stem.handle_end_samples) == (HANDLE, HANDLE)  # 1 s asked, 0.24 s of picture
        audio, rate = soundfile.read(generated_small / stem.path, always_2d=True)
        assert rate == SR and audio.shape[0] == stem.length_samples + 2 * HANDLE
        bext = wavinfo.WavInfoReader(str(generated_small / stem.path)).bext
        assert bext.time_reference == 10 * 3600 * SR + stem.record_start_sample - HANDLE  # the file starts a handle early
    # an object in the picture at an end of the cut sounds on through that handle; one that is
    # not (the car enters a frame after the cut starts) is silent there
    held = 0
    for stem in project.stems:
        tracks = project.tracks.shot(stem.shot_id)
        obj = tracks.object(stem.object_id)
        audio, _ = soundfile.read(generated_small / stem.path, always_2d=True)
        for present, handle in ((obj.first_frame == tracks.frame_range.start, audio[:HANDLE]), (obj.last_frame == tracks.frame_range.end - 1, audio[-HANDLE:])):
            level = float(np.sqrt(np.mean(handle**2)))
            assert level > 1e-4 if present else level == 0.0
            held += present
    assert 0 < held < 2 * len(project.stems)  # both cases are seen


def test_the_object_holds_its_first_and_last_tracked_position_through_the_handles(small_cut, generated_small):
    tracks = read_tracks(generated_small / "tracks.json").shot("S001")
    loaded = read_timeline(small_cut.timeline_path)
    shots = list_shots(loaded)
    handles = shot_handles(shots[0], tracks, shots, 10_000, 1.0, SR)
    assert (handles.before_frames, handles.after_frames) == (6, 25)  # 6 frames of media before; 1 s after in a long file
    extended = extended_tracks(tracks, handles)
    assert extended.frame_range == FrameRange(tracks.frame_range.start - 6, tracks.frame_range.duration + 31)
    for obj, held in zip(tracks.objects, extended.objects):
        if obj.first_frame == tracks.frame_range.start:
            assert [f.box for f in held.frames[:6]] == [obj.frames[0].box] * 6
        if obj.last_frame == tracks.frame_range.end - 1:
            assert [f.box for f in held.frames[-25:]] == [obj.frames[-1].box] * 25


def test_no_handle_crosses_a_cut_inside_the_media_and_none_is_asked_for_with_zero(small_cut, generated_small):
    tracks = read_tracks(generated_small / "tracks.json").shot("S001")
    shots = list_shots(read_timeline(small_cut.timeline_path))
    first = shots[0]
    used = first.source_range
    # another shot of the same media starting 3 frames after this one ends: a cut inside the media
    neighbour = replace(shots[1], media_path=first.media_path, source_range=FrameRange(used.end + 3, 20))
    handles = shot_handles(first, tracks, [first, neighbour], 10_000, 1.0, SR)
    assert (handles.before_frames, handles.after_frames) == (6, 3)
    assert not shot_handles(first, tracks, [first], 10_000, 0.0, SR).any
    assert not shot_handles(first, tracks, [first], None, 1.0, SR).any  # media not at hand


def test_generate_handles_zero_makes_stems_of_the_cut_alone(small_cut, tmp_path):
    out = tmp_path / "out"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "--handles", "0", "--fade-ms", "25", "-q"]) == 0
    project = read_project(out / "foley_project.json")
    assert (project.settings.handles_s, project.settings.fade_ms) == (0.0, 25.0)
    assert all(s.handle_start_samples == s.handle_end_samples == 0 for s in project.stems)
    fades = [item.find("FADEIN")[2] for t in rpp.loads((out / "project.rpp").read_text()).findall("TRACK") for item in t.findall("ITEM") if t.find("NAME")[1] != PICTURE_TRACK]
    assert fades and set(fades) == {"0.025"}


def test_reaper_items_are_the_cut_with_the_handle_as_source_offset_fades_and_a_muted_picture_guide(generated_small, tmp_path):
    project = read_project(generated_small / "foley_project.json")
    _export(generated_small, "rpp", tmp_path / "s.rpp")
    session = rpp.loads((tmp_path / "s.rpp").read_text())
    by_name = {stem_name(s.path): s for s in project.stems}
    guide = None
    for track in session.findall("TRACK"):
        if track.find("NAME")[1] == PICTURE_TRACK:
            guide = track
            continue
        assert track.find("MUTESOLO")[1] == "0"
        for item in track.findall("ITEM"):
            stem = by_name.pop(item.find("NAME")[1])
            assert float(item.find("LENGTH")[1]) == pytest.approx(stem.length_samples / SR, abs=1e-9)  # the cut
            assert float(item.find("SOFFS")[1]) == pytest.approx(float(MEDIA_HANDLE), abs=1e-9)  # past the handle
            assert float(item.find("FADEIN")[2]) == float(item.find("FADEOUT")[2]) == 0.01
    assert not by_name  # every stem has its item
    assert guide is not None and guide.find("MUTESOLO")[1] == "1"
    items = guide.findall("ITEM")
    assert len(items) == 2 and all(i.find("SOURCE").attrib == ["VIDEO"] for i in items)
    assert [float(i.find("SOFFS")[1]) for i in items] == pytest.approx([float(MEDIA_HANDLE)] * 2)  # where the cut's part of each file starts
    assert [float(i.find("POSITION")[1]) for i in items] == pytest.approx([0.0, 2.8])


def test_otio_clips_are_trimmed_to_the_cut_inside_the_whole_file_with_fades_in_metadata(generated_small, tmp_path):
    project = read_project(generated_small / "foley_project.json")
    _export(generated_small, "otio", tmp_path / "cut.otio")
    clips = {c.name: c for t in otio.adapters.read_from_file(str(tmp_path / "cut.otio")).audio_tracks() for c in t.find_clips()}
    for stem in project.stems:
        clip = clips[stem_name(stem.path)]
        assert clip.source_range.start_time.value == HANDLE and clip.source_range.duration.value == stem.length_samples
        assert clip.media_reference.available_range.duration.value == stem.file_length_samples
        info = clip.metadata["foley_assistant"]
        assert (info["fade_in_ms"], info["fade_out_ms"], info["handle_start_samples"]) == (10.0, 10.0, HANDLE)


def test_aaf_and_fcp7_clips_start_a_handle_into_their_files(generated_small, tmp_path):
    project = read_project(generated_small / "foley_project.json")
    frames = {stem_name(s.path): round(s.length_samples * 25 / SR) for s in project.stems}
    _export(generated_small, "aaf", tmp_path / "cut.aaf", "--aaf-stereo", "automation")
    seen = {}
    with aaf2.open(str(tmp_path / "cut.aaf"), "r") as f:
        names = {mob.mob_id: mob.name for mob in f.content.mastermobs()}
        composition = next(f.content.compositionmobs())
        for slot in composition.slots:
            for clip in _source_clips(slot.segment):
                if clip.mob_id in names and names[clip.mob_id] in frames:
                    seen[names[clip.mob_id]] = (int(clip.start), int(clip.length))
    assert seen == {name: (6, length) for name, length in frames.items() if not name.split("_")[1] == "AMB"}
    _export(generated_small, "fcp7", tmp_path / "cut.xml")
    items = {i.findtext("name"): i for i in etree.parse(str(tmp_path / "cut.xml")).iter("clipitem") if i.findtext("name") in frames}
    assert sorted(items) == sorted(frames)
    for name, item in items.items():
        assert (int(item.findtext("in")), int(item.findtext("out"))) == (6, 6 + frames[name])
        assert int(item.findtext("file/duration")) == frames[name] + 12


def _source_clips(segment):
    if isinstance(segment, aaf2.components.SourceClip):
        yield segment
    for attribute in ("components", "segments"):
        for inner in getattr(segment, attribute, None) or []:
            yield from _source_clips(inner)
    if isinstance(segment, aaf2.components.Selector):
        for alternate in segment["Alternates"].value:
            yield from _source_clips(alternate)


def stem_name(path: str) -> str:
    """A stem path's file name without suffix (the clip and item name)."""
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
