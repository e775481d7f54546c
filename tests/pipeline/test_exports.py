"""Every export of a generate folder, opened by an independent reader.

BWF stems: wavinfo. otio/otioz: OTIO (and the zip's contents). rpp: the `rpp` package. AAF: pyaaf2
and otio-aaf-adapter. FCP 7 XML and EDL: their OTIO adapters and the EDL text. ADM: EBU ear's own
reader (skipped, with the reason, when ear is not installed).
"""

from __future__ import annotations

import zipfile
from fractions import Fraction
from pathlib import Path

import aaf2
import numpy as np
import opentimelineio as otio
import pytest
import rpp
import wavinfo

from foley_assistant.cli.main import main
from foley_assistant.io.exports.adm import ear_available
from foley_assistant.io.json_files import read_project
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from tests.io.test_adm_render import render

SR = 48000


@pytest.fixture(scope="module")
def generated(small_cut, tmp_path_factory):
    out = tmp_path_factory.mktemp("exports") / "out"
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out))
    project = read_project(out / "foley_project.json")
    assert len(project.stems) >= 3
    return out, project, small_cut


def test_stems_are_bwf_with_bext_and_ixml(generated):
    out, project, cut = generated
    start_s = Fraction(10 * 3600)  # the cut starts at 10:00:00:00
    for stem in project.stems:
        info = wavinfo.WavInfoReader(str(out / stem.path))
        assert info.fmt.sample_rate == SR and info.fmt.channel_count == 2 and info.fmt.bits_per_sample == 24
        # samples since midnight of the record timecode: start of the cut + the shot's record start
        assert info.bext.time_reference == start_s * SR + stem.record_start_sample - stem.handle_start_samples  # from its handle
        assert stem.shot_id in info.bext.description and stem.label in info.bext.description
        assert info.bext.originator == "Foley Assistant"
        assert len(info.bext.originator_date) == 10 and len(info.bext.originator_time) == 8
        assert info.ixml.scene == stem.shot_id and info.ixml.take == stem.object_id
        assert [t.name for t in info.ixml.track_list] == ["L", "R"]


def test_otio_and_otioz(generated, tmp_path):
    out, project, _ = generated
    assert main(["export", str(out), "--format", "otioz", "--out", str(tmp_path / "cut.otioz"), "-q"]) == 0
    with zipfile.ZipFile(tmp_path / "cut.otioz") as bundle:
        bundled = {Path(n).name for n in bundle.namelist() if n.startswith("media/")}
    assert {Path(s.path).name for s in project.stems} <= bundled  # the stems travel with the timeline
    assert main(["export", str(out), "--format", "otio", "--out", str(tmp_path / "cut.otio"), "-q"]) == 0
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    starts = sorted(c.metadata["foley_assistant"]["record_start_sample"] for t in timeline.audio_tracks() for c in t.find_clips())
    assert starts == sorted(s.record_start_sample for s in project.stems)


def test_rpp_parses_and_pan_envelope_sign(generated, tmp_path):
    out, project, _ = generated
    assert main(["export", str(out), "--format", "rpp", "--out", str(tmp_path / "s.rpp"), "-q"]) == 0
    session = rpp.loads((tmp_path / "s.rpp").read_text())
    assert session.find("SAMPLERATE")[1] == "48000"
    tracks = session.findall("TRACK")
    assert sorted(t.find("NAME")[1] for t in tracks) == sorted({s.lane for s in project.stems} | {"picture (guide)"})
    walker_lane = next(s.lane for s in project.stems if s.shot_id == "S001" and s.label == "person")
    track = next(t for t in tracks if t.find("NAME")[1] == walker_lane)
    values = [float(p[2]) for p in track.find("PANENV2").findall("PT")]
    # The walker is in the left third: pan < 0, stored inverted in the envelope (+ = left in PANENV2).
    assert values and sum(values) / len(values) > 0.2


def test_aaf_split_and_automation(generated, tmp_path):
    out, project, _ = generated
    assert main(["export", str(out), "--format", "aaf", "--out", str(tmp_path / "cut.aaf"), "-q"]) == 0
    splits = sorted((tmp_path / "cut_media").iterdir())
    assert len(splits) == 2 * len(project.stems)
    left = wavinfo.WavInfoReader(str(splits[0]))
    assert left.fmt.channel_count == 1 and left.bext.time_reference > 0
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.aaf"))
    added = [t for t in timeline.audio_tracks() if any(c.name.endswith(("_L", "_R")) for c in t.find_clips())]
    assert len(added) == 2 * len({s.lane for s in project.stems})
    assert main(["export", str(out), "--format", "aaf", "--aaf-stereo", "automation", "--out", str(tmp_path / "auto.aaf"), "-q"]) == 0
    with aaf2.open(str(tmp_path / "auto.aaf"), "r") as f:
        composition = next(f.content.compositionmobs())
        point_counts = [
            len(p["PointList"]) for slot in composition.slots if isinstance(slot.segment, aaf2.components.OperationGroup) for p in slot.segment.parameters if isinstance(p, aaf2.misc.VaryingValue)
        ]
    assert max(point_counts) > 10  # the pan follows the object, frame by frame


def test_fcp7_and_edl(generated, tmp_path, capsys):
    out, project, cut = generated
    assert main(["export", str(out), "--format", "fcp7", "--out", str(tmp_path / "cut.xml"), "-q"]) == 0
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.xml"))
    stem_clips = [c for t in timeline.audio_tracks() for c in t.find_clips()]
    assert sorted(c.range_in_parent().start_time.value for c in stem_clips) == sorted(s.record_start_sample * 25 // SR for s in project.stems)
    capsys.readouterr()
    assert main(["export", str(out), "--format", "edl", "--out", str(tmp_path / "cut.edl"), "-q"]) == 0
    assert "an EDL holds one track" in capsys.readouterr().err
    edls = sorted(tmp_path.glob("cut.*.edl"))
    assert len(edls) == len({s.lane for s in project.stems})
    first_events = [line.split() for line in edls[0].read_text().splitlines() if line[:3].isdigit()]
    assert all(e[6] >= "10:00:00:00" for e in first_events)  # record timecode includes the start


@pytest.mark.skipif(not ear_available(), reason="the EBU ear package is not installed (make installs it with --no-deps)")
def test_adm_bwf_reads_back_with_ear(generated, tmp_path):
    from ear.fileio import openBw64Adm

    out, project, _ = generated
    assert main(["export", str(out), "--format", "adm", "--out", str(tmp_path / "atmos.wav"), "-q"]) == 0
    with openBw64Adm(str(tmp_path / "atmos.wav")) as adm_file:
        assert adm_file.sampleRate == SR and adm_file.bitdepth == 24 and adm_file.channels == len(project.stems)
        objects = adm_file.adm.audioObjects
        assert len(objects) == len(project.stems)
        assert [p.id for p in adm_file.adm.audioProgrammes] == ["APR_1001"]
        first = min(s.record_start_sample for s in project.stems)
        for obj, stem in zip(objects, sorted(project.stems, key=lambda s: (s.record_start_sample, s.shot_id, s.object_id))):
            assert obj.audioObjectName == f"{stem.shot_id} {stem.object_id} {stem.label}"
            assert round(obj.start * SR) == stem.record_start_sample - first  # 5 decimals: within half a sample
            blocks = obj.audioPackFormats[0].audioChannelFormats[0].audioBlockFormats
            assert all(b.cartesian for b in blocks) and len(blocks) > 5
            xs = [b.position.X for b in blocks]
            assert all(-1 <= x <= 1 for x in xs)
        walker = next(o for o, s in zip(objects, sorted(project.stems, key=lambda s: (s.record_start_sample, s.shot_id, s.object_id))) if s.shot_id == "S001" and s.label == "person")
        xs = [b.position.X for b in walker.audioPackFormats[0].audioChannelFormats[0].audioBlockFormats]
        assert sum(xs) / len(xs) < -0.2  # in the left third of the frame
        assert len(adm_file.selected_items) == len(project.stems)  # ear's renderer can take every object
    info = wavinfo.WavInfoReader(str(tmp_path / "atmos.wav"))
    assert info.bext.time_reference == 10 * 3600 * SR + first
    # The EBU reference renderer takes it in strict mode (it refused overlapping blocks before).
    frames = info.data.frame_count
    for system, channels in (("0+2+0", 2), ("0+5+0", 6)):
        rendered = render(tmp_path / "atmos.wav", system, tmp_path / f"render {system}.wav")
        assert rendered.shape == (frames, channels) and np.abs(rendered).max() > 1e-3
