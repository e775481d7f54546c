"""Neural stems in the right place in time (issue 18, item 4): on multi-shot timelines at NTSC and
PAL-family rates, with handles (source ranges that do not start at the media's first frame) and
a record start an hour in, every stem lies inside its own shot on the timeline, and the shipped
model's sound lies where its object is in the picture (a walker who enters two seconds into his
shot is not heard before he enters)."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
import soundfile

pytest.importorskip("torch")

from foley_assistant.core.timebase import FrameRate  # noqa: E402
from foley_assistant.pipeline.demo import SyntheticShot, build_synthetic_cut  # noqa: E402
from foley_assistant.pipeline.generate import GenerateRequest, run_generate  # noqa: E402
from foley_assistant.synth import ObjectSpec, SceneSpec  # noqa: E402

BUNDLED = Path(str(files("foley_assistant.resources"))) / "model"
MARGIN_S = 0.25


def _cut(folder: Path, rate: FrameRate) -> Path:
    handle = 20
    h = float(rate.seconds(handle))

    def scene(duration: float, objects: tuple[ObjectSpec, ...], seed: int) -> SceneSpec:
        return SceneSpec(duration_s=duration + 2 * h, rate=rate, width=320, height=180, objects=objects, seed=seed)

    def moved(*keys: tuple[float, float, float]) -> tuple[tuple[float, float, float], ...]:
        return tuple((t + h, x, z) for t, x, z in keys)

    shots = [
        SyntheticShot("ball", scene(2.5, (ObjectSpec("ball", moved((0.2, -1.5, 6.0), (2.4, 1.0, 6.0)), height_m=0.4, width_m=0.4),), 3), handle),
        SyntheticShot("late walker", scene(4.0, (ObjectSpec("walker", moved((2.0, -5.0, 8.0), (4.5, 1.0, 8.0))),), 4), handle),
    ]
    return build_synthetic_cut(folder, shots, name="alignment", start_timecode="01:00:00:00").timeline_path


def _shot_ranges(timeline_path: Path) -> dict[str, tuple[float, float]]:
    """Record range (s) of each video clip of the written timeline, by shot id order."""
    timeline = otio.adapters.read_from_file(str(timeline_path))
    video = next(t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video)
    clips = [c for c in video if isinstance(c, otio.schema.Clip)]
    return {f"S{n:03d}": (c.range_in_parent().start_time.to_seconds(), c.range_in_parent().end_time_exclusive().to_seconds()) for n, c in enumerate(clips, start=1)}


@pytest.mark.parametrize("rate", [FrameRate(24000, 1001), FrameRate(30000, 1001), FrameRate(60000, 1001)], ids=["23.976", "29.97", "59.94"])
def test_neural_stems_sit_in_their_own_shot_and_sound_where_their_object_is(rate, tmp_path):
    out = tmp_path / "out"
    run_generate(GenerateRequest(timeline_path=_cut(tmp_path / "cut", rate), out_dir=out, engine="neural", model_dir=BUNDLED))
    report = json.loads((out / "report.json").read_text())
    tracks = {s["id"]: s for s in json.loads((out / "tracks.json").read_text())["shots"]}
    shots = _shot_ranges(out / "timeline.otio")
    neural = [s for s in report["stems"] if s["engine"] == "neural"]
    assert {s["shot"] for s in neural} == {"S001", "S002"}
    for stem in neural:
        audio, sample_rate = soundfile.read(out / stem["path"], always_2d=True)
        energy = np.square(audio).sum(axis=1)
        start = stem["record_start_sample"] / sample_rate
        times = start + np.arange(len(energy)) / sample_rate
        first, end = shots[stem["shot"]]
        inside_shot = energy[(times >= first - 1e-9) & (times < end - 1e-9)].sum() / energy.sum()
        assert inside_shot >= 0.95, stem["path"]
        # where the object is in the picture (frames of the shot's media range, from its first frame)
        shot_tracks = tracks[stem["shot"]]
        frames = [f["frame"] - shot_tracks["frame_range"][0] for f in next(o for o in shot_tracks["objects"] if o["id"] == stem["object"])["frames"]]
        seen_from, seen_to = float(rate.seconds(min(frames))) - MARGIN_S, float(rate.seconds(max(frames) + 1)) + MARGIN_S
        offset = times - start
        assert energy[(offset >= seen_from) & (offset < seen_to)].sum() / energy.sum() >= 0.95, stem["path"]
    late = next(s for s in neural if s["shot"] == "S002")
    assert late["event_log"] and min(e["time_s"] for e in late["event_log"]) > 1.7  # nothing heard before he enters


def test_neural_stems_of_sub_shots_found_in_a_media_file_sound_where_their_object_is(tmp_path):
    from foley_assistant.io.video import read_frames, write_video
    from foley_assistant.pipeline.media_reel import generate_media

    rate = FrameRate(25)
    _cut(tmp_path / "cut", rate)
    pictures, lengths = [], []
    for media in sorted((tmp_path / "cut" / "media").glob("shot_*.mp4")):
        frames = [image for _, image in read_frames(media, None, analysis_width=None, gray=False)]
        pictures += frames[20:-20]  # the used range, without the handles: one reel with a cut in it
        lengths.append(len(frames) - 40)
    reel = tmp_path / "reel.mp4"
    write_video(reel, pictures, rate)
    out = tmp_path / "out"
    result = generate_media(GenerateRequest(timeline_path=reel, out_dir=out, engine="neural", model_dir=BUNDLED))
    tracks = {s["id"]: s for s in json.loads((out / "tracks.json").read_text())["shots"]}
    assert [tracks[s]["frame_range"][0] for s in sorted(tracks)] == [0, lengths[0]]  # the cut found
    for stem in result.stems:
        audio, sample_rate = soundfile.read(out / stem.path, always_2d=True)
        energy = np.square(audio).sum(axis=1)
        shot_tracks = tracks[stem.shot_id]
        frames = [f["frame"] - shot_tracks["frame_range"][0] for f in next(o for o in shot_tracks["objects"] if o["id"] == stem.object_id)["frames"]]
        offset = np.arange(len(energy)) / sample_rate
        seen = (offset >= float(rate.seconds(min(frames))) - MARGIN_S) & (offset < float(rate.seconds(max(frames) + 1)) + MARGIN_S)
        assert stem.engine == "neural" and energy[seen].sum() / energy.sum() >= 0.95, stem.path
