"""The Blender VSE add-on: its Blender-free logic here, and the add-on itself headless in Blender
(the `bpy` wheel from PyI, in .venv-bpy: `make test-blender` sets it up; skipped without it)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import opentimelineio as otio
import pytest

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import LoadedTimeline
from tests.plugins.conftest import CLI, PLUGINS, ROOT, load_plugin_module

ADDON = PLUGINS / "blender" / "foley_assistant_vse"
BPY_PYTHON = Path(os.environ.get("FOLEY_ASSISTANT_BPY_PYTHON", ROOT / ".venv-bpy" / "bin" / "python"))


@pytest.fixture(scope="module")
def core():
    return load_plugin_module(ADDON / "core.py", "foley_assistant_vse_core")


def test_scene_rates_are_exact(core):
    assert core.scene_rate(24, 1.001) == (24000, 1001)
    assert core.scene_rate(30, 1.001) == (30000, 1001)
    assert core.scene_rate(25, 1.0) == (25, 1)


def test_the_strips_become_an_otio_cut_the_assistant_reads(core, tmp_path):
    strips = [
        core.MovieStrip("a", "/media/a.mp4", 2, 101, 30, 4),
        core.MovieStrip("b", "/media/b.mp4", 2, 141, 20, 0),  # 10 frames after a: a gap
        core.MovieStrip("c", "/media/c.mp4", 3, 120, 12, 7),
    ]
    document, origin = core.otio_timeline("scene", (24000, 1001), strips)
    assert origin == 101
    core.write_json(document, tmp_path / "strips.otio")
    timeline = otio.adapters.read_from_file(str(tmp_path / "strips.otio"))
    shots = {s.clip_name: s for s in list_shots(LoadedTimeline(timeline, tmp_path / "strips.otio", tmp_path))}
    assert {name: (s.record_range, s.source_range) for name, s in shots.items()} == {
        "a": (FrameRange(0, 30), FrameRange(4, 30)),
        "b": (FrameRange(40, 20), FrameRange(0, 20)),
        "c": (FrameRange(19, 12), FrameRange(7, 12)),
    }
    assert all(s.media_path == f"/media/{s.clip_name}.mp4" and s.timeline_rate == FrameRate(24000, 1001) for s in shots.values())


def test_overlapping_strips_and_nothing_selected_are_refused(core):
    with pytest.raises(core.AddonError, match="select one or more movie strips"):
        core.otio_timeline("scene", (25, 1), [])
    with pytest.raises(core.AddonError, match="overlaps"):
        core.otio_timeline("scene", (25, 1), [core.MovieStrip("a", "/a", 1, 0, 10, 0), core.MovieStrip("b", "/b", 1, 5, 10, 0)])


def test_sound_strips_follow_the_plan(core):
    plan = {
        "lanes": [
            {
                "name": "car",
                "clips": [
                    {
                        "shot": "S001",
                        "object": "O1",
                        "label": "car",
                        "stem": "/o/stems/a.wav",
                        "dry": "/o/dry/a.wav",
                        "record_frame": 0,
                        "automation": [{"frame": 0.0, "pan": 1.2, "gain": 0.5}, {"frame": 12.5, "pan": -0.25, "gain": 0.7}],
                    }
                ],
            },
            {"name": "person", "clips": [{"shot": "S002", "object": "O1", "label": "person", "stem": "/o/stems/b.wav", "dry": "/o/dry/b.wav", "record_frame": 40, "automation": []}]},
            {"name": "ambience", "clips": [{"shot": "S002", "object": "AMB", "label": "street", "stem": "/o/stems/S002_AMB_street.wav", "dry": None, "record_frame": 40, "automation": []}]},
        ]
    }
    panned = core.sound_strips(plan, origin=101, first_channel=4)
    assert [(s.name, s.filepath, s.channel, s.frame_start) for s in panned] == [
        ("S001_O1_car", "/o/dry/a.wav", 4, 101),
        ("S002_O1_person", "/o/dry/b.wav", 5, 141),
        ("S002_AMB_street", "/o/stems/S002_AMB_street.wav", 6, 141),
    ]  # a bed has no dry source: its stereo stem
    assert panned[0].keyframes == [(101.0, 1.0, 0.5), (113.5, -0.25, 0.7)]  # pan clamped to Blender's -1..+1 stereo
    stems = core.sound_strips(plan, origin=101, first_channel=4, panned=False)
    assert [s.filepath for s in stems] == ["/o/stems/a.wav", "/o/stems/b.wav", "/o/stems/S002_AMB_street.wav"]
    assert all(not s.keyframes for s in stems)
    assert core.first_free_channel([1, 2, 3], 2) == 4
    with pytest.raises(core.AddonError):
        core.first_free_channel([127], 3)


def _bpy_available() -> str | None:
    if not BPY_PYTHON.is_file():
        return f"no bpy environment at {BPY_PYTHON} (make test-blender creates it)"
    probe = subprocess.run([str(BPY_PYTHON), "-c", "import bpy"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"bpy does not import in {BPY_PYTHON}: {probe.stderr.strip().splitlines()[-1:]}"


def test_the_addon_in_blender_adds_panned_sound_strips_in_sync(tiny_cut_factory, tmp_path):
    reason = _bpy_available()
    if reason:
        pytest.skip(reason)
    cut = otio.adapters.read_from_file(str(tiny_cut_factory("24", "01:00:00:00")))
    clips = list(cut.video_tracks()[0].find_clips())
    media = [c.media_reference.target_url.removeprefix("file://") for c in clips]
    used = [c.source_range for c in clips]
    handle, length = int(used[0].start_time.value), int(used[0].duration.value)
    strips = [  # shot 1 shows file frames 4.. from scene frame 101; shot 2 after a 10-frame gap; an unselected decoy
        {"name": "one", "path": media[0], "channel": 2, "frame_start": 101 - handle, "offset_start": handle, "duration": length, "select": True},
        {"name": "two", "path": media[1], "channel": 2, "frame_start": 101 + length + 10 - handle, "offset_start": handle, "duration": length, "select": True},
        {"name": "decoy", "path": media[1], "channel": 5, "frame_start": 400, "offset_start": 0, "duration": 10, "select": False},
    ]
    scene = tmp_path / "scene.json"
    scene.write_text(json.dumps({"fps": [24, 1.0], "cli": str(CLI), "panned": True, "strips": strips}))
    result_path = tmp_path / "result.json"
    done = subprocess.run(
        [str(BPY_PYTHON), str(Path(__file__).with_name("blender_session.py")), str(scene), str(result_path)], capture_output=True, text=True, timeout=600, env=dict(os.environ, TMPDIR=str(tmp_path))
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(result_path.read_text())
    assert result["outcome"] == ["FINISHED"]
    sounds = sorted(result["sounds"], key=lambda s: s["frame_start"])
    # the one car of each shot (the detector names a 160x90 car a car, a truck or an airplane)
    assert [s["name"].split("_")[:2] for s in sounds] == [["S001", "O1"], ["S002", "O1"]]
    movies = {m["name"]: m for m in result["movies"]}
    # each sound plays from its shot's first frame, its file starting a handle earlier (trimmed off)
    assert [s["frame_final_start"] for s in sounds] == [movies["one"]["frame_final_start"], movies["two"]["frame_final_start"]]
    assert [s["duration"] for s in sounds] == [movies["one"]["frame_final_duration"], movies["two"]["frame_final_duration"]]
    labels = sorted({s["name"].split("_", 2)[2] for s in sounds})
    # a lane per label, above every channel in use (the decoy is on 5)
    assert sorted({s["channel"] for s in sounds}) == list(range(6, 6 + len(labels)))
    out = Path(sounds[0]["path"]).parents[1]
    plan = json.loads(subprocess.run([str(CLI), "placements", str(out), "--json", "--rate", "24"], capture_output=True, text=True, check=True).stdout)
    planned = {f"{c['shot']}_{c['object']}_{c['label']}": c for lane in plan["lanes"] for c in lane["clips"]}
    for sound in sounds:
        clip = planned[sound["name"]]
        assert Path(sound["path"]) == Path(clip["dry"])  # the mono source: Blender pans mono sources
        assert sound["frame_start"] == 101 + clip["record_frame"] - clip["source_frame"]
        assert sound["frame_offset_start"] == clip["source_frame"] > 0  # the handle, there to slip into
        expected = clip["automation"]  # Blender keeps keyframes in float32
        assert [f for f, _ in sound["pan"]] == pytest.approx([101 + p["frame"] for p in expected], abs=1e-4)
        assert [v for _, v in sound["pan"]] == pytest.approx([p["pan"] for p in expected], abs=1e-6)
        assert [v for _, v in sound["volume"]] == pytest.approx([p["gain"] for p in expected], abs=1e-6)
    first, second = (planned[s["name"]]["automation"] for s in sounds)
    assert first[0]["pan"] > 0.3 > -0.3 > first[-1]["pan"] and second[0]["pan"] < -0.3 < 0.3 < second[-1]["pan"]
