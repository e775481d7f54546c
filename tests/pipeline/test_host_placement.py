"""The placement plan the NLE plugins read: frames on the host's grid, automation on the same grid."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest

from foley_assistant.core.timebase import FrameRate
from foley_assistant.pipeline.handoff.host_placement import PLACEMENTS_SCHEMA, host_plan


@pytest.fixture(scope="module")
def generated(small_cut, tmp_path_factory):
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    out = tmp_path_factory.mktemp("placements") / "foley"
    result = run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, ambience="street"))
    return out, result


def test_frames_on_the_timeline_grid_and_on_another(generated):
    out, result = generated
    at_25 = host_plan(out)
    at_50 = host_plan(out, FrameRate(50))
    assert at_25.rate == FrameRate(25) and at_25.global_start_frame == 10 * 3600 * 25
    assert at_50.global_start_frame == 10 * 3600 * 50
    clips_25 = {(c.shot_id, c.object_id): c for _, clips in at_25.lanes for c in clips}
    clips_50 = {(c.shot_id, c.object_id): c for _, clips in at_50.lanes for c in clips}
    assert len(clips_25) == len(result.stems) >= 5  # 3 objects and 2 street beds
    for stem in result.stems:
        clip, doubled = clips_25[(stem.shot_id, stem.object_id)], clips_50[(stem.shot_id, stem.object_id)]
        assert clip.record_frame * 48000 / 25 == stem.record_start_sample  # 1920 samples per frame: exact
        assert (doubled.record_frame, doubled.length_frames) == (2 * clip.record_frame, 2 * clip.length_frames)
        assert clip.frame_offset_samples == 0 and clip.stem_path.is_file()
        if stem.is_ambience:  # a bed is not placed: no mono source, no automation
            assert (clip.kind, clip.dry_path, clip.automation) == ("ambience", None, ())
            continue
        assert clip.kind == "object" and clip.dry_path.is_file()
        assert clip.automation, "every object moves, so it has pan keyframes"
        for point, twin in zip(clip.automation, doubled.automation):
            assert point.frame == clip.record_frame + point.time_s * 25
            assert twin.frame == 2 * point.frame and (twin.pan, twin.gain) == (point.pan, point.gain)
            assert -1 <= point.pan <= 1 and point.gain > 0


def test_cars_pan_the_way_they_cross(generated):
    out, _ = generated
    car = next(c for _, clips in host_plan(out).lanes for c in clips if c.label == "car")
    pans = [p.pan for p in car.automation]
    assert pans[0] > 0.3 and pans[-1] < -0.3  # right to left across the street


def test_the_command_prints_the_plan_as_json(generated):
    out, _ = generated
    printed = subprocess.run([sys.executable, "-m", "foley_assistant.cli.main", "placements", str(out), "--rate", "23.976", "--json"], capture_output=True, text=True, check=True).stdout
    plan = json.loads(printed)
    assert plan["schema"] == PLACEMENTS_SCHEMA and plan["rate"] == [24000, 1001]
    for lane in plan["lanes"]:
        for clip in lane["clips"]:
            assert clip["record_frame"] == round(Fraction(clip["record_start_sample"], 48000) * Fraction(24000, 1001))
