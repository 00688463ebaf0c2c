"""The Health tab: what training did to each layer's weights and gradients, epoch by epoch.

For the layer chosen: its weight and gradient histograms stacked over the
epochs (a heat map, epoch across, value up; each epoch's histogram is moved
onto one value axis for the layer). For every layer: the gradient norm and
the update-to-weight ratio per step over the epochs on log axes, with a
dashed line at the rule of thumb 1e-3; and the latest epoch's badges
(ok / amber / red with the reason).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.inspection.health import AMBER, OK, RED, Badge, HealthHistory, health_badges
from app.ui.curves import series_color
from app.ui.inspect.common import InspectTab, OpenedRun, heading
from app.ui.inspect.images import ImagePlot, ThemedPlot
from app.ui.inspect.jobs import InspectJobs
from app.ui.theme import is_dark
from app.ui.widgets import RIGHT, make_table, muted_label

VALUE_BINS = 40  # rows of the stacked histogram
HEALTHY_RATIO = 1e-3
NO_HEALTH = "This run did not record training health (Training settings > Record training health)."
BADGE_HUES = {AMBER: 38, RED: 2}


def stacked_histogram(counts: np.ndarray, edges: np.ndarray, bins: int = VALUE_BINS
                      ) -> tuple[np.ndarray, float, float]:
    """Per-epoch histograms ``(E, b)``, each with its own ``edges`` ``(E, b + 1)``, on one value axis.

    Returns ``(image, low, high)``: ``image`` is ``(bins, E)`` (row 0 the
    lowest value); each column is its epoch's histogram spread over the
    common bins in proportion to their overlap (counts are kept: a
    column sums to its epoch's count); ``low``/``high`` the axis's ends.
    """
    epochs = counts.shape[0]
    used = edges[np.any(edges != 0, axis=1)] if epochs else edges
    if not len(used):
        return np.zeros((bins, epochs)), 0.0, 1.0
    low, high = float(used[:, 0].min()), float(used[:, -1].max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    common = np.linspace(low, high, bins + 1)
    image = np.zeros((bins, epochs))
    for epoch in range(epochs):
        if not np.any(edges[epoch]):
            continue
        cumulative = np.concatenate([[0.0], np.cumsum(counts[epoch], dtype="float64")])
        image[:, epoch] = np.diff(np.interp(common, edges[epoch], cumulative))
    return image, low, high


def badge_color(status: str, palette: QPalette) -> QColor | None:
    """The background of a badge: amber or red, readable on ``palette``; None for ok."""
    hue = BADGE_HUES.get(status)
    if hue is None:
        return None
    return QColor.fromHslF(hue / 360, 0.85, 0.32 if is_dark(palette) else 0.78)


def _number(value: float, style: str = "{:.2e}") -> str:
    return style.format(value) if math.isfinite(value) else "—"


class HealthTab(InspectTab):
    """Training health of the opened run: stacked histograms, norms and ratios, and the badges.

    ``history`` is the ``HealthHistory`` shown; ``badges`` the latest epoch's badges by layer.
    """

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, parent)
        self.history: HealthHistory | None = None
        self.badges: dict[str, Badge] = {}
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(14)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.caption = muted_label()
        self.weight_plot = ImagePlot("epoch", "weight value")
        self.gradient_plot = ImagePlot("epoch", "gradient value")
        for plot in (self.weight_plot, self.gradient_plot):
            plot.plot.invertY(False)
            plot.plot.setAspectLocked(False)
        self.norm_plot = ThemedPlot("Gradient norm", "epoch")
        self.ratio_plot = ThemedPlot("Update / weight", "epoch")
        for plot in (self.norm_plot, self.ratio_plot):
            plot.setLogMode(y=True)
            plot.addLegend(offset=(-6, 6), labelTextSize="8pt")
        self.norm_plot.on_palette = self._draw_lines
        self.ratio_plot.on_palette = self._draw_lines
        self.badge_table = make_table(["Layer", "Status", "Gradient norm", "Update ratio", "Dead ReLU",
                                       "Saturated", "Why"])
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_combo)
        top.addWidget(self.caption, 1)
        grid = QGridLayout()
        grid.addWidget(heading("Weights over the epochs"), 0, 0)
        grid.addWidget(heading("Gradients over the epochs"), 0, 1)
        grid.addWidget(self.weight_plot, 1, 0)
        grid.addWidget(self.gradient_plot, 1, 1)
        grid.addWidget(self.norm_plot, 2, 0)
        grid.addWidget(self.ratio_plot, 2, 1)
        grid.setRowStretch(1, 1)
        grid.setRowStretch(2, 1)
        layout = QVBoxLayout(self.content)
        layout.addLayout(top)
        layout.addLayout(grid, 3)
        layout.addWidget(heading("Latest epoch"))
        layout.addWidget(self.badge_table, 2)
        self.show_message("No run is open.")

    def set_run(self, opened: OpenedRun | None) -> None:
        """Show ``opened``'s recorded health, or say that it recorded none."""
        super().set_run(opened)
        self.history = opened.health if opened is not None else None
        self.badges = {}
        if opened is None:
            self.show_message("No run is open.")
            return
        if self.history is None or not len(self.history.epochs):
            self.show_message(NO_HEALTH)
            return
        history = self.history
        self.badges = health_badges(history)
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for index, layer in enumerate(history.layers):
            if layer.weights:
                self.layer_combo.addItem(f"{layer.name}  ({layer.type})", index)
        self.layer_combo.blockSignals(False)
        epochs = len(history.epochs)
        self.caption.setText(f"{epochs} epoch{'s' if epochs != 1 else ''} recorded · "
                             f"{len(history.layers)} layers")
        self._draw_lines()
        self._fill_badges()
        self.show_content()
        self._on_layer_chosen(self.layer_combo.currentIndex())

    def changeEvent(self, event: QEvent) -> None:
        """Recolour the badges on a palette change (a theme switch); the plots recolour themselves."""
        if event.type() == QEvent.Type.PaletteChange and self.badges:
            self._fill_badges()
        super().changeEvent(event)

    def select_layer(self, name: str) -> bool:
        """Show layer ``name``'s histograms; False when it recorded no weights."""
        for row in range(self.layer_combo.count()):
            if self.history is not None and self.history.layers[self.layer_combo.itemData(row)].name == name:
                self.layer_combo.setCurrentIndex(row)
                return True
        return False

    def _on_layer_chosen(self, row: int) -> None:
        history = self.history
        if history is None or row < 0:
            return
        index = self.layer_combo.itemData(row)
        for plot, counts, edges in ((self.weight_plot, history.weight_counts, history.weight_edges),
                                    (self.gradient_plot, history.gradient_counts, history.gradient_edges)):
            image, low, high = stacked_histogram(counts[:, index], edges[:, index])
            shade = np.log1p(image)
            top = float(shade.max()) or 1.0
            plot.show_values(shade / top, 0.0, top, diverging=False)
            plot.bar.axis.setLabel("log(1 + count)")
            first = float(history.epochs[0]) - 0.5
            plot.image_item.setRect(first, low, float(len(history.epochs)), high - low)
            plot.plot.getAxis("bottom").setTicks(self._epoch_ticks())
            plot.plot.autoRange(padding=0.02)
            plot.histogram = image

    def ratio_values(self) -> tuple[np.ndarray, str]:
        """The update ratios drawn: per step when recorded, else per epoch; with the plot's title."""
        history = self.history
        if np.isfinite(history.step_update_ratio).any():
            return history.step_update_ratio, "Update / weight per step (about 1e-3 is healthy)"
        return history.update_ratio, "Update / weight per epoch (dashed: 1e-3)"

    def _epoch_ticks(self) -> list[list[tuple[float, str]]]:
        epochs = self.history.epochs
        step = max(1, len(epochs) // 10)
        return [[(float(e), str(int(e))) for e in epochs[::step]]]

    def _draw_lines(self) -> None:
        history = self.history
        if history is None:
            return
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        ratios, title = self.ratio_values()
        self.ratio_plot.title = title
        self.ratio_plot.apply_palette()
        for plot, values in ((self.norm_plot, history.grad_norm), (self.ratio_plot, ratios)):
            plot.clear()
            plot.lines = {}
            for index, layer in enumerate(history.layers):
                column = values[:, index]
                if not layer.weights or not np.isfinite(column).any():
                    continue
                color = series_color(len(plot.lines), self.palette())
                plot.lines[layer.name] = plot.plot(
                    history.epochs.astype(float), np.where(column > 0, column, np.nan), name=layer.name,
                    pen=pg.mkPen(color, width=2), symbol="o", symbolSize=5, symbolBrush=pg.mkBrush(color),
                    symbolPen=None, connect="finite")
            if plot is self.ratio_plot:
                plot.addLine(y=math.log10(HEALTHY_RATIO),
                             pen=pg.mkPen(muted, width=1, style=Qt.PenStyle.DashLine))
            plot.getPlotItem().legend.setLabelTextColor(self.palette().color(QPalette.ColorRole.Text))
            plot.getPlotItem().getAxis("bottom").setTicks(self._epoch_ticks())
            plot.setXRange(float(history.epochs[0]) - 0.3, float(history.epochs[-1]) + 0.3, padding=0)
            plot.getPlotItem().enableAutoRange(axis="y")

    def _fill_badges(self) -> None:
        table = self.badge_table
        badges = list(self.badges.values())
        table.setRowCount(len(badges))
        for row, badge in enumerate(badges):
            cells = [badge.layer_name, badge.status if badge.status != OK else "ok",
                     _number(badge.grad_norm), _number(badge.update_ratio),
                     _number(badge.dead_relu, "{:.0%}"), _number(badge.saturation, "{:.0%}"), badge.reason]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if 2 <= column <= 5:
                    item.setTextAlignment(RIGHT)
                if column == 1:
                    color = badge_color(badge.status, self.palette())
                    if color is not None:
                        item.setBackground(color)
                        item.setForeground(self.palette().color(QPalette.ColorRole.Text))
                table.setItem(row, column, item)
        table.resizeColumnsToContents()

