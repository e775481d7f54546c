"""`generate --ambience`: a bed under each shot, as its own stereo stem, lane, session item and report entry."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
import rpp
import soundfile
import wavinfo

from foley_assistant.cli.main import main
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import FoleyError, InputFileError
from foley_assistant.core.lanes import assign_lanes
from foley_assistant.core.stem import Stem
from foley_assistant.generators.procedural.ambience import LEVELS_DBFS
from foley_assistant.generators.procedural.voice_map import VoiceMap
from foley_assistant.io.exports.adm import ear_available
from foley_assistant.io.json_files import read_project, write_project
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.pipeline.spine.ambience import choose_bed

SR = 48000


@pytest.fixture(scope="module")
def with_beds(small_cut, tmp_path_factory):
    """The small cut (S001: a car and a walker; S002: a ball) generated with --ambience auto."""
    out = tmp_path_factory.mktemp("ambience") / "out"
    result = run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, ambience="auto"))
    return out, result


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


def test_each_shot_gets_the_bed_its_labels_call_for(with_beds) -> None:
    out, result = with_beds
    beds = {s.shot_id: s for s in result.stems if s.is_ambience}
    assert {k: (s.label, s.path, s.object_id, s.lane) for k, s in beds.items()} == {
        "S001": ("street", "stems/S001_AMB_street.wav", "AMB", "ambience"),  # there is a car in it
        "S002": ("room", "stems/S002_AMB_room.wav", "AMB", "ambience"),  # a ball: nothing calls for another bed
    }
    report = json.loads((out / "report.json").read_text())
    assert report["ambience_requested"] == "auto"
    shots = {s["id"]: s for s in report["shots"]}
    assert shots["S001"]["ambience"] == {"bed": "street", "chosen": "auto: car", "stem": "stems/S001_AMB_street.wav"}
    assert shots["S002"]["ambience"]["bed"] == "room"
    objects = [s for s in result.stems if not s.is_ambience]
    assert shots["S001"]["objects"] + shots["S002"]["objects"] == len(objects)
    logged = {s["path"]: s for s in report["stems"]}
    assert logged["stems/S001_AMB_street.wav"]["kind"] == "ambience" and logged["stems/S001_AMB_street.wav"]["events"] == 0
    assert all(logged[s.path]["kind"] == "object" for s in objects)


def test_the_bed_is_a_wide_unpanned_stereo_bwf_at_record_time(with_beds) -> None:
    out, result = with_beds
    for bed in (s for s in result.stems if s.is_ambience):
        audio, rate = soundfile.read(out / bed.path, always_2d=True)
        assert rate == SR and audio.shape == (bed.file_length_samples, 2)  # the cut and its handles
        left, right = audio.T
        assert abs(_rms_db(left) - _rms_db(right)) < 1.0  # not panned
        correlation = float(np.corrcoef(left, right)[0, 1])
        assert 0.2 < correlation < 0.85  # decorrelated, yet not two unrelated noises
        info = wavinfo.WavInfoReader(str(out / bed.path))
        assert info.fmt.bits_per_sample == 24
        assert info.bext.time_reference == Fraction(10 * 3600) * SR + bed.record_start_sample - bed.handle_start_samples
        same_shot = next(s for s in result.stems if s.shot_id == bed.shot_id and not s.is_ambience)
        assert (bed.record_start_sample, bed.length_samples) == (same_shot.record_start_sample, same_shot.length_samples)
        assert (bed.handle_start_samples, bed.handle_end_samples) == (same_shot.handle_start_samples, same_shot.handle_end_samples)


def test_the_mix_is_the_sum_of_every_stem_and_the_loudness_gain_applies_to_the_bed(with_beds) -> None:
    out, result = with_beds
    report = json.loads((out / "report.json").read_text())
    for shot in report["shots"]:
        mix, _ = soundfile.read(out / "mix" / f"{shot['id']}_mix.wav", always_2d=True)
        stems = [s for s in result.stems if s.shot_id == shot["id"]]
        total = sum(soundfile.read(out / s.path, always_2d=True)[0][s.handle_start_samples : s.handle_start_samples + s.length_samples] for s in stems)
        assert np.max(np.abs(mix - total)) < 1e-5  # the mix is the cut's
        bed = next(s for s in stems if s.is_ambience)
        audio = soundfile.read(out / bed.path, always_2d=True)[0][bed.handle_start_samples : bed.handle_start_samples + bed.length_samples]
        assert shot["gain_applied_db"] != 0.0
        assert _rms_db(audio) == pytest.approx(LEVELS_DBFS[bed.label] + shot["gain_applied_db"], abs=0.5)


def test_the_bed_has_its_own_lane_in_the_timeline_and_the_reaper_session(with_beds) -> None:
    out, result = with_beds
    timeline = otio.adapters.read_from_file(str(out / "timeline.otio"))
    lane = next(t for t in timeline.audio_tracks() if t.name == "ambience")
    targets = sorted(c.media_reference.target_url.rsplit("/", 1)[-1] for c in lane.find_clips())
    assert targets == ["S001_AMB_street.wav", "S002_AMB_room.wav"]
    session = rpp.loads((out / "project.rpp").read_text())
    track = next(t for t in session.findall("TRACK") if t.find("NAME")[1] == "ambience")
    files = sorted(i.find("SOURCE").find("FILE")[1] for i in track.findall("ITEM"))
    assert files == ["stems/S001_AMB_street.wav", "stems/S002_AMB_room.wav"]  # the stereo bed itself: nothing to pan
    assert track.find("PANENV2") is None and track.find("VOLENV2") is None
    assert not (out / "dry" / "S001_AMB_street.wav").exists()
    project = read_project(out / "foley_project.json")
    assert sorted(s.path for s in project.stems if s.is_ambience) == ["stems/S001_AMB_street.wav", "stems/S002_AMB_room.wav"]


def test_every_export_takes_or_names_the_beds(with_beds, tmp_path, capsys) -> None:
    out, result = with_beds
    beds = [s for s in result.stems if s.is_ambience]
    assert main(["export", str(out), "--format", "aaf", "--out", str(tmp_path / "split.aaf"), "-q"]) == 0
    assert (tmp_path / "split_media" / "S001_AMB_street_L.wav").exists()
    capsys.readouterr()
    assert main(["export", str(out), "--format", "aaf", "--aaf-stereo", "automation", "--out", str(tmp_path / "auto.aaf"), "-q"]) == 0
    assert "ambience beds" in capsys.readouterr().err
    assert main(["export", str(out), "--format", "edl", "--out", str(tmp_path / "cut.edl"), "-q"]) == 0
    assert (tmp_path / "cut.ambience.edl").exists() or any("ambience" in p.name for p in tmp_path.glob("cut.*.edl"))
    assert main(["export", str(out), "--format", "fcp7", "--out", str(tmp_path / "cut.xml"), "-q"]) == 0
    clips = [c for t in otio.adapters.read_from_file(str(tmp_path / "cut.xml")).audio_tracks() for c in t.find_clips()]
    assert len(clips) == len(result.stems) and len(beds) == 2


@pytest.mark.skipif(not ear_available(), reason="the EBU ear package is not installed (make installs it with --no-deps)")
def test_adm_carries_the_beds_as_one_stereo_bed_the_reference_renderer_plays(with_beds, tmp_path, capsys) -> None:
    """The beds are one 2.0 DirectSpeakers bed on the first two channels (each shot's bed at its
    record position), the objects after it, each in a content of its own; ear-render in strict
    mode plays the bed's channels in the left and right loudspeakers as they are in the file."""
    import subprocess
    import sys

    from ear.fileio import openBw64Adm

    out, result = with_beds
    assert main(["export", str(out), "--format", "adm", "--out", str(tmp_path / "atmos.wav"), "-q"]) == 0
    assert "2.0 bed" in capsys.readouterr().err
    beds = sorted((s for s in result.stems if s.is_ambience), key=lambda s: s.record_start_sample)
    objects = [s for s in result.stems if not s.is_ambience]
    with openBw64Adm(str(tmp_path / "atmos.wav")) as adm_file:
        contents = adm_file.adm.audioProgrammes[0].audioContents
        assert [c.audioContentName for c in contents][0] == "Ambience bed" and len(contents) == 1 + len(objects)
        assert contents[0].audioObjects[0].audioPackFormats[0].id == "AP_00010002"
        assert adm_file.channels == 2 + len(objects)
    samples, _ = soundfile.read(tmp_path / "atmos.wav", always_2d=True)  # an independent reader of the audio
    first = min(s.record_start_sample for s in result.stems)
    for bed in beds:
        stem, _ = soundfile.read(out / bed.path, always_2d=True)
        cut = stem[bed.handle_start_samples : bed.handle_start_samples + bed.length_samples]
        at = bed.record_start_sample - first
        np.testing.assert_allclose(samples[at : at + bed.length_samples, :2], cut, atol=2e-6)  # 24-bit
    renderer = Path(sys.executable).with_name("ear-render")

    def render(adm: Path, system: str) -> np.ndarray:
        done = subprocess.run([str(renderer), "--strict", "-s", system, str(adm), str(tmp_path / f"{adm.stem}_{system}.wav")], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
        return soundfile.read(tmp_path / f"{adm.stem}_{system}.wav", always_2d=True)[0]

    assert render(tmp_path / "atmos.wav", "0+2+0").shape == (len(samples), 2)
    # with every object muted, only the bed is left: each loudspeaker plays its channel as it is
    folder = tmp_path / "beds only"
    shutil.copytree(out, folder)
    project = read_project(folder / "foley_project.json")
    write_project(folder / "foley_project.json", replace(project, mixer=tuple(StemMix(s.path, mute=True) for s in objects)))
    assert main(["export", str(folder), "--format", "adm", "--out", str(tmp_path / "bed.wav"), "-q"]) == 0
    bed_only, _ = soundfile.read(tmp_path / "bed.wav", always_2d=True)
    assert bed_only.shape[1] == 2 and np.abs(bed_only).max() > 1e-3
    for system in ("0+2+0", "0+5+0"):
        rendered = render(tmp_path / "bed.wav", system)
        np.testing.assert_allclose(rendered[:, :2], bed_only, atol=1e-6)
        assert np.abs(rendered[:, 2:]).max(initial=0.0) == 0.0  # nothing in the centre or surrounds


def test_none_is_the_default_and_leaves_the_outputs_as_they_were(small_cut, tmp_path) -> None:
    assert GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=tmp_path).ambience == "none"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(tmp_path / "plain"), "--shot", "S002", "-q"]) == 0
    assert not list((tmp_path / "plain" / "stems").glob("*_AMB_*"))
    report = json.loads((tmp_path / "plain" / "report.json").read_text())
    assert report["shots"][0]["ambience"] is None
    with pytest.raises(SystemExit) as refused:
        main(["generate", str(small_cut.timeline_path), "--out", str(tmp_path / "x"), "--ambience", "sea", "-q"])
    assert refused.value.code == 2
    with pytest.raises(FoleyError, match="unknown ambience 'sea'"):
        run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=tmp_path / "y", ambience="sea"))
    assert not (tmp_path / "y").exists()


def test_a_named_bed_is_used_whatever_the_labels(small_cut, tmp_path) -> None:
    assert main(["generate", str(small_cut.timeline_path), "--out", str(tmp_path), "--shot", "S002", "--ambience", "rain", "-q"]) == 0
    assert [p.name for p in (tmp_path / "stems").glob("*_AMB_*")] == ["S002_AMB_rain.wav"]
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["shots"][0]["ambience"]["chosen"] == "asked"


def test_auto_follows_the_editable_rules_in_order() -> None:
    voices = VoiceMap.bundled()
    assert choose_bed("auto", ["person", "Car", "truck"], voices) == ("street", "auto: car, truck")
    assert choose_bed("auto", ["person", "car", "umbrella"], voices) == ("rain", "auto: umbrella")  # rain comes first
    assert choose_bed("auto", ["person"], voices)[0] == "room"
    assert choose_bed("none", ["car"], voices) is None
    assert choose_bed("wind", ["car"], voices) == ("wind", "asked")
    mine = VoiceMap.from_dict({"_ambience": {"wind": ["flag"], "_default": "street"}, "person": {"voice": "footsteps"}})
    assert choose_bed("auto", ["flag", "car"], mine) == ("wind", "auto: flag")
    assert choose_bed("auto", ["car"], mine) == ("street", "auto: no label calls for another bed")
    with pytest.raises(InputFileError, match="bed 'sea'"):
        VoiceMap.from_dict({"_ambience": {"sea": ["boat"]}})
    with pytest.raises(InputFileError, match="must list labels"):
        VoiceMap.from_dict({"_ambience": {"wind": "flag"}})


def test_beds_share_one_lane_and_never_take_an_objects_lane() -> None:
    def stem(shot: str, oid: str, label: str, start: int, kind: str = "object") -> Stem:
        return Stem(shot, oid, label, f"stems/{shot}_{oid}_{label}.wav", "procedural", SR, start, 100, kind=kind)

    lanes = assign_lanes(
        [
            stem("S1", "AMB", "street", 0, "ambience"),
            stem("S2", "AMB", "room", 100, "ambience"),
            stem("S3", "AMB", "rain", 150, "ambience"),
            stem("S1", "O1", "street", 0),
        ]
    )
    assert [(name, [s.shot_id for s in stems]) for name, stems in lanes] == [
        ("ambience", ["S1", "S2"]),
        ("ambience 2", ["S3"]),
        ("street", ["S1"]),
    ]
    with pytest.raises(ValueError):
        Stem("S1", "AMB", "x", "p", "procedural", SR, 0, 1, kind="music")
