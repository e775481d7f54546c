"""The curve editor: an object's azimuth and distance over the shot, the tracked curve (dashed),
the curve the stem is rendered with (solid) and the manual keyframes (squares).

Drag a keyframe to move it, or drag anywhere on the curve to add one there; times snap to
frames, and while dragging a read-out says the value in the editor's units (azimuth and pan
position L100..C..R100; metres and the level the distance gives, in dB) and the record timecode.
Double-click on the curve adds a keyframe on it; double-click on a key types its value;
right-click deletes one. The right-hand axes read in pan position and dB. Each finished gesture
is sent as one signal, which the window turns into one undoable command. The playhead line is
shared with the viewer: dragging it moves the playhead.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QGraphicsItem, QInputDialog

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

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph's name
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            self._grab = self.editor.grab(self.parameter, ev.buttonDownScenePos())
        if self._grab is None:
            ev.ignore()
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        time = self.editor.snap(point.x())
        self.editor.preview(self.parameter, time, point.y())
        if ev.isFinish():
            replaces, _ = self._grab
            self._grab = None
            self.editor.end_preview(self.parameter)
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
            self.editor.playheadDragged.emit(float(max(0.0, self.mapSceneToView(ev.scenePos()).x())))
            return
        super().mouseClickEvent(ev)


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

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(style.BACKGROUND)
        self.fps = Fraction(25)
        self.duration = 1.0
        self.object_id: str | None = None
        self.plots: dict[str, pg.PlotItem] = {}
        self.tracked_items: dict[str, pg.PlotDataItem] = {}
        self.curve_items: dict[str, pg.PlotDataItem] = {}
        self.key_items: dict[str, pg.ScatterPlotItem] = {}
        self.drag_items: dict[str, pg.ScatterPlotItem] = {}
        self.playheads: dict[str, pg.InfiniteLine] = {}
        self.keys: dict[str, list[tuple[Fraction, float]]] = {p: [] for p, *_ in PARAMETERS}
        self.selected: dict[str, set[Fraction]] = {p: set() for p, *_ in PARAMETERS}  # selected keys' times
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
            self.key_items[parameter] = pg.ScatterPlotItem(size=10, symbol="s", pen=pg.mkPen("#111"), brush=pg.mkBrush(style.ACCENT))
            self.drag_items[parameter] = pg.ScatterPlotItem(size=12, symbol="s", pen=pg.mkPen("#fff"), brush=pg.mkBrush(255, 255, 255, 60))
            for marks in (self.key_items[parameter], self.drag_items[parameter]):
                marks.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # the view box picks keys (`key_near`): a double-click on one reaches it
                plot.addItem(marks)
            readout = pg.TextItem("", color=style.TEXT, anchor=(0, 1), fill=pg.mkBrush(22, 24, 28, 230))
            readout.setZValue(50)
            readout.hide()
            plot.addItem(readout, ignoreBounds=True)
            self.readouts[parameter] = readout
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
