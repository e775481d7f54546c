"""The timeline panel: the cut's video tracks with their clips to scale, coloured by shot state,
a timecode ruler with the in and out marks (the range between them shaded), the playhead, zoom
(Ctrl + wheel) and scroll, and shot selection (click, Ctrl-click to add or remove, Shift-click for
a range)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPen, QWheelEvent
from PySide6.QtWidgets import QScrollBar, QVBoxLayout, QWidget

from foley_assistant.core.edit_state import ShotState
from foley_assistant.core.timebase import FrameRate, frames_to_timecode
from foley_assistant.gui import style

RULER_H = 24
TRACK_H = 38
HEADER_W = 56


@dataclass(frozen=True)
class TimelineClip:
    """One shot as the panel draws it (record frames from the timeline's start)."""

    shot_id: str
    track_index: int
    track_name: str
    name: str
    start: int
    end: int


class TimelineCanvas(QWidget):
    """The drawing surface (see the module docstring)."""

    selectionChanged = Signal(list)
    currentShotChanged = Signal(str)
    playheadMoved = Signal(float)  # seconds from the timeline's start
    viewChanged = Signal()  # zoom or scroll

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.clips: list[TimelineClip] = []
        self.tracks: list[tuple[int, str]] = []
        self.states: dict[str, ShotState] = {}
        self.selected: list[str] = []
        self.current: str | None = None
        self.rate = FrameRate(25)
        self.global_start = 0
        self.total_frames = 1
        self.playhead = 0.0
        self.pixels_per_frame = 1.0
        self.offset = 0.0  # frames scrolled off the left
        self._anchor: str | None = None
        self.audio_lanes: list[tuple[str, list[tuple[int, int, str]]]] = []
        self.marks: tuple[float | None, float | None] = (None, None)  # in and out, seconds from the timeline's start
        self.setMinimumHeight(RULER_H + 2 * TRACK_H)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

    # --- data -----------------------------------------------------------------------------------

    def set_clips(self, clips: list[TimelineClip], rate: FrameRate, global_start: int) -> None:
        self.clips = sorted(clips, key=lambda c: (c.track_index, c.start))
        self.tracks = sorted({(c.track_index, c.track_name) for c in clips})
        self.rate, self.global_start = rate, global_start
        self.total_frames = max([c.end for c in clips] + [1])
        self.selected, self.current = [], None
        self.setMinimumHeight(RULER_H + max(1, len(self.tracks)) * TRACK_H + 4)
        self.audio_lanes = []
        self.fit()

    def set_audio_lanes(self, lanes: list[tuple[str, list[tuple[int, int, str]]]]) -> None:
        """The foley lanes to draw under the video tracks: (name, [(start, end, caption)])."""
        self.audio_lanes = lanes
        self.setMinimumHeight(int(RULER_H + (max(1, len(self.tracks)) + 0.7 * len(lanes)) * TRACK_H + 4))
        self.update()

    def set_marks(self, mark_in: float | None, mark_out: float | None) -> None:
        """The in and out marks to show on the ruler (seconds from the timeline's start; None: unset)."""
        self.marks = (mark_in, mark_out)
        self.update()

    def mark_x(self) -> tuple[float | None, float | None]:
        """Where the in and out marks are drawn (x in pixels; None when unset)."""
        fps = float(self.rate)
        return tuple(None if m is None else self.x_of(m * fps) for m in self.marks)  # type: ignore[return-value]

    def fit(self) -> None:
        """Zoom so that the whole cut fills the width."""
        width = max(100, self.width() - HEADER_W - 10)
        self.pixels_per_frame = width / self.total_frames
        self.offset = 0.0
        self.update()
        self.viewChanged.emit()

    def x_of(self, frame: float) -> float:
        return HEADER_W + (frame - self.offset) * self.pixels_per_frame

    def frame_at(self, x: float) -> float:
        return (x - HEADER_W) / self.pixels_per_frame + self.offset

    def clip_at(self, point: QPointF) -> TimelineClip | None:
        row = int((point.y() - RULER_H) // TRACK_H)
        if row < 0 or row >= len(self.tracks) or point.x() < HEADER_W:
            return None
        track_index = self.tracks[row][0]
        frame = self.frame_at(point.x())
        for clip in self.clips:
            if clip.track_index == track_index and clip.start <= frame < clip.end:
                return clip
        return None

    def clip_rect(self, clip: TimelineClip) -> QRectF:
        row = next(i for i, (index, _) in enumerate(self.tracks) if index == clip.track_index)
        x0, x1 = self.x_of(clip.start), self.x_of(clip.end)
        return QRectF(x0, RULER_H + row * TRACK_H + 3, max(1.0, x1 - x0 - 1), TRACK_H - 6)

    def set_selection(self, shot_ids: list[str], current: str | None = None) -> None:
        self.selected = list(shot_ids)
        self.current = current if current is not None else (shot_ids[-1] if shot_ids else None)
        self.update()
        self.selectionChanged.emit(list(self.selected))
        if self.current:
            self.currentShotChanged.emit(self.current)

    # --- painting -------------------------------------------------------------------------------

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(style.BACKGROUND))
        self._paint_tracks(painter)
        self._paint_ruler(painter)
        x = self.x_of(self.playhead * float(self.rate))
        if x >= HEADER_W:
            painter.setPen(QPen(QColor(style.ACCENT), 1.5))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
            painter.setBrush(QColor(style.ACCENT))
            painter.drawPolygon([QPointF(x - 5, 0), QPointF(x + 5, 0), QPointF(x, 7)])
        painter.end()

    def _paint_ruler(self, painter: QPainter) -> None:
        painter.fillRect(QRectF(0, 0, self.width(), RULER_H), QColor(style.RAISED))
        painter.setPen(QColor(style.BORDER))
        painter.drawLine(0, RULER_H - 1, self.width(), RULER_H - 1)
        fps = float(self.rate)
        seconds_per_tick = next((s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600) if s * fps * self.pixels_per_frame >= 90), 3600)
        step = seconds_per_tick * fps
        first = int(max(0.0, self.offset) // step) * step
        font = QFont(painter.font())
        font.setPointSizeF(8)
        painter.setFont(font)
        frame = first
        while self.x_of(frame) < self.width():
            x = self.x_of(frame)
            if x >= HEADER_W:
                painter.setPen(QColor(style.MUTED))
                painter.drawLine(QPointF(x, RULER_H - 8), QPointF(x, RULER_H - 1))
                painter.drawText(QPointF(x + 3, RULER_H - 10), frames_to_timecode(int(round(frame)) + self.global_start, self.rate))
            frame += step
        self._paint_marks(painter)

    def _paint_marks(self, painter: QPainter) -> None:
        """The in and out marks on the ruler: brackets, and the range between them shaded."""
        x_in, x_out = self.mark_x()
        colour = QColor(style.ACCENT)
        if x_in is not None and x_out is not None and x_out > x_in:
            band = QColor(colour)
            band.setAlpha(60)
            left = max(x_in, float(HEADER_W))
            painter.fillRect(QRectF(left, 0, max(0.0, x_out - left), RULER_H - 1), band)
            shade = QColor(colour)
            shade.setAlpha(18)
            painter.fillRect(QRectF(left, RULER_H, max(0.0, x_out - left), self.height() - RULER_H), shade)
        painter.setPen(QPen(colour, 2))
        for x, inward in ((x_in, 6.0), (x_out, -6.0)):
            if x is None or x < HEADER_W:
                continue
            painter.drawLine(QPointF(x, 1), QPointF(x, RULER_H - 2))
            painter.drawLine(QPointF(x, 1), QPointF(x + inward, 1))
            painter.drawLine(QPointF(x, RULER_H - 2), QPointF(x + inward, RULER_H - 2))

    def _paint_tracks(self, painter: QPainter) -> None:
        font = QFont(painter.font())
        font.setPointSizeF(8.5)
        painter.setFont(font)
        for row, (_, name) in enumerate(self.tracks):
            top = RULER_H + row * TRACK_H
            painter.fillRect(QRectF(HEADER_W, top, self.width() - HEADER_W, TRACK_H), QColor("#1a1c20" if row % 2 else "#1c1f24"))
        visible_first, visible_last = self.frame_at(HEADER_W), self.frame_at(self.width())
        for clip in self.clips:
            if clip.end < visible_first or clip.start > visible_last:
                continue
            rect = self.clip_rect(clip)
            colour = QColor(style.STATE_COLOURS[self.states.get(clip.shot_id, ShotState.NOT_ANALYZED)])
            selected = clip.shot_id in self.selected
            painter.setBrush(colour.lighter(135) if selected else colour)
            painter.setPen(QPen(QColor("#ffffff") if clip.shot_id == self.current else QColor(style.ACCENT) if selected else colour.darker(140), 2 if selected else 1))
            painter.drawRoundedRect(rect, 3, 3)
            if rect.width() > 24:
                painter.setPen(QColor("#f2f4f7"))
                text = painter.fontMetrics().elidedText(f"{clip.shot_id}  {clip.name}", Qt.TextElideMode.ElideRight, int(rect.width() - 8))
                painter.drawText(rect.adjusted(5, 2, -3, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)
                state = self.states.get(clip.shot_id, ShotState.NOT_ANALYZED).value
                if rect.width() > 90:
                    painter.setPen(QColor(255, 255, 255, 150))
                    painter.drawText(rect.adjusted(5, 0, -3, -2), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom, state)
        lane_h = TRACK_H * 0.7
        first_lane = RULER_H + len(self.tracks) * TRACK_H
        for number, (name, spans) in enumerate(self.audio_lanes):
            top = first_lane + number * lane_h
            painter.fillRect(QRectF(HEADER_W, top, self.width() - HEADER_W, lane_h), QColor("#181a1e" if number % 2 else "#1a1d21"))
            for start, end, caption in spans:
                if end < visible_first or start > visible_last:
                    continue
                x0, x1 = self.x_of(start), self.x_of(end)
                rect = QRectF(x0, top + 2, max(1.0, x1 - x0 - 1), lane_h - 4)
                painter.setBrush(QColor("#24434f"))
                painter.setPen(QPen(QColor("#3b6f82"), 1))
                painter.drawRoundedRect(rect, 2, 2)
                if rect.width() > 30:
                    painter.setPen(QColor("#a9d3e0"))
                    painter.drawText(rect.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, painter.fontMetrics().elidedText(caption, Qt.TextElideMode.ElideRight, int(rect.width() - 6)))
            painter.fillRect(QRectF(0, top, HEADER_W, lane_h), QColor(style.RAISED))
            painter.setPen(QColor("#8fc1d1"))
            painter.drawText(QRectF(6, top, HEADER_W - 8, lane_h), Qt.AlignmentFlag.AlignVCenter, painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, HEADER_W - 10))
        for row, (_, name) in enumerate(self.tracks):
            top = RULER_H + row * TRACK_H
            painter.fillRect(QRectF(0, top, HEADER_W, TRACK_H), QColor(style.RAISED))
            painter.setPen(QColor(style.TEXT))
            painter.drawText(QRectF(6, top, HEADER_W - 8, TRACK_H), Qt.AlignmentFlag.AlignVCenter, painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, HEADER_W - 10))
        painter.setPen(QColor(style.BORDER))
        painter.drawLine(HEADER_W, RULER_H, HEADER_W, self.height())

    # --- interaction ----------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        point = event.position()
        if point.y() < RULER_H and point.x() >= HEADER_W:
            self._move_playhead(point.x())
            return
        clip = self.clip_at(point)
        if clip is None:
            return
        modifiers = event.modifiers()
        if modifiers & Qt.KeyboardModifier.ShiftModifier and self._anchor:
            order = [c.shot_id for c in sorted(self.clips, key=lambda c: (c.start, c.track_index))]
            a, b = sorted((order.index(self._anchor), order.index(clip.shot_id)))
            self.set_selection(order[a : b + 1], clip.shot_id)
        elif modifiers & Qt.KeyboardModifier.ControlModifier:
            chosen = [s for s in self.selected if s != clip.shot_id] if clip.shot_id in self.selected else [*self.selected, clip.shot_id]
            self._anchor = clip.shot_id
            self.set_selection(chosen, chosen[-1] if chosen else None)
        else:
            self._anchor = clip.shot_id
            self.set_selection([clip.shot_id], clip.shot_id)
            self._move_playhead(point.x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.buttons() & Qt.MouseButton.LeftButton and event.position().y() < RULER_H:
            self._move_playhead(event.position().x())

    def _move_playhead(self, x: float) -> None:
        frame = min(max(self.frame_at(x), 0.0), float(self.total_frames))
        self.playhead = frame / float(self.rate)
        self.update()
        self.playheadMoved.emit(self.playhead)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        steps = event.angleDelta().y() / 120 or event.angleDelta().x() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.25**steps, event.position().x())
        else:
            self.scroll_by(-steps * 80 / self.pixels_per_frame)
        event.accept()

    def zoom(self, factor: float, around_x: float | None = None) -> None:
        """Zoom by `factor` keeping the frame under `around_x` in place."""
        x = around_x if around_x is not None else (HEADER_W + self.width()) / 2
        frame = self.frame_at(x)
        minimum = max(100, self.width() - HEADER_W) / max(self.total_frames, 1) / 2
        self.pixels_per_frame = min(max(self.pixels_per_frame * factor, minimum), 40.0)
        self.offset = frame - (x - HEADER_W) / self.pixels_per_frame
        self.scroll_by(0)

    def scroll_by(self, frames: float) -> None:
        visible = (self.width() - HEADER_W) / self.pixels_per_frame
        self.offset = min(max(self.offset + frames, 0.0), max(0.0, self.total_frames - visible * 0.9))
        self.update()
        self.viewChanged.emit()

    def resizeEvent(self, event) -> None:  # noqa: N802
        if self.clips and self.offset == 0.0:
            self.fit()
        super().resizeEvent(event)


class TimelinePanel(QWidget):
    """The canvas with its horizontal scroll bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = TimelineCanvas(self)
        self.scrollbar = QScrollBar(Qt.Orientation.Horizontal)
        self.scrollbar.valueChanged.connect(self._scrolled)
        self.canvas.viewChanged.connect(self._sync_scrollbar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.scrollbar)
        self._sync_scrollbar()

    def _scrolled(self, value: int) -> None:
        self.canvas.offset = value / 10.0
        self.canvas.update()

    def _sync_scrollbar(self) -> None:
        canvas = self.canvas
        visible = max(1.0, (canvas.width() - HEADER_W) / canvas.pixels_per_frame)
        self.scrollbar.blockSignals(True)
        self.scrollbar.setRange(0, int(max(0.0, canvas.total_frames - visible) * 10))
        self.scrollbar.setPageStep(int(visible * 10))
        self.scrollbar.setValue(int(canvas.offset * 10))
        self.scrollbar.blockSignals(False)
