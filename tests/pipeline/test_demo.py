"""The bundled demo cut is what the README promises: >= 3 shots, 25 fps, >= 10 s, two movers in a shot."""

import json

from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.pipeline.demo import build_demo


def test_demo_cut(tmp_path):
    timeline = build_demo(tmp_path / "source", seed=7)
    loaded = read_timeline(timeline)
    shots = list_shots(loaded)
    assert loaded.rate == FrameRate(25)
    assert len(shots) >= 3 and all(s.media_status == "found" for s in shots)
    assert sum(float(s.duration_seconds) for s in shots) >= 10.0
    assert shots[0].record_tc_in == "01:00:00:00"
    truth = json.loads((tmp_path / "source" / "ground_truth.json").read_text())
    moving_per_shot = [len([o for o in shot["objects"] if len(o["frames"]) > 1]) for shot in truth["shots"]]
    assert max(moving_per_shot) >= 2
    for shot, truth_shot in zip(shots, truth["shots"]):
        assert truth_shot["frame_range"] == [shot.source_range.start, shot.source_range.end]
        for obj in truth_shot["objects"]:
            assert all(shot.source_range.start <= f["frame"] < shot.source_range.end for f in obj["frames"])
            assert all(0 <= e["time_s"] < float(shot.duration_seconds) for e in obj["events"])
