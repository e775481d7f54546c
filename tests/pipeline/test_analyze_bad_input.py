"""Bad media during analysis: a clear message per shot, and the other shots still analyzed."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import numpy as np
import pytest

from foley_assistant.cli.main import main
from foley_assistant.core.errors import MediaError
from foley_assistant.core.progress import CancelToken
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.analyze import AnalysisReport, analyze_media, analyze_shots
from foley_assistant.synth import walker_scene, write_reel, write_scene
from foley_assistant.vision.analyze import AnalysisSettings

RATE = FrameRate(25)


def context() -> JobContext:
    return JobContext(lambda *_: None, CancelToken())


@pytest.fixture(scope="module")
def walker_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("media") / "walker.mp4"
    write_scene(walker_scene(3, duration_s=3.0, width=320, height=180), path)
    return path


def shot(shot_id: str, media, start: int, duration: int) -> Shot:
    return Shot(
        id=shot_id,
        track_name="V1",
        track_index=0,
        clip_name=f"clip {shot_id}",
        media_path=str(media),
        media_status="found",
        timeline_rate=RATE,
        record_range=FrameRange(0, duration),
        global_start_frame=0,
        source_rate=RATE,
        source_range=FrameRange(start, duration),
    )


def test_corrupt_zero_length_and_past_the_end_do_not_stop_the_good_shots(tmp_path, walker_file):
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    shots = [
        shot("S001", corrupt, 0, 25),
        shot("S002", walker_file, 0, 75),
        shot("S003", walker_file, 10, 0),
        shot("S004", walker_file, 40, 100),  # 75 frames exist: 35 from frame 40
    ]
    report = AnalysisReport()
    document = analyze_shots(shots, context(), AnalysisSettings(), report=report)
    assert [s.shot_id for s in document.shots] == ["S002", "S004"]
    failed = dict(report.failed)
    assert set(failed) == {"S001", "S003"}
    assert "cannot read" in failed["S001"] and "corrupt.mp4" in failed["S001"]
    assert "zero length" in failed["S003"]
    notes = dict(report.notes)
    assert "65 frames past the end" in notes["S004"] and "35 frames that exist" in notes["S004"]
    assert document.shot("S004").frame_range == FrameRange(40, 35)
    assert len(document.shot("S002").objects) == 1


def test_truncated_file_is_analyzed_up_to_where_it_breaks(tmp_path, walker_file):
    truncated = tmp_path / "truncated.mp4"
    data = walker_file.read_bytes()
    truncated.write_bytes(data[: int(len(data) * 0.6)])
    report = AnalysisReport()
    try:
        tracks = analyze_media(str(truncated), "T1", None, context(), AnalysisSettings(), report=report)
    except MediaError as exc:  # a truncated MP4 may lose its index: then the message must say so
        assert "truncated" in str(exc) or "cannot read" in str(exc) or "damaged" in str(exc)
        return
    assert report.notes, "a truncated file must be noted"
    assert any("frames" in message for _, message in report.notes)
    assert tracks.objects  # the frames that decoded were analyzed


def write_variable_rate(path, frames: list[np.ndarray]) -> None:
    """An H.264 file whose frame timestamps wander around 25 fps (some 30 ms, some 50 ms apart)."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.pix_fmt = "yuv420p"
        stream.width, stream.height = frames[0].shape[1], frames[0].shape[0]
        stream.codec_context.time_base = Fraction(1, 1000)
        pts = 0
        for n, image in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = pts
            frame.time_base = Fraction(1, 1000)
            container.mux(stream.encode(frame))
            pts += 30 if n % 3 else 50
        container.mux(stream.encode(None))


def test_variable_frame_rate_keeps_frames_in_order(tmp_path):
    from foley_assistant.synth import render_scene

    frames, _ = render_scene(walker_scene(4, duration_s=3.0, width=320, height=180))
    path = tmp_path / "vfr.mp4"
    write_variable_rate(path, list(frames))
    report = AnalysisReport()
    tracks = analyze_media(str(path), "V1", None, context(), AnalysisSettings(), report=report)
    assert len(tracks.objects) == 1
    numbers = tracks.objects[0].frame_numbers()
    assert numbers == sorted(set(numbers))


def test_cli_media_writes_one_shot_per_sub_shot(tmp_path, capsys):
    reel = tmp_path / "reel.mp4"
    specs = [walker_scene(5, duration_s=2.0, width=320, height=180), walker_scene(6, duration_s=2.4, width=320, height=180, direction=-1)]
    write_reel(specs, reel)
    out = tmp_path / "tracks.json"
    assert main(["analyze", "--media", str(reel), "--out", str(out), "--quiet"]) == 0
    data = json.loads(out.read_text())
    assert [s["frame_range"] for s in data["shots"]] == [[0, 50], [50, 110]]
    assert [s["id"] for s in data["shots"]] == ["M001", "M002"]
    for shot_data in data["shots"]:
        first, end = shot_data["frame_range"]
        assert len(shot_data["objects"]) == 1
        frames = [f["frame"] for f in shot_data["objects"][0]["frames"]]
        assert first <= min(frames) and max(frames) < end


def test_cli_reports_a_bad_shot_and_writes_the_others(tmp_path, capsys, corpus_timeline):
    corrupt = tmp_path / "bad.mp4"
    corrupt.write_bytes(b"not a video at all")
    out = tmp_path / "tracks.json"
    code = main(["analyze", "--media", str(corrupt), "--out", str(out), "--quiet"])
    assert code == 2 and not out.exists()
    assert "bad.mp4" in capsys.readouterr().err
