"""One way to make a shot: the command line and the app's session job make the same stems, sample
for sample, with the same non-default settings; both write a tagged report.json; a `--shot`
rerun keeps the other shots in the project, timeline.otio and project.rpp."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import opentimelineio as otio
import pytest
import rpp

from foley_assistant.acoustics.panning import PanLaw
from foley_assistant.cli.main import main
from foley_assistant.core.progress import CancelToken, ignore_progress
from foley_assistant.io.audio import read_audio
from foley_assistant.io.json_files import read_project
from foley_assistant.pipeline.editing.session import EditSession
from foley_assistant.pipeline.editing.session_jobs import generate_job
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.report import REPORT_SCHEMA

#: generate's options away from every default that shapes the sound of a stem
SETTINGS = [
    "--hfov",
    "90",
    "--distance-model",
    "exponential",
    "--pan-law=-4.5db",
    "--offscreen",
    "fade",
    "--smoothing-ms",
    "35",
    "--loudness-target",
    "-20",
    "--true-peak",
    "-2",
    "--seed",
    "5",
    "--ambience",
    "street",
]


def _context() -> JobContext:
    return JobContext(ignore_progress, CancelToken())


@pytest.fixture(scope="module")
def cli_run(small_cut, tmp_path_factory):
    out = tmp_path_factory.mktemp("spine") / "cli"
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "--shot", "S002", *SETTINGS, "-q"]) == 0
    return out


def test_the_project_records_the_settings_generate_was_given(cli_run):
    settings = read_project(cli_run / "foley_project.json").settings
    assert settings.hfov_deg == 90 and settings.seed == 5 and settings.ambience == "street"
    assert settings.placement.pan_law is PanLaw.COMPROMISE and settings.placement.distance_model == "exponential"
    assert settings.placement.offscreen == "fade" and settings.placement.smoothing_ms == 35
    assert settings.placement.reference_deg(settings.hfov_deg) == 45  # screen-locked
    assert (settings.loudness.target_lufs, settings.loudness.true_peak_ceiling_dbtp) == (-20, -2)


def test_cli_and_app_make_the_same_stems_sample_for_sample(small_cut, cli_run, tmp_path):
    cli_project = read_project(cli_run / "foley_project.json")
    session = EditSession.open_timeline(small_cut.timeline_path, out_dir=tmp_path / "app")
    # the app's project with the same settings: its generate job analyzes the shot itself
    session.replace_project(replace(session.project, settings=cli_project.settings))
    run = generate_job([session.shot("S002")], session.project, session.out_dir, _context())
    session.apply_generated(run)
    app_project = read_project(tmp_path / "app" / "foley_project.json")
    assert app_project.settings == cli_project.settings
    assert app_project.tracks == cli_project.tracks
    assert [s.path for s in app_project.stems] == [s.path for s in cli_project.stems] and len(cli_project.stems) >= 2
    assert any(s.is_ambience for s in cli_project.stems)
    for stem in cli_project.stems:
        for relative in {stem.path, stem.path.replace("stems/", "dry/")}:
            if stem.is_ambience and relative.startswith("dry/"):
                continue
            cli_audio, cli_rate = read_audio(cli_run / relative)
            app_audio, app_rate = read_audio(tmp_path / "app" / relative)
            assert cli_rate == app_rate == 48000
            assert np.array_equal(cli_audio, app_audio), relative
    assert np.array_equal(read_audio(cli_run / "mix" / "S002_mix.wav")[0], read_audio(tmp_path / "app" / "mix" / "S002_mix.wav")[0])
    cli_report = json.loads((cli_run / "report.json").read_text())
    app_report = json.loads((tmp_path / "app" / "report.json").read_text())
    assert cli_report["schema"] == app_report["schema"] == REPORT_SCHEMA
    assert app_report["placement"] == cli_report["placement"] and app_report["placement"]["pan_reference_deg"] == 45
    assert app_report["placement"]["loudness_target_lufs"] == -20
    assert [s["path"] for s in app_report["stems"]] == [s["path"] for s in cli_report["stems"]]
    assert [s["event_log"] for s in app_report["stems"]] == [s["event_log"] for s in cli_report["stems"]]
    assert app_report["shots"][0]["loudness"] == cli_report["shots"][0]["loudness"]


def _rpp_items(path):
    project = rpp.loads(path.read_text())
    stems = [t for t in project.findall("TRACK") if not t.find("NAME")[1].endswith("(guide)")]  # not the picture's
    return sorted(item.find("NAME")[1] for track in stems for item in track.findall("ITEM"))


def _otio_shots(path):
    timeline = otio.adapters.read_from_file(str(path))
    return sorted({clip.metadata["foley_assistant"]["shot"] for track in timeline.audio_tracks() for clip in track.find_clips()})


def test_a_shot_rerun_keeps_the_other_shots(small_cut, cli_run, tmp_path):
    out = tmp_path / "rerun"
    shutil.copytree(cli_run, out)
    # S001 into the folder that holds S002: both are in the project, timeline.otio and project.rpp
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "--shot", "S001", *SETTINGS, "-q"]) == 0
    project = read_project(out / "foley_project.json")
    assert sorted({s.shot_id for s in project.stems}) == ["S001", "S002"]
    assert [s.shot_id for s in project.tracks.shots] == ["S002", "S001"]
    assert {c.shot_id for c in project.curves} == {"S001", "S002"}
    assert _otio_shots(out / "timeline.otio") == ["S001", "S002"]
    items = _rpp_items(out / "project.rpp")
    assert any(name.startswith("S001_") for name in items) and any(name.startswith("S002_") for name in items)
    assert len(items) == len(project.stems)
    # the kept shot's files are untouched
    kept = next(s for s in project.stems if s.shot_id == "S002")
    assert (out / kept.path).read_bytes() == (cli_run / kept.path).read_bytes()
    report = json.loads((out / "report.json").read_text())
    assert [s["id"] for s in report["shots"]] == ["S001"] and {s["shot"] for s in report["stems"]} == {"S001"}


def test_a_shot_rerun_with_other_placement_is_refused_before_writing(small_cut, cli_run, tmp_path, capsys):
    out = tmp_path / "other"
    shutil.copytree(cli_run, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["generate", str(small_cut.timeline_path), "--out", str(out), "--shot", "S001", "--hfov", "60", "-q"]) == 2
    message = capsys.readouterr().err
    assert "S002" in message and "field of view" in message and "placement" in message and "leave out --shot" in message
    assert {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def _envelopes(path):
    """Per track name, its pan and volume envelope points (time, value), as written."""
    project = rpp.loads(path.read_text())
    found = {}
    for track in project.findall("TRACK"):
        for name in ("PANENV2", "VOLENV2"):
            envelope = track.find(name)
            found[(track.find("NAME")[1], name)] = [(float(p[1]), float(p[2])) for p in envelope.findall("PT")] if envelope is not None else []
    return found


def test_export_rpp_pans_as_generate_did(cli_run, tmp_path):
    exported = tmp_path / "again.rpp"
    assert main(["export", str(cli_run), "--format", "rpp", "--out", str(exported), "-q"]) == 0
    generated = _envelopes(cli_run / "project.rpp")
    assert any(points for (_, name), points in generated.items() if name == "PANENV2")
    assert _envelopes(exported) == generated
    # the default placement (pan reference 30 degrees, inverse distance) would have given others
    from foley_assistant.io.exports.rpp import write_rpp
    from foley_assistant.pipeline.handoff.export import open_project
    from foley_assistant.pipeline.output.deliver import build_rpp
    from foley_assistant.spatial.settings import StereoSettings

    project, root, loaded = open_project(cli_run)
    write_rpp(tmp_path / "default.rpp", build_rpp(project, loaded, StereoSettings(), root, tmp_path))
    assert _envelopes(tmp_path / "default.rpp") != generated


def test_placements_pan_with_the_projects_reference(cli_run):
    from foley_assistant.acoustics.panning import pan_from_azimuth
    from foley_assistant.pipeline.handoff.host_placement import host_plan

    project = read_project(cli_run / "foley_project.json")
    curves = {(c.shot_id, c.object_id): c for c in project.curves}
    checked, widest = 0, 0.0
    for _, clips in host_plan(cli_run).lanes:
        for clip in clips:
            if clip.kind != "object":
                continue
            curve = curves[(clip.shot_id, clip.object_id)]
            for point in clip.automation:
                azimuth = curve.azimuth_deg.value_at(point.time_s)
                assert point.pan == pytest.approx(float(pan_from_azimuth(azimuth, 45.0)), abs=1e-9)  # hfov 90, screen-locked
                widest = max(widest, abs(point.pan - float(pan_from_azimuth(azimuth, 30.0))))
                checked += 1
    assert checked > 10 and widest > 0.05


def test_export_aaf_pans_with_the_projects_placement(cli_run, tmp_path):
    import aaf2

    from foley_assistant.pipeline.handoff.export import open_project
    from foley_assistant.pipeline.output.deliver import pan_gain_points
    from foley_assistant.pipeline.spine.placement import project_stereo
    from foley_assistant.spatial.settings import StereoSettings
    from tests.pipeline.test_export_handoff import _walk

    out = tmp_path / "cut.aaf"
    assert main(["export", str(cli_run), "--format", "aaf", "--aaf-stereo", "automation", "--out", str(out), "-q"]) == 0
    pans: dict[str, list[float]] = {}
    with aaf2.open(str(out), "r") as f:
        names = {mob.mob_id: mob.name for mob in f.content.mastermobs()}
        for slot in next(f.content.compositionmobs()).slots:
            for component in _walk(slot.segment):
                if isinstance(component, aaf2.components.OperationGroup) and "pan" in component.operation.name.lower():
                    clip = next(c for c in _walk(component) if isinstance(c, aaf2.components.SourceClip))
                    (points,) = [p for p in component.parameters if hasattr(p, "pointlist") or "PointList" in p]
                    pans[names[clip.mob_id]] = [float(p["Value"].value) * 2 - 1 for p in points["PointList"]]
    project, _, _ = open_project(cli_run)
    curves = project.curves_by_object()
    placed = project_stereo(project.settings, hrirs=False)
    moved = 0.0
    for stem in [s for s in project.stems if not s.is_ambience]:
        written = pans[f"{stem.path.split('/')[-1][:-4]}"]
        ours = [p.pan for p in pan_gain_points(stem, curves[(stem.shot_id, stem.object_id)], placed)]
        default = [p.pan for p in pan_gain_points(stem, curves[(stem.shot_id, stem.object_id)], StereoSettings())]
        assert written == pytest.approx(ours, abs=2e-4)  # the project's placement (hfov 90: reference 45 degrees)
        moved = max(moved, max(abs(a - b) for a, b in zip(ours, default)))
    assert moved > 0.05  # and not what the defaults would give
