"""The curve editor: an object's azimuth and distance over the shot, the tracked curve (dashed),
the curve the stem is rendered with (solid) and the manual keyframes (squares).

Drag a keyframe to move it, or drag anywhere on the curve to add one there; times snap to
frames, and while dragging a read-out says the value in the editor's units (azimuth and pan
position L100..C..R100; metres and the level the distance gives, in dB) and the record timecode.
Double-click on the curve adds a keyframe on it; double-click on a key types its value;
right-click deletes one. Click a key to select it, Shift+click to add or remove one, or drag a box
over empty ground (rubber band) to select the keys inside; dragging a selected key moves the whole
selection; Ctrl+C copies the selected keys and Ctrl+V pastes them at the playhead (snapped to
frames); Delete removes them. Between two keys the curve is a straight line. The right-hand axes read in pan position and dB. Each finished gesture
is sent as one signal, which the window turns into one undoable command. The playhead line is
shared with the viewer: dragging it moves the playhead.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QInputDialog

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.gui import style

PICK_PX = 10  # how close (pixels) a press must be to a key or the curve to grab it
PARAMETERS = (("azimuth_deg", "Azimuth °", "°"), ("distance_m", "Distance m", "m"))


class _CurveBox(pg.ViewBox):
    """A view box whose left drags edit keyframes instead of panning."""

    def __init__(self, editor: "CurveEditor", parameter: str) -> None:
        super().__init__(enableMenu=False)
        self.editor = editor
        self.parameter = parameter
        self.setMouseEnabled(x=True, y=False)
        self._grab: tuple[Fraction | None, float] | None = None
        self._band = False

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph's name
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            self._grab = self.editor.grab(self.parameter, ev.buttonDownScenePos())
            self._band = self._grab is None and self.editor.object_id is not None
        if self._grab is None:
            if not self._band:
                ev.ignore()
                return
            ev.accept()  # a rubber band over empty ground
            corner = self.mapSceneToView(ev.buttonDownScenePos())
            point = self.mapSceneToView(ev.scenePos())
            self.editor.band(self.parameter, corner, point, ev.isFinish(), bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        time = self.editor.snap(point.x())
        self.editor.preview(self.parameter, time, point.y())
        if ev.isFinish():
            replaces, _ = self._grab
            self._grab = None
            self.editor.end_preview(self.parameter)
            if replaces is not None and self.editor.move_selection(self.parameter, replaces, time, float(point.y())):
                return
            self.editor.keyDragged.emit(self.parameter, replaces, time, float(point.y()))

    def mouseClickEvent(self, ev) -> None:  # noqa: N802
        if ev.button() == Qt.MouseButton.RightButton:
            key = self.editor.key_near(self.parameter, ev.scenePos())
            if key is not None:
                ev.accept()
                self.editor.keyDeleted.emit(self.parameter, key)
                return
        if ev.double() and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self.editor.double_click(self.parameter, ev.scenePos())
            return
        if ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            key = self.editor.key_near(self.parameter, ev.scenePos())
            shift = bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            if key is not None:
                self.editor.click_key(self.parameter, key, shift)
                return
            if not shift:
                self.editor.select({})
            self.editor.playheadDragged.emit(float(max(0.0, self.mapSceneToView(ev.scenePos()).x())))
            return
        super().mouseClickEvent(ev)


class _Marks(pg.ScatterPlotItem):
    """Key squares that leave every click to the view box (which picks keys by `key_near`)."""

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's name
        ev.ignore()


class LabelAxis(pg.AxisItem):
    """An axis whose ticks read through a function: seconds into the shot as record timecode (the
    time axis), azimuth as pan position, distance as level (the right-hand axes)."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.label_of: Callable[[float], str] = lambda value: f"{value:g}"

    def set_labels(self, label_of: Callable[[float], str]) -> None:
        """Read the ticks through `label_of` from now on."""
        self.label_of = label_of
        self.picture = None  # drawn again with the new labels
        self.update()

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        return [self.label_of(float(v) * scale) for v in values]


class CurveEditor(pg.GraphicsLayoutWidget):
    """See the module docstring."""

    keyDragged = Signal(str, object, object, float)  # parameter, replaced time or None, new time, value
    keyDeleted = Signal(str, object)  # parameter, time
    playheadDragged = Signal(float)  # seconds from the shot's first frame
    keysEdited = Signal(object, object, str)  # keys set [(parameter, time, value)], keys removed [(parameter, time)], verb

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(style.BACKGROUND)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a click here makes Delete, Ctrl+C and Ctrl+V act on the keys
        self.fps = Fraction(25)
        self.duration = 1.0
        self.object_id: str | None = None
        self.plots: dict[str, pg.PlotItem] = {}
        self.tracked_items: dict[str, pg.PlotDataItem] = {}
        self.curve_items: dict[str, pg.PlotDataItem] = {}
        self.key_items: dict[str, pg.ScatterPlotItem] = {}
        self.drag_items: dict[str, pg.ScatterPlotItem] = {}
        self.selected_items: dict[str, pg.ScatterPlotItem] = {}
        self.bands: dict[str, QGraphicsRectItem] = {}
        self.clipboard: list[tuple[str, Fraction, float]] = []  # copied keys: (parameter, time after the first, value)
        self.playheads: dict[str, pg.InfiniteLine] = {}
        self.keys: dict[str, list[tuple[Fraction, float]]] = {p: [] for p, *_ in PARAMETERS}
        self.selected: dict[str, set[Fraction]] = {p: set() for p, *_ in PARAMETERS}  # selected keys' times
        self.object_id_shown: str | None = None  # whose keys the selection is of
        self.curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.readouts: dict[str, pg.TextItem] = {}
        self.units = {parameter: unit for parameter, _, unit in PARAMETERS}
        self.readings: dict[str, Callable[[float], str]] = {}  # a value in the editor's other unit
        self.time_label: Callable[[float], str] = lambda seconds: f"{seconds:.2f} s"
        #: Asks for a typed value (parameter, key time, current value); None when cancelled.
        self.ask_value: Callable[[str, Fraction, float], float | None] = self._ask_value
        for row, (parameter, title, unit) in enumerate(PARAMETERS):
            box = _CurveBox(self, parameter)
            plot = self.addPlot(row=row, col=0, viewBox=box, axisItems={"bottom": LabelAxis("bottom"), "right": LabelAxis("right")})
            plot.showAxis("right")
            plot.getAxis("right").setWidth(62)
            plot.getAxis("right").setTextPen(style.MUTED)
            plot.getAxis("right").setPen(style.BORDER)
            plot.showGrid(x=True, y=True, alpha=0.12)
            plot.getAxis("left").setWidth(40)
            plot.getAxis("left").setTextPen(style.MUTED)
            plot.getAxis("bottom").setTextPen(style.MUTED)
            caption = pg.TextItem(title.upper(), color=style.TEXT, anchor=(0, 0), fill=pg.mkBrush(22, 24, 28, 220))
            caption.setZValue(40)
            caption.setParentItem(plot.vb)
            caption.setPos(6, 2)
            plot.getAxis("left").setPen(style.BORDER)
            plot.getAxis("bottom").setPen(style.BORDER)
            plot.setMenuEnabled(False)
            for side in ("left", "bottom", "right"):  # the axes are drawn once, not at every playhead move
                plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            plot.hideButtons()
            if row == 0:
                plot.getAxis("bottom").setStyle(showValues=False)
            else:
                plot.setXLink(self.plots["azimuth_deg"])
                plot.setLabel("bottom", "record timecode", color=style.MUTED)
            self.tracked_items[parameter] = plot.plot([], [], pen=pg.mkPen("#6b7380", width=1, style=Qt.PenStyle.DashLine))
            self.curve_items[parameter] = plot.plot([], [], pen=pg.mkPen(style.OBJECT_COLOURS[0], width=2))
            self.key_items[parameter] = _Marks(size=10, symbol="s", pen=pg.mkPen("#111"), brush=pg.mkBrush(style.ACCENT))
            self.drag_items[parameter] = _Marks(size=12, symbol="s", pen=pg.mkPen("#fff"), brush=pg.mkBrush(255, 255, 255, 60))
            self.selected_items[parameter] = _Marks(size=13, symbol="s", pen=pg.mkPen("#ffffff", width=2), brush=pg.mkBrush("#ffd27a"))
            for marks in (self.key_items[parameter], self.selected_items[parameter], self.drag_items[parameter]):
                marks.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # the view box picks keys (`key_near`): a double-click on one reaches it
                plot.addItem(marks)
            readout = pg.TextItem("", color=style.TEXT, anchor=(0, 1), fill=pg.mkBrush(22, 24, 28, 230))
            readout.setZValue(50)
            readout.hide()
            plot.addItem(readout, ignoreBounds=True)
            self.readouts[parameter] = readout
            band = QGraphicsRectItem()
            band.setPen(pg.mkPen(style.ACCENT, width=1, style=Qt.PenStyle.DashLine))
            band.setBrush(pg.mkBrush(224, 160, 48, 40))
            band.setZValue(60)
            band.hide()
            plot.addItem(band, ignoreBounds=True)
            self.bands[parameter] = band
            line = pg.InfiniteLine(pos=0, angle=90, movable=True, pen=pg.mkPen(style.ACCENT, width=1.5))
            line.sigDragged.connect(lambda dragged: self.playheadDragged.emit(float(max(0.0, dragged.value()))))
            plot.addItem(line)
            self.playheads[parameter] = line
            self.plots[parameter] = plot
        self.plots["azimuth_deg"].setYRange(-60, 60)
        for edge in (-30.0, 30.0):
            self.plots["azimuth_deg"].addLine(y=edge, pen=pg.mkPen("#3a404a", width=1, style=Qt.PenStyle.DotLine))
        self.hint = pg.TextItem("", color=style.MUTED, anchor=(0, 0))
        self.plots["azimuth_deg"].addItem(self.hint, ignoreBounds=True)

    # --- data -----------------------------------------------------------------------------------

    def set_object(
        self,
        object_id: str | None,
        colour: str,
        fps: Fraction,
        duration_s: float,
        tracked: SpatialCurves | None = None,
        effective: SpatialCurves | None = None,
        manual: ManualCurves | None = None,
        hfov_deg: float = 60.0,
        time_label: Callable[[float], str] | None = None,
        readings: dict[str, Callable[[float], str]] | None = None,
    ) -> None:
        """Show one object's curves (None clears the editor). `time_label` names a time (seconds
        into the shot) on the time axis: the shot's record timecode; `readings` gives, per
        parameter, a value in the editor's other unit (pan position, level in dB)."""
        if time_label is not None:
            self.time_label = time_label
        if readings is not None:
            self.readings = dict(readings)
        for parameter, plot in self.plots.items():
            plot.getAxis("bottom").set_labels(lambda seconds: self.time_label(max(0.0, seconds)))
            plot.getAxis("right").set_labels(self.readings.get(parameter, lambda value: ""))
        self.object_id, self.fps, self.duration = object_id, Fraction(fps), max(duration_s, 1e-3)
        times = np.arange(int(round(self.duration * float(self.fps))) + 1) / float(self.fps)
        for parameter, *_ in PARAMETERS:
            if object_id is None or tracked is None or effective is None:
                self.tracked_items[parameter].setData([], [])
                self.curve_items[parameter].setData([], [])
                self.key_items[parameter].setData([], [])
                self.keys[parameter] = []
                self.curves.pop(parameter, None)
                continue
            base = getattr(tracked, parameter).sample(times)
            used = getattr(effective, parameter).sample(times)
            self.tracked_items[parameter].setData(times, base)
            self.curve_items[parameter].setData(times, used, pen=pg.mkPen(colour, width=2))
            self.curves[parameter] = (times, used)
            curve = manual.curve(parameter) if manual is not None else None
            self.keys[parameter] = [] if curve is None else [(k.time, k.value) for k in curve.keyframes]
            self.key_items[parameter].setData([float(t) for t, _ in self.keys[parameter]], [v for _, v in self.keys[parameter]])
            self.drag_items[parameter].setData([], [])
        previous = self.object_id_shown
        self.object_id_shown = object_id
        self.select({} if previous != object_id else {p: {t for t in times if any(t == k for k, _ in self.keys[p])} for p, times in self.selected.items()})
        self.plots["azimuth_deg"].setXRange(0, self.duration, padding=0.01)
        if object_id is not None and effective is not None:
            distance = self.curves.get("distance_m", (None, np.array([10.0])))[1]
            self.plots["distance_m"].setYRange(0, max(5.0, float(np.max(distance)) * 1.25), padding=0)
            limit = max(hfov_deg / 2 + 15, float(np.max(np.abs(self.curves["azimuth_deg"][1]))) + 10)
            self.plots["azimuth_deg"].setYRange(-limit, limit, padding=0)
        self.hint.setText("" if object_id else "Select an object to edit its placement")
        self.hint.setPos(0.02 * self.duration, self.plots["azimuth_deg"].viewRange()[1][1])

    def selected_times(self) -> list[Fraction]:
        """The times of the selected keys (both curves), in order."""
        return sorted({t for times in self.selected.values() for t in times})

    def select(self, selection: dict[str, set[Fraction]]) -> None:
        """Select these keys (times per parameter), and show them selected."""
        self.selected = {p: set(selection.get(p, set())) for p, *_ in PARAMETERS}
        for parameter, times in self.selected.items():
            chosen = [(t, v) for t, v in self.keys[parameter] if t in times]
            self.selected_items[parameter].setData([float(t) for t, _ in chosen], [v for _, v in chosen])

    def click_key(self, parameter: str, time: Fraction, toggle: bool) -> None:
        """A click on a key selects it alone; with Shift it is added to or taken from the selection."""
        if not toggle:
            self.select({parameter: {time}})
            return
        chosen = {p: set(t) for p, t in self.selected.items()}
        chosen[parameter] ^= {time}
        self.select(chosen)

    def band(self, parameter: str, corner: QPointF, point: QPointF, finished: bool, add: bool) -> None:
        """A rubber band from `corner` to `point` (curve coordinates): drawn while dragging; when
        finished, the keys inside are selected (added to the selection with Shift)."""
        rect = QRectF(corner, point).normalized()
        box = self.bands[parameter]
        box.setRect(rect)
        box.setVisible(not finished)
        if not finished:
            return
        inside = {t for t, v in self.keys[parameter] if rect.left() <= float(t) <= rect.right() and rect.top() <= v <= rect.bottom()}
        chosen = {p: set(t) for p, t in self.selected.items()} if add else {}
        chosen[parameter] = chosen.get(parameter, set()) | inside
        self.select(chosen)

    def move_selection(self, parameter: str, grabbed: Fraction, time: Fraction, value: float) -> bool:
        """A selected key dragged with others selected in its curve: they all move by as much, as
        one edit. False when the key was not part of a selection of several."""
        chosen = self.selected[parameter]
        if grabbed not in chosen or len(chosen) < 2:
            return False
        values = dict(self.keys[parameter])
        dt, dv = time - grabbed, value - values[grabbed]
        moved = [(parameter, self.snap(float(t + dt)), values[t] + dv) for t in sorted(chosen)]
        self.keysEdited.emit(moved, [(parameter, t) for t in sorted(chosen)], "Move")
        self.select({parameter: {t for _, t, _ in moved}})
        return True

    def copy_selection(self) -> int:
        """Ctrl+C: keep the selected keys (times after the first selected one); how many."""
        chosen = [(p, t, v) for p, keys in self.keys.items() for t, v in keys if t in self.selected[p]]
        if chosen:
            first = min(t for _, t, _ in chosen)
            self.clipboard = [(p, t - first, v) for p, t, v in chosen]
        return len(chosen)

    def paste_at(self, seconds: float) -> int:
        """Ctrl+V: the copied keys again, the first at `seconds` (snapped to a frame; keys past the
        shot's end are left out), as one edit; how many."""
        if self.object_id is None or not self.clipboard:
            return 0
        start = self.snap(seconds)
        keys = [(p, self.snap(float(start + dt)), v) for p, dt, v in self.clipboard if float(start + dt) <= self.duration + 1e-9]
        if keys:
            self.keysEdited.emit(keys, [], "Paste")
            self.select({p: {t for q, t, _ in keys if q == p} for p, *_ in PARAMETERS})
        return len(keys)

    def delete_selection(self) -> int:
        """Delete: the selected keys go, as one edit; how many."""
        removes = [(p, t) for p, times in self.selected.items() for t in sorted(times)]
        if removes:
            self.keysEdited.emit([], removes, "Delete")
            self.select({})
        return len(removes)

    def set_playhead(self, seconds: float) -> None:
        for line in self.playheads.values():
            line.blockSignals(True)
            line.setValue(seconds)
            line.blockSignals(False)

    # --- gestures -------------------------------------------------------------------------------

    def snap(self, seconds: float) -> Fraction:
        """The frame time nearest `seconds`, inside the shot."""
        frames = int(round(min(max(seconds, 0.0), self.duration) * float(self.fps)))
        return Fraction(frames) / self.fps

    def _to_pixels(self, parameter: str, time: float, value: float) -> QPointF:
        return self.plots[parameter].vb.mapViewToScene(QPointF(time, value))

    def key_near(self, parameter: str, scene_pos: QPointF) -> Fraction | None:
        best, best_distance = None, PICK_PX
        for time, value in self.keys[parameter]:
            point = self._to_pixels(parameter, float(time), value)
            distance = ((point.x() - scene_pos.x()) ** 2 + (point.y() - scene_pos.y()) ** 2) ** 0.5
            if distance <= best_distance:
                best, best_distance = time, distance
        return best

    def grab(self, parameter: str, scene_pos: QPointF) -> tuple[Fraction | None, float] | None:
        """What a press at `scene_pos` takes hold of: a manual key (its time), or the curve at the
        nearest frame (None: a new key); None when the press is on neither."""
        if self.object_id is None or parameter not in self.curves:
            return None
        key = self.key_near(parameter, scene_pos)
        if key is not None:
            return key, 0.0
        point = self.plots[parameter].vb.mapSceneToView(scene_pos)
        time = self.snap(point.x())
        times, values = self.curves[parameter]
        value = float(np.interp(float(time), times, values))
        on_curve = self._to_pixels(parameter, float(time), value)
        if abs(on_curve.y() - scene_pos.y()) <= PICK_PX and abs(on_curve.x() - scene_pos.x()) <= PICK_PX * 2:
            return None, value
        return None

    def preview(self, parameter: str, time: Fraction, value: float) -> None:
        """Show where a dragged key goes, with its value read out in the editor's units."""
        self.drag_items[parameter].setData([float(time)], [value])
        readout = self.readouts[parameter]
        readout.setText(self.describe(parameter, time, value))
        readout.setPos(float(time), value)
        readout.show()

    def end_preview(self, parameter: str) -> None:
        """The drag is over: the read-out goes."""
        self.readouts[parameter].hide()

    def describe(self, parameter: str, time: Fraction, value: float) -> str:
        """ "-12.3 ° · L34 · 10:00:03:12": a value in both units, and when."""
        other = self.readings.get(parameter)
        return " · ".join(p for p in (f"{value:.1f} {self.units[parameter]}", other(value) if other else "", self.time_label(float(time))) if p)

    def double_click(self, parameter: str, scene_pos: QPointF) -> None:
        """On a key: type its value. Elsewhere: a new key on the curve at that frame (its height
        is the curve's, so the sound does not change until the key is moved)."""
        if self.object_id is None or parameter not in self.curves:
            return
        key = self.key_near(parameter, scene_pos)
        if key is not None:
            current = next(v for t, v in self.keys[parameter] if t == key)
            typed = self.ask_value(parameter, key, current)
            if typed is not None:
                self.keyDragged.emit(parameter, key, key, float(typed))
            return
        time = self.snap(self.plots[parameter].vb.mapSceneToView(scene_pos).x())
        times, values = self.curves[parameter]
        self.keyDragged.emit(parameter, None, time, float(np.interp(float(time), times, values)))

    def _ask_value(self, parameter: str, time: Fraction, value: float) -> float | None:
        title = dict((p, t) for p, t, _ in PARAMETERS)[parameter]
        typed, ok = QInputDialog.getDouble(self, title, f"{title} at {self.time_label(float(time))}:", value, -1e6, 1e6, 2)
        return typed if ok else None

    def scene_point(self, parameter: str, time: float, value: float) -> QPointF:
        """Where a curve point is in widget (viewport) coordinates."""
        return QPointF(self.mapFromScene(self._to_pixels(parameter, time, value)))
