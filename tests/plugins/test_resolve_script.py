"""The Resolve script (plugins/resolve) against a fake of Resolve's documented scripting API,
with the real command line doing the work: export, generate, placement, import, checked to the
sample against the record timecode the stems carry (read back by wavinfo)."""

from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
import wavinfo

from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.nle_otio import unreadable_schemas
from tests.plugins.conftest import CLI, PLUGINS, load_plugin_module
from tests.plugins.fake_resolve import FakeResolve, FakeResolveError

SCRIPT = PLUGINS / "resolve" / "Foley Assistant.py"


@pytest.fixture(scope="module")
def plugin():
    return load_plugin_module(SCRIPT, "foley_assistant_resolve_script")


def settings(plugin, work: Path, **changes):
    values = dict(plugin.DEFAULT_SETTINGS, cli=str(CLI), work_dir=str(work))
    values.update(changes)
    return values


def fake_for(timeline_path: Path, **options) -> FakeResolve:
    return FakeResolve(otio.adapters.read_from_file(str(timeline_path)), **options)


def appended(fake: FakeResolve) -> list[dict]:
    return [info for (infos,) in fake.calls_to("MediaPool.AppendToTimeline") for info in infos]


def foley_items(timeline) -> list:
    """Every item on the timeline's audio tracks (one lane per sound label), by start."""
    return sorted((item for track in timeline.tracks["audio"] for item in track), key=lambda item: item.start)


def lane_labels(infos: list[dict]) -> list[str]:
    """The sound labels of the appended stems (stems/<shot>_<object>_<label>.wav), each once."""
    return sorted({Path(info["mediaPoolItem"].path).stem.split("_", 2)[2] for info in infos})


@pytest.mark.parametrize(
    ("rate", "start_tc", "start_frame"),
    [("24", "01:00:00:00", 86400), ("25", "01:00:00:00", 90000), ("24000/1001", "01:00:00:00", 86400), ("30000/1001", "01:00:00;00", 107892)],
    ids=["24", "25", "23.976", "29.97DF"],
)
def test_stems_land_on_their_record_sample(plugin, tiny_cut_factory, tmp_path, rate, start_tc, start_frame):
    fake = fake_for(tiny_cut_factory(rate, start_tc))
    assert plugin.main(fake, settings(plugin, tmp_path)) == 0

    fps = FrameRate.parse(rate).fps
    ((export_path, export_type, export_subtype),) = fake.calls_to("Timeline.Export")
    assert (export_type, export_subtype) == (FakeResolve.EXPORT_OTIO, FakeResolve.EXPORT_NONE)
    infos = appended(fake)
    assert len(infos) == 2  # one vehicle per shot
    labels = lane_labels(infos)  # one lane per label (the detector may call one a car, one a truck)
    assert fake.calls_to("Timeline.AddTrack") == [("audio", "stereo")] * len(labels)
    for info in infos:
        stem = info["mediaPoolItem"].path
        bext = wavinfo.WavInfoReader(stem).bext
        # recordFrame counts from the timeline's start frame; at the stem's rate it is exactly the
        # sample the stem's BWF says it starts on (samples since midnight).
        assert info["recordFrame"] >= start_frame
        sample = Fraction(info["recordFrame"]) / fps * 48000
        handle = Fraction(info["startFrame"]) / fps * 48000  # the item starts past the stem's handle
        assert abs(sample - handle - bext.time_reference) <= 1  # the handle counts in whole frames (a frame at 29.97 is 1601.6 samples)
        frames = wavinfo.WavInfoReader(stem).data.frame_count
        length = Fraction(info["endFrame"] - info["startFrame"]) / fps * 48000
        assert length + handle <= frames + Fraction(48000) / fps / 2  # the item lies inside its file (endFrame exclusive, Resolve 19+)
        assert info["mediaType"] == 2 and info["startFrame"] >= 0 and 1 <= info["trackIndex"] <= len(labels)
    placed = foley_items(fake.project.current_timeline)
    shots = fake.project.current_timeline.tracks["video"][0]
    assert [(item.start, item.duration) for item in placed] == [(shot.start, shot.duration) for shot in shots]
    assert placed[0].start == start_frame  # the first shot starts the cut
    names = {fake.project.current_timeline.track_names[("audio", index)] for index in range(1, len(labels) + 1)}
    assert names == {f"Foley {label}" for label in labels}


def test_resolve_18_gets_an_inclusive_end_frame(plugin, tiny_cut_factory, tmp_path):
    fake = fake_for(tiny_cut_factory("25", "01:00:00:00"), version=(18, 6, 6, 7, ""))
    assert plugin.main(fake, settings(plugin, tmp_path)) == 0
    placed = foley_items(fake.project.current_timeline)
    shots = fake.project.current_timeline.tracks["video"][0]
    assert [(item.start, item.duration) for item in placed] == [(shot.start, shot.duration) for shot in shots]
    assert [info["endFrame"] - info["startFrame"] + 1 for info in appended(fake)] == [shot.duration for shot in shots]


def test_colored_clips_are_the_selection(plugin, tiny_cut_factory, tmp_path):
    fake = fake_for(tiny_cut_factory("24", "01:00:00:00"))
    fake.project.current_timeline.tracks["video"][0][1].color = "Orange"
    assert plugin.main(fake, settings(plugin, tmp_path)) == 0
    ((paths,),) = fake.calls_to("MediaPool.ImportMedia")
    assert [Path(p).name.split("_")[:2] for p in paths] == [["S002", "O1"]]  # the one car of the orange shot (the detector names a 160x90 car a car, truck or airplane)
    (info,) = appended(fake)
    assert info["recordFrame"] == fake.project.current_timeline.tracks["video"][0][1].start
    report = json.loads((Path(paths[0]).parents[1] / "report.json").read_text())
    assert [shot["id"] for shot in report["shots"]] == ["S002"]


def test_bringing_back_a_whole_timeline(plugin, tiny_cut_factory, tmp_path):
    fake = fake_for(tiny_cut_factory("25", "01:00:00:00"))
    original = fake.project.current_timeline
    assert plugin.main(fake, settings(plugin, tmp_path, bring_back="timeline")) == 0
    ((path, options),) = fake.calls_to("MediaPool.ImportTimelineFromFile")
    assert options["importSourceClips"] is True and options["timelineName"].startswith(original.name)
    assert unreadable_schemas(path, "resolve") == []
    imported = fake.project.current_timeline
    assert imported is not original
    video, foley = imported.tracks["video"][0], foley_items(imported)
    assert [(item.start, item.duration) for item in foley] == [(item.start, item.duration) for item in video]
    handles = {s.path.rsplit("/", 1)[-1]: s.handle_start_samples for s in _projects_stems(tmp_path)}
    for item in foley:
        path = item.media_pool_item.path
        assert round(Fraction(item.start) / 25 * 48000) - handles[Path(path).name] == wavinfo.WavInfoReader(path).bext.time_reference


def test_missing_command_line_is_one_clear_message(plugin, tiny_cut_factory, tmp_path, capsys):
    fake = fake_for(tiny_cut_factory("25", "01:00:00:00"))
    assert plugin.main(fake, settings(plugin, tmp_path, cli=str(tmp_path / "nowhere" / "foley-assistant"))) == 1
    assert "error:" in capsys.readouterr().out
    assert fake.calls_to("MediaPool.AppendToTimeline") == []


def test_results_of_the_app_are_found_for_their_timeline(plugin, tmp_path):
    timeline = tmp_path / "cut.otio"
    timeline.write_text("{}")
    for name, target, age in (("old", "cut.otio", 100), ("other", "else.otio", 0), ("new", "cut.otio", 10)):
        folder = tmp_path / "cut_foley" / name
        folder.mkdir(parents=True)
        project = folder / "foley_project.json"
        project.write_text(json.dumps({"timeline": str(tmp_path / target)}))
        stamp = 1_700_000_000 - age
        os.utime(project, (stamp, stamp))
    assert Path(plugin.find_result_folder(str(tmp_path), str(timeline))).name == "new"
    assert plugin.find_result_folder(str(tmp_path / "cut_foley" / "other"), str(timeline)) is None


def test_the_fake_refuses_calls_resolve_would_refuse(tiny_cut_factory):
    fake = fake_for(tiny_cut_factory("25", "01:00:00:00"))
    pool = fake.project.GetMediaPool()
    item = pool.item_for(__file__)
    with pytest.raises(FakeResolveError):
        pool.AppendToTimeline([{"mediaPoolItem": item, "startFrame": 0, "endFrame": 5, "trackIndex": 9, "recordFrame": 0}])
    with pytest.raises(FakeResolveError):
        pool.AppendToTimeline([{"mediaPoolItem": item, "start": 0}])
    with pytest.raises(FakeResolveError):
        fake.project.current_timeline.AddTrack("audio", "quadrophonic")


def _projects_stems(folder):
    """Every stem of the projects generated under `folder` (each file's handle before its cut)."""
    from foley_assistant.io.json_files import read_project

    return [stem for project in Path(folder).rglob("foley_project.json") for stem in read_project(project).stems]
