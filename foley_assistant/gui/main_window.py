"""The main window: open a cut, pick shots, generate their stems in the background."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.shot import Shot
from foley_assistant.gui.worker import GenerateWorker
from foley_assistant.io.timeline import LoadedTimeline, list_shots, read_timeline
from foley_assistant.pipeline.generate import GenerateRequest, GenerateResult

SHOT_COLUMNS = ("Shot", "Track", "Clip", "Record in", "Record out", "Seconds", "Media")
STEM_COLUMNS = ("Shot", "Object", "Label", "Lane", "File")


def default_output_folder(timeline_path: Path) -> Path:
    """Where stems go unless the editor chooses: a folder beside the timeline."""
    return timeline_path.with_name(f"{timeline_path.stem}_foley")


class MainWindow(QMainWindow):
    """Shots of the open timeline on the left, what was generated on the right."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Foley Assistant")
        self.resize(1280, 760)
        self.loaded: LoadedTimeline | None = None
        self.shots: list[Shot] = []
        self.output_dir: Path | None = None
        self.worker: GenerateWorker | None = None
        self.last_result: GenerateResult | None = None
        self._build_toolbar()
        self._build_panels()
        self._build_status()
        self._update_actions()

    def _build_toolbar(self) -> None:
        toolbar = QToolBar("Main")
        toolbar.setMovable(False)
        self.addToolBar(toolbar)
        self.open_action = QAction("Open timeline…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self._choose_timeline)
        toolbar.addAction(self.open_action)
        self.output_action = QAction("Output folder…", self)
        self.output_action.triggered.connect(self._choose_output)
        toolbar.addAction(self.output_action)

    def _build_panels(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        self.timeline_label = QLabel("No timeline open")
        self.timeline_label.setObjectName("title")
        self.timeline_info = QLabel("Open an OpenTimelineIO cut (.otio, .otioz, .otiod) to list its shots.")
        self.timeline_info.setObjectName("muted")
        self.shot_table = self._table(SHOT_COLUMNS, stretch=2)
        self.shot_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.shot_table.itemSelectionChanged.connect(self._update_actions)
        left_layout.addWidget(self.timeline_label)
        left_layout.addWidget(self.timeline_info)
        left_layout.addWidget(self.shot_table)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        results_title = QLabel("Stems")
        results_title.setObjectName("title")
        self.output_label = QLabel("")
        self.output_label.setObjectName("muted")
        self.output_label.setWordWrap(True)
        self.results = self._table(STEM_COLUMNS, stretch=4)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        self.generate_button = QPushButton("Generate stems")
        self.generate_button.setObjectName("primary")
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.cancel_button)
        right_layout.addWidget(results_title)
        right_layout.addWidget(self.output_label)
        right_layout.addWidget(self.results)
        right_layout.addWidget(self.message)
        right_layout.addLayout(buttons)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([820, 460])
        self.setCentralWidget(splitter)

    @staticmethod
    def _table(columns: tuple[str, ...], stretch: int) -> QTableWidget:
        table = QTableWidget(0, len(columns))
        table.setHorizontalHeaderLabels(columns)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        return table

    def _build_status(self) -> None:
        self.stage_label = QLabel("Ready")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(320)
        self.progress.setTextVisible(False)
        self.statusBar().addWidget(self.stage_label, 1)
        self.statusBar().addPermanentWidget(self.progress)

    def open_timeline(self, path: Path) -> bool:
        """Read a timeline and list its shots; a problem is shown in the window, not raised."""
        try:
            loaded = read_timeline(path)
            shots = list_shots(loaded)
        except FoleyError as exc:
            self._show_error(str(exc))
            return False
        self.loaded, self.shots = loaded, shots
        self.output_dir = default_output_folder(loaded.path)
        self.timeline_label.setText(loaded.name)
        seconds = sum(float(s.duration_seconds) for s in shots)
        self.timeline_info.setText(f"{loaded.path}   ·   {loaded.rate} fps   ·   {len(shots)} shots, {seconds:.1f} s of picture")
        self._fill_shots()
        self.results.setRowCount(0)
        self.message.setText("")
        self._update_actions()
        return True

    def _fill_shots(self) -> None:
        self.shot_table.setRowCount(len(self.shots))
        for row, shot in enumerate(self.shots):
            status = "skipped" if shot.refusal else shot.media_status
            values = (shot.id, shot.track_name, shot.clip_name, shot.record_tc_in, shot.record_tc_out, f"{float(shot.duration_seconds):.2f}", status)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                if column == 6 and status != "found":
                    item.setForeground(Qt.GlobalColor.yellow)
                    item.setToolTip(shot.refusal or f"media: {shot.media_path}")
                self.shot_table.setItem(row, column, item)
        self.shot_table.resizeColumnsToContents()

    def selected_shot_ids(self) -> tuple[str, ...]:
        """The shots selected in the table (all of them when none is selected)."""
        rows = sorted({index.row() for index in self.shot_table.selectedIndexes()})
        return tuple(self.shots[r].id for r in rows)

    def generate(self) -> None:
        """Start generating the selected shots (or all) into the output folder, in the background."""
        if self.loaded is None or self.worker is not None:
            return
        request = GenerateRequest(timeline_path=self.loaded.path, out_dir=self.output_dir or default_output_folder(self.loaded.path), shot_ids=self.selected_shot_ids())
        self.worker = GenerateWorker(request)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.message.setText("")
        self.worker.start()
        self._update_actions()

    def cancel(self) -> None:
        """Ask the running job to stop; finished shots are kept."""
        if self.worker is not None:
            self.worker.cancel()
            self.stage_label.setText("Cancelling…")

    def _on_progress(self, stage: str, fraction: float, message: str) -> None:
        self.stage_label.setText(f"{stage.capitalize()}  {message}")
        self.progress.setValue(int(fraction * 1000))

    def _on_finished(self, result: GenerateResult) -> None:
        self.last_result = result
        self._finish_job()
        self.results.setRowCount(len(result.stems))
        for row, stem in enumerate(result.stems):
            for column, value in enumerate((stem.shot_id, stem.object_id, stem.label, stem.lane, stem.path)):
                self.results.setItem(row, column, QTableWidgetItem(value))
        self.results.resizeColumnsToContents()
        done = "Cancelled: finished shots were kept." if result.status == "cancelled" else "Done."
        notes = " ".join(result.notes)
        self.message.setText(f"{done} {len(result.stems)} stems, timeline and REAPER session in {result.out_dir}. {notes}".strip())
        self.stage_label.setText(f"{done} {result.picture_seconds:.1f} s of picture in {result.timings_s.get('total', 0.0):.1f} s")
        self.progress.setValue(1000)

    def _on_failed(self, message: str) -> None:
        self._finish_job()
        self._show_error(message)

    def _finish_job(self) -> None:
        if self.worker is not None:
            self.worker.wait()
        self.worker = None
        self._update_actions()

    def _show_error(self, text: str) -> None:
        self.message.setText(f"<span style='color:#ff6b6b'>{text}</span>")
        self.stage_label.setText("Error")

    def _update_actions(self) -> None:
        busy = self.worker is not None
        self.generate_button.setEnabled(self.loaded is not None and not busy and bool(self.shots))
        self.cancel_button.setEnabled(busy)
        self.open_action.setEnabled(not busy)
        self.output_action.setEnabled(self.loaded is not None and not busy)
        count = len(self.selected_shot_ids()) or len(self.shots)
        self.generate_button.setText(f"Generate stems ({count} shot{'s' if count != 1 else ''})" if self.shots else "Generate stems")
        self.output_label.setText(f"Output: {self.output_dir}" if self.output_dir else "")

    def _choose_timeline(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open timeline", "", "Timelines (*.otio *.otioz);;All files (*)")
        if path:
            self.open_timeline(Path(path))

    def _choose_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder", str(self.output_dir or ""))
        if folder:
            self.output_dir = Path(folder)
            self._update_actions()
