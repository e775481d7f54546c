"""Fades in AAF: the project's fade at each edit is a Transition with a Mono Audio Dissolve
OperationGroup in the stem track's sequence, as Media Composer and Premiere Pro write audio fades
and cross-fades. Read back with pyaaf2 (walking the composition's slots and segments) and with
otio-aaf-adapter's reader, which must place every clip where an export without fades places it.

The small cut is at 25 fps; its stems have 6 frames of handle on each side of the cut. The AAF's
sound tracks count in frames of the cut (the adapter writes them at the timeline's edit rate).
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import aaf2
import opentimelineio as otio
import pytest

from foley_assistant.cli.main import main
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.exports.aaf import mob_id_for, write_aaf
from foley_assistant.io.json_files import read_project, write_project
from foley_assistant.io.writeback import stem_track

from .fade_stems import FPS, SR, person_stem

MONO_AUDIO_DISSOLVE = "0c3bea41-fc05-11d2-8a29-0050040ef7d2"
LEVEL = "e4962320-2267-11d3-8a4c-0050040ef7d2"
POWER_INTERP = "c09153f7-bd18-4e5a-ad09-cbdd654fa001"


def _export(folder: Path, out: Path, *extra: str) -> None:
    assert main(["export", str(folder), "--format", "aaf", "--out", str(out), "-q", *extra]) == 0


def _with_fade(folder: Path, fade_ms: float) -> None:
    project = read_project(folder / "foley_project.json")
    write_project(folder / "foley_project.json", replace(project, settings=replace(project.settings, fade_ms=fade_ms)))


def _stem_sequences(path: Path) -> dict[str, tuple[Fraction, list[object]]]:
    """The sound sequences of the composition that hold stem clips (named by their master mob,
    "S001_O1_person_L"...), with their slot's edit rate and their components; read with pyaaf2."""
    result = {}
    with aaf2.open(str(path), "r") as f:
        names = {mob.mob_id: mob.name for mob in f.content.mastermobs()}
        composition = next(f.content.compositionmobs())
        for slot in composition.slots:
            segment = slot.segment
            while isinstance(segment, aaf2.components.OperationGroup):  # the adapter's track-wide Audio Pan
                (segment,) = segment.segments
            if not isinstance(segment, aaf2.components.Sequence) or str(segment.media_kind).lower() != "sound":
                continue
            clips = [names.get(c.mob_id, "") for c in _clips(segment)]
            if clips and all(name.startswith("S0") for name in clips):
                components = [_describe(c, names) for c in segment.components]
                # a Transition overlaps its neighbours: the sequence is as long as its segments less its transitions
                assert segment.length == sum(c[-1] if c[0] != "Transition" else -c[1] for c in components)
                result[clips[0]] = (Fraction(str(slot.edit_rate)), components)
    return result


def _clips(segment: object):
    if isinstance(segment, aaf2.components.SourceClip):
        yield segment
    for attribute in ("components", "segments"):
        for inner in getattr(segment, attribute, None) or []:
            yield from _clips(inner)
    if isinstance(segment, aaf2.components.Selector):
        yield from _clips(segment["Selected"].value)
        for alternate in segment["Alternates"].value:
            yield from _clips(alternate)


def _describe(component: object, names: dict) -> tuple:
    """("Filler", length) | ("Transition", length, cut point) | ("Clip", name, start, length)."""
    if isinstance(component, aaf2.components.Filler):
        return ("Filler", component.length)
    if isinstance(component, aaf2.components.Transition):
        group = component["OperationGroup"].value
        assert str(group.operation.auid) == MONO_AUDIO_DISSOLVE and group.operation.name == "Mono Audio Dissolve"
        assert str(component.media_kind).lower() == "sound" and group.length == component.length
        (level,) = group.parameters
        assert str(level.parameterdef.auid) == LEVEL and str(level["Interpolation"].value.auid) == POWER_INTERP  # equal power
        assert [(Fraction(str(p["Time"].value)), Fraction(str(p["Value"].value))) for p in level["PointList"]] == [(0, 0), (1, 1)]
        assert {t.name: t.value for t in group["ComponentAttributeList"].value} == {"_ATN_AUDIO_DISSOLVE_CURVETYPE": 1}  # Media Composer's equal power
        return ("Transition", component.length, component["CutPoint"].value)
    (clip,) = _clips(component)
    assert component.length == clip.length
    return ("Clip", names[clip.mob_id], clip.start, clip.length)


def _positions(components: list[tuple]) -> dict[str, tuple[int, int]]:
    """Where each clip of an AAF sequence plays: (start, length) in edit units. A Transition
    overlaps its neighbours: the segment after it starts its length earlier."""
    at, result = 0, {}
    for component in components:
        if component[0] == "Transition":
            at -= component[1]
            continue
        if component[0] == "Clip":
            result[component[1]] = (at, component[3])
        at += component[-1]
    return result


@pytest.mark.parametrize("mode", ["split", "automation"])
@pytest.mark.parametrize("fade_ms, frames", [(10.0, 1), (120.0, 3)])  # 10 ms, the default: a quarter frame, one frame; 120 ms = 3 frames (5760 samples)
def test_every_stem_clip_fades_in_and_out_as_a_mono_audio_dissolve(project_copy, tmp_path, mode, fade_ms, frames):
    project = read_project(project_copy / "foley_project.json")
    _with_fade(project_copy, fade_ms)
    _export(project_copy, tmp_path / "cut.aaf", "--aaf-stereo", mode)
    sequences = _stem_sequences(tmp_path / "cut.aaf")
    stems = {Path(s.path).stem: s for s in project.stems if mode == "split" or not s.is_ambience}
    sides = ("_L", "_R") if mode == "split" else ("",)
    assert sorted(sequences) == sorted(f"{name}{side}" for name in stems for side in sides)  # one lane each in the small cut
    for name, (edit_rate, components) in sequences.items():
        assert edit_rate == FPS  # the sound tracks count in frames of the cut: the fades are whole frames
        stem = stems[name.rsplit("_", 1)[0] if mode == "split" else name]
        start, length = round(Fraction(stem.record_start_sample * FPS, SR)), round(Fraction(stem.length_samples * FPS, SR))
        # from silence at the clip's start (CutPoint 0: the fade inside the clip), to silence at its end
        assert components == [("Filler", start + frames), ("Transition", frames, 0), ("Clip", name, 6, length), ("Transition", frames, frames), ("Filler", frames)]
        assert _positions(components) == {name: (start, length)}  # the clip where it was, a handle (6 frames) into its file
    # otio-aaf-adapter reads the fades as transitions, every clip where an export without fades puts it
    _with_fade(project_copy, 0.0)
    _export(project_copy, tmp_path / "unfaded.aaf", "--aaf-stereo", mode)
    assert not [c for _, components in _stem_sequences(tmp_path / "unfaded.aaf").values() for c in components if c[0] == "Transition"]
    faded, unfaded = (otio.adapters.read_from_file(str(tmp_path / name)) for name in ("cut.aaf", "unfaded.aaf"))
    places = []
    for timeline in (faded, unfaded):
        places.append({c.name: (c.range_in_parent(), c.source_range) for t in timeline.audio_tracks() for c in t.find_clips()})
    assert places[0] == places[1] and len(places[0]) >= len(sequences)
    for track in faded.audio_tracks()[-len(sequences) :]:
        kinds = [(type(i).__name__, i.in_offset.value, i.out_offset.value) if isinstance(i, otio.schema.Transition) else type(i).__name__ for i in track if not isinstance(i, otio.schema.Gap)]
        assert kinds == [("Transition", 0, frames), "Clip", ("Transition", frames, 0)]


#: a distance level from half to full over the clip (AAF control points: time a fraction of the clip)
LEVEL_POINTS = [{"ControlPointSource": 2, "Time": "0/1", "Value": "1/2"}, {"ControlPointSource": 2, "Time": "1/1", "Value": "1/1"}]


def _write(tmp_path: Path, stems: list[Stem], fade_frames: int) -> int:
    def decorate(stem: Stem, _frames: int) -> dict[str, object]:
        return {"AAF": {"MobID": mob_id_for(str(tmp_path / stem.path)), "Gain": {"ControlPoints": LEVEL_POINTS}}}

    timeline = otio.schema.Timeline("t")
    timeline.tracks.append(stem_track("person", stems, tmp_path, {}, FrameRate(FPS), decorate=decorate))
    return write_aaf(timeline, tmp_path / "cut.aaf", fade_frames)


@pytest.mark.parametrize("handle", [6, 1])
def test_abutting_clips_cross_fade_over_their_handles(tmp_path, handle):
    """Two clips of a lane meeting at frame 50: one centred cross-fade (CutPoint at the cut),
    each side at most the fade and the media past the cut; the clips grow into it, so each
    still plays from its own cut, as the adapter's reader shows."""
    assert _write(tmp_path, [person_stem(1, 10, 40, handle), person_stem(2, 50, 30, handle)], 3) == 0
    side = min(3, handle)
    (components,) = [c for _, c in _stem_sequences(tmp_path / "cut.aaf").values()]
    assert components == [
        ("Filler", 13),
        ("Transition", 3, 0),
        ("Clip", "S001_O1_person", handle, 40 + side),
        ("Transition", 2 * side, side),
        ("Clip", "S002_O1_person", handle - side, 30 + side),
        ("Transition", 3, 3),
        ("Filler", 3),
    ]
    assert _positions(components) == {"S001_O1_person": (10, 40 + side), "S002_O1_person": (50 - side, 30 + side)}
    # the level points keep their times in the cut: a clip grown before its cut starts its level later
    assert _level_times(tmp_path / "cut.aaf") == {"S001_O1_person": [0, Fraction(40, 40 + side)], "S002_O1_person": [Fraction(side, 30 + side), 1]}
    read = otio.adapters.read_from_file(str(tmp_path / "cut.aaf")).audio_tracks()[0]
    assert [(read.range_of_child(c).start_time.value, read.range_of_child(c).duration.value, c.source_range.start_time.value) for c in read.find_clips()] == [(10, 40, handle), (50, 30, handle)]


def _level_times(path: Path) -> dict[str, list[Fraction]]:
    """The times of each clip's Audio Gain control points (fractions of the grown clip)."""
    with aaf2.open(str(path), "r") as f:
        names = {mob.mob_id: mob.name for mob in f.content.mastermobs()}
        groups = [c for slot in next(f.content.compositionmobs()).slots for c in _segments(slot.segment) if isinstance(c, aaf2.components.OperationGroup) and c.operation.name == "Audio Gain"]
        return {names[g.segments[0].mob_id]: [Fraction(str(p["Time"].value)) for p in next(iter(g.parameters))["PointList"]] for g in groups}


def _segments(segment: object):
    yield segment
    for attribute in ("components", "segments"):
        for inner in getattr(segment, attribute, None) or []:
            yield from _segments(inner)


def test_abutting_clips_without_media_past_the_cut_stay_a_cut(tmp_path):
    assert _write(tmp_path, [person_stem(1, 0, 40, 0), person_stem(2, 40, 30, 0)], 2) == 1
    (components,) = [c for _, c in _stem_sequences(tmp_path / "cut.aaf").values()]
    assert components == [("Filler", 2), ("Transition", 2, 0), ("Clip", "S001_O1_person", 0, 40), ("Clip", "S002_O1_person", 0, 30), ("Transition", 2, 2), ("Filler", 2)]


def test_a_one_frame_clip_gets_no_fade(tmp_path):
    assert _write(tmp_path, [person_stem(1, 5, 1, 0)], 1) == 0
    (components,) = [c for _, c in _stem_sequences(tmp_path / "cut.aaf").values()]
    assert components == [("Filler", 5), ("Clip", "S001_O1_person", 0, 1)]
