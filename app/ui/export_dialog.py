"""The Export dialog (File > Export…): formats, destination and options; then each file, proven.

The export runs on a worker thread (``app.ui.tasks.TaskRunner``) over a
snapshot of the project, so the window stays responsive and later edits do
not reach a half-done export. Files that exist already are named in a
question before anything is written. Afterwards a table lists each format's
file, its size and the largest difference measured between the model and
the reloaded file; a failed format is shown in red with its message.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import Catalog
from app.core.project import Project
from app.core.runs import list_runs
from app.export.engine import ExportOptions, export_project, file_stem
from app.export.formats import FORMAT_TABLE
from app.export.headless import format_size
from app.export.job import DEFAULT_OPSET, MAX_OPSET, MIN_OPSET
from app.export.results import FORMATS, ExportReport, ExportResult
from app.ui.param_editors import error_color
from app.ui.tasks import TaskRunner
from app.ui.widgets import make_table, muted_label

RESULT_HEADERS = ("Format", "File", "Size", "Max |diff|", "Time")
AUTOMATIC_RUN, NO_RUN = "", "none"
PREPROCESSING_NOTE = (
    "Puts the data settings' scaling (and an image folder's resize) in front of the model as layers, "
    "so the exported model takes raw inputs."
)


class _ProgressRelay(QObject):
    """Carries the export's progress from the worker thread to the dialog (a queued signal)."""

    progressed = Signal(str, int, int)

    def __call__(self, key: str, index: int, total: int) -> None:
        self.progressed.emit(key, index, total)


class ExportDialog(QDialog):
    """Choose formats, a folder and options, export on a worker thread, then show what was written.

    ``project`` is exported as it is when Export is pressed (a copy is taken);
    ``catalog`` is the layer catalog the window uses (None: the default one).
    """

    def __init__(
        self, project: Project, catalog: Catalog | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Model")
        self.resize(780, 680)
        self.project = project
        self.catalog = catalog
        self.report: ExportReport | None = None
        self._runner = TaskRunner(self)
        self._relay = _ProgressRelay(self)
        self._relay.progressed.connect(self._show_progress)
        self._overwrite_box: QMessageBox | None = None
        self._running = False
        settings = project.export or {}

        layout = QVBoxLayout(self)
        for box in (self._formats_box(settings.get("formats")), self._destination_box(settings.get("folder")),
                    self._options_box(settings)):
            box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # space goes below
            layout.addWidget(box)
        self.progress = QProgressBar(visible=False)
        self.status = muted_label()
        self.table = make_table(RESULT_HEADERS)
        self.table.setWordWrap(True)
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setVisible(False)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addStretch(0)  # while the table is hidden, the room stays under the options
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.ActionRole)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self._update_export_button()

    # ------------------------------------------------------------ building
    def _formats_box(self, chosen: list[str] | None) -> QGroupBox:
        box = QGroupBox("Formats")
        grid = QGridLayout(box)
        self.format_checks: dict[str, QCheckBox] = {}
        wanted = set(chosen or FORMATS)
        for index, key in enumerate(FORMATS):
            item = FORMAT_TABLE[key]
            check = QCheckBox(item.label)
            check.setToolTip(item.description)
            check.setChecked(key in wanted)
            check.toggled.connect(self._update_export_button)
            self.format_checks[key] = check
            grid.addWidget(check, index // 2, index % 2)
        return box

    def _destination_box(self, folder: str | None) -> QGroupBox:
        box = QGroupBox("Destination folder")
        row = QHBoxLayout(box)
        default = folder or (str(self.project.path.parent) if self.project.path else str(Path.home()))
        self.folder_edit = QLineEdit(default)
        self.folder_edit.textChanged.connect(self._update_export_button)
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose_folder)
        row.addWidget(self.folder_edit, 1)
        row.addWidget(choose)
        return box

    def _options_box(self, settings: dict) -> QGroupBox:
        box = QGroupBox("Options")
        form = QFormLayout(box)
        self.run_combo = QComboBox()
        self.run_combo.addItem("Latest run (else imported or fresh weights)", AUTOMATIC_RUN)
        for info in reversed(list_runs(self.project.path) if self.project.path else []):
            self.run_combo.addItem(f"Run {info.name} ({info.status}, {info.epochs_done} epochs)", info.name)
        self.run_combo.addItem("No run: imported or freshly initialised weights", NO_RUN)
        self.weights_combo = QComboBox()
        self.weights_combo.addItem("Best epoch", "best")
        self.weights_combo.addItem("Last epoch", "last")
        self.weights_combo.setCurrentIndex(1 if settings.get("weights") == "last" else 0)
        self.opset_spin = QSpinBox(minimum=MIN_OPSET, maximum=MAX_OPSET)
        self.opset_spin.setValue(int(settings.get("opset", DEFAULT_OPSET)))
        self.preprocessing_check = QCheckBox("Bake preprocessing into the model")
        self.preprocessing_check.setChecked(bool(settings.get("preprocessing", True)))
        self.preprocessing_check.setToolTip(PREPROCESSING_NOTE)
        form.addRow("Weights from:", self.run_combo)
        form.addRow("Run weights:", self.weights_combo)
        form.addRow("ONNX opset:", self.opset_spin)
        form.addRow(self.preprocessing_check)
        form.addRow(muted_label(PREPROCESSING_NOTE))
        return box

    # ------------------------------------------------------------ choices
    def selected_formats(self) -> list[str]:
        """The checked formats, in the table's order."""
        return [key for key, check in self.format_checks.items() if check.isChecked()]

    def destination(self) -> Path:
        """The folder typed or chosen."""
        return Path(self.folder_edit.text().strip()).expanduser()

    def options(self, overwrite: bool = False) -> ExportOptions:
        """The export options the dialog shows."""
        return ExportOptions(
            formats=self.selected_formats(), run=self.run_combo.currentData() or None,
            weights=self.weights_combo.currentData(), opset=self.opset_spin.value(),
            preprocessing=self.preprocessing_check.isChecked(), overwrite=overwrite,
        )

    def settings(self) -> dict:
        """The choices as a project's ``export`` section, for the window to keep with the project."""
        options = self.options()
        return {"formats": list(options.formats), "folder": str(self.destination()),
                "weights": options.weights, "opset": options.opset, "preprocessing": options.preprocessing}

    def targets(self) -> list[Path]:
        """The files and folders the checked formats will write."""
        stem = file_stem(self.project.name)
        return [FORMAT_TABLE[key].target(self.destination(), stem) for key in self.selected_formats()]

    @property
    def busy(self) -> bool:
        """True while an export runs."""
        return self._running

    # ------------------------------------------------------------ running
    def start_export(self) -> None:
        """Export, after asking about files that exist; the work runs on a worker thread."""
        if self.busy or not self.selected_formats():
            return
        existing = [path for path in self.targets() if path.exists()]
        if existing:
            self._ask_overwrite(existing)
        else:
            self._run(overwrite=False)

    def _ask_overwrite(self, existing: list[Path]) -> None:
        names = "\n".join(f"  {path.name}" for path in existing)
        box = QMessageBox(QMessageBox.Icon.Question, "Replace Files?",
                          f"These already exist in {self.destination()}:\n{names}\n\nReplace them?",
                          QMessageBox.StandardButton.Cancel, self)
        box.addButton("Replace", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _: self._overwrite_answered(box))
        self._overwrite_box = box
        box.open()

    def _overwrite_answered(self, box: QMessageBox) -> None:
        self._overwrite_box = None
        if box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.AcceptRole:
            self._run(overwrite=True)
        box.deleteLater()

    @property
    def overwrite_question(self) -> QMessageBox | None:
        """The open question about replacing files, if any."""
        return self._overwrite_box

    def _run(self, overwrite: bool) -> None:
        snapshot = copy.copy(self.project)
        snapshot.graph = self.project.graph.copy()
        snapshot.data = copy.deepcopy(self.project.data)
        snapshot.training = copy.deepcopy(self.project.training)
        folder, options = self.destination(), self.options(overwrite)
        catalog, relay = self.catalog, self._relay

        def work() -> ExportReport:
            return export_project(snapshot, folder, options, catalog, progress=relay)

        self.table.setVisible(False)
        self.progress.setRange(0, len(options.formats))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.status.setStyleSheet("")
        self.status.setText("Preparing the model (building it, loading its weights and data)…")
        self._set_running(True)
        self._runner.start("export", work, self._finished, self._failed)

    def _show_progress(self, key: str, index: int, total: int) -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(index)
        if key != "done":
            label = FORMAT_TABLE[key].label if key in FORMAT_TABLE else key
            self.status.setText(f"Writing and checking {label} ({index + 1} of {total})…")

    def _finished(self, _tag: object, report: ExportReport) -> None:
        self.report = report
        self._set_running(False)
        self.progress.setVisible(False)
        failed = len(report.failed())
        verdict = "Every file was reloaded and agrees with the model." if not failed else (
            f"{failed} of {len(report.results)} formats failed; no file was left for them.")
        self.status.setText(
            f"{verdict}\nWeights: {report.weights_source}.\nPreprocessing: {report.preprocessing}."
        )
        self.show_results(report.results)

    def _failed(self, _tag: object, message: str, _details: str) -> None:
        self._set_running(False)
        self.progress.setVisible(False)
        self.status.setText(f"Nothing was exported: {message}")
        self.status.setStyleSheet(f"color: {error_color(self.palette()).name()}")

    def show_results(self, results: list[ExportResult]) -> None:
        """Fill the table: file, size and measured difference; failures in red with their message."""
        self.table.setRowCount(len(results))
        red = QBrush(error_color(self.palette()))
        for row, result in enumerate(results):
            if result.ok:
                cells = [FORMAT_TABLE[result.format].label, result.path.name, format_size(result.size_bytes),
                         f"{result.max_abs_diff:.2g}", f"{result.seconds:.1f} s"]
            else:
                cells = [FORMAT_TABLE[result.format].label, f"Failed: {result.error}", "", "",
                         f"{result.seconds:.1f} s"]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(result.error or "\n".join(filter(None, [str(result.path), result.note])))
                if column in (2, 3, 4):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if not result.ok:
                    item.setForeground(red)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        for column in range(len(RESULT_HEADERS)):
            mode = QHeaderView.ResizeMode.Stretch if column == 1 else QHeaderView.ResizeMode.ResizeToContents
            header.setSectionResizeMode(column, mode)
        self.table.setVisible(True)
        self.table.resizeRowsToContents()  # a failure's message wraps over several lines

    def _set_running(self, running: bool) -> None:
        self._running = running
        for widget in (*self.format_checks.values(), self.folder_edit, self.run_combo, self.weights_combo,
                       self.opset_spin, self.preprocessing_check):
            widget.setEnabled(not running)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setEnabled(not running)
        self._update_export_button()

    def _update_export_button(self) -> None:
        ready = bool(self.selected_formats()) and bool(self.folder_edit.text().strip()) and not self.busy
        self.export_button.setEnabled(ready)

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export Into", str(self.destination()))
        if folder:
            self.folder_edit.setText(folder)

    def reject(self) -> None:
        """Close, unless an export is running (a running conversion cannot be interrupted)."""
        if self.busy:
            return
        super().reject()

    def done(self, result: int) -> None:
        """Close the dialog once the worker, if any, has finished."""
        self._runner.wait_all()
        super().done(result)
