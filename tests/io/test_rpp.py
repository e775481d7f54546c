"""REAPER project export (foley_assistant.io.exports.rpp), checked by parsing with the `rpp` package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rpp

from foley_assistant.core.errors import OutputError
from foley_assistant.io.exports.rpp import (
    RppEnvelopePoint,
    RppItem,
    RppProject,
    RppTrack,
    _pan_to_envelope_value,
    rpp_text,
    thin_envelope,
    write_rpp,
)


def _points(pairs: list[tuple[float, float]]) -> tuple[RppEnvelopePoint, ...]:
    return tuple(RppEnvelopePoint(t, v) for t, v in pairs)


def _project() -> RppProject:
    return RppProject(
        tracks=(
            RppTrack(
                name="O1 footsteps",
                items=(
                    RppItem("SH010 footsteps", "stems/SH010_O1_footsteps.wav", 12.5, 4.25),
                    RppItem("SH020 footsteps", "/abs/path/SH020_O1_footsteps.wav", 20.0, 3.0, source_offset_s=0.5),
                ),
                pan=_points([(12.5, -1.0), (14.0, 0.25), (16.75, 1.0)]),
                volume=_points([(12.5, 0.5), (16.75, 1.0)]),
            ),
            RppTrack(name="O2 door", items=(RppItem("SH010 door", "stems/SH010_O2_door.wav", 13.0, 1.0),)),
        ),
        sample_rate=48000,
        project_start_s=3600.0,
        frame_rate=24.0,
        notes="Shot list:\nSH010\nSH020",
    )


def _parse(text: str) -> Any:
    return rpp.loads(text)


def _write_and_parse(tmp_path: Path, project: RppProject) -> Any:
    path = tmp_path / "foley.rpp"
    write_rpp(path, project, timestamp=1_700_000_000)
    return _parse(path.read_text(encoding="utf-8"))


def _values(element: Any, tag: str) -> list[str]:
    found = element.find(tag)
    assert found is not None, f"no {tag} in {element.tag}"
    return found[1:]


def _envelope_points(track: Any, tag: str) -> list[tuple[float, float, str]]:
    envelope = track.find(tag)
    assert envelope is not None, f"no {tag}"
    return [(float(p[1]), float(p[2]), p[3]) for p in envelope.findall("PT")]


def test_parses_into_a_project_with_one_track_per_object(tmp_path: Path) -> None:
    root = _write_and_parse(tmp_path, _project())
    assert root.tag == "REAPER_PROJECT"
    assert root.attrib == ["0.1", "7.0/linux-x86_64", "1700000000"]
    tracks = root.findall("TRACK")
    assert [_values(t, "NAME")[0] for t in tracks] == ["O1 footsteps", "O2 door"]
    assert _values(root, "SAMPLERATE") == ["48000", "0", "0"]
    for track in tracks:
        assert _values(track, "VOLPAN") == ["1", "0", "-1", "-1", "1"]
        assert _values(track, "NCHAN") == ["2"]


def test_items_keep_position_length_offset_and_file(tmp_path: Path) -> None:
    project = _project()
    root = _write_and_parse(tmp_path, project)
    for track, source in zip(root.findall("TRACK"), project.tracks):
        items = track.findall("ITEM")
        assert len(items) == len(source.items)
        for item, expected in zip(items, source.items):
            assert float(_values(item, "POSITION")[0]) == expected.position_s
            assert float(_values(item, "LENGTH")[0]) == expected.length_s
            assert float(_values(item, "SOFFS")[0]) == expected.source_offset_s
            assert _values(item, "NAME") == [expected.name]
            assert _values(item, "LOOP") == ["0"]
            source_block = item.find("SOURCE")
            assert source_block.attrib == ["WAVE"]
            assert _values(source_block, "FILE") == [expected.file]


def test_pan_envelope_holds_inverted_pan(tmp_path: Path) -> None:
    root = _write_and_parse(tmp_path, _project())
    first = root.findall("TRACK")[0]
    # Hard left (-1) is +1 in REAPER's pan envelope, hard right (+1) is -1.
    assert _envelope_points(first, "PANENV2") == [(12.5, 1.0, "0"), (14.0, -0.25, "0"), (16.75, -1.0, "0")]
    assert _pan_to_envelope_value(-1.0) == 1.0 and _pan_to_envelope_value(1.0) == -1.0
    envelope = first.find("PANENV2")
    assert _values(envelope, "ACT") == ["1", "-1"]
    assert _values(envelope, "VIS") == ["1", "1", "1"]
    assert _values(envelope, "EGUID")[0].startswith("{")


def test_volume_envelope_holds_linear_gain_without_fader_scaling(tmp_path: Path) -> None:
    root = _write_and_parse(tmp_path, _project())
    first, second = root.findall("TRACK")
    assert _envelope_points(first, "VOLENV2") == [(12.5, 0.5, "0"), (16.75, 1.0, "0")]
    assert first.find("VOLENV2").find("VOLTYPE") is None
    # A track without automation gets no envelopes.
    assert second.find("VOLENV2") is None and second.find("PANENV2") is None


def test_thinning_straight_line_to_two_points_but_keeps_a_corner(tmp_path: Path) -> None:
    ramp = [(i / 10, -1.0 + 2.0 * i / 100) for i in range(101)]  # -1 .. +1 in a straight line
    corner = [(i / 10, i / 50) for i in range(51)] + [(5.0 + i / 10, 1.0 - i / 50) for i in range(1, 51)]
    flat_gain = [(i / 10, 1.0 + 0.001 * ((-1) ** i)) for i in range(50)]  # wobble of 0.009 dB
    fade = [(i / 10, 1.0 - i / 100) for i in range(101)]  # linear gain ramp to silence
    project = RppProject(
        tracks=(
            RppTrack("ramp", (), pan=_points(ramp), volume=_points(flat_gain)),
            RppTrack("corner", (), pan=_points(corner), volume=_points(fade)),
        )
    )
    ramp_track, corner_track = _write_and_parse(tmp_path, project).findall("TRACK")
    assert _envelope_points(ramp_track, "PANENV2") == [(0.0, 1.0, "0"), (10.0, -1.0, "0")]
    assert [p[0] for p in _envelope_points(ramp_track, "VOLENV2")] == [0.0, 4.9]
    assert _envelope_points(corner_track, "PANENV2") == [(0.0, 0.0, "0"), (5.0, -1.0, "0"), (10.0, 0.0, "0")]
    assert [p[0] for p in _envelope_points(corner_track, "VOLENV2")] == [0.0, 10.0]


def test_thinning_tolerances_and_steps() -> None:
    # 0.004 off the line is dropped (pan tolerance 0.005); 0.006 is kept.
    near = _points([(0.0, 0.0), (1.0, 0.504), (2.0, 1.0)])
    far = _points([(0.0, 0.0), (1.0, 0.506), (2.0, 1.0)])
    assert len(thin_envelope(near, 0.005)) == 2
    assert len(thin_envelope(far, 0.005)) == 3
    # A step (two points at one time) survives, and unsorted input comes out in time order.
    step = _points([(2.0, 1.0), (0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (1.5, 1.0)])
    assert [(p.time_s, p.value) for p in thin_envelope(step, 0.005)] == [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (2.0, 1.0)]
    assert thin_envelope((), 0.005) == []


def test_volume_thinning_is_in_decibels() -> None:
    def db(g: np.ndarray) -> np.ndarray:
        return 20 * np.log10(np.maximum(g, 1e-8))

    # Midpoint 0.05 dB above the line between 0 dB and 0 dB: dropped; 0.2 dB: kept.
    small = _points([(0.0, 1.0), (1.0, 10 ** (0.05 / 20)), (2.0, 1.0)])
    large = _points([(0.0, 1.0), (1.0, 10 ** (0.2 / 20)), (2.0, 1.0)])
    assert len(thin_envelope(small, 0.1, db)) == 2
    assert len(thin_envelope(large, 0.1, db)) == 3


@pytest.mark.parametrize(
    "name",
    ["Door and window", 'The "big" door', 'Bob\'s "big" door', 'all `three\' "quotes"', "", "line\nbreak"],
)
def test_names_with_spaces_and_quotes_survive_a_parse(tmp_path: Path, name: str) -> None:
    project = RppProject(tracks=(RppTrack(name, (RppItem(name or "x", f"stems/{name or 'x'}.wav", 1.0, 2.0),)),))
    track = _write_and_parse(tmp_path, project).find("TRACK")
    expected = name.replace("\n", " ")
    if all(q in expected for q in "\"'`"):
        expected = expected.replace("`", "'")  # nothing can quote all three; REAPER does the same
    assert _values(track, "NAME") == [expected]
    item = track.find("ITEM")
    assert _values(item.find("SOURCE"), "FILE") == [f"stems/{expected or 'x'}.wav"]


def test_project_offset_frame_rate_and_notes(tmp_path: Path) -> None:
    root = _write_and_parse(tmp_path, _project())
    assert float(_values(root, "PROJOFFS")[0]) == 3600.0
    assert _values(root, "TIMEMODE")[3] == "24"
    notes = root.find("NOTES")
    assert [line for line in notes.children] == ["|Shot list:", "|SH010", "|SH020"]
    plain = _parse(rpp_text(RppProject(tracks=(), project_start_s=0.0), timestamp=0))
    assert _values(plain, "PROJOFFS") == ["0", "0", "0"]
    assert plain.find("NOTES") is None and plain.find("TIMEMODE") is None


def test_output_is_deterministic_with_stable_unique_guids(tmp_path: Path) -> None:
    first = rpp_text(_project(), timestamp=1)
    assert first == rpp_text(_project(), timestamp=1)
    root = _parse(first)
    guids = []
    for track in root.findall("TRACK"):
        guids.append(track.attrib[0])
        assert _values(track, "TRACKID") == [track.attrib[0]]
        for tag in ("VOLENV2", "PANENV2"):
            if track.find(tag) is not None:
                guids.append(_values(track.find(tag), "EGUID")[0])
        for item in track.findall("ITEM"):
            guids += [_values(item, "IGUID")[0], _values(item, "GUID")[0]]
    assert len(guids) == len(set(guids)) == 2 + 2 + 3 * 2
    assert all(len(g) == 38 and g.startswith("{") and g.endswith("}") for g in guids)
    # Two tracks with the same name still get different GUIDs.
    twins = _parse(rpp_text(RppProject(tracks=(RppTrack("same", ()), RppTrack("same", ()))), timestamp=1))
    assert len({t.attrib[0] for t in twins.findall("TRACK")}) == 2


def test_numbers_are_plain_decimals() -> None:
    project = RppProject(tracks=(RppTrack("t", (RppItem("i", "f.wav", 1e-7, 1 / 3),), pan=_points([(0.0, -0.0)])),))
    text = rpp_text(project, timestamp=1)
    assert "e-" not in text and "-0 " not in text
    assert "POSITION 0.0000001\n" in text
    assert "LENGTH 0.3333333333\n" in text


def test_write_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "foley.rpp"
    write_rpp(path, _project())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["foley.rpp"]
    assert path.read_text(encoding="utf-8").startswith("<REAPER_PROJECT 0.1 ")


def test_unwritable_location_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError):
        write_rpp(blocker / "foley.rpp", _project())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="positive length"):
        RppItem("i", "f.wav", 0.0, 0.0)
    with pytest.raises(ValueError, match="finite"):
        RppEnvelopePoint(float("nan"), 0.0)
    with pytest.raises(ValueError, match="pan must be within"):
        RppTrack("t", (), pan=_points([(0.0, 1.5)]))
    with pytest.raises(ValueError, match="negative"):
        RppTrack("t", (), volume=_points([(0.0, -0.1)]))
    with pytest.raises(ValueError, match="sample rate"):
        RppProject(tracks=(), sample_rate=0)
