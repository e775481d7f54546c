"""Take the user guide's screenshots of the main window from a real session, under X:

    xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python docs/images/screenshots.py docs/images

It builds the test suite's two-shot synthetic cut with a guide track on an audio track, generates
it, opens the output folder in the app and saves, into the folder given:

- main_window.png: the whole window while an object relabelled a moment ago has its stem made in
  the background ("rendering stem…" in its row), in and out marks over the cut on the ruler, the
  transport bar with its pre-roll and the cut's audio level;
- transport_bar.png: the transport bar (play, loop, timecode, pre-roll, the cut's audio and level);
- transport.png: the timeline with the marks over the cut, the playhead in the second shot;
- curve_keys.png: the curve editor with four keys, two of them selected, and a rubber band drawn.
"""

from __future__ import annotations

import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
from PySide6.QtCore import QRect, QRectF
from PySide6.QtWidgets import QApplication, QWidget

from foley_assistant.core.commands import SetKeyframe
from foley_assistant.core.timebase import FrameRate
from foley_assistant.gui import style
from foley_assistant.gui.app import create_window
from foley_assistant.io.audio import write_wav
from foley_assistant.pipeline.demo import SyntheticShot, build_synthetic_cut
from foley_assistant.pipeline.generate import GenerateRequest, run_generate
from foley_assistant.synth import ObjectSpec, SceneSpec


def build_project(folder: Path) -> Path:
    """The synthetic two-shot cut with a guide track, generated; returns the output folder."""
    rate, handle = FrameRate(25), 6
    h = float(rate.seconds(handle))

    def scene(duration: float, objects: tuple, seed: int) -> SceneSpec:
        return SceneSpec(duration_s=duration + 2 * h, rate=rate, width=320, height=180, objects=objects, seed=seed)

    def shifted(path):
        return tuple((t + h, x, z) for t, x, z in path)

    street = scene(2.8, (ObjectSpec("car", shifted(((-0.3, 13.0, 15.0), (3.1, -13.0, 15.0)))), ObjectSpec("walker", shifted(((-0.3, -5.0, 11.0), (3.1, -2.7, 8.5))))), 21)
    ball = scene(2.4, (ObjectSpec("ball", shifted(((-0.3, -1.5, 6.0), (2.7, 1.0, 6.0))), height_m=0.4, width_m=0.4),), 22)
    cut = build_synthetic_cut(folder / "cut", [SyntheticShot("street", street, handle), SyntheticShot("ball", ball, handle)], name="small cut", start_timecode="10:00:00:00")
    guide = np.zeros((2, 6 * 48000), dtype=np.float32)
    t = np.arange(guide.shape[1]) / 48000
    guide[:] = 0.05 * np.sin(2 * np.pi * 180 * t) * (np.sin(2 * np.pi * 0.7 * t) > 0)
    write_wav(folder / "guide.wav", guide, 48000)
    timeline = otio.adapters.read_from_file(str(cut.timeline_path))
    track = otio.schema.Track(name="Guide", kind=otio.schema.TrackKind.Audio)
    span = otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(130, 25))
    reference = otio.schema.ExternalReference(
        target_url=(folder / "guide.wav").resolve().as_uri(), available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(150, 25))
    )
    track.append(otio.schema.Clip(name="guide", media_reference=reference, source_range=span))
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(cut.timeline_path))
    out = folder / "out"
    run_generate(GenerateRequest(timeline_path=cut.timeline_path, out_dir=out))
    return out


def settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()


def main(target: Path) -> int:
    app = QApplication([])
    app.setStyle("Fusion")
    app.setStyleSheet(style.STYLE_SHEET)
    with tempfile.TemporaryDirectory() as tmp:
        out = build_project(Path(tmp))
        window = create_window(out)
        window.confirm_close = False
        window.resize(1440, 900)
        window.show()
        settle(app)
        first = window.session.shot("S001")
        window.audition.seek_record(float(first.duration_seconds) - 0.8)
        window.mark_in()
        window.audition.seek_record(float(first.duration_seconds) + 1.0)
        window.mark_out()
        window.loop_action.trigger()
        window.timeline.canvas.set_selection(["S001"], "S001")
        window.audition.seek(1.2)
        object_id = next(o.id for o in window.session.tracks_of("S001").objects if o.label == "car")
        window.select_object(object_id)
        for time, value in ((Fraction(12, 25), -18.0), (Fraction(30, 25), -4.0), (Fraction(45, 25), 6.0), (Fraction(60, 25), 14.0)):
            window.run_command(SetKeyframe("S001", object_id, "azimuth_deg", time, value))
        settle(app)
        window.curve_editor.select({"azimuth_deg": {Fraction(30, 25), Fraction(45, 25)}})
        person = next(o.id for o in window.session.tracks_of("S001").objects if o.label == "person")
        window.select_object(person)
        window.relabel_selected_objects("footsteps")
        window.select_object(object_id)
        window.curve_editor.select({"azimuth_deg": {Fraction(30, 25), Fraction(45, 25)}})
        settle(app)
        ok = window.grab().save(str(target / "main_window.png"))
        editor = window.curve_editor
        band = editor.bands["azimuth_deg"]
        band.setRect(QRectF(1.0, -10.0, 0.95, 20.0))  # as a drag around the middle keys draws it
        band.show()
        settle(app)
        ok &= QWidget.grab(editor).save(str(target / "curve_keys.png"))  # (the editor's own grab() picks a key)
        band.hide()
        window.audition.seek_record(float(first.duration_seconds) + 0.4)
        settle(app)
        bar, timeline = window.transport_bar, window.timeline
        top = bar.mapTo(window, bar.rect().topLeft())
        ok &= window.grab().copy(QRect(top.x(), top.y(), bar.width(), bar.height())).save(str(target / "transport_bar.png"))
        ok &= timeline.grab().save(str(target / "transport.png"))
        window.stem_renders.close()
        window.close()
    return 0 if ok else 3


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent))
