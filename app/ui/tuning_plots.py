"""The Tuning panel's plots: the objective against each parameter, and parallel coordinates.

``ParamPlot`` draws one ``ParamSeries`` on the parameter's own scale: a log
axis for log and log-spread integer parameters, an axis in ``1 - 10^r``
steps (0.9, 0.99, 0.999) for one-minus-log ones, one tick per option for a
choice. The objective axis turns logarithmic when the values span more than
two decades (a diverging learning rate next to a good one). The best trial
is drawn larger in the highlight colour; pruned trials are hollow.

``ParallelPlot`` draws every finished trial as a line across all the
parameters (each on its own scale, 0 at the low end) and the objective (0:
worst, 1: best), coloured from the muted text colour (worst) to the
highlight colour (best). Colours come from the palette, so both themes work.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from app.tuning.results import PRUNED, ParallelCoordinates, ParamSeries, SearchResults
from app.tuning.space import CHOICE, LINEAR, LOG, ONE_MINUS_LOG, SearchSpace, format_value
from app.ui.curves import series_color
from app.ui.widgets import muted_label

LOG_Y_RATIO = 100.0  # the objective axis turns logarithmic past this ratio of largest to smallest
POINT_SIZE, BEST_SIZE = 8, 13
PLOT_COLUMNS = 2
EMPTY_PLOTS_TEXT = "The objective against each parameter appears here once trials have finished."
EMPTY_PARALLEL_TEXT = "Every finished trial appears here as one line across the parameters."


def _style_axes(plot: pg.PlotItem, palette: QPalette, title: str = "", x_label: str = "") -> None:
    text = palette.color(QPalette.ColorRole.Text)
    muted = palette.color(QPalette.ColorRole.PlaceholderText)
    for side in ("left", "bottom"):
        axis = plot.getAxis(side)
        axis.setPen(pg.mkPen(muted))
        axis.setTextPen(pg.mkPen(text))
    if title:
        plot.setTitle(title, color=text.name(), size="9pt")
    if x_label:
        plot.setLabel("bottom", x_label, color=muted.name(), size="8pt")


def _mix(first: QColor, second: QColor, amount: float) -> QColor:
    """``amount`` of ``second`` over ``first`` (0: first, 1: second), opaque."""
    return QColor.fromRgbF(*((1 - amount) * a + amount * b for a, b in zip(
        (first.redF(), first.greenF(), first.blueF()), (second.redF(), second.greenF(), second.blueF()),
        strict=True)))


class ParamPlot(pg.PlotWidget):
    """The objective against one parameter, on the parameter's own scale."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: ParamSeries | None = None
        self.best_number: int | None = None
        self.metric = "objective"
        self.setMenuEnabled(False)
        self.getPlotItem().hideButtons()
        self.setMinimumSize(260, 200)
        self.setToolTip("Each point is one trial; the large one is the best")
        self._points = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=POINT_SIZE)
        self._pruned = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=POINT_SIZE)
        self._best = pg.PlotDataItem([], [], pen=None, symbol="o", symbolSize=BEST_SIZE)
        for item in (self._points, self._pruned, self._best):
            self.addItem(item)

    @property
    def point_count(self) -> int:
        """How many trials are drawn."""
        return len(self.series.objective) if self.series else 0

    @property
    def log_x(self) -> bool:
        """True when the parameter axis is logarithmic."""
        return bool(self.getPlotItem().ctrl.logXCheck.isChecked())

    @property
    def log_y(self) -> bool:
        """True when the objective axis is logarithmic."""
        return bool(self.getPlotItem().ctrl.logYCheck.isChecked())

    def show_series(self, series: ParamSeries, best_number: int | None, metric: str = "objective") -> None:
        """Draw ``series``; the trial numbered ``best_number`` is marked."""
        self.series, self.best_number, self.metric = series, best_number, metric
        self._draw()

    def _draw(self) -> None:
        series = self.series
        if series is None:
            return
        parameter = series.parameter
        plot = self.getPlotItem()
        xs = self._x_values(series)
        ys = np.asarray(series.objective, dtype=float)
        positive = ys[ys > 0]
        log_y = bool(len(positive) == len(ys) > 1 and positive.max() / positive.min() > LOG_Y_RATIO)
        log_x = parameter.log_axis and parameter.scale != ONE_MINUS_LOG  # log, log-spread int
        plot.setLogMode(x=log_x, y=log_y)
        self._set_ticks(series)
        palette = self.palette()
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        _style_axes(plot, palette, parameter.name, _scale_label(parameter.scale, parameter.log))
        plot.setLabel("left", self.metric, color=palette.color(QPalette.ColorRole.PlaceholderText).name(),
                      size="8pt")
        color = series_color(0, palette)
        pruned = np.array([state == PRUNED for state in series.states], dtype=bool)
        best = np.array([number == self.best_number for number in series.numbers], dtype=bool)
        plain = ~pruned & ~best
        self._points.setData(xs[plain], ys[plain], symbolBrush=pg.mkBrush(color), symbolPen=pg.mkPen(color))
        self._pruned.setData(xs[pruned & ~best], ys[pruned & ~best], symbolBrush=None,
                             symbolPen=pg.mkPen(color, width=1.5))
        highlight = palette.color(QPalette.ColorRole.Highlight)
        self._best.setData(xs[best], ys[best], symbolBrush=pg.mkBrush(highlight),
                           symbolPen=pg.mkPen(palette.color(QPalette.ColorRole.Text), width=1.5))
        plot.enableAutoRange()

    @staticmethod
    def _x_values(series: ParamSeries) -> np.ndarray:
        parameter = series.parameter
        if parameter.scale == CHOICE:
            return np.asarray([parameter.choices.index(v) for v in series.values], dtype=float)
        if parameter.scale == ONE_MINUS_LOG:
            return np.asarray([-math.log10(max(1.0 - float(v), 1e-15)) for v in series.values], dtype=float)
        return np.asarray(series.values, dtype=float)

    def _set_ticks(self, series: ParamSeries) -> None:
        parameter = series.parameter
        axis = self.getPlotItem().getAxis("bottom")
        if parameter.scale == CHOICE:
            axis.setTicks([[(i, format_value(c)) for i, c in enumerate(parameter.choices)]])
        elif parameter.scale == ONE_MINUS_LOG:
            low = math.floor(-math.log10(1.0 - parameter.low)) if parameter.low < 1 else 0
            high = math.ceil(-math.log10(1.0 - parameter.high))
            axis.setTicks([[(k, format_value(round(1 - 10.0 ** -k, k + 1))) for k in range(low, high + 1)]])
        elif self.log_x:
            axis.setTicks([log_ticks(float(parameter.low), float(parameter.high))])
        else:
            axis.setTicks(None)

    def changeEvent(self, event: QEvent) -> None:
        """Redraw in the new colours on a palette change (a theme switch)."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_best"):
            self._draw()
        super().changeEvent(event)


class ParamPlots(QWidget):
    """One ``ParamPlot`` per parameter of the search, in a scrolling grid, or a note while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots: dict[str, ParamPlot] = {}
        self._grid = QGridLayout()
        self._grid.setSpacing(6)
        holder = QWidget()
        holder.setLayout(self._grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(holder)
        self.empty_label = _centered(EMPTY_PLOTS_TEXT)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.empty_label)
        self._stack.addWidget(scroll)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    def set_results(self, results: SearchResults | None) -> None:
        """Draw the objective against each parameter of ``results`` (None: nothing)."""
        names = results.space.names if results else []
        for name in [n for n in self.plots if n not in names]:
            plot = self.plots.pop(name)
            self._grid.removeWidget(plot)
            plot.deleteLater()
        for index, name in enumerate(names):
            plot = self.plots.get(name)
            if plot is None:
                plot = self.plots[name] = ParamPlot()
            self._grid.addWidget(plot, index // PLOT_COLUMNS, index % PLOT_COLUMNS)
        has_points = False
        if results is not None:
            best = results.best
            for name in names:
                series = results.param_series(name)
                has_points |= bool(series.objective)
                self.plots[name].show_series(series, best.number if best else None, results.metric)
        self._stack.setCurrentIndex(1 if has_points else 0)


class ParallelPlot(QWidget):
    """Parallel coordinates of the finished trials, or a note while there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.coordinates: ParallelCoordinates | None = None
        self.space: SearchSpace | None = None
        self.best_number: int | None = None
        self.plot = pg.PlotWidget()
        self.plot.setMenuEnabled(False)
        self.plot.getPlotItem().hideButtons()
        self.plot.getPlotItem().hideAxis("left")
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setToolTip("One line per finished trial, each axis on its parameter's own scale; the "
                             "more strongly coloured a line, the better the trial (the best is thickest)")
        self.empty_label = _centered(EMPTY_PARALLEL_TEXT)
        self._stack = QStackedWidget()
        self._stack.addWidget(self.empty_label)
        self._stack.addWidget(self.plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    @property
    def line_count(self) -> int:
        """How many trials are drawn."""
        return len(self.coordinates.lines) if self.coordinates else 0

    def set_results(self, results: SearchResults | None) -> None:
        """Draw every finished trial of ``results`` (None: nothing)."""
        self.coordinates = results.parallel_coordinates() if results else None
        self.space = results.space if results else None
        best = results.best if results else None
        self.best_number = best.number if best else None
        self._draw()

    def _draw(self) -> None:
        plot = self.plot.getPlotItem()
        plot.clear()
        coordinates = self.coordinates
        if not coordinates or not coordinates.lines:
            self._stack.setCurrentIndex(0)
            return
        self._stack.setCurrentIndex(1)
        palette = self.palette()
        self.plot.setBackground(palette.color(QPalette.ColorRole.Base))
        _style_axes(plot, palette)
        faint = palette.color(QPalette.ColorRole.Mid)
        text = palette.color(QPalette.ColorRole.Text)
        highlight = palette.color(QPalette.ColorRole.Highlight)
        count = len(coordinates.axes)
        xs = np.arange(count, dtype=float)
        axis_pen = pg.mkPen(palette.color(QPalette.ColorRole.Mid))
        for x in xs:
            plot.addItem(pg.InfiniteLine(pos=x, angle=90, pen=axis_pen))
        order = sorted(range(len(coordinates.lines)), key=lambda i: coordinates.lines[i][-1])
        for index in order:  # the best lines last, on top
            line = coordinates.lines[index]
            best = coordinates.numbers[index] == self.best_number
            pen = pg.mkPen(highlight if best else _mix(faint, highlight, 0.1 + 0.75 * line[-1]),
                           width=3 if best else 1.5)
            plot.addItem(pg.PlotDataItem(xs, np.asarray(line, dtype=float), pen=pen))
        self._label_ends(plot, coordinates, text)
        plot.getAxis("bottom").setTicks([[(i, _short(name)) for i, name in enumerate(coordinates.axes)]])
        plot.setXRange(-0.3, count - 0.7, padding=0)
        plot.setYRange(-0.12, 1.12, padding=0)

    def _label_ends(self, plot: pg.PlotItem, coordinates: ParallelCoordinates, color: QColor) -> None:
        """The value at each axis's top and bottom (the objective: best on top)."""
        ends: list[tuple[str, str]] = []
        for name in coordinates.axes[:-1]:
            parameter = self.space.get(name) if self.space else None
            if parameter is None:
                ends.append(("", ""))
            else:
                ends.append((format_value(parameter.value_at(0.0)), format_value(parameter.value_at(1.0))))
        values = coordinates.values
        worst, best = (max(values), min(values)) if _minimizing(coordinates) else (min(values), max(values))
        ends.append((f"{worst:.4g}", f"{best:.4g}"))
        for x, (low, high) in enumerate(ends):
            for y, label, anchor in ((0.0, low, (0.5, -0.1)), (1.0, high, (0.5, 1.1))):
                item = pg.TextItem(label, color=color, anchor=anchor)
                item.setPos(x, y)
                plot.addItem(item)

    def changeEvent(self, event: QEvent) -> None:
        """Redraw in the new colours on a palette change (a theme switch)."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "_stack"):
            self._draw()
        super().changeEvent(event)


def log_ticks(low: float, high: float) -> list[tuple[float, str]]:
    """Ticks for a log axis from ``low`` to ``high``, at log10 positions (as pyqtgraph's log mode wants).

    Powers of ten over three decades or more; 1, 2 and 5 times them over fewer
    (a batch size from 4 to 64 gets 5, 10, 20, 50).
    """
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    steps = (1,) if last - first >= 3 else (1, 2, 5)
    ticks = [step * 10.0 ** k for k in range(first, last + 1) for step in steps]
    inside = [v for v in ticks if low * 0.999 <= v <= high * 1.001] or [low, high]
    return [(math.log10(v), format_value(float(f"{v:.3g}")).removesuffix(".0")) for v in inside]


def _minimizing(coordinates: ParallelCoordinates) -> bool:
    """True when a higher score went with a lower value (the objective is minimized)."""
    pairs = sorted(zip(coordinates.values, (line[-1] for line in coordinates.lines), strict=True))
    return len(pairs) > 1 and pairs[0][1] > pairs[-1][1]


def _short(name: str) -> str:
    return name.removeprefix("training.")


def _scale_label(scale: str, log: bool) -> str:
    names = {LINEAR: "linear", LOG: "log scale", CHOICE: "choice", ONE_MINUS_LOG: "1 − 10^r scale"}
    return names.get(scale, "integer, log scale" if log else "integer")


def _centered(text: str) -> QLabel:
    label = muted_label(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label
