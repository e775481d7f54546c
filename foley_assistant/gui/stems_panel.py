"""The stems panel: the gain of each lane the current shot's stems are on (a strip above the
rows), one row per stem of the current shot (colour, name, engine, left and right
waveforms, mute, solo, gain, regenerate, and its meters at the playhead: momentary and
short-term loudness and true peak, read from the rendered stem, so they run with or without a
sound card) and the mix meter (peak and integrated loudness of what is monitored, and the level
of the block playing now). Ctrl + wheel on a waveform zooms it around the pointer."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.stem import ENGINES, Stem
from foley_assistant.gui import style
from foley_assistant.spatial.metering import LevelTimeline, reading

METER_FLOOR_DB = -60.0


def envelope(audio: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Min and max of a (samples,) signal in `columns` slices."""
    columns = max(1, min(columns, audio.size or 1))
    usable = audio[: (audio.size // columns) * columns].reshape(columns, -1) if audio.size >= columns else audio.reshape(-1, 1)
    return usable.min(axis=1), usable.max(axis=1)


class Waveform(QWidget):
    """A stem's left and right waveforms (min/max per pixel column, left above, right below,
    drawn once into a pixmap) with the playhead; Ctrl + wheel zooms around the pointer."""

    COLUMNS = 2000
    MAX_ZOOM = 64.0

    def __init__(self, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor(colour)
        self.audio = np.zeros((2, 1))
        self.view = (0.0, 1.0)  # the shown part of the stem, as fractions
        self.playhead = 0.0  # 0..1 of the stem
        self._dimmed = False
        self._picture: QPixmap | None = None
        self.setMinimumHeight(40)

    @property
    def dimmed(self) -> bool:
        return self._dimmed

    @dimmed.setter
    def dimmed(self, value: bool) -> None:
        self._dimmed = value
        self._picture = None
        self.update()

    def set_audio(self, audio: np.ndarray) -> None:
        stereo = np.atleast_2d(audio)
        self.audio = stereo if stereo.shape[0] == 2 else np.repeat(stereo[:1], 2, axis=0)
        self._picture = None
        self.update()

    def zoom(self, factor: float, around: float) -> None:
        """Show `factor` times less of the stem (more when under 1), keeping the point at
        `around` (0..1 of the widget) in place."""
        start, end = self.view
        span = min(1.0, max(1.0 / self.MAX_ZOOM, (end - start) / factor))
        anchor = start + around * (end - start)
        start = min(max(0.0, anchor - around * span), 1.0 - span)
        self.view = (start, start + span)
        self._picture = None
        self.update()

    def wheelEvent(self, event) -> None:  # noqa: N802
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1.25 if event.angleDelta().y() > 0 else 0.8, event.position().x() / max(self.width(), 1))
            event.accept()
            return
        super().wheelEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802
        self._picture = None
        super().resizeEvent(event)

    def _draw(self) -> QPixmap:
        picture = QPixmap(max(self.width(), 1), max(self.height(), 1))
        picture.fill(QColor("#101216"))
        painter = QPainter(picture)
        colour = QColor(self.colour)
        if self._dimmed:
            colour.setAlpha(70)
        painter.setPen(QPen(colour, 1))
        first, last = (int(round(v * self.audio.shape[1])) for v in self.view)
        shown = self.audio[:, first : max(last, first + 1)]
        peak = max(float(np.max(np.abs(self.audio))), 1e-6)
        half = self.height() / 4 - 1
        for channel, middle in ((0, self.height() / 4), (1, 3 * self.height() / 4)):
            lows, highs = envelope(shown[channel], min(self.COLUMNS, max(self.width(), 1)))
            count = len(highs)
            columns = np.minimum(count - 1, (np.arange(self.width()) * count / max(self.width(), 1)).astype(int))
            tops, bottoms = middle - highs[columns] / peak * half, middle - lows[columns] / peak * half
            painter.drawLines([QLineF(x, float(top), x, float(bottom)) for x, top, bottom in zip(range(self.width()), tops, bottoms)])
        painter.end()
        return picture

    def paintEvent(self, event) -> None:  # noqa: N802
        if self._picture is None or self._picture.size() != self.size():
            self._picture = self._draw()
        painter = QPainter(self)
        painter.drawPixmap(0, 0, self._picture)
        painter.setPen(QPen(QColor(style.ACCENT), 1))
        start, end = self.view
        x = (self.playhead - start) / max(end - start, 1e-9) * self.width()
        painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()


class StemRow(QFrame):
    """One stem: what it is, how it is monitored, and a button to make it again."""

    mixChanged = Signal(object)  # StemMix
    regenerate = Signal(str, str)  # stem path, engine
    takeChosen = Signal(str, str, int)  # shot id, object id, take

    def __init__(self, stem: Stem, colour: str, mix: StemMix, parent: QWidget | None = None, takes: list[int] | None = None) -> None:
        super().__init__(parent)
        self.stem = stem
        self.setObjectName("stemRow")
        self.setStyleSheet(f"QFrame#stemRow {{ border-bottom: 1px solid {style.BORDER}; }}")
        swatch = QLabel()
        swatch.setFixedSize(5, 40)
        swatch.setStyleSheet(f"background: {colour}; border-radius: 2px;")
        name = QLabel(f"<b>{stem.object_id}</b>  {stem.label}" if not stem.is_ambience else f"<b>Bed</b>  {stem.label}")
        name.setMinimumWidth(60)
        name.setToolTip(f"{stem.object_id} {stem.label}")  # the whole name where the row cuts it
        self.engine = QComboBox()
        self.engine.addItems(list(ENGINES))
        self.engine.setCurrentText(stem.engine)
        self.engine.setToolTip("Engine that made this stem; choose another and press Regenerate to remake it")
        self.waveform = Waveform(colour)
        self.levels: LevelTimeline | None = None
        self.meters = QLabel("M —  S —  TP —")
        self.meters.setObjectName("muted")
        self.meters.setToolTip("At the playhead: momentary loudness (400 ms), short-term loudness (3 s), LUFS; true peak, dBTP")
        self.mute = QPushButton("M")
        self.mute.setObjectName("mute")
        self.solo = QPushButton("S")
        self.solo.setObjectName("solo")
        for button, tip in ((self.mute, "Mute"), (self.solo, "Solo")):
            button.setCheckable(True)
            button.setFixedWidth(30)
            button.setStyleSheet("padding: 4px 0px;")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(tip)
        self.gain = QDoubleSpinBox()
        self.gain.setRange(-60.0, 12.0)
        self.gain.setSingleStep(0.5)
        self.gain.setSuffix(" dB")
        self.gain.setDecimals(1)
        self.gain.setKeyboardTracking(False)
        self.gain.setFixedWidth(78)  # "-60.0 dB": the row keeps Regenerate in view beside the take box
        self.take = QComboBox()  # every take of this object's sound; the chosen one plays
        for number in takes or [stem.take]:
            self.take.addItem(f"Take {number}", number)
        self.take.setCurrentIndex(max(0, self.take.findData(stem.take)))
        self.take.setEnabled(self.take.count() > 1)
        self.take.setToolTip("The take that plays and is exported; Regenerate adds one, the others are kept (undo with Ctrl+Z)")
        self.regenerate_button = QPushButton("Regenerate")
        self.regenerate_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.regenerate_button.setToolTip("Make a new take of this object's sound (keeps its placement)")
        if stem.is_ambience:
            self.engine.setEnabled(False)
            self.regenerate_button.setEnabled(False)
            self.regenerate_button.setToolTip("An ambience bed is made again with its shot (Generate)")
        self.set_mix(mix)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(name, 1)
        top.addWidget(self.engine)
        top.addWidget(self.take)
        top.addWidget(self.mute)
        top.addWidget(self.solo)
        top.addWidget(self.gain)
        top.addWidget(self.regenerate_button)
        column = QVBoxLayout()
        column.setSpacing(3)
        column.addLayout(top)
        column.addWidget(self.waveform)
        column.addWidget(self.meters)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(6, 5, 6, 5)
        outer.addWidget(swatch)
        outer.addLayout(column, 1)
        self.mute.toggled.connect(self._emit_mix)
        self.solo.toggled.connect(self._emit_mix)
        self.gain.valueChanged.connect(self._emit_mix)
        self.regenerate_button.clicked.connect(lambda: self.regenerate.emit(self.stem.path, self.engine.currentText()))
        self.take.activated.connect(self._emit_take)

    def _emit_take(self, index: int) -> None:
        number = int(self.take.itemData(index))
        if number != self.stem.take:
            self.takeChosen.emit(self.stem.shot_id, self.stem.object_id, number)

    def set_mix(self, mix: StemMix) -> None:
        for widget, value in ((self.mute, mix.mute), (self.solo, mix.solo)):
            widget.blockSignals(True)
            widget.setChecked(value)
            widget.blockSignals(False)
        self.gain.blockSignals(True)
        self.gain.setValue(mix.gain_db)
        self.gain.blockSignals(False)
        self.waveform.dimmed = mix.mute

    def set_audio(self, audio: np.ndarray, sample_rate: int) -> None:
        """The stem's sound: its waveforms, and its levels over time for the meters."""
        self.waveform.set_audio(audio)
        self.levels = LevelTimeline.of(audio, sample_rate)

    def show_levels_at(self, seconds: float) -> None:
        """The meters' readings at `seconds` into the stem."""
        if self.levels is None:
            return
        self.meters.setText(f"M {reading(self.levels.momentary_lufs(seconds))}   S {reading(self.levels.short_term_lufs(seconds))} LUFS   TP {reading(self.levels.true_peak_dbtp(seconds))} dBTP")

    def _emit_mix(self) -> None:
        self.mixChanged.emit(StemMix(self.stem.path, round(self.gain.value(), 2), self.mute.isChecked(), self.solo.isChecked()))


class MixMeterWidget(QWidget):
    """Peak bars per channel (the block playing now, with a falling hold) and the shot's
    integrated loudness and peak as numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.levels_db = [METER_FLOOR_DB, METER_FLOOR_DB]
        self.peak_dbfs = float("-inf")
        self.lufs = float("-inf")
        self.setMinimumHeight(44)

    def set_summary(self, peak_dbfs: float, lufs: float) -> None:
        self.peak_dbfs, self.lufs = peak_dbfs, lufs
        self.update()

    def set_block(self, block: np.ndarray | None) -> None:
        """Show the level of the samples playing now ((frames, 2)); None lets the bars fall."""
        for channel in range(2):
            level = METER_FLOOR_DB
            if block is not None and block.size:
                peak = float(np.max(np.abs(block[:, channel])))
                level = max(METER_FLOOR_DB, 20 * math.log10(peak)) if peak > 0 else METER_FLOOR_DB
            self.levels_db[channel] = max(level, self.levels_db[channel] - 1.5)
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(style.PANEL))
        text_w = 190
        bar_w = self.width() - text_w - 12
        gradient = QLinearGradient(0, 0, bar_w, 0)
        gradient.setColorAt(0.0, QColor("#2f8a5a"))
        gradient.setColorAt(0.75, QColor("#c8b030"))
        gradient.setColorAt(1.0, QColor("#e05252"))
        for channel, level in enumerate(self.levels_db):
            top = 6 + channel * 12
            painter.fillRect(QRectF(6, top, bar_w, 9), QColor("#0e0f12"))
            fill = (level - METER_FLOOR_DB) / -METER_FLOOR_DB * bar_w
            painter.fillRect(QRectF(6, top, max(0.0, fill), 9), gradient)
        painter.setPen(QColor(style.MUTED))
        for db in (-48, -36, -24, -12, -6, 0):
            x = 6 + (db - METER_FLOOR_DB) / -METER_FLOOR_DB * bar_w
            painter.drawLine(QPointF(x, 30), QPointF(x, 33))
            painter.drawText(QPointF(x - 8, 43), f"{db}")
        painter.setPen(QColor(style.TEXT))
        lufs = "—" if not math.isfinite(self.lufs) else f"{self.lufs:.1f}"
        peak = "—" if not math.isfinite(self.peak_dbfs) else f"{self.peak_dbfs:.1f}"
        painter.drawText(QRectF(self.width() - text_w, 2, text_w - 6, 20), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"Integrated  {lufs} LUFS")
        painter.drawText(QRectF(self.width() - text_w, 22, text_w - 6, 20), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"Peak  {peak} dBFS")
        painter.end()

    @property
    def summary_text(self) -> str:
        return f"{self.lufs:.1f} LUFS, peak {self.peak_dbfs:.1f} dBFS"


class LaneGains(QWidget):
    """The gain (dB) of each lane of the current shot: a spin box per lane, each applying to
    every stem on its lane, in every shot, on top of the stem's own gain."""

    gainChanged = Signal(str, float)  # lane, gain in dB

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spins: dict[str, QDoubleSpinBox] = {}
        self.row = QHBoxLayout(self)
        self.row.setContentsMargins(6, 4, 6, 4)
        self.row.setSpacing(6)
        title = QLabel("Lane gain")
        title.setObjectName("muted")
        title.setToolTip("The gain of a lane: every stem on it, in every shot (exported as the track's level where the format has one)")
        self.row.addWidget(title)
        self.row.addStretch(1)

    def set_lanes(self, gains: dict[str, float]) -> None:
        """One spin box per lane, in the given order, showing its gain."""
        while self.row.count() > 2:  # keep the title and the stretch
            item = self.row.takeAt(1)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.spins.clear()
        for index, (lane, gain) in enumerate(gains.items()):
            spin = QDoubleSpinBox()
            spin.setRange(-60.0, 12.0)
            spin.setSingleStep(0.5)
            spin.setDecimals(1)
            spin.setPrefix(f"{lane}  ")
            spin.setSuffix(" dB")
            spin.setKeyboardTracking(False)
            spin.setValue(gain)
            spin.setToolTip(f"Gain of the lane {lane!r} (every stem on it; undo with Ctrl+Z)")
            spin.valueChanged.connect(lambda value, lane=lane: self.gainChanged.emit(lane, round(value, 2)))
            self.row.insertWidget(1 + index, spin)
            self.spins[lane] = spin
        self.setVisible(bool(gains))


class StemsPanel(QWidget):
    """The lanes' gains, the rows of the current shot's stems and the mix meter."""

    mixChanged = Signal(object)
    regenerate = Signal(str, str)
    takeChosen = Signal(str, str, int)
    laneGainChanged = Signal(str, float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: dict[str, StemRow] = {}
        self.container = QWidget()
        self.rows_layout = QVBoxLayout(self.container)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.setSpacing(0)
        self.rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.container)
        self.empty = QLabel("No stems yet: select shots and press Generate.")
        self.empty.setObjectName("muted")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.meter = MixMeterWidget()
        self.lane_gains = LaneGains()
        self.lane_gains.setVisible(False)
        self.lane_gains.gainChanged.connect(self.laneGainChanged)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.lane_gains)
        layout.addWidget(self.empty)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.meter)

    def set_stems(self, stems: list[tuple[Stem, str, StemMix, np.ndarray | None]], takes: dict[str, list[int]] | None = None, lane_gains: dict[str, float] | None = None) -> None:
        """(stem, colour, mix, audio) per row; `takes` lists the take numbers of each stem's
        object (by stem path; just its own when not given); `lane_gains` the gain (dB) of each
        lane the stems are on."""
        self.lane_gains.set_lanes(lane_gains or {})
        for row in self.rows.values():
            row.hide()  # hidden first: a row added since the last event loop pass would otherwise be shown on its own, as a window
            row.setParent(None)
            row.deleteLater()
        self.rows.clear()
        for index, (stem, colour, mix, audio) in enumerate(stems):
            row = StemRow(stem, colour, mix, takes=(takes or {}).get(stem.path))
            if audio is not None:
                row.set_audio(audio, stem.sample_rate)
            row.mixChanged.connect(self.mixChanged)
            row.regenerate.connect(self.regenerate)
            row.takeChosen.connect(self.takeChosen)
            self.rows_layout.insertWidget(index, row)
            self.rows[stem.path] = row
        self.empty.setVisible(not stems)

    def set_playhead(self, fraction: float, seconds: float | None = None) -> None:
        """Move every row's playhead (`fraction` of the shot) and, given `seconds` into the shot,
        its meters."""
        for row in self.rows.values():
            row.waveform.playhead = fraction
            row.waveform.update()
            if seconds is not None:
                row.show_levels_at(seconds)
