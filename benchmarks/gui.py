"""The desktop app's speed targets, measured through its real widgets (offscreen Qt).

- open: a generated 2,000-clip timeline (3 video tracks, media on disk) opened in the main
  window (read, shot listing, relinking, the timeline panel, the first shot in the viewer),
  against the 2 s target and against a bare `otio.adapters.read_from_file` of the same file;
- step: frames stepped in the viewer (decode at 1280x720, picture, boxes, repaint) per second,
  against the 25/s target and against a bare sequential PyAV decode of the same frames;
- curve edit: a manual azimuth keyframe on a 10 s shot until its stem is rendered again and
  written (the session's `execute`), against the 200 ms target and against `render_stem` alone;
- window: constructing the main window (what packaging measures as start-up to the main window);
- start-up: `foley-assistant gui --smoke-test` in a fresh process (launch to the main window
  shown), against the 3 s target and against a bare PySide6 window shown by a fresh process;
- A/V sync: a cut of three shots with a guide track of clicks (one on the first frame of each
  shot, one every 10 frames) played through the real window across its cuts, into a simulated
  sound card (a thread asking for 512-sample blocks at their DAC time, 40 ms ahead, on the
  monotonic clock). For each click, the time it is heard (its block's DAC time + its sample)
  against the time the viewer first showed the click's frame (shot and media frame read back from
  the window): the A/V offset, positive when the picture is late; and, at every picture update,
  the frame shown against the frame whose sound is heard at that moment.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui.py [--clips 2000] [--steps 120] [--edits 15] [--json]

Medians in the same run; ratios under 1 meet a target. The machine's CPU is shared with other
work, so the absolute figures are noisy; nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import opentimelineio as otio  # noqa: E402

from foley_assistant.core.commands import SetKeyframe  # noqa: E402
from foley_assistant.core.timebase import FrameRange, FrameRate  # noqa: E402
from foley_assistant.io.video import read_frames, write_video  # noqa: E402

RATE = FrameRate(25)


def make_media(path: Path, frames: int, width: int = 1280, height: int = 720) -> Path:
    """An H.264 file of moving gradients and blocks (not a still: the decoder has work to do)."""
    ys, xs = np.mgrid[0:height, 0:width]

    def picture(i: int) -> np.ndarray:
        image = np.empty((height, width, 3), dtype=np.uint8)
        image[..., 0] = (xs + 7 * i) % 256
        image[..., 1] = (ys + 3 * i) % 256
        image[..., 2] = ((xs // 40 + ys // 40 + i // 5) % 2) * 200
        return image

    write_video(path, (picture(i) for i in range(frames)), RATE, crf=23, preset="ultrafast")
    return path


def make_cut(path: Path, media: Path, media_frames: int, clips: int) -> Path:
    """`clips` clips over three video tracks, all cutting into one media file."""
    timeline = otio.schema.Timeline(name="bench", global_start_time=otio.opentime.RationalTime(90000, 25))
    for track_number in range(3):
        track = otio.schema.Track(name=f"V{track_number + 1}", kind=otio.schema.TrackKind.Video)
        for number in range(track_number, clips, 3):
            start = (number * 7) % (media_frames - 30)
            reference = otio.schema.ExternalReference(
                target_url=media.resolve().as_uri(), available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(media_frames, 25))
            )
            track.append(
                otio.schema.Clip(
                    name=f"clip {number}", media_reference=reference, source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, 25), otio.opentime.RationalTime(24 + number % 5, 25))
                )
            )
        timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(path))
    return path


def bench_open(app, folder: Path, clips: int, repeat: int) -> dict[str, float]:
    from foley_assistant.gui.main_window import MainWindow

    media = make_media(folder / "media_720p.mp4", 120)
    cut = make_cut(folder / "cut_2000.otio", media, 120, clips)
    bare, opened = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        otio.adapters.read_from_file(str(cut))
        bare.append(time.perf_counter() - started)
        window = MainWindow()
        window.confirm_close = False
        window.show()
        app.processEvents()
        started = time.perf_counter()
        assert window.open_path(cut), window.message.text()
        app.processEvents()  # the timeline panel and the first picture are painted
        opened.append(time.perf_counter() - started)
        assert len(window.timeline.canvas.clips) == clips
        window.close()
    return {"clips": clips, "open_s": statistics.median(opened), "bare_otio_read_s": statistics.median(bare)}


def bench_steps(app, folder: Path, steps: int) -> dict[str, float]:
    from foley_assistant.gui.main_window import MainWindow
    from foley_assistant.io.cut_writer import CutClip, write_cut

    media = make_media(folder / "step_720p.mp4", steps + 10)
    cut = write_cut(folder / "step.otio", "step", RATE, [CutClip("shot", media, steps + 10, FrameRange(0, steps + 10))])
    del cut
    started = time.perf_counter()
    decoded = sum(1 for _ in read_frames(media, FrameRange(0, steps), analysis_width=None, gray=False))
    bare = decoded / (time.perf_counter() - started)
    window = MainWindow()
    window.confirm_close = False
    window.resize(1440, 900)
    window.show()
    assert window.open_path(folder / "step.otio"), window.message.text()
    app.processEvents()
    assert window.reader is not None and (window.reader.width, window.reader.height) == (1280, 720)
    started = time.perf_counter()
    for _ in range(steps):
        window.step_frames(1)
        window.viewer.repaint()
        app.processEvents()
    stepped = steps / (time.perf_counter() - started)
    window.close()
    return {"steps": steps, "steps_per_s": stepped, "bare_decode_per_s": bare}


def bench_curve_edit(folder: Path, edits: int) -> dict[str, float]:
    from foley_assistant.io.exports.rpp import write_rpp
    from foley_assistant.io.json_files import write_project, write_tracks
    from foley_assistant.pipeline.demo import SyntheticShot, build_synthetic_cut
    from foley_assistant.pipeline.editing.session import EditSession
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate
    from foley_assistant.pipeline.output.deliver import OutputLayout, build_rpp, write_mix, write_shot_audio, write_timeline_with_stems
    from foley_assistant.spatial.render import render_stem
    from foley_assistant.synth import ObjectSpec, SceneSpec

    handle = 0.24
    spec = SceneSpec(duration_s=10.0 + 2 * handle, rate=RATE, width=320, height=180, seed=4, objects=(ObjectSpec("car", ((0.0, 14.0, 15.0), (10.5, -14.0, 15.0))),))
    cut = build_synthetic_cut(folder / "ten", [SyntheticShot("ten seconds", spec, 6)], name="ten")
    out = folder / "ten_out"
    run_generate(GenerateRequest(timeline_path=cut.timeline_path, out_dir=out))
    session = EditSession.open(out)
    stem = session.project.stems[0]
    seconds = stem.length_samples / stem.sample_rate
    times, renders = [], []
    for number in range(edits):
        started = time.perf_counter()
        result = session.execute(SetKeyframe(stem.shot_id, stem.object_id, "azimuth_deg", Fraction(number % 9 + 1), float(-20 + 5 * (number % 8))))
        times.append(time.perf_counter() - started)
        assert result.rerendered == [stem.path]
        curves = session.curves_of(stem.shot_id, stem.object_id)
        started = time.perf_counter()
        render_stem(session.dry_audio(stem), curves, session.stereo)
        renders.append(time.perf_counter() - started)
    # saving the folder as one set (renders moved in, old files kept until the project is written)
    # against writing the same stem, mix and session files straight into a folder
    started = time.perf_counter()
    session.save()
    save_s = time.perf_counter() - started
    direct = folder / "direct"
    shot = session.shot(stem.shot_id)
    started = time.perf_counter()
    write_shot_audio(direct, stem.path, session.stem_audio(stem), stem.sample_rate, shot, stem.object_id, "bench")
    write_mix(OutputLayout(direct), shot, session.shot_mix(stem.shot_id), stem.sample_rate)
    write_timeline_with_stems(session.loaded, session.project, out, direct / "timeline.otio")
    write_rpp(direct / "project.rpp", build_rpp(session.project, session.loaded, session.stereo, out, out))
    write_tracks(direct / "tracks.json", session.project.tracks)
    write_project(direct / "foley_project.json", session.project)
    direct_s = time.perf_counter() - started
    return {"stem_seconds": seconds, "edit_to_stem_s": statistics.median(times), "render_stem_s": statistics.median(renders), "save_s": save_s, "direct_write_s": direct_s}


def bench_window(app, repeat: int) -> dict[str, float]:
    from foley_assistant.gui.main_window import MainWindow

    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        window = MainWindow()
        window.show()
        app.processEvents()
        times.append(time.perf_counter() - started)
        window.confirm_close = False
        window.close()
    return {"construct_and_show_s": statistics.median(times)}


BARE_WINDOW = """
import os, time
from pathlib import Path
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.show()
app.processEvents()
fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
print(float(Path("/proc/uptime").read_text().split()[0]) - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
"""


def bench_startup(repeat: int) -> dict[str, float]:
    """Launch to main window shown, in fresh processes: the app's smoke test and a bare window."""
    import re
    import subprocess

    cli = Path(sys.executable).with_name("foley-assistant")
    app, bare = [], []
    for _ in range(repeat):
        shown = subprocess.run([str(cli), "gui", "--smoke-test"], capture_output=True, text=True, check=True).stdout
        app.append(float(re.search(r"main window shown in ([0-9.]+) s", shown).group(1)))
        bare.append(float(subprocess.run([sys.executable, "-c", BARE_WINDOW], capture_output=True, text=True, check=True).stdout.split()[-1]))
    return {"app_s": statistics.median(app), "bare_s": statistics.median(bare)}


class SimulatedOutput:
    """A sound card without hardware: a thread that asks for each block one latency before its
    DAC time, at the pace of the sample rate, on the monotonic clock; it keeps what it played."""

    latency_s = 0.04

    def __init__(self, render, sample_rate: int, block: int = 512) -> None:
        import threading

        self.render, self.sample_rate, self.block = render, sample_rate, block
        self.blocks: list[tuple[float, np.ndarray]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        period = self.block / self.sample_rate
        next_dac = time.monotonic() + self.latency_s
        while not self._stop.is_set():
            self.blocks.append((next_dac, self.render(self.block, next_dac)))
            next_dac += period
            time.sleep(max(0.0, next_dac - self.latency_s - time.monotonic()))

    def time(self) -> float:
        return time.monotonic()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def bench_av_sync(app, folder: Path, seconds: float = 5.4) -> dict[str, float]:
    from foley_assistant.gui.audition import AuditionController
    from foley_assistant.gui.main_window import MainWindow
    from foley_assistant.io.audio import write_wav
    from foley_assistant.io.cut_writer import CutClip, write_cut

    media = make_media(folder / "sync_720p.mp4", 60, 640, 360)
    shot_frames = 45
    cut = folder / "sync.otio"
    write_cut(cut, "sync", RATE, [CutClip(f"shot {i}", media, 60, FrameRange(5 * i, shot_frames)) for i in range(3)])
    sample_rate, fps = 48000, float(RATE)
    total = 3 * shot_frames
    click_frames = sorted(set(range(5, total, 10)) | {shot_frames, 2 * shot_frames})  # none at 0: the first block is heard one latency in
    guide = np.zeros((2, int(total / fps * sample_rate) + sample_rate), dtype=np.float32)
    for frame in click_frames:
        guide[:, int(round(frame / fps * sample_rate))] = 1.0
    write_wav(folder / "clicks.wav", guide, sample_rate, bit_depth=24)
    timeline = otio.adapters.read_from_file(str(cut))
    track = otio.schema.Track(name="Guide", kind=otio.schema.TrackKind.Audio)
    length = otio.opentime.RationalTime(total, fps)
    reference = otio.schema.ExternalReference(target_url=(folder / "clicks.wav").resolve().as_uri(), available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps), length))
    track.append(otio.schema.Clip(name="clicks", media_reference=reference, source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, fps), length)))
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(cut))

    window = MainWindow(AuditionController(output_factory=SimulatedOutput))
    window.confirm_close = False
    window.show()
    assert window.open_path(cut), window.message.text()
    window.cut_level.setValue(0.0)
    deadline = time.monotonic() + 10
    while not window.audition.engine.cut.keys() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    shown: list[tuple[float, int]] = []  # (clock time, record frame the viewer shows)

    def picture_shown(_record_s: float) -> None:
        session, shot_id = window.session, window.shot_id
        shot = session.shot(shot_id)
        frame = shot.record_range.start + window.current_frame() - session.media_range(shot_id).start
        shown.append((window.audition.clock(), frame))

    window.audition.positionChanged.connect(picture_shown)
    window.audition.seek_record(0.0, scrub=False)
    window.audition.play()
    output = window.audition.output
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.002)
    window.audition.pause()
    blocks = list(output.blocks)
    window.close()
    heard = []  # (DAC time, sample index in the output) of each click
    for dac, block in blocks:
        for index in np.flatnonzero(block[:, 0] > 0.5):
            heard.append(dac + index / sample_rate)
    offsets, cut_offsets = [], []
    for heard_at, frame in zip(heard, click_frames):
        first_shown = next((t for t, f in shown if f >= frame), None)
        if first_shown is None:
            continue
        offsets.append(first_shown - heard_at)
        if frame in (shot_frames, 2 * shot_frames):
            cut_offsets.append(first_shown - heard_at)
    # at each picture update: the frame shown against the frame whose sound is heard at that moment
    # (the sound's record time at a clock time, from the clicks: heard at their record time + a)
    a = float(np.median([h - f / fps for h, f in zip(heard, click_frames)])) if heard else 0.0
    same = sum(1 for now, frame in shown if frame == int(np.floor((now - a) * fps + 1e-6)))
    return {
        "clicks": len(offsets),
        "clicks_expected": len([f for f in click_frames if f / fps < seconds - 0.1]),
        "mean_offset_ms": 1000 * float(np.mean(offsets)) if offsets else float("nan"),
        "max_abs_offset_ms": 1000 * float(np.max(np.abs(offsets))) if offsets else float("nan"),
        "cut_offsets_ms": [round(1000 * float(o), 1) for o in cut_offsets],
        "updates": len(shown),
        "updates_on_heard_frame": same,
        "frame_ms": 1000 / fps,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated parts to run (startup, window, open, step, curve_edit, av_sync); all by default")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        os.environ["FOLEY_ASSISTANT_HOME"] = home
        from PySide6.QtWidgets import QApplication

        from foley_assistant.gui.app import configure_plots

        app = QApplication.instance() or QApplication([])
        configure_plots()
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            parts = {
                "startup": lambda: bench_startup(args.repeat),
                "window": lambda: bench_window(app, args.repeat),
                "open": lambda: bench_open(app, folder, args.clips, args.repeat),
                "step": lambda: bench_steps(app, folder, args.steps),
                "curve_edit": lambda: bench_curve_edit(folder, args.edits),
                "av_sync": lambda: bench_av_sync(app, folder),
            }
            chosen = [p for p in args.only.split(",") if p] or list(parts)
            figures = {name: parts[name]() for name in chosen}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print("GUI speed (offscreen Qt; CPU shared with other work: figures are noisy)")
    if "startup" in figures:
        up = figures["startup"]
        print(
            f"  start-up (launch to main window shown): {up['app_s']:.2f} s = {up['app_s'] / 3.0:.2f} x the 3 s target, {up['app_s'] / up['bare_s']:.1f} x a bare PySide6 window ({up['bare_s']:.2f} s)"
        )
    if "window" in figures:
        print(f"  main window: constructed and shown in {figures['window']['construct_and_show_s'] * 1000:.0f} ms")
    if "open" in figures:
        o = figures["open"]
        print(
            f"  open {o['clips']} clips: {o['open_s']:.2f} s = {o['open_s'] / 2.0:.2f} x the 2 s target, {o['open_s'] / o['bare_otio_read_s']:.1f} x a bare OTIO read ({o['bare_otio_read_s']:.2f} s)"
        )
    if "step" in figures:
        s = figures["step"]
        print(
            f"  step 720p frames: {s['steps_per_s']:.0f}/s = {25 / s['steps_per_s']:.2f} x the time the 25/s target allows, "
            f"{s['bare_decode_per_s'] / s['steps_per_s']:.1f} x a bare PyAV decode ({s['bare_decode_per_s']:.0f}/s)"
        )
    if "curve_edit" in figures:
        c = figures["curve_edit"]
        print(
            f"  curve edit to re-rendered stem ({c['stem_seconds']:.1f} s shot): {c['edit_to_stem_s'] * 1000:.0f} ms = "
            f"{c['edit_to_stem_s'] / 0.2:.2f} x the 200 ms target, {c['edit_to_stem_s'] / c['render_stem_s']:.1f} x render_stem alone "
            f"({c['render_stem_s'] * 1000:.0f} ms)"
        )
        print(
            f"  save after the edits (one set, project last): {c['save_s'] * 1000:.0f} ms = {c['save_s'] / c['direct_write_s']:.2f} x writing the same "
            f"files straight into a folder ({c['direct_write_s'] * 1000:.0f} ms)"
        )
    if "av_sync" in figures:
        v = figures["av_sync"]
        print(
            f"  A/V sync over {v['clicks']}/{v['clicks_expected']} clicks across 2 cuts: picture minus sound {v['mean_offset_ms']:+.1f} ms on average, "
            f"{v['max_abs_offset_ms']:.1f} ms at most = {v['max_abs_offset_ms'] / v['frame_ms']:.2f} frame; at the cuts {v['cut_offsets_ms']} ms; "
            f"the frame shown is the frame heard at {v['updates_on_heard_frame']}/{v['updates']} picture updates"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
