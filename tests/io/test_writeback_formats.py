"""Write-back into each format the adapters write: a structural diff of what is read back shows
only the added tracks, and the stems sit on the right frame (sample offset kept in metadata).

For OTIO JSON the diff is against the input itself. The AAF and FCP 7 XML writers do not round-trip
every detail of a file on their own (names, metadata), so there the diff is against the same input
written by the same adapter without our tracks: what our tracks change, and nothing else.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import aaf2
import opentimelineio as otio
import pytest

from foley_assistant.core.lanes import assign_lanes
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.exports.aaf import PanPoint, build_aaf_timeline, control_points, write_aaf
from foley_assistant.io.exports.edl import write_lane_edls
from foley_assistant.io.exports.fcp7 import write_fcp7
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.io.writeback import place, stem_track, with_stem_tracks

SR = 48000
TIMELINES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"


def stems_for(shots, labels=("person",)):
    return [Stem(s.id, f"O{n}", label, f"stems/{s.id}_O{n}_{label}.wav", "procedural", SR, s.record_start_sample(SR), s.duration_samples(SR)) for s in shots for n, label in enumerate(labels, start=1)]


def structure(timeline: otio.schema.Timeline) -> list[tuple]:
    """What a diff of two timelines compares: per track its kind and items (type, name, source
    range, range in the track, transition offsets), recursively."""

    def item(child):
        if isinstance(child, otio.schema.Transition):
            return ("Transition", child.in_offset.to_frames(), child.out_offset.to_frames())
        entry = (type(child).__name__, child.name, _range(child.source_range), _range(child.range_in_parent()))
        if isinstance(child, otio.core.Composition):
            entry += (tuple(item(c) for c in child),)
        return entry

    return [(t.kind, tuple(item(c) for c in t)) for t in timeline.tracks]


def _range(time_range):
    if time_range is None:
        return None
    return (round(time_range.start_time.to_seconds() * SR), round(time_range.duration.to_seconds() * SR))


def test_otio_diff_shows_only_added_tracks(tmp_path):
    loaded = read_timeline(TIMELINES / "transitions.aaf")  # transitions, gaps, audio: a busy cut
    stems = stems_for(list_shots(loaded), ("person", "car"))
    written = with_stem_tracks(loaded.timeline, assign_lanes(stems), tmp_path)
    path = tmp_path / "out.otio"
    otio.adapters.write_to_file(written, str(path))
    reread = otio.adapters.read_from_file(str(path))
    before, after = structure(loaded.timeline), structure(reread)
    assert after[: len(before)] == before
    # The shots overlap through their dissolves, so each label needs a second lane.
    assert [(t.kind, t.name) for t in reread.tracks[len(before) :]] == [("Audio", n) for n in ("car", "car 2", "person", "person 2")]


def _bare_and_ours(loaded, adapter, suffix, tmp_path, build):
    bare, ours = tmp_path / f"bare{suffix}", tmp_path / f"ours{suffix}"
    otio.adapters.write_to_file(loaded.timeline, str(bare), adapter_name=adapter, **({"use_empty_mob_ids": True} if adapter == "AAF" else {}))
    build(ours)
    return otio.adapters.read_from_file(str(bare)), otio.adapters.read_from_file(str(ours))


@pytest.mark.parametrize("name", ["simple.aaf", "transitions.aaf", "nesting_test.aaf", "2997fps.aaf"])
def test_aaf_diff_shows_only_added_tracks_and_pan_points(name, tmp_path):
    loaded = read_timeline(TIMELINES / name)
    stems = stems_for(list_shots(loaded))
    lanes = assign_lanes(stems)
    split = {s.path: (tmp_path / f"{s.shot_id}_L.wav", tmp_path / f"{s.shot_id}_R.wav") for s in stems}

    def build(path):
        write_aaf(build_aaf_timeline(loaded.timeline, lanes, tmp_path, loaded.rate, {}, mode="split", split_files=split), path)

    bare, ours = _bare_and_ours(loaded, "AAF", ".aaf", tmp_path, build)
    before, after = structure(bare), structure(ours)
    assert after[: len(before)] == before
    added = ours.tracks[len(before) :]
    assert [t.kind for t in added] == ["Audio"] * (2 * len(lanes))  # per lane: L, R
    for number, (_, lane_stems) in enumerate(lanes):
        for track in added[2 * number : 2 * number + 2]:
            starts = [c.range_in_parent().start_time for c in track.find_clips()]
            assert [round(t.value) for t in starts] == [place(s, loaded.rate).start for s in lane_stems]
    # The pan, read with pyaaf2 itself: each lane's L track hard left, its R track hard right.
    assert _pan_values(tmp_path / "ours.aaf")[-2 * len(lanes) :] == [[Fraction(0)], [Fraction(1)]] * len(lanes)


def _pan_values(path: Path) -> list[list[Fraction]]:
    """Per MonoAudioPan operation group of the composition, its control point values (pyaaf2)."""
    values = []
    with aaf2.open(str(path), "r") as f:
        composition = next(f.content.compositionmobs())
        for slot in composition.slots:
            segment = slot.segment
            if isinstance(segment, aaf2.components.OperationGroup) and segment.operation.name == "Audio Pan":
                varying = [p for p in segment.parameters if isinstance(p, aaf2.misc.VaryingValue)]
                values.append([Fraction(cp.value) for cp in varying[0]["PointList"]] if varying else [])
    return values


def test_aaf_pan_automation_control_points(tmp_path):
    loaded = read_timeline(TIMELINES / "one_clip.aaf")
    (stem,) = stems_for(list_shots(loaded))
    length_s = stem.length_samples / SR
    pans = {stem.path: [PanPoint(0.0, -1.0), PanPoint(length_s / 2, 0.0), PanPoint(length_s, 0.5)]}
    timeline = build_aaf_timeline(loaded.timeline, assign_lanes([stem]), tmp_path, loaded.rate, {}, mode="automation", dry_files={stem.path: tmp_path / "dry.wav"}, pans=pans)
    points = timeline.tracks[-1].find_clips()[0].metadata["AAF"]["Pan"]["ControlPoints"]
    assert [(p["Time"], p["Value"]) for p in points] == [("0/1", "0/1"), ("1/2", "1/2"), ("1/1", "3/4")]
    write_aaf(timeline, tmp_path / "pan.aaf")
    assert _pan_values(tmp_path / "pan.aaf")[-1] == [Fraction(0), Fraction(1, 2), Fraction(3, 4)]


def test_control_points_clamp_and_default():
    assert control_points([], 1.0) == [{"ControlPointSource": 2, "Time": "0/1", "Value": "1/2"}]
    assert control_points([PanPoint(2.0, 3.0)], 1.0)[0]["Time"] == "1/1"


def test_fcp7_diff_shows_only_added_tracks(tmp_path):
    loaded = read_timeline(TIMELINES / "premiere_enable_property.xml")
    stems = stems_for(list_shots(loaded))

    def build(path):
        write_fcp7(with_stem_tracks(loaded.timeline, assign_lanes(stems), tmp_path, frame_rate=loaded.rate), path)

    bare, ours = _bare_and_ours(loaded, "fcp_xml", ".xml", tmp_path, build)
    before, after = structure(bare), structure(ours)
    assert after[: len(before)] == before
    (added,) = ours.tracks[len(before) :]
    assert added.kind == "Audio"
    assert [(c.range_in_parent().start_time.value, c.duration().value) for c in added.find_clips()] == [
        (s.record_range.start, s.record_range.duration) for s in sorted(list_shots(loaded), key=lambda s: s.record_range.start)
    ]


@pytest.mark.parametrize(
    "rate, start_frame, max_offset",
    [(FrameRate(24000, 1001), 86400, Fraction(0)), (FrameRate(30000, 1001), 107892, Fraction(2, 5)), (FrameRate(25), 90000, Fraction(0))],
)
def test_frame_counted_tracks_keep_the_sample_offset(tmp_path, rate, start_frame, max_offset):
    media = tmp_path / "m.mp4"
    media.write_bytes(b"")
    clips = [CutClip(f"c{i}", media, 500, FrameRange(3 * i, 31 + 7 * i)) for i in range(5)]
    write_cut(tmp_path / "cut.otio", "cut", rate, clips, start_frame=start_frame)
    loaded = read_timeline(tmp_path / "cut.otio")
    shots = list_shots(loaded)
    track = stem_track("person", stems_for(shots), tmp_path, {}, rate)
    offsets = []
    for shot, clip in zip(shots, track.find_clips()):
        start = clip.range_in_parent().start_time
        assert start.value == shot.record_range.start and abs(start.rate - float(rate)) < 1e-9
        info = clip.metadata["foley_assistant"]
        offset = Fraction(info["frame_offset_samples"])
        # frame start in samples (exact) + the kept offset = the stem's record sample, exactly
        assert shot.record_range.start * Fraction(SR) / rate.fps + offset == info["record_start_sample"]
        offsets.append(abs(offset))
    assert max(offsets) <= max_offset
    if max_offset:
        assert max(offsets) > 0  # at 29.97 a frame is 1601.6 samples: some starts are off the grid


def test_edl_per_lane_at_record_timecode(tmp_path):
    loaded = read_timeline(TIMELINES / "simple.aaf")  # starts at 01:00:00:00
    shots = list_shots(loaded)
    stems = stems_for(shots)
    tracks = [stem_track(lane, lane_stems, tmp_path, {}, loaded.rate) for lane, lane_stems in assign_lanes(stems)]
    (path,) = write_lane_edls("cut", tracks, tmp_path / "foley.edl", loaded.rate, loaded.timeline.global_start_time)
    assert path.name == "foley.01-person.edl"
    events = [line.split() for line in path.read_text().splitlines() if line[:3].isdigit()]
    assert [(e[2], e[6], e[7]) for e in events] == [("A", s.record_tc_in, s.record_tc_out) for s in shots]
    reread = list_shots(read_timeline(path, rate=loaded.rate)) or None
    assert reread is None  # an audio-only EDL has no picture shots; its clips:
    timeline = otio.adapters.read_from_file(str(path), rate=24)
    clips = list(timeline.tracks[0].find_clips())
    assert [c.name for c in clips] == [Path(s.path).stem for s in stems]
