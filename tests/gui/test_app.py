"""The desktop app driven through its real widgets (pytest-qt, offscreen): open the generated
small project, select a shot, drag a curve point (the model changes, the stem re-renders, undo
restores it), move a box, add an object by drawing a box, mix, play, export, recover."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from foley_assistant.core.commands import manual_curves_of
from foley_assistant.core.edit_state import ShotState
from foley_assistant.io.audio import read_audio
from foley_assistant.io.json_files import read_project
from foley_assistant.pipeline.handoff.export_bundle import ExportChoices
from foley_assistant.pipeline.spine.handles import shifted_curves
from foley_assistant.spatial.render import render_stem

from .conftest import FakeClock, drag


def _balance_db(audio: np.ndarray) -> float:
    left, right = (float(np.sqrt(np.mean(np.square(c, dtype=np.float64)))) + 1e-9 for c in audio[:2])
    return 20 * np.log10(right / left)


def _click_clip(qtbot, window, shot_id: str, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    canvas = window.timeline.canvas
    clip = next(c for c in canvas.clips if c.shot_id == shot_id)
    QTest.mouseClick(canvas, Qt.MouseButton.LeftButton, modifier, canvas.clip_rect(clip).center().toPoint())
    QApplication.processEvents()


def _select_object(window, label: str) -> str:
    tracks = window.session.tracks_of(window.shot_id)
    object_id = next(o.id for o in tracks.objects if o.label == label)
    window.select_object(object_id)
    QApplication.processEvents()
    return object_id


def test_open_the_project_and_select_a_shot(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    canvas = window.timeline.canvas
    assert [c.shot_id for c in canvas.clips] == ["S001", "S002"]
    assert canvas.states == {"S001": ShotState.GENERATED, "S002": ShotState.GENERATED}
    assert [name for name, _ in canvas.audio_lanes]  # the foley lanes under the picture
    _click_clip(qtbot, window, "S002")
    assert window.shot_id == "S002" and window.selected_shots == ["S002"]
    assert window.object_list.count() == len(window.session.tracks_of("S002").objects) >= 1
    assert len(window.stems_panel.rows) == len(window.session.stems_of("S002"))
    ball = window.session.tracks_of("S002").objects[0]
    middle = ball.frames[len(ball.frames) // 2]
    window.audition.seek((middle.frame - window.session.media_range("S002").start) / 25)
    QApplication.processEvents()
    assert window.current_frame() == middle.frame
    assert window.viewer.size_px == (320, 180)
    assert window.viewer.box_of(ball.id).center_x == pytest.approx(middle.box.center_x, abs=1e-3)
    assert "S002" in window.viewer.caption.textItem.toPlainText()
    assert window.timecode.text().startswith("10:00:0")
    # Ctrl-click adds the other shot: two shots selected for a job
    _click_clip(qtbot, window, "S001", Qt.KeyboardModifier.ControlModifier)
    assert sorted(window.selected_shots) == ["S001", "S002"] and window.generate_action.text() == "Generate (2)"


def test_drag_a_curve_point_rerenders_the_stem_and_undo_restores_it(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = _select_object(window, "car")
    stem = next(s for s in window.session.stems_of("S001") if s.object_id == object_id)
    original = read_audio(project_copy / stem.path)[0]
    editor = window.curve_editor
    times, values = editor.curves["azimuth_deg"]
    start = editor.scene_point("azimuth_deg", 1.0, float(np.interp(1.0, times, values)))
    end = editor.scene_point("azimuth_deg", 1.0, -45.0)
    drag(qtbot, editor, start, end)
    manual = manual_curves_of(window.session.project, "S001", object_id).azimuth_deg
    assert manual is not None and [k.time for k in manual.keyframes] == [Fraction(1)]
    assert manual.keyframes[0].value == pytest.approx(-45.0, abs=2.0)
    edited = read_audio(window.session.file_of(stem.path))[0]  # the unsaved render, in the scratch area
    assert window.session.file_of(stem.path) != project_copy / stem.path
    assert window.session.curves_of("S001", object_id).azimuth_deg.value_at(1) == pytest.approx(manual.keyframes[0].value)
    at_key = slice(stem.handle_start_samples + int(0.9 * 48000), stem.handle_start_samples + int(1.1 * 48000))  # 1 s into the cut
    assert _balance_db(edited[:, at_key]) < _balance_db(original[:, at_key]) - 6  # it moved left there
    assert window.session.shot_state("S001") is ShotState.EDITED and "re-rendered" in window.message.text()
    assert window.undo_action.isEnabled() and window.undo_action.toolTip().startswith("Undo Add azimuth key")
    window.undo_action.trigger()
    assert manual_curves_of(window.session.project, "S001", object_id).azimuth_deg is None
    assert np.array_equal(read_audio(window.session.file_of(stem.path))[0], original)
    assert window.session.shot_state("S001") is ShotState.GENERATED and window.redo_action.isEnabled()
    # dragging the key that the redo brings back moves it, snapped to a frame
    window.redo_action.trigger()
    key = manual_curves_of(window.session.project, "S001", object_id).azimuth_deg.keyframes[0]
    drag(qtbot, editor, editor.scene_point("azimuth_deg", 1.0, key.value), editor.scene_point("azimuth_deg", 1.51, 10.0))
    moved = manual_curves_of(window.session.project, "S001", object_id).azimuth_deg.keyframes
    assert [k.time for k in moved] == [Fraction(38, 25)] or [k.time for k in moved] == [Fraction(37, 25)]
    assert moved[0].value == pytest.approx(10.0, abs=2.0)


def test_move_a_box_in_the_viewer(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = _select_object(window, "car")
    car = window.session.tracks_of("S001").object(object_id)
    frame = car.frames[len(car.frames) // 2]
    window.audition.seek((frame.frame - window.session.media_range("S001").start) / 25)
    QApplication.processEvents()
    box = window.viewer.box_of(object_id)
    drag(qtbot, window.viewer, window.viewer.scene_point(box.center_x, box.center_y), window.viewer.scene_point(box.center_x + 0.2, box.center_y))
    moved = {f.frame: f.box for f in window.session.tracks_of("S001").object(object_id).frames}[frame.frame]
    assert moved.center_x == pytest.approx(box.center_x + 0.2, abs=0.02)
    assert moved.width == pytest.approx(box.width, abs=0.01)
    assert window.session.tracks_of("S001").object(object_id).source == "manual"
    assert window.session.stack.undo_text.startswith(f"Move box of {object_id}")


def test_add_an_object_by_drawing_a_box(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S002")
    ball = window.session.tracks_of("S002").objects[0]
    before = [o.id for o in window.session.tracks_of("S002").objects]
    middle = ball.frames[len(ball.frames) // 2]
    window.audition.seek((middle.frame - window.session.media_range("S002").start) / 25)
    window.label_combo.setCurrentText("ball")
    window.draw_action.trigger()
    assert window.viewer.view.draw_mode
    b = middle.box
    drag(qtbot, window.viewer, window.viewer.scene_point(b.x0, b.y0), window.viewer.scene_point(b.x1, b.y1))
    qtbot.waitUntil(lambda: window.worker is None, timeout=30_000)
    objects = window.session.tracks_of("S002").objects
    assert [o.id for o in objects][:-1] == before
    added = objects[-1]
    assert added.label == "ball" and added.source == "manual" and len(added.frames) >= 30
    truth = {f.frame: f.box for f in ball.frames}
    errors = [abs(f.box.center_x - truth[f.frame].center_x) for f in added.frames if f.frame in truth]
    assert np.median(errors) < 0.02
    assert not window.viewer.view.draw_mode
    assert window.object_list.count() == len(objects)
    window.undo()
    assert [o.id for o in window.session.tracks_of("S002").objects] == before


def test_mute_and_gain_change_the_monitor_mix_and_meter(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    loud = window.stems_panel.meter.lufs
    row = next(iter(window.stems_panel.rows.values()))
    row.gain.setValue(-12.0)
    assert window.session.mixer_of(row.stem.path).gain_db == -12.0
    assert window.stems_panel.meter.lufs < loud
    window.stems_panel.rows[row.stem.path].mute.click()
    assert window.session.mixer_of(row.stem.path).mute
    muted = window.session.shot_mix("S001")
    others = [s for s in window.session.stems_of("S001") if s.path != row.stem.path]
    np.testing.assert_allclose(muted, sum(window.session.stem_audio(s) for s in others), atol=1e-5)
    window.undo()
    window.undo()
    assert window.session.mixer_of(row.stem.path).is_default
    assert window.stems_panel.meter.lufs == pytest.approx(loud, abs=0.01)


def test_picture_only_playback_without_an_audio_device_and_jkl(open_window, project_copy, qtbot):
    clock = FakeClock()
    window = open_window(project_copy, clock=clock)
    _click_clip(qtbot, window, "S001")
    start_frame = window.current_frame()
    QTest.keyClick(window, Qt.Key.Key_Space)
    assert window.audition.transport.playing and window.audition.picture_only
    assert window.banner.isVisible() and "no audio output device" in window.banner.text()
    clock.now += 1.0
    window.audition.tick()
    assert window.current_frame() == start_frame + 25
    assert window.play_button.text().endswith("Pause")
    QTest.keyClick(window, Qt.Key.Key_K)
    assert not window.audition.transport.playing
    QTest.keyClick(window, Qt.Key.Key_L)
    QTest.keyClick(window, Qt.Key.Key_L)
    assert window.audition.transport.rate == 2.0
    QTest.keyClick(window, Qt.Key.Key_J)
    assert window.audition.transport.rate == -1.0
    QTest.keyClick(window, Qt.Key.Key_K)
    here = window.current_frame()
    QTest.keyClick(window, Qt.Key.Key_Right)
    assert window.current_frame() == here + 1
    # loop the shot: past the end the picture starts again
    window.audition.seek(0.0)
    window.audition.play()
    clock.now += float(window.session.shot("S001").duration_seconds) + 0.2
    window.audition.tick()
    assert window.current_frame() == window.session.media_range("S001").start + 5


def test_audio_and_picture_share_one_clock(open_window, project_copy, qtbot):
    clock = FakeClock()

    class FakeOutput:
        latency_s = 0.04

        def __init__(self, render, rate):
            self.render = render

        def time(self):
            return clock.now

        def close(self):
            pass

    window = open_window(project_copy, clock=clock, output_factory=FakeOutput)
    _click_clip(qtbot, window, "S001")
    start = window.current_frame()
    window.audition.play()
    output = window.audition.output
    assert isinstance(output, FakeOutput) and not window.banner.isVisible()
    clock.now += 1.2
    window.audition.tick()
    heard_at = clock.now + output.latency_s
    block = output.render(480, heard_at)
    mix = window.session.shot_mix("S001")
    first = window.audition.transport.position(heard_at) * 48000  # what is heard then is what the picture shows then
    expected = [np.interp(first + np.arange(480), np.arange(mix.shape[1]), channel) for channel in mix]
    np.testing.assert_allclose(block.T, np.array(expected), atol=1e-6)
    assert window.current_frame() == start + 30


def test_export_from_the_app(open_window, project_copy, qtbot, tmp_path):
    window = open_window(project_copy)
    assert window.export_action.isEnabled()
    from foley_assistant.gui.export_dialog import ExportDialog

    dialog = ExportDialog(tmp_path / "delivery")
    dialog.format_boxes["edl"].setChecked(True)
    dialog.format_boxes["rpp"].setChecked(False)
    choices = dialog.choices()
    assert choices.formats == ("otio", "edl") and choices.copy_stems and choices.destination == tmp_path / "delivery"
    assert window.export(ExportChoices(tmp_path / "delivery", ("otio", "rpp", "fcp7"), True))
    qtbot.waitUntil(lambda: window.worker is None, timeout=60_000)
    result = window.last_export
    names = {Path(p).name for p in result.files}
    assert {"small_cut.otio", "small_cut.rpp", "small_cut.xml"} <= names
    for stem in window.session.project.stems:
        assert (tmp_path / "delivery" / stem.path).is_file()
    assert "Exported" in window.message.text()


def test_generate_a_shot_in_the_background(open_window, small_cut, qtbot, tmp_path):
    from foley_assistant.pipeline.editing.session import EditSession

    window = open_window()
    window.set_session(EditSession.open_timeline(small_cut.timeline_path, out_dir=tmp_path / "out"))
    _click_clip(qtbot, window, "S002")
    assert window.timeline.canvas.states["S002"] is ShotState.NOT_ANALYZED
    assert window.stems_panel.empty.isVisibleTo(window)
    progress, labels = [], []
    window.generate_action.trigger()
    assert window.worker is not None and window.cancel_button.isEnabled() and not window.generate_action.isEnabled()
    window.worker.progress.connect(lambda stage, fraction, message: (progress.append((stage, message)), labels.append(window.stage_label.text())))
    qtbot.waitUntil(lambda: window.worker is None, timeout=120_000)
    assert {"analyze", "generate", "shots"} <= {stage for stage, _ in progress}
    # the jobs panel shows the batch's counts beside each stage: done, running, failed
    assert ("shots", "1/1 done, 0 running, 0 failed, ETA 0s") in progress
    assert any(label.startswith("Analyze") and "shots 0/1 done, 1 running, 0 failed" in label for label in labels)
    assert window.timeline.canvas.states["S002"] is ShotState.GENERATED
    assert window.timeline.canvas.states["S001"] is ShotState.NOT_ANALYZED
    assert len(window.stems_panel.rows) == len(window.session.stems_of("S002")) >= 1
    assert (tmp_path / "out" / "foley_project.json").is_file() and not window.session.is_modified
    assert window.progress.value() == 1000


def test_autosave_and_recovery_after_a_crash(open_window, project_copy, qtbot, app_home):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = _select_object(window, "car")
    window.on_key_dragged("distance_m", None, Fraction(1), 30.0)
    assert window.session.is_modified and window.windowTitle().startswith("small cut •")
    window.autosave()
    assert len(list((app_home / "recovery").glob("*.json"))) == 1
    # the app dies here; a new one starts and offers the work back
    restored = open_window()
    assert restored.offer_recovery(ask=lambda entry: entry.project_file == project_copy / "foley_project.json")
    assert restored.session.is_modified
    assert manual_curves_of(restored.session.project, "S001", object_id).distance_m.keyframes[0].value == 30.0
    # the restored edit is rendered again into the scratch area: audio and curves agree
    stem = next(s for s in restored.session.stems_of("S001") if s.object_id == object_id)
    assert restored.session.file_of(stem.path) == restored.session.scratch / stem.path
    held = shifted_curves(restored.session.curves_of("S001", object_id), Fraction(stem.handle_start_samples, stem.sample_rate))  # through the handles
    placed = render_stem(restored.session.dry_audio(stem), held, restored.session.stereo)
    np.testing.assert_allclose(restored.session.stem_audio(stem), placed[:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples], atol=1e-6)
    restored.save()
    assert not list((app_home / "recovery").glob("*.json"))
    assert not restored.session.scratch.exists()
    saved = read_audio(project_copy / stem.path)[0][:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]
    np.testing.assert_allclose(saved, restored.session.stem_audio(stem), atol=1e-4)
    assert not restored.offer_recovery(ask=lambda entry: True)


def test_closing_without_saving_leaves_the_folder_as_saved(open_window, project_copy, qtbot):
    before = {p: p.read_bytes() for p in project_copy.rglob("*") if p.is_file()}
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    _select_object(window, "car")
    window.on_key_dragged("azimuth_deg", None, Fraction(1), -50.0)
    assert window.session.is_modified and window.session.scratch.is_dir()
    window.close()  # the question is not asked in tests: the answer is Discard
    after = {p: p.read_bytes() for p in project_copy.rglob("*") if p.is_file()}
    assert after == before and not (project_copy / ".scratch").exists()


def test_recent_files_drop_and_timeline_zoom(open_window, project_copy, generated_small, qtbot):
    window = open_window(project_copy)
    assert window.recent_files() == [str(project_copy.resolve())]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(generated_small / "foley_project.json"))])
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    assert window.session.out_dir == generated_small
    assert window.recent_files()[0] == str((generated_small / "foley_project.json").resolve())
    assert len(window.recent_menu.actions()) == 2
    canvas = window.timeline.canvas
    scale = canvas.pixels_per_frame
    wheel = QWheelEvent(
        QPointF(300, 60), canvas.mapToGlobal(QPointF(300, 60)), QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False
    )
    QApplication.sendEvent(canvas, wheel)
    assert canvas.pixels_per_frame == pytest.approx(scale * 1.5625)
    assert window.timeline.scrollbar.maximum() > 0


def test_a_bad_file_is_reported_in_the_window(open_window, tmp_path):
    window = open_window()
    assert not window.open_path(tmp_path / "missing.otio")
    assert "not found" in window.message.text() and window.session is None
    assert not window.generate_action.isEnabled()


def test_regenerate_a_stem_from_its_row(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S002")
    row = next(iter(window.stems_panel.rows.values()))
    before = window.session.dry_audio(row.stem).copy()
    row.regenerate_button.click()
    assert window.worker is not None
    qtbot.waitUntil(lambda: window.worker is None, timeout=60_000)
    after = window.session.dry_audio(window.session.stems_of("S002")[0])
    assert not np.allclose(after, before)
    assert np.sqrt(np.mean(after.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(before.astype(np.float64) ** 2)), rel=1e-3)
    assert "New take 2" in window.message.text() and not window.session.is_modified
    new = window.session.stems_of("S002")[0]
    assert new.take == 2 and new.path == row.stem.path.replace(".wav", "_t2.wav")  # a take of its own
    assert read_audio(project_copy / "dry" / Path(new.path).name)[0][0].tolist() == pytest.approx(after.tolist(), abs=1e-6)
    # the first take is kept (files and project), and listed in the row beside the new one
    assert [t.take for t in window.session.project.takes] == [1] and (project_copy / row.stem.path).is_file()
    assert read_audio(project_copy / "dry" / Path(row.stem.path).name)[0][0].tolist() == pytest.approx(before.tolist(), abs=1e-6)
    row = window.stems_panel.rows[new.path]
    assert [row.take.itemText(i) for i in range(row.take.count())] == ["Take 1", "Take 2"] and row.take.currentText() == "Take 2" and row.take.isEnabled()
    # choosing take 1 in the row is an edit: it plays take 1, and undo brings take 2 back
    row.take.setFocus()
    qtbot.keyClick(row.take, Qt.Key.Key_Up)
    chosen = window.session.stems_of("S002")[0]
    assert chosen.take == 1 and window.session.is_modified and "Take 1 of" in window.message.text()
    assert np.array_equal(window.session.dry_audio(chosen), before)
    assert window.stems_panel.rows[chosen.path].take.currentText() == "Take 1"
    window.undo()
    assert window.session.stems_of("S002")[0].take == 2 and window.stems_panel.rows[new.path].take.currentText() == "Take 2"
    window.session.redo()
    window.session.save()
    saved = read_project(project_copy / "foley_project.json")
    assert [s.take for s in saved.stems if s.shot_id == "S002"] == [1] and [s.take for s in saved.takes] == [2]


def test_untick_an_object_to_silence_it_and_tick_it_back_with_one_click(open_window, project_copy, qtbot):
    window = open_window(project_copy)
    _click_clip(qtbot, window, "S001")
    object_id = window.session.tracks_of("S001").objects[0].id
    row = next(i for i in range(window.object_list.count()) if window.object_list.item(i).data(Qt.ItemDataRole.UserRole) == object_id)

    def click_box() -> None:
        item = window.object_list.item(row)
        rect = window.object_list.visualItemRect(item)
        QTest.mouseClick(window.object_list.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(rect.left() + 10, rect.center().y()))
        QApplication.processEvents()

    assert window.object_list.item(row).checkState() == Qt.CheckState.Checked
    click_box()
    assert not window.session.tracks_of("S001").object(object_id).mover
    assert object_id not in [s.object_id for s in window.session.stems_of("S001")]
    assert "candidate" in window.object_list.item(row).text()
    click_box()
    assert window.session.tracks_of("S001").object(object_id).mover
