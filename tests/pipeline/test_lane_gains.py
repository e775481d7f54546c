"""Per-lane gain: saved in the project, an undoable edit, and carried to every export, read back
by an independent reader per format (rpp, OTIO, pyaaf2, lxml, EBU ear).

The small cut has three lanes (car, person, unknown), one stem each. The car lane is set to
-4.5 dB and the car stem itself to -3 dB: formats with a track level (REAPER, OTIO) carry the two
apart; the others (AAF, FCP 7 XML, ADM) carry their sum on the clip.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import aaf2
import numpy as np
import opentimelineio as otio
import pytest
import rpp
from lxml import etree

from foley_assistant.cli.main import main
from foley_assistant.core.commands import CommandStack, SetLaneGain
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import ProjectFileError
from foley_assistant.core.project import Project
from foley_assistant.io.exports.adm import ear_available
from foley_assistant.io.json_files import read_project, write_project

LANE_DB, STEM_DB = -4.5, -3.0


def _gain(db: float) -> float:
    return 10 ** (db / 20)


@pytest.fixture
def laned(project_copy):
    """The small project with the car lane at -4.5 dB and the car stem at -3 dB."""
    project = read_project(project_copy / "foley_project.json")
    car = next(s for s in project.stems if s.label == "car")
    project = replace(project, lane_gains={"car": LANE_DB}, mixer=(StemMix(car.path, STEM_DB),))
    write_project(project_copy / "foley_project.json", project)
    return project_copy, project, car


def _export(folder: Path, fmt: str, out: Path, *extra: str) -> None:
    assert main(["export", str(folder), "--format", fmt, "--out", str(out), "-q", *extra]) == 0


def test_lane_gains_are_saved_and_a_version_6_project_has_none(laned):
    folder, project, _ = laned
    data = json.loads((folder / "foley_project.json").read_text())
    assert data["version"] == 7 and data["lane_gains"] == {"car": LANE_DB}
    assert read_project(folder / "foley_project.json").lane_gains == {"car": LANE_DB}
    old = dict(data, version=6)
    del old["lane_gains"]
    assert Project.from_dict(old).lane_gains == {}
    with pytest.raises(ProjectFileError, match="lane 'car'"):
        Project.from_dict(dict(data, lane_gains={"car": "loud"}))


def test_setting_a_lane_gain_is_an_undoable_edit(laned):
    _, project, car = laned
    stack = CommandStack(project)
    after = stack.execute(SetLaneGain("person", -2.0))
    assert after.lane_gains == {"car": LANE_DB, "person": -2.0}
    assert after.lane_gains_by_stem()[car.path] == LANE_DB
    assert stack.execute(SetLaneGain("car", 0.0)).lane_gains == {"person": -2.0}  # 0 dB: not listed
    stack.undo()
    assert stack.undo().lane_gains == {"car": LANE_DB}


def test_rpp_track_fader_is_the_lane_gain_and_the_item_keeps_its_own(laned, tmp_path):
    folder, project, car = laned
    _export(folder, "rpp", tmp_path / "s.rpp")
    tracks = {t.find("NAME")[1]: t for t in rpp.loads((tmp_path / "s.rpp").read_text()).findall("TRACK")}
    assert float(tracks["car"].find("VOLPAN")[1]) == pytest.approx(_gain(LANE_DB), rel=1e-6)
    assert float(tracks["person"].find("VOLPAN")[1]) == 1.0
    (item,) = tracks["car"].findall("ITEM")
    assert float(item.find("VOLPAN")[1]) == pytest.approx(_gain(STEM_DB), rel=1e-6)
    assert tracks["car"].find("VOLENV2") is not None  # the distance envelope stays; the fader trims it


def test_otio_track_metadata_carries_the_lane_gain(laned, tmp_path):
    folder, _, car = laned
    _export(folder, "otio", tmp_path / "cut.otio")
    tracks = {t.name: t for t in otio.adapters.read_from_file(str(tmp_path / "cut.otio")).audio_tracks() if "foley_assistant" in t.metadata}
    assert dict(tracks["car"].metadata["foley_assistant"]) == {"lane": "car", "gain_db": LANE_DB}
    assert "gain_db" not in tracks["person"].metadata["foley_assistant"]
    (clip,) = tracks["car"].find_clips()
    assert clip.metadata["foley_assistant"]["mix"]["gain_db"] == STEM_DB  # the stem's own, apart


def test_aaf_clip_gain_is_the_stem_and_lane_gain(laned, tmp_path):
    folder, _, car = laned
    _export(folder, "aaf", tmp_path / "cut.aaf")
    amplitudes = {}
    with aaf2.open(str(tmp_path / "cut.aaf"), "r") as f:
        names = {mob.mob_id: mob.name for mob in f.content.mastermobs()}
        for slot in next(f.content.compositionmobs()).slots:
            for component in _walk(slot.segment):
                if isinstance(component, aaf2.components.OperationGroup) and component.operation.name == "Audio Gain":
                    (amplitude,) = [p for p in component.parameters if p.parameterdef.name == "Amplitude"]
                    amplitudes[names[component.segments[0].mob_id]] = float(amplitude.value)
    name = Path(car.path).stem
    assert amplitudes == pytest.approx({f"{name}_L": _gain(LANE_DB + STEM_DB), f"{name}_R": _gain(LANE_DB + STEM_DB)}, rel=1e-4)


def _walk(segment: object):
    """Every component under an AAF segment (sequences, operation groups, selectors)."""
    yield segment
    for attribute in ("components", "segments"):
        for inner in getattr(segment, attribute, None) or []:
            yield from _walk(inner)
    if isinstance(segment, aaf2.components.Selector):
        for alternate in segment["Alternates"].value:
            yield from _walk(alternate)


def test_fcp7_clip_level_is_the_stem_and_lane_gain(laned, tmp_path):
    folder, _, car = laned
    _export(folder, "fcp7", tmp_path / "cut.xml")
    items = {i.findtext("name"): i for i in etree.parse(str(tmp_path / "cut.xml")).iter("clipitem")}
    (level,) = items[Path(car.path).stem].xpath("filter/effect[effectid='audiolevels']/parameter[parameterid='level']/value")
    assert 20 * np.log10(float(level.text)) == pytest.approx(LANE_DB + STEM_DB, abs=1e-4)
    assert all(not i.xpath("filter") for n, i in items.items() if n.endswith(("_person", "_unknown")))


@pytest.mark.skipif(not ear_available(), reason="the EBU ear package is not installed (make installs it with --no-deps)")
def test_adm_object_gain_carries_the_lane_gain(laned, tmp_path):
    from ear.fileio import openBw64Adm

    folder, project, car = laned

    def car_gains(path: Path) -> np.ndarray:
        with openBw64Adm(str(path)) as adm_file:
            (obj,) = [o for o in adm_file.adm.audioObjects if o.audioObjectName == f"{car.shot_id} {car.object_id} car"]
            return np.array([b.gain for b in obj.audioPackFormats[0].audioChannelFormats[0].audioBlockFormats])

    _export(folder, "adm", tmp_path / "laned.wav")
    write_project(folder / "foley_project.json", replace(project, lane_gains={}, mixer=()))
    _export(folder, "adm", tmp_path / "plain.wav")
    laned_gains, plain = car_gains(tmp_path / "laned.wav"), car_gains(tmp_path / "plain.wav")
    assert len(plain) > 5 and laned_gains == pytest.approx(plain * _gain(LANE_DB + STEM_DB), rel=2e-4)


def test_a_lane_gain_changes_the_monitor_mix(laned):
    from foley_assistant.pipeline.editing.session import EditSession

    folder, project, car = laned
    session = EditSession.open(folder)
    with_lane = session.shot_mix(car.shot_id)
    session.execute(SetLaneGain("car", 0.0))
    without = session.shot_mix(car.shot_id)
    car_audio = session.stem_audio(car) * _gain(STEM_DB)
    n = with_lane.shape[1]
    np.testing.assert_allclose(with_lane - without, car_audio[:, :n] * (_gain(LANE_DB) - 1.0), atol=1e-5)
