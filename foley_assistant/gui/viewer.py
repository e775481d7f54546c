"""The viewer: the shot's picture at the playhead, with each object's box and label over it.

Boxes are pyqtgraph ROIs: drag one to move it, drag a corner to resize it (each change is one
box keyframe, sent as `boxEdited`); click one to select its object. In draw mode a drag on the
picture draws a new box (`boxDrawn`), to add an object the tracker missed. Box coordinates leave
this widget normalized (0..1, origin top-left), as in the tracks file.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsRectItem

from foley_assistant.core.tracks import Box
from foley_assistant.gui import style

MIN_DRAWN_PX = 4


class _PictureBox(pg.ViewBox):
    """A view box that draws a rubber band instead of panning when in draw mode."""

    drawn = Signal(QRectF)

    def __init__(self) -> None:
        super().__init__(lockAspect=True, invertY=True, enableMenu=False)
        self.setMouseEnabled(False, False)
        self.draw_mode = False
        self._band = QGraphicsRectItem()
        self._band.setPen(pg.mkPen(style.ACCENT, width=2, style=Qt.PenStyle.DashLine))
        self._band.setZValue(50)
        self._band.hide()
        self.addItem(self._band, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - pyqtgraph's name
        if not self.draw_mode or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos())
        end = self.mapSceneToView(ev.scenePos())
        rect = QRectF(start, end).normalized()
        self._band.setRect(rect)
        self._band.show()
        if ev.isFinish():
            self._band.hide()
            self.drawn.emit(rect)


class Viewer(pg.GraphicsLayoutWidget):
    """See the module docstring."""

    boxEdited = Signal(str, object)  # object id, Box
    boxDrawn = Signal(object)  # Box
    objectClicked = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setBackground(style.BACKGROUND)
        self.ci.setContentsMargins(0, 0, 0, 0)
        self.view = _PictureBox()
        self.addItem(self.view)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.view.addItem(self.image)
        self.caption = pg.TextItem("", color=style.TEXT, anchor=(0, 0))
        self.caption.setZValue(60)
        self.view.addItem(self.caption, ignoreBounds=True)
        self.offline = pg.TextItem("", color=style.MUTED, anchor=(0.5, 0.5))
        self.view.addItem(self.offline, ignoreBounds=True)
        self.view.drawn.connect(self._on_drawn)
        self.size_px = (16, 9)
        self.rois: dict[str, pg.ROI] = {}
        self.labels: dict[str, pg.TextItem] = {}
        self.selected: set[str] = set()
        self._updating = False
        self.image.setImage(np.zeros((9, 16, 3), dtype=np.uint8), autoLevels=False)
        self.view.setRange(QRectF(0, 0, 16, 9), padding=0)

    # --- picture --------------------------------------------------------------------------------

    def show_picture(self, rgb: np.ndarray, caption: str = "") -> None:
        """Show a frame (H, W, 3) uint8; the boxes keep their normalized places."""
        height, width = rgb.shape[:2]
        self.image.setImage(rgb, autoLevels=False)  # uint8 with no levels: shown as it is, no rescale
        self.offline.setText("")
        if (width, height) != self.size_px:
            self.size_px = (width, height)
            self.view.setRange(QRectF(0, 0, width, height), padding=0)
        self.caption.setText(caption)
        self.caption.setPos(6, 4)

    def show_offline(self, message: str) -> None:
        """No picture (media offline, not a shot): a dark frame with the reason."""
        width, height = self.size_px
        self.image.setImage(np.full((height, width, 3), 12, dtype=np.uint8), autoLevels=False)
        self.offline.setText(message)
        self.offline.setPos(width / 2, height / 2)
        self.set_boxes([])

    def set_draw_mode(self, on: bool) -> None:
        """In draw mode a drag draws a new box, even over an existing one (boxes ignore the mouse)."""
        self.view.draw_mode = on
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        for roi in self.rois.values():
            self._set_editable(roi, not on)

    @staticmethod
    def _set_editable(roi: pg.ROI, editable: bool) -> None:
        roi.setEnabled(editable)  # a disabled item (and its handles) gets no mouse events

    # --- boxes ----------------------------------------------------------------------------------

    def set_boxes(self, boxes: list[tuple[str, str, Box, str]]) -> None:
        """Show (object id, caption, box, colour) entries; others are removed."""
        self._updating = True
        width, height = self.size_px
        wanted = {object_id for object_id, *_ in boxes}
        for object_id in list(self.rois):
            if object_id not in wanted:
                self.view.removeItem(self.rois.pop(object_id))
                self.view.removeItem(self.labels.pop(object_id))
        for object_id, caption, box, colour in boxes:
            roi = self.rois.get(object_id)
            if roi is None:
                roi = self._make_roi(object_id)
            pen_width = 3 if object_id in self.selected else 2
            roi.setPen(pg.mkPen(colour, width=pen_width))
            roi.setPos((box.x0 * width, box.y0 * height), update=False, finish=False)
            roi.setSize((max(box.width * width, 2), max(box.height * height, 2)), update=True, finish=False)
            label = self.labels[object_id]
            label.setText(caption)
            label.fill = pg.mkBrush(QColor(colour).darker(250))
            label.setColor(QColor(colour).lighter(130))
            label.setPos(box.x0 * width, box.y0 * height)
        self._updating = False

    def _make_roi(self, object_id: str) -> pg.ROI:
        roi = pg.ROI((0, 0), (10, 10), movable=True, rotatable=False, resizable=True, removable=False)
        for corner, opposite in (((0, 0), (1, 1)), ((1, 0), (0, 1)), ((0, 1), (1, 0)), ((1, 1), (0, 0))):
            roi.addScaleHandle(corner, opposite)
        roi.setZValue(20)
        roi.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        roi.sigRegionChangeFinished.connect(lambda r, oid=object_id: self._on_roi_changed(oid, r))
        roi.sigClicked.connect(lambda r, ev, oid=object_id: self.objectClicked.emit(oid))
        self.view.addItem(roi)
        self._set_editable(roi, not self.view.draw_mode)
        label = pg.TextItem("", anchor=(0, 1))
        label.setZValue(30)
        self.view.addItem(label, ignoreBounds=True)
        self.rois[object_id] = roi
        self.labels[object_id] = label
        return roi

    def box_of(self, object_id: str) -> Box:
        """The normalized box an ROI shows now."""
        roi = self.rois[object_id]
        width, height = self.size_px
        x, y = roi.pos()
        w, h = roi.size()
        return Box(x / width, y / height, (x + w) / width, (y + h) / height)

    def _on_roi_changed(self, object_id: str, roi: pg.ROI) -> None:
        if not self._updating:
            self.boxEdited.emit(object_id, self.box_of(object_id))

    def _on_drawn(self, rect: QRectF) -> None:
        width, height = self.size_px
        rect = rect.intersected(QRectF(0, 0, width, height))
        if rect.width() < MIN_DRAWN_PX or rect.height() < MIN_DRAWN_PX:
            return
        self.boxDrawn.emit(Box(rect.left() / width, rect.top() / height, rect.right() / width, rect.bottom() / height))

    def scene_point(self, x_norm: float, y_norm: float) -> QPointF:
        """Where a normalized picture point is in widget (viewport) coordinates."""
        width, height = self.size_px
        scene = self.view.mapViewToScene(QPointF(x_norm * width, y_norm * height))
        return QPointF(self.mapFromScene(scene))
