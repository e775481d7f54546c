"""Every file of the NLE timeline corpus either lists its shots correctly or is refused clearly.

The expected values were worked out from each file's own text (EDL events, XML elements) or from
the structure the adapter reads (AAF), not from this reader's output. See
tests/fixtures/timelines/README.md for where the files come from.
"""

from fractions import Fraction
from pathlib import Path

import pytest

from foley_assistant.core.errors import TimelineError
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline

TIMELINES = Path(__file__).resolve().parents[1] / "fixtures" / "timelines"

# file -> (rate, [(clip name, record start, record duration, record TC in)...]) for every shot.
LISTED = {
    "25fps.edl": (
        FrameRate(25),
        [
            ("sq001_s001", 0, 161, "00:00:00:00"),
            ("sq001_s002", 161, 200, "00:00:06:11"),
            ("sq001_s003", 361, 86, "00:00:14:11"),
            ("sq001_s004", 447, 49, "00:00:17:22"),
        ],
    ),
    "2997fps.aaf": (
        FrameRate(30000, 1001),
        [
            ("Frame Debugger 0h.mov", 0, 28, "00:00:00;00"),
            ("Frame Debugger 0h.mov", 28, 84, "00:00:00;28"),
        ],
    ),
    "30fps.aaf": (
        FrameRate(30),
        [
            ("Frame Debugger 0h.mov", 0, 26, "01:00:00:00"),
            ("Frame Debugger 0h.mov", 26, 132, "01:00:00:26"),
        ],
    ),
    "avid_example.edl": (FrameRate(24), [("take_1", 86243, 31, "00:59:53:11"), ("take_2", 86274, 50, "00:59:54:18")]),
    "nucoda_example.edl": (FrameRate(24), [("take_1", 86243, 31, "00:59:53:11"), ("take_2", 86274, 50, "00:59:54:18")]),
    "premiere_example.edl": (
        FrameRate(24),
        [
            ("ZZ100_501.take_1.0001.exr", 86243, 31, "00:59:53:11"),
            ("ZZ100_502A.take_2.0101.exr", 86274, 50, "00:59:54:18"),
        ],
    ),
    "cdl.edl": (FrameRate(24), [("ZZ100_501 (LAY3)", 0, 31, "00:00:00:00"), ("ZZ100_501 (LAY3)", 31, 31, "00:00:01:07")]),
    # A dissolve of 10 frames from clip_A to clip_B at 01:00:00:09: A's picture runs through it.
    "dissolve_test.edl": (
        FrameRate(24),
        [
            ("clip_A", 86400, 19, "01:00:00:00"),
            ("clip_B", 86409, 10, "01:00:00:09"),
            ("clip_B", 86419, 1, "01:00:00:19"),
        ],
    ),
    "wipe_test.edl": (
        FrameRate(24),
        [
            ("clip_A", 86400, 19, "01:00:00:00"),
            ("clip_B", 86409, 10, "01:00:00:09"),
            ("clip_B", 86419, 1, "01:00:00:19"),
        ],
    ),
    "gap_test.edl": (FrameRate(24), [("shot1", 0, 24, "00:00:00:00"), ("shot2", 40, 24, "00:00:01:16"), ("shot3", 102, 24, "00:00:04:06")]),
    # 002 dissolves into 003 over 26 frames from 003's record in: 002 runs 74 + 26 frames.
    "transition_duration.edl": (
        FrameRate(24),
        [
            ("001", 87572, 106, "01:00:48:20"),
            ("002", 87678, 100, "01:00:53:06"),
            ("003", 87752, 73, "01:00:56:08"),
            ("004", 87825, 155, "01:00:59:09"),
        ],
    ),
    "clip_example.otio": (FrameRate(24), [("Clip-001", 8, 4, "00:00:00:08")]),
    "simple_cut.otio": (
        FrameRate(24),
        [
            ("Clip-001", 0, 3, "00:00:00:00"),
            ("Clip-002", 3, 6, "00:00:00:03"),
            ("Clip-003", 9, 4, "00:00:00:09"),
            ("Clip-004", 13, 6, "00:00:00:13"),
        ],
    ),
    # Clip-002's out handle (3) is cut to the 1 frame its media has after its range.
    "transition.otio": (
        FrameRate(24),
        [
            ("Clip-001", 0, 3, "00:00:00:00"),
            ("Clip-002", 3, 7, "00:00:00:03"),
            ("Clip-003", 7, 6, "00:00:00:07"),
            ("Clip-004", 13, 6, "00:00:00:13"),
        ],
    ),
    "nesting_test.aaf": (
        FrameRate(24),
        [
            ("Frame Debugger 0h.mov", 0, 16, "01:00:00:00"),
            ("Frame Debugger 0h.mov", 16, 8, "01:00:00:16"),
            ("Frame Debugger 1h.mov", 24, 8, "01:00:01:00"),
            ("Frame Debugger 1h.mov", 32, 16, "01:00:01:08"),
        ],
    ),
    "one_clip.aaf": (FrameRate(24), [("ppjoshm_1 (SIM1)", 0, 10, "01:00:00:00")]),
    "utf8.aaf": (FrameRate(24), [("Clip_ABCXYZñçêœ•∑´®†¥¨ˆøπ“‘åß∂ƒ©˙∆˚¬…æΩ≈ç√∫˜µ≤≥÷", 0, 10, "01:00:00:00")]),
    # Two clips and a whole track are disabled in Premiere (<enabled>FALSE</enabled>).
    "premiere_enable_property.xml": (
        FrameRate(25),
        [
            ("source.mp4", 0, 81, "00:00:00:00"),
            ("source3.mp4", 177, 43, "00:00:07:02"),
            ("source.mp4", 81, 96, "00:00:03:06"),
        ],
    ),
    # Audio only, a muted (disabled) video clip, a sequence with no tracks: nothing to list.
    "marker-over-audio.aaf": (FrameRate(24), []),
    "one_audio_clip.aaf": (FrameRate(24), []),
    "test_muted_clip.aaf": (FrameRate(24), []),
    "sample_just_track.xml": (FrameRate(30), []),
}

# file -> (rate, shot count, first record TC): larger cuts, checked by count and a few values below.
COUNTED = {
    "effects.otio": (FrameRate(24), 18, "01:00:00:00"),
    "multiple_track.otio": (FrameRate(24), 5, "00:00:00:00"),
    "multitrack.otio": (FrameRate(24), 5, "00:00:00:00"),
    "multitrack.aaf": (FrameRate(24), 5, "01:00:00:00"),
    "nested_example.otio": (FrameRate(24), 7, "00:00:00:00"),
    "preflattened.otio": (FrameRate(24), 5, "00:00:00:00"),
    "premiere_generators.xml": (FrameRate(24000, 1001), 6, "00:00:00:00"),
    "screening_example.edl": (FrameRate(24), 9, "00:59:53:11"),
    "simple.aaf": (FrameRate(24), 5, "01:00:00:00"),
    "speed_effects_small.edl": (FrameRate(24), 5, "01:00:00:00"),
    "transition_test.otio": (FrameRate(24), 3, "00:00:00:00"),
    "transitions.aaf": (FrameRate(24), 4, "01:00:00:00"),
    "trims.aaf": (FrameRate(24), 5, "01:00:00:00"),
}

REFUSED = {
    "screening_example.otio": r"Marker\.3 \(this OTIO reads up to Marker\.2\).*pip install -U opentimelineio",
    "premiere_example_filter.xml": r"holds no sequence.*not an FCP 7 XML timeline",
    "timecode_mismatch.edl": r"inconsistent at 25 fps.*sq001_s004",
}


def test_the_corpus_is_covered_file_by_file():
    on_disk = {p.name for p in TIMELINES.iterdir() if p.suffix in (".otio", ".edl", ".aaf", ".xml")}
    assert on_disk == set(LISTED) | set(COUNTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(LISTED))
def test_listed_files_give_exactly_their_shots(name):
    rate, expected = LISTED[name]
    loaded = read_timeline(TIMELINES / name)
    assert loaded.rate == rate
    shots = list_shots(loaded)
    got = [(s.clip_name, s.record_range.start, s.record_range.duration, s.record_tc_in) for s in shots]
    assert got == expected


@pytest.mark.parametrize("name", sorted(COUNTED))
def test_larger_cuts_give_their_shot_count(name):
    rate, count, first_tc = COUNTED[name]
    loaded = read_timeline(TIMELINES / name)
    shots = list_shots(loaded)
    assert loaded.rate == rate and len(shots) == count and shots[0].record_tc_in == first_tc


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_unusable_files_are_refused_with_a_reason(name):
    with pytest.raises(TimelineError, match=REFUSED[name]):
        read_timeline(TIMELINES / name)


def test_the_same_cut_from_avid_and_from_otio_lists_the_same_shots():
    aaf = list_shots(read_timeline(TIMELINES / "multitrack.aaf"))
    otio_json = list_shots(read_timeline(TIMELINES / "multitrack.otio"))
    assert [(s.clip_name, s.record_range, s.source_range) for s in aaf] == [(s.clip_name, s.record_range, s.source_range) for s in otio_json]


def test_edl_rate_is_inferred_and_said():
    loaded = read_timeline(TIMELINES / "25fps.edl")
    assert any("inferred" in note and "01:00:01:24" in note for note in loaded.notes)
    assumed = read_timeline(TIMELINES / "avid_example.edl")
    assert any("does not store its frame rate" in note for note in assumed.notes)


def test_edl_rate_given_is_used_and_contradictions_refused():
    at_25 = read_timeline(TIMELINES / "avid_example.edl", rate=FrameRate(25))
    take_1 = list_shots(at_25)[0]
    assert at_25.rate == FrameRate(25) and take_1.record_range == FrameRange(3593 * 25 + 11, 32)  # 00:59:53:11 + 1 s 7 f
    assert take_1.record_tc_in == "00:59:53:11"
    with pytest.raises(TimelineError, match="inconsistent at 30 fps"):  # 1:24 at 30 fps is 54 frames, not 59
        read_timeline(TIMELINES / "25fps.edl", rate=FrameRate(30))
    with pytest.raises(TimelineError, match="frame 24, which 24 fps does not have"):
        read_timeline(TIMELINES / "25fps.edl", rate=FrameRate(24))


def test_speed_and_freeze_in_an_edl():
    shots = list_shots(read_timeline(TIMELINES / "speed_effects_small.edl"))
    freeze = shots[1]
    assert freeze.clip_name == "Z682_156 (LAY3)" and "freeze frame" in freeze.refusal
    fast = shots[4]  # M2 at 47.6 fps on a 24 fps cut
    assert fast.refusal is None and fast.speed == Fraction(476, 240)
    assert fast.record_range.duration == 36 and fast.source_range.duration == 71  # 36 x 1.98 source frames
    assert fast.source_from_timecode and fast.source_range.start == 86544  # 01:00:06:00


def test_nested_speed_effects_and_generators_are_refused_per_shot():
    nested = {s.clip_name: s for s in list_shots(read_timeline(TIMELINES / "nested_example.otio"))}
    assert "LinearTimeWarp x0.854545" in nested["Clip Inside A Stack 2"].refusal
    assert "FreezeFrame" in nested["Clip Inside A Track"].refusal
    assert nested["Normal Clip 2"].refusal is None
    generated = list_shots(read_timeline(TIMELINES / "premiere_generators.xml"))
    assert all("generated picture" in s.refusal and s.media_status == "not a file" for s in generated)


def test_transitions_extend_the_picture_into_the_handles():
    shots = list_shots(read_timeline(TIMELINES / "transitions.aaf"))
    hawk = shots[1]  # 48 frames of dissolve in, 12 out
    assert hawk.record_range == FrameRange(117 - 48, 48 + 77 + 12)
    assert hawk.source_range == FrameRange(123 - 48, 137)


def test_edl_media_paths_are_kept_for_relinking():
    take_1 = list_shots(read_timeline(TIMELINES / "avid_example.edl"))[0]
    assert take_1.media_path == "S:\\path\\to\\ZZ100_501.take_1.0001.exr" and take_1.media_status == "missing"
    assert take_1.reel == "ZZ100_50"
