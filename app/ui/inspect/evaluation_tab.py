"""The Evaluation tab: how the run does on the opened split.

Classification: the confusion matrix as a heat map of counts (rows true,
columns predicted; a click lists the samples of that cell, a double-click on
one opens its activations), the per-class precision / recall / F1 / support
table with accuracy, macro and weighted rows, and for a binary problem the
ROC and precision-recall curves. Regression: predicted against true with
the line of perfect predictions, and the residuals.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.inspection.evaluation import ClassificationReport, Curve, Evaluation, RegressionReport
from app.ui.curves import series_color
from app.ui.inspect.common import InspectTab, OpenedRun, heading
from app.ui.inspect.images import ThemedPlot
from app.ui.inspect.jobs import InspectJobs
from app.ui.widgets import RIGHT, apply_table_style, make_table, muted_label

MAX_LISTED = 2000  # samples listed for one cell
MAX_SCATTER = 20000  # regression points drawn


def _blend(color: QColor, background: QColor, amount: float) -> QColor:
    """``amount`` of ``color`` over ``background``."""
    return QColor.fromRgbF(*(amount * a + (1 - amount) * b for a, b in zip(
        (color.redF(), color.greenF(), color.blueF()),
        (background.redF(), background.greenF(), background.blueF()), strict=True)))


class ConfusionMatrixView(QTableWidget):
    """A confusion matrix as a heat map of counts: rows true, columns predicted.

    A cell's shade is its share of its row (of the true class); clicking it
    emits ``cell_chosen(true, predicted)``. ``matrix`` is what is shown.
    """

    cell_chosen = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.matrix = np.zeros((0, 0), dtype="int64")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(False)
        apply_table_style(self)
        for header in (self.horizontalHeader(), self.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            header.setMinimumSectionSize(26)
        self.setToolTip("Rows: true class; columns: predicted class. Click a cell to list its samples.")
        self.cellClicked.connect(self.cell_chosen)

    def set_report(self, report: ClassificationReport) -> None:
        """Show ``report``'s confusion matrix."""
        self.matrix = report.confusion_matrix
        count = len(report.classes)
        self.setRowCount(count)
        self.setColumnCount(count)
        self.setHorizontalHeaderLabels([f"→ {name}" for name in report.classes])
        self.setVerticalHeaderLabels(list(report.classes))
        for t in range(count):
            for p in range(count):
                item = QTableWidgetItem(str(int(self.matrix[t, p])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setToolTip(f"true {report.classes[t]}, predicted {report.classes[p]}: "
                                f"{int(self.matrix[t, p])} samples")
                self.setItem(t, p, item)
        self._colour()

    def changeEvent(self, event: QEvent) -> None:
        """Recolour on a palette change (a theme switch)."""
        if event.type() == QEvent.Type.PaletteChange:
            self._colour()
        super().changeEvent(event)

    def _colour(self) -> None:
        palette = self.palette()
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        correct = series_color(2, palette)  # green-ish: the diagonal
        wrong = series_color(1, palette)  # orange: mistakes
        rows = self.matrix.sum(axis=1, keepdims=True)
        share = np.divide(self.matrix, rows, out=np.zeros(self.matrix.shape), where=rows > 0)
        for t in range(self.rowCount()):
            for p in range(self.columnCount()):
                item = self.item(t, p)
                if item is None:
                    continue
                amount = math.sqrt(float(share[t, p])) * 0.9
                fill = _blend(correct if t == p else wrong, base, amount)
                item.setBackground(fill)
                strong = fill.lightness() < 128
                item.setForeground(QColor("#ffffff") if strong and fill != base else
                                   (QColor("#111111") if not strong and amount > 0.3 else text))


class EvaluationTab(InspectTab):
    """The evaluation of the opened split: confusion matrix, per-class table and curves, or regression plots.

    ``sample_activated(index)`` is emitted when a sample of a cell is double-clicked.
    """

    sample_activated = Signal(int)

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, parent)
        self.evaluation: Evaluation | None = None
        self.cell: tuple[int, int] | None = None
        self.summary = muted_label()
        # classification
        self.matrix_view = ConfusionMatrixView()
        self.matrix_view.cell_chosen.connect(self.choose_cell)
        self.cell_caption = muted_label("Click a cell to list its samples.")
        self.cell_samples = QListWidget()
        self.cell_samples.setToolTip("Double-click a sample to see its activations")
        self.cell_samples.itemActivated.connect(self._on_sample_activated)  # double-click or Enter
        self.per_class = make_table(["Class", "Precision", "Recall", "F1", "Support"])
        self.roc_plot = ThemedPlot("ROC", "false positive rate", "true positive rate")
        self.pr_plot = ThemedPlot("Precision-recall", "recall", "precision")
        # regression
        self.scatter_plot = ThemedPlot("Predicted vs true", "true", "predicted")
        self.residual_plot = ThemedPlot("Residuals", "predicted", "true − predicted")
        self._build()
        self.show_message("No run is open.")

    def _build(self) -> None:
        samples_box = QWidget()
        samples_layout = QVBoxLayout(samples_box)
        samples_layout.setContentsMargins(0, 0, 0, 0)
        samples_layout.addWidget(heading("Samples in the cell"))
        samples_layout.addWidget(self.cell_caption)
        samples_layout.addWidget(self.cell_samples, 1)
        matrix_box = QWidget()
        matrix_layout = QVBoxLayout(matrix_box)
        matrix_layout.setContentsMargins(0, 0, 0, 0)
        matrix_layout.addWidget(heading("Confusion matrix (rows true, columns predicted)"))
        matrix_layout.addWidget(self.matrix_view, 1)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(heading("Per class"))
        table_layout.addWidget(self.per_class, 1)
        self.curves_box = QWidget()
        curves = QHBoxLayout(self.curves_box)
        curves.setContentsMargins(0, 0, 0, 0)
        curves.addWidget(self.roc_plot)
        curves.addWidget(self.pr_plot)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(matrix_box)
        top.addWidget(samples_box)
        top.addWidget(table_box)
        top.setSizes([500, 170, 430])  # the per-class table fits without scrolling sideways
        top.setStretchFactor(0, 5)
        top.setStretchFactor(1, 2)
        top.setStretchFactor(2, 4)
        self.classification_box = QSplitter(Qt.Orientation.Vertical)
        self.classification_box.addWidget(top)
        self.classification_box.addWidget(self.curves_box)
        self.regression_box = QWidget()
        regression = QHBoxLayout(self.regression_box)
        regression.setContentsMargins(0, 0, 0, 0)
        regression.addWidget(self.scatter_plot)
        regression.addWidget(self.residual_plot)
        layout = QVBoxLayout(self.content)
        layout.addWidget(self.summary)
        layout.addWidget(self.classification_box, 1)
        layout.addWidget(self.regression_box, 1)

    # ------------------------------------------------------------- public
    def set_run(self, opened: OpenedRun | None) -> None:
        """Show ``opened``'s evaluation (or why there is none)."""
        super().set_run(opened)
        self.evaluation = opened.evaluation if opened is not None else None
        self.cell = None
        self.cell_samples.clear()
        if opened is None:
            self.show_message("No run is open.")
            return
        if self.evaluation is None:
            self.show_message(f"The {opened.split} split could not be evaluated: {opened.evaluation_error}")
            return
        evaluation = self.evaluation
        loss = f" · {evaluation.loss_name} {evaluation.loss:.4g}" if math.isfinite(evaluation.loss) else ""
        samples = f"{len(evaluation.outputs)} samples of the {opened.split} split"
        if evaluation.classification is not None:
            report = evaluation.classification
            self.summary.setText(f"{samples} · accuracy {report.accuracy:.1%}{loss}")
            self._show_classification(evaluation)
        else:
            report = evaluation.regression
            self.summary.setText(f"{samples} · MAE {report.mae:.4g} · RMSE {report.rmse:.4g} · "
                                 f"R² {report.r2:.3f}{loss}")
            self._show_regression(report)
        self.classification_box.setVisible(evaluation.classification is not None)
        self.regression_box.setVisible(evaluation.regression is not None)
        self.show_content()

    def choose_cell(self, true_class: int, predicted_class: int) -> None:
        """List the samples of true class ``true_class`` predicted as ``predicted_class``."""
        evaluation = self.evaluation
        if evaluation is None or evaluation.classification is None:
            return
        report = evaluation.classification
        self.cell = (true_class, predicted_class)
        indices = report.samples_in_cell(true_class, predicted_class)
        names = report.classes
        self.cell_caption.setText(f"true {names[true_class]}, predicted {names[predicted_class]}: "
                                  f"{len(indices)} samples" + (f" (first {MAX_LISTED})" if len(indices) >
                                                               MAX_LISTED else ""))
        self.cell_samples.clear()
        for index in indices[:MAX_LISTED]:
            item = QListWidgetItem(f"sample {int(index)} · {float(evaluation.confidence[index]):.0%} sure")
            item.setData(Qt.ItemDataRole.UserRole, int(index))
            self.cell_samples.addItem(item)
        if self.matrix_view.currentRow() != true_class or self.matrix_view.currentColumn() != predicted_class:
            self.matrix_view.setCurrentCell(true_class, predicted_class)

    def listed_samples(self) -> list[int]:
        """The sample indices listed for the chosen cell."""
        role = Qt.ItemDataRole.UserRole
        return [self.cell_samples.item(i).data(role) for i in range(self.cell_samples.count())]

    # -------------------------------------------------------------- helpers
    def _show_classification(self, evaluation: Evaluation) -> None:
        report = evaluation.classification
        self.matrix_view.set_report(report)
        self.cell_caption.setText("Click a cell to list its samples.")
        rows = [[name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", str(int(s))] for name, p, r, f, s in zip(
            report.classes, report.precision, report.recall, report.f1, report.support, strict=True)]
        total = str(int(report.support.sum()))
        rows.append(["accuracy", "", "", f"{report.accuracy:.3f}", total])
        for title, values in (("macro avg", report.macro), ("weighted avg", report.weighted)):
            if values:
                rows.append([title, f"{values['precision']:.3f}", f"{values['recall']:.3f}",
                             f"{values['f1']:.3f}", total])
        self._fill_per_class(rows, len(report.classes))
        binary = evaluation.roc is not None and evaluation.precision_recall is not None
        self.curves_box.setVisible(binary)
        if binary:
            self._draw_curve(self.roc_plot, evaluation.roc, diagonal=True)
            self._draw_curve(self.pr_plot, evaluation.precision_recall, diagonal=False)

    def _fill_per_class(self, rows: list[list[str]], classes: int) -> None:
        table = self.per_class
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(RIGHT)
                if r >= classes:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                table.setItem(r, c, item)
        for c in range(1, 5):
            table.horizontalHeaderItem(c).setTextAlignment(RIGHT)
        table.resizeColumnsToContents()

    def _draw_curve(self, plot: ThemedPlot, curve: Curve, diagonal: bool) -> None:
        plot.clear()
        area = "AUC" if curve.name == "roc" else "average precision"
        plot.title = f"{'ROC' if curve.name == 'roc' else 'Precision-recall'} · {area} {curve.area:.3f}"
        plot.apply_palette()
        muted = plot.palette().color(QPalette.ColorRole.PlaceholderText)
        if diagonal:
            plot.plot([0, 1], [0, 1], pen=pg.mkPen(muted, style=Qt.PenStyle.DashLine))
        plot.plot(curve.x, curve.y, pen=pg.mkPen(series_color(0, plot.palette()), width=2))
        plot.setXRange(0, 1, padding=0.02)
        plot.setYRange(0, 1, padding=0.02)
        plot.curve = curve
        plot.on_palette = lambda: self._draw_curve(plot, curve, diagonal)

    def _show_regression(self, report: RegressionReport) -> None:
        step = max(len(report.true) // MAX_SCATTER, 1)
        true, predicted, residuals = report.true[::step], report.predicted[::step], report.residuals[::step]

        def draw() -> None:
            color = series_color(0, self.palette())
            muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
            dot = {"pen": None, "symbol": "o", "symbolSize": 5, "symbolBrush": pg.mkBrush(color),
                   "symbolPen": None}
            self.scatter_plot.clear()
            low = float(min(np.min(true), np.min(predicted))) if len(true) else 0.0
            high = float(max(np.max(true), np.max(predicted))) if len(true) else 1.0
            self.scatter_plot.plot([low, high], [low, high], pen=pg.mkPen(muted, style=Qt.PenStyle.DashLine))
            self.scatter_plot.plot(true, predicted, **dot)
            self.residual_plot.clear()
            self.residual_plot.addLine(y=0, pen=pg.mkPen(muted, style=Qt.PenStyle.DashLine))
            self.residual_plot.plot(predicted, residuals, **dot)

        draw()
        self.scatter_plot.on_palette = draw
        self.residual_plot.on_palette = draw

    def _on_sample_activated(self, item: QListWidgetItem) -> None:
        self.sample_activated.emit(int(item.data(Qt.ItemDataRole.UserRole)))
