"""Media conformance: each kind of camera file, made here with PyAV, read frame-exactly in display space.

Every kind carries the same display-space scene (tests/media/media_kinds.py): a square crossing
left to right and a hard cut. Each must keep every picture at its time, put the mover on time
(within half a frame) where the editor sees it, find the cut alone within half a frame, give the
distance of the square-pixel control of the same display size within 5 %, and never call a whole
file truncated.
"""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import media_kinds as kinds  # noqa: E402

from foley_assistant.core.progress import CancelToken  # noqa: E402
from foley_assistant.core.timebase import Rounding  # noqa: E402
from foley_assistant.core.tracks import TracksDocument  # noqa: E402
from foley_assistant.io.video import probe_video, read_frames  # noqa: E402
from foley_assistant.pipeline.progress import JobContext  # noqa: E402
from foley_assistant.pipeline.spine.analyze import AnalysisReport, analyze_media_shots  # noqa: E402
from foley_assistant.vision.analyze import AnalysisSettings  # noqa: E402

KINDS, SUFFIX = kinds.KINDS, kinds.SUFFIX


def _analyze(path: Path) -> tuple[TracksDocument, AnalysisReport]:
    """The file analysed on motion alone: this suite measures how the file is read (timing,
    geometry, distance of the same square in every kind); what a detector makes of a plain grey
    square (now and then an "airplane", sized as one) is not what it tests."""
    report = AnalysisReport()
    settings = AnalysisSettings(detector="none")
    document = analyze_media_shots(str(path), JobContext(lambda *_: None, CancelToken()), settings, report=report)
    return document, report


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kinds")
    done, controls = {}, {}
    for name, (write, size, rate) in KINDS.items():
        written = write(folder / f"{name}{SUFFIX.get(name, '.mp4')}")
        done[name] = (written, *_analyze(written.path))
        if (size, rate) not in controls:
            control = kinds.square_pixel(folder / f"control_{size[0]}x{size[1]}_{rate}.mp4", *size, rate)
            controls[size, rate] = _analyze(control.path)[0]
    return done, controls


def _mover(document: TracksDocument):
    shot = document.shots[0]
    assert len(shot.objects) >= 1
    return shot, max(shot.objects, key=lambda o: len(o.frames))


@pytest.mark.parametrize("name", list(KINDS))
def test_every_picture_kept_at_its_time(analyzed, name):
    written = analyzed[0][name][0]
    info = probe_video(written.path)
    indices = [index for index, _ in read_frames(written.path, analysis_width=64, info=info)]
    assert len(indices) == len(written.times)
    assert indices == [info.rate.frames(t, Rounding.NEAREST) for t in written.times]


@pytest.mark.parametrize("name", list(KINDS))
def test_display_size_and_geometry_recorded(analyzed, name, tmp_path):
    written, document, report = analyzed[0][name]
    assert (document.shots[0].width, document.shots[0].height) == KINDS[name][1]
    again = TracksDocument.from_dict(json.loads(json.dumps(document.to_dict())))
    assert again.shots[0].picture == document.shots[0].picture is not None
    if name.startswith(("portrait", "upside_down")):
        assert document.shots[0].picture.rotation == int(name.split("_")[-1])
        assert any("rotated" in message for _, message in report.notes)
    if name == "mirrored":
        assert document.shots[0].picture.mirrored and document.shots[0].picture.rotation == 0
    if name == "anamorphic_sd":
        assert document.shots[0].picture.sample_aspect == Fraction(64, 45)
    if name == "interlaced_tff":
        assert document.shots[0].picture.field_order == "top field first"


@pytest.mark.parametrize("name", list(KINDS))
def test_mover_on_time_in_display_space(analyzed, name):
    written, document, _ = analyzed[0][name]
    shot, mover = _mover(document)
    rate = float(shot.fps.fps)
    errors = []
    for tracked in mover.frames:
        t = tracked.frame / rate
        if t > float(kinds.CUT_S) - 0.1 or tracked.box.x0 < 0.01 or tracked.box.x1 > 0.99:
            continue
        errors.append((tracked.box.center_x - kinds.square_center_x(t)) / (kinds.SPEED / rate))
    print(name, "mover error in frames: median", np.median(errors), "max", np.max(np.abs(errors)))
    assert len(errors) > 10
    assert abs(float(np.median(errors))) <= 0.5 and float(np.max(np.abs(errors))) <= 0.5


@pytest.mark.parametrize("name", list(KINDS))
def test_cut_alone_and_on_time(analyzed, name):
    document = analyzed[0][name][1]
    rate = document.shots[0].fps
    assert len(document.shots) == 2, [s.frame_range for s in document.shots]
    assert abs(document.shots[1].frame_range.start - float(kinds.CUT_S * rate.fps)) <= 0.5


@pytest.mark.parametrize("name", list(KINDS))
def test_distance_matches_square_pixel_control(analyzed, name):
    done, controls = analyzed
    _, mover = _mover(done[name][1])
    _, control = _mover(controls[KINDS[name][1:]])
    distance = np.median([f.distance_m for f in mover.frames])
    expected = np.median([f.distance_m for f in control.frames])
    print(name, "distance", distance, "control", expected)
    assert distance == pytest.approx(expected, rel=0.05)


@pytest.mark.parametrize("name", list(KINDS))
def test_no_whole_file_called_truncated(analyzed, name):
    report = analyzed[0][name][2]
    assert not any("truncated" in message for _, message in report.notes), report.notes
    if name == "phone_vfr":
        assert any("variable frame rate" in message for _, message in report.notes)


@pytest.mark.parametrize(
    "codec, pix_fmt, transfer",
    [("prores_ks", "yuv422p10le", None), ("libx264", "yuv422p10le", None), ("libx265", "yuv420p10le", "hlg"), ("libx265", "yuv420p10le", "pq")],
)
def test_deep_color_and_hdr_decode_without_clipping(tmp_path, codec, pix_fmt, transfer):
    written = kinds.deep_color(tmp_path / f"deep.{'mov' if codec == 'prores_ks' else 'mp4'}", codec, pix_fmt, transfer)
    frames = list(read_frames(written.path, analysis_width=None, gray=True))
    assert len(frames) == len(written.times)
    ramp = frames[5][1][8, 16:-16].astype(float)  # a row of the grey ramp, away from its ends
    expected = np.linspace(0, 255, 320)[16:-16]
    assert np.mean(np.abs(ramp - expected)) < 6.0  # levels kept: no range squeeze or stretch
    assert np.mean(ramp >= 254) < 0.03 and np.mean(ramp <= 1) < 0.03  # no clipped ends
    assert np.all(np.diff(ramp) > -4)  # monotonic within coding noise


def test_avi_with_empty_chunks_is_described_as_held_frames(tmp_path):
    written = kinds.avi_held_frames(tmp_path / "held.avi")
    info = probe_video(written.path)
    assert (info.rate.fps, info.frame_count) == (50, 100)  # what the header says
    indices = [index for index, _ in read_frames(written.path, analysis_width=64, info=info)]
    assert indices == list(range(0, 100, 2))  # every picture, at its chunk's time
    document, report = _analyze(written.path)
    notes = " ".join(message for _, message in report.notes)
    assert "truncated" not in notes
    assert "50 frames are empty (zero-size) chunks" in notes and "25 pictures a second" in notes, notes
    assert [s.frame_range.start for s in document.shots] == [0, int(kinds.CUT_S * 50)]


def test_deinterlaced_picture_shows_the_first_field_not_a_weave(tmp_path):
    written = kinds.interlaced(tmp_path / "interlaced.ts")
    read = dict(read_frames(written.path, analysis_width=None, gray=False))
    import av

    with av.open(str(written.path)) as container:
        woven = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    shown_errors, woven_errors = [], []
    for index in (5, 10, 15, 20):
        t = Fraction(index, 25)
        cx = int(kinds.square_center_x(t) * 320)
        around = np.s_[60:110, cx - 25 : cx + 25]  # the square's moving edges, where fields differ
        truth = kinds.scene_picture(t, 320, 180)[around].astype(float)
        shown_errors.append(np.mean(np.abs(read[index][around].astype(float) - truth)))
        woven_errors.append(np.mean(np.abs(woven[index][around].astype(float) - truth)))
    print("mean error against the first field's picture: deinterlaced", np.mean(shown_errors), "woven", np.mean(woven_errors))
    assert np.mean(shown_errors) < 0.7 * np.mean(woven_errors)
