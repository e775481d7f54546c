"""The export dialog: where to, which formats, whether to copy the stems folder, and whether to
deliver every take."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from foley_assistant.pipeline.handoff.export_bundle import ExportChoices

FORMAT_LABELS = (
    ("otio", "Timeline with the foley tracks (OpenTimelineIO .otio)"),
    ("otioz", "Timeline bundle with the stems inside (.otioz)"),
    ("rpp", "REAPER project with pan and volume automation (.rpp)"),
    ("aaf", "AAF for Pro Tools / Avid (.aaf + split mono files)"),
    ("fcp7", "FCP 7 XML for Premiere / Resolve (.xml)"),
    ("edl", "CMX 3600 EDL, one per lane (.edl)"),
    ("adm", "ADM BWF for Dolby Atmos (.wav)"),
)
DEFAULT_FORMATS = ("otio", "rpp")


class ExportDialog(QDialog):
    """Collects `ExportChoices`; the window runs the export as a background job."""

    def __init__(self, destination: Path, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        self.folder = QLineEdit(str(destination))
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(QLabel("Export to"))
        where.addWidget(self.folder, 1)
        where.addWidget(browse)
        self.copy_stems = QCheckBox("Stems folder (copy stems/, dry/ and mix/ there)")
        self.copy_stems.setChecked(True)
        self.all_takes = QCheckBox("All takes (REAPER: takes of each item; OTIO, FCP 7 XML: muted alternate tracks; AAF: Selector alternates)")
        self.all_takes.setToolTip("Deliver every take of each stem; the chosen one plays. The other formats deliver the chosen take.")
        formats = QGroupBox("Formats")
        grid = QGridLayout(formats)
        self.format_boxes: dict[str, QCheckBox] = {}
        for row, (fmt, label) in enumerate(FORMAT_LABELS):
            box = QCheckBox(label)
            box.setChecked(fmt in DEFAULT_FORMATS)
            grid.addWidget(box, row, 0)
            self.format_boxes[fmt] = box
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setObjectName("primary")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(where)
        layout.addWidget(self.copy_stems)
        layout.addWidget(self.all_takes)
        layout.addWidget(formats)
        layout.addWidget(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def choices(self) -> ExportChoices:
        formats = tuple(fmt for fmt, box in self.format_boxes.items() if box.isChecked())
        return ExportChoices(Path(self.folder.text()).expanduser(), formats, self.copy_stems.isChecked(), self.all_takes.isChecked())
