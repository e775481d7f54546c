"""The whole pipeline on a small synthetic cut at 29.97 fps drop-frame, checked against ground truth.

Expected values are computed here from the cut's own definition (frame counts, start timecode)
with exact fractions, not read back from the code under test.
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import opentimelineio as otio
import pytest
import rpp
import soundfile

from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.audio import read_bext
from foley_assistant.pipeline.demo import SyntheticShot, build_synthetic_cut
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.synth import ObjectSpec, SceneSpec

RATE = FrameRate(30000, 1001)
SR = 48000
HANDLE = 9
START_TC = "00:59:58;00"  # drop-frame, crosses the hour boundary inside the cut
START_FRAMES = 107_832  # see test_start_timecode_constant_is_right


def _scene(duration_s: float, objects: tuple[ObjectSpec, ...], seed: int) -> SceneSpec:
    handle_s = float(RATE.seconds(HANDLE))
    return SceneSpec(duration_s=round(duration_s + 2 * handle_s, 6), rate=RATE, width=320, height=180, objects=objects, seed=seed)


def _shift(path, handle_s):
    return tuple((t + handle_s, x, z) for t, x, z in path)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    h = float(RATE.seconds(HANDLE))
    shots = [
        SyntheticShot(
            "street",
            _scene(
                3.0,
                (
                    ObjectSpec("car", _shift(((-0.3, 14.0, 15.0), (3.3, -14.0, 15.0)), h)),
                    ObjectSpec("walker", _shift(((-0.3, -5.0, 11.0), (3.3, -2.6, 8.5)), h)),  # left third
                ),
                seed=11,
            ),
            HANDLE,
        ),
        SyntheticShot(
            "ball",
            _scene(2.5, (ObjectSpec("ball", _shift(((-0.3, -1.5, 6.0), (2.8, 1.0, 6.0)), h), height_m=0.4, width_m=0.4),), seed=12),
            HANDLE,
        ),
    ]
    cut = build_synthetic_cut(folder / "source", shots, name="e2e", start_timecode=START_TC)
    out = folder / "out"
    result = run_generate(GenerateRequest(timeline_path=cut.timeline_path, out_dir=out))
    return cut, result, out


def _centre_x(frame):
    return (frame.box.x0 + frame.box.x1) / 2


def _match(truth_object, tracks):
    """The analyzed object closest to a true one (mean centre distance over shared frames)."""
    best, best_error = None, np.inf
    truth = {f.frame: f for f in truth_object.frames}
    for obj in tracks.objects:
        shared = [f for f in obj.frames if f.frame in truth]
        if len(shared) < 0.5 * len(truth):
            continue
        error = float(np.mean([abs(f.box.center_x - _centre_x(truth[f.frame])) for f in shared]))
        if error < best_error:
            best, best_error = obj, error
    return best, best_error


def test_start_timecode_constant_is_right():
    from foley_assistant.core.timebase import timecode_to_frames

    # 59 min 58 s nominal = 107,940 frames, minus 2 frame numbers dropped in each of the 54
    # minutes (of the 59 begun) that are not multiples of ten = 108.
    assert timecode_to_frames(START_TC, RATE) == 107_940 - 108 == START_FRAMES


def test_every_moving_object_gets_a_stem(generated):
    cut, result, out = generated
    tracks = {s.shot_id: s for s in result_tracks(out)}
    for number, (shot, used, truth) in enumerate(cut.shots, start=1):
        shot_id = f"S{number:03d}"
        for obj in truth.objects:
            if not any(f.frame in used for f in obj.frames):
                continue
            match, error = _match(obj, tracks[shot_id])
            assert match is not None, f"{shot_id} {obj.id} {obj.label} was not tracked"
            assert error < 0.03, f"{shot_id} {obj.id}: mean centre error {error:.3f} of frame width"
            stem = next(s for s in result.stems if s.shot_id == shot_id and s.object_id == match.id)
            audio, rate = soundfile.read(out / stem.path, always_2d=True)
            info = soundfile.info(out / stem.path)
            assert rate == SR and audio.shape[1] == 2 and info.subtype == "PCM_24"
            assert np.abs(audio).max() > 1e-3, f"{stem.path} is silent"


def test_left_third_object_is_6_db_louder_on_the_left(generated):
    cut, result, out = generated
    shot, used, truth = cut.shots[0]
    walker = next(o for o in truth.objects if o.label == "person")
    assert all(_centre_x(f) < 1 / 3 for f in walker.frames if f.frame in used)  # the scene is what we think
    match, _ = _match(walker, {s.shot_id: s for s in result_tracks(out)}["S001"])
    stem = next(s for s in result.stems if s.shot_id == "S001" and s.object_id == match.id)
    audio, _ = soundfile.read(out / stem.path, always_2d=True)
    left, right = np.sum(audio[:, 0] ** 2), np.sum(audio[:, 1] ** 2)
    assert 10 * np.log10(left / right) >= 6.0


def test_stems_sit_at_the_record_time_to_the_sample(generated):
    cut, result, out = generated
    timeline = otio.adapters.read_from_file(str(out / "timeline.otio"))
    record_frame = 0
    starts = {}
    for number, (shot, used, truth) in enumerate(cut.shots, start=1):
        starts[f"S{number:03d}"] = record_frame
        record_frame += used.duration
    clips = [c for track in timeline.audio_tracks() for c in track.find_clips()]
    assert len(clips) == len(result.stems) >= 3
    for clip in clips:
        info = clip.metadata["foley_assistant"]
        frame = starts[info["shot"]]
        # 1601.6 samples per frame at 29.97: the exact instant, rounded once, to the nearest sample.
        expected_sample = int(Fraction(frame * 1001, 30000) * SR + Fraction(1, 2))
        position = clip.range_in_parent().start_time
        assert position.rate == SR and position.value == expected_sample
        # BWF TimeReference counts samples since midnight at the record timecode.
        bext = read_bext(out / info["relative_path"])
        since_midnight = Fraction((START_FRAMES + frame) * 1001, 30000) * SR
        assert bext.time_reference == int(since_midnight + Fraction(1, 2)) - info["handle_start_samples"]  # the file starts with its handle
    picture = timeline.video_tracks()[0]
    assert picture.range_of_child_at_index(1).start_time.to_frames() == starts["S002"]


def test_the_mix_is_the_sum_of_the_stems_and_session_files_load(generated):
    cut, result, out = generated
    for shot_id in ("S001", "S002"):
        mix, _ = soundfile.read(out / "mix" / f"{shot_id}_mix.wav", always_2d=True)
        total = sum(soundfile.read(out / s.path, always_2d=True)[0][s.handle_start_samples : s.handle_start_samples + s.length_samples] for s in result.stems if s.shot_id == shot_id)
        assert np.max(np.abs(mix - total)) < 1e-5  # over the cut
    project = rpp.loads((out / "project.rpp").read_text())
    tracks = [t for t in project.findall("TRACK") if not t.find("NAME")[1].endswith("(guide)")]
    lanes = sorted({s.lane for s in result.stems})
    assert sorted(t.find("NAME")[1] for t in tracks) == lanes
    items = [i for t in tracks for i in t.findall("ITEM")]
    assert len(items) == len(result.stems)
    report = json.loads((out / "report.json").read_text())
    assert report["status"] == "complete"
    assert {s["engine"] for s in report["stems"]} == {"procedural"}
    assert len(report["stems"]) == len(result.stems)


def result_tracks(out):
    from foley_assistant.io.json_files import read_tracks

    return read_tracks(out / "tracks.json").shots
