"""Live training curves: growable NumPy series and pyqtgraph plots that stay fast at any length.

A ``Series`` keeps every point (``float64`` steps, ``float32`` values,
capacity doubling), so a million batches cost about 12 MB. A ``CurvePlot``
draws its series with pyqtgraph's peak downsampling and clip-to-view, so a
redraw touches only about two points per pixel column whatever the length;
``refresh()`` hands the plot only the series that grew since the last call.
Colours come from the palette (``apply_palette``), so the dark theme works.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterable

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPaintEvent, QPalette
from PySide6.QtWidgets import QGraphicsItem, QWidget

from app.ui.theme import category_color, is_dark

INITIAL_CAPACITY = 1024
# Past this many points a curve is drawn with a thin solid pen: a dashed pen over a long, noisy
# curve costs Qt ~25 ms a redraw and a 2 px one several times a 1 px one (a validation curve's
# own colour still sets it apart).
SHORT_CURVE = 400
# While following a growing run, the value range keeps room to fall into and is only refitted when
# the values leave it (or fill less than Y_SNUG of it): most redraws then keep both axes as they
# are, and pyqtgraph repaints axes from a cached picture instead of laying out their ticks again
# (two thirds of a redraw's cost).
Y_ROOM = 0.1
Y_SNUG = 0.75
# Hues borrowed from the layer categories: readable on both themes, distinct from each other.
_HUES = ("Core", "Convolution", "Input", "Attention", "Recurrent", "Activation", "Pooling", "Merge")
TRAINING, VALIDATION, FAINT, SCHEDULE = "training", "validation", "faint", "schedule"


def series_color(index: int, palette: QPalette) -> QColor:
    """The ``index``-th curve colour, readable on ``palette``'s base colour."""
    return category_color(_HUES[index % len(_HUES)], is_dark(palette))


class Series:
    """Points ``(x, y)`` in growable NumPy buffers; ``x`` and ``y`` are views of the filled part."""

    def __init__(self) -> None:
        self._x = np.empty(INITIAL_CAPACITY, dtype=np.float64)
        self._y = np.empty(INITIAL_CAPACITY, dtype=np.float32)
        self.count = 0
        self.version = 0  # grows with every change (a held value moves its last point: same count)
        self.top = -math.inf  # the largest finite value so far
        self.bottom = math.inf  # the smallest

    def __len__(self) -> int:
        return self.count

    @property
    def x(self) -> np.ndarray:
        """The steps so far (a view)."""
        return self._x[: self.count]

    @property
    def y(self) -> np.ndarray:
        """The values so far (a view)."""
        return self._y[: self.count]

    def append(self, x: float, y: float) -> None:
        """Add one point."""
        self.extend((x,), (y,))

    def extend(self, xs: Iterable[float], ys: Iterable[float]) -> None:
        """Add many points at once (one copy, not one per point)."""
        x = np.asarray(list(xs) if not isinstance(xs, np.ndarray) else xs, dtype=np.float64)
        y = np.asarray(list(ys) if not isinstance(ys, np.ndarray) else ys, dtype=np.float32)
        end = self.count + len(x)
        if end > len(self._x):
            capacity = max(end, 2 * len(self._x))
            self._x = np.resize(self._x, capacity)
            self._y = np.resize(self._y, capacity)
        self._x[self.count:end] = x
        self._y[self.count:end] = y
        self.count = end
        self.version += 1
        finite = y[np.isfinite(y)]
        if len(finite):
            self.top = max(self.top, float(finite.max()))
            self.bottom = min(self.bottom, float(finite.min()))

    def extend_changes(self, xs: Iterable[float], ys: Iterable[float]) -> None:
        """Add points where the value changes; a held value only moves its last point along.

        A learning rate that holds for a million batches costs two points, not
        a million, and is drawn the same.
        """
        x = np.asarray(list(xs) if not isinstance(xs, np.ndarray) else xs, dtype=np.float64)
        y = np.asarray(list(ys) if not isinstance(ys, np.ndarray) else ys, dtype=np.float32)
        if not len(x):
            return
        # A point in the middle of a flat run changes nothing drawn: drop it (the stored last
        # point too, when the new points carry its run on).
        if self.count >= 2 and self._y[self.count - 2] == self._y[self.count - 1] == y[0]:
            self.count -= 1
        before = np.concatenate(([self._y[self.count - 1]] if self.count else [np.nan], y[:-1]))
        after = np.concatenate((y[1:], [np.nan]))
        keep = ~((before == y) & (y == after))
        self.extend(x[keep], y[keep])

    def clear(self) -> None:
        """Forget every point (the buffers shrink back)."""
        version = self.version
        self.__init__()
        self.version = version + 1


class Smoother:
    """An exponential moving average with bias correction (as TensorBoard smooths loss)."""

    def __init__(self, weight: float = 0.95) -> None:
        self.weight = weight
        self._average = 0.0
        self._count = 0

    def __call__(self, value: float) -> float:
        """Feed ``value``; returns the smoothed value so far (non-finite values are skipped)."""
        if math.isfinite(value):
            self._count += 1
            self._average = self.weight * self._average + (1.0 - self.weight) * value
        if self._count == 0:
            return math.nan
        return self._average / (1.0 - self.weight ** self._count)


def peak_decimate(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """At most about ``2 * columns`` points that draw like ``(x, y)``: each bucket's min and max.

    Short curves come back as they are. Spikes survive (a bucket keeps its
    extremes); NaN values in a bucket are skipped.
    """
    count = len(x)
    if count <= 2 * columns:
        return x, y
    size = -(-count // columns)  # points per bucket, rounded up
    whole = count // size * size
    blocks = y[:whole].reshape(-1, size)
    with warnings.catch_warnings():  # an all-NaN bucket gives NaN, which is what should be drawn
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(blocks, axis=1), np.nanmax(blocks, axis=1)
    xs = np.empty(2 * len(blocks), dtype=np.float64)
    ys = np.empty(2 * len(blocks), dtype=np.float32)
    xs[0::2], xs[1::2] = x[:whole:size], x[size - 1:whole:size]
    ys[0::2], ys[1::2] = low, high
    return np.concatenate((xs, x[whole:])), np.concatenate((ys, y[whole:]))


class CurvePlot(pg.PlotWidget):
    """A titled plot of named curves, each backed by a ``Series`` and downsampled for drawing.

    ``add_curve(name, color_index, style)``: ``style`` is ``training`` (solid),
    ``validation`` (dashed), ``faint`` (thin, translucent: raw per-batch
    values) or ``schedule`` (dotted: a plan, not a measurement).

    The plot sets its own range in ``refresh`` from the bounds each series
    keeps as it grows: pyqtgraph's auto-range would rescan every point and
    change the range during the paint, which paints every plot twice. With
    ``from_zero`` the value axis starts at 0 (a constant learning rate is
    then a line near the top, not mid-air). ``rising`` puts the legend at the
    bottom, out of the way of a curve that climbs (an accuracy).

    The wheel zooms and a drag pans; from then on the plot holds the range
    the person chose (``following`` is False) and decimates only the part in
    view, so zooming into a million batches shows every one of them.
    Double-click goes back to following the whole run.
    """

    def __init__(self, title: str, x_label: str = "", parent: QWidget | None = None,
                 from_zero: bool = False, rising: bool = False) -> None:
        super().__init__(parent)
        self.title = title
        self.from_zero = from_zero
        self._x_label = x_label
        self.series: dict[str, Series] = {}
        self.items: dict[str, pg.PlotCurveItem] = {}
        self._styles: dict[str, tuple[int, str]] = {}
        self._drawn: dict[str, int] = {}
        self._short: dict[str, bool] = {}
        self.following = True
        self.planned_right: float | None = None  # the x-axis reaches this at least (see ``plan``)
        self._fitted: tuple[float, float, float, float] | None = None  # the range last asked for
        # CPU seconds of this thread that refreshing and painting took lately (moving averages)
        self.refresh_cost_s = self.paint_cost_s = 0.0
        self.setMenuEnabled(False)
        self.getPlotItem().disableAutoRange()
        self.getPlotItem().getViewBox().sigRangeChangedManually.connect(self._on_zoomed)
        self.setToolTip("Scroll to zoom, drag to pan; double-click to see the whole run again")
        self.setMinimumSize(220, 160)
        self.getPlotItem().hideButtons()
        # The value axis only ever widens for its tick labels: narrowing and widening again as the
        # range moved laid the whole plot out anew, and painted it three times per redraw.
        self.getPlotItem().getAxis("left").setStyle(autoReduceTextSpace=False)
        # No grid: the axes redraw whenever a growing curve moves the range, and grid lines
        # doubled that cost (6 ms instead of 3 per plot).
        # Curves are decimated by ``peak_decimate`` to a min/max pair per pixel column of the part
        # in view before pyqtgraph sees them; its own downsampling stays off.
        self.getPlotItem().setDownsampling(auto=False)
        self.getPlotItem().setClipToView(False)
        # Bottom right where the values start at zero (a learning rate runs along the top) or rise
        # (an accuracy ends in the top right corner); else top right, above a falling loss.
        offset = (-8, -8) if from_zero or rising else (-8, 8)
        self.legend = self.getPlotItem().addLegend(offset=offset, labelTextSize="8pt")
        # The axes, the title and the legend change seldom: Qt keeps each as a pixmap and draws that
        # instead of calling their paint (Python) at every redraw. That is a quarter less of the GUI
        # thread's time, and fewer hand-overs of the GIL to and from the training thread.
        for item in (self.getPlotItem().getAxis("left"), self.getPlotItem().getAxis("bottom"),
                     self.getPlotItem().titleLabel, self.legend):
            item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.apply_palette(self.palette())
        self._show_legend()

    # ------------------------------------------------------------ curves
    def add_curve(
        self, name: str, color_index: int = 0, style: str = TRAINING, label: str | None = None
    ) -> Series:
        """The series named ``name``, created (with its drawn curve) when new."""
        if name in self.series:
            return self.series[name]
        item = pg.PlotCurveItem(name=label if label is not None else name, skipFiniteCheck=True)
        self.getPlotItem().addItem(item)
        if style == SCHEDULE:
            item.setZValue(-1)  # the plan lies under what was measured
        self.series[name] = Series()
        self.items[name] = item
        self._styles[name] = (color_index, style)
        self._drawn[name] = -1
        self._style(name)
        return self.series[name]

    def replace_points(self, name: str, xs: Iterable[float], ys: Iterable[float]) -> None:
        """Give the existing curve ``name`` new points (cheaper than removing and adding it)."""
        series = self.series[name]
        series.clear()
        series.extend(xs, ys)
        self._drawn[name] = -1
        self._fitted = None

    def remove_curve(self, name: str) -> None:
        """Take the curve ``name`` off the plot and forget its points."""
        item = self.items.pop(name, None)
        if item is None:
            return
        self.getPlotItem().removeItem(item)
        self.legend.removeItem(item)
        del self.series[name], self._styles[name], self._drawn[name]
        self._short.pop(name, None)
        self._fitted = None
        self._show_legend()

    def clear_curves(self, prefix: str = "") -> None:
        """Remove every curve whose name starts with ``prefix`` (all when empty)."""
        for name in [n for n in self.series if n.startswith(prefix)]:
            self.remove_curve(name)

    def point_count(self, name: str) -> int:
        """How many points the curve ``name`` holds (0 when there is none)."""
        series = self.series.get(name)
        return len(series) if series is not None else 0

    @property
    def pending(self) -> bool:
        """True when a series grew (or was replaced) since the last ``refresh``."""
        return any(self._drawn[name] != series.version for name, series in self.series.items())

    def refresh(self) -> None:
        """Hand the plot the series that changed since the last refresh."""
        changed = [name for name, series in self.series.items() if self._drawn[name] != series.version]
        if not changed:
            return
        start = time.thread_time()
        if self.following:
            self._fit_range()  # first: the curves then take their data under the final range
        view = self.getPlotItem().getViewBox()
        width = max(int(view.width()), 100)
        left, right = view.viewRange()[0]
        for name in changed:
            series = self.series[name]
            self._drawn[name] = series.version
            x, y = series.x, series.y
            if not self.following:  # only the part in view, and one point either side of it
                first = max(int(np.searchsorted(x, left)) - 1, 0)
                last = int(np.searchsorted(x, right)) + 1
                x, y = x[first:last], y[first:last]
            # A copy: pyqtgraph keeps the arrays it is given, and these would be views of buffers
            # that go on growing.
            x, y = peak_decimate(x, y, width)
            if len(x) == 1:  # a line of one point is not drawn: a dash of a few pixels shows it
                dash = 3 * (right - left) / width
                x, y = np.array([x[0] - dash, x[0] + dash]), np.repeat(y, 2)
            self.items[name].setData(np.array(x), np.array(y))
            if self._short[name] != (series.count <= SHORT_CURVE):
                self._style(name)
        self._show_legend()
        self.refresh_cost_s = _average(self.refresh_cost_s, time.thread_time() - start)

    def plan(self, right: float | None) -> None:
        """Let the x-axis reach ``right`` (the planned end of a run) from the start, so the curve
        grows across a still axis and shows how far the run has come; None: fit the points."""
        if right != self.planned_right:
            self.planned_right = right
            self._fitted = None
            self._redraw_all()

    def follow(self) -> None:
        """Show the whole run again, and keep showing it as it grows."""
        self.following = True
        self._fitted = None
        self._redraw_all()

    def _on_zoomed(self, *_: object) -> None:
        self.following = False
        self._redraw_all()

    def _redraw_all(self) -> None:
        for name in self._drawn:
            self._drawn[name] = -1
        self.refresh()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Paint, and keep ``paint_cost_s`` (thread CPU time, so time spent waiting for the GIL is
        not counted) for whoever decides how often to redraw."""
        start = time.thread_time()
        super().paintEvent(event)
        self.paint_cost_s = _average(self.paint_cost_s, time.thread_time() - start)

    @property
    def redraw_cost_s(self) -> float:
        """What one more redraw is likely to cost the GUI thread: a refresh and a paint."""
        return self.refresh_cost_s + self.paint_cost_s

    def mouseDoubleClickEvent(self, event: object) -> None:
        """Double-click: back to the whole run."""
        self.follow()

    def _fit_range(self) -> None:
        filled = [series for series in self.series.values() if series.count]
        if not filled:
            return
        left = min(float(series.x[0]) for series in filled)
        right = max(float(series.x[-1]) for series in filled)
        if self.planned_right is not None:
            right = max(right, self.planned_right)
        top = max(series.top for series in filled)
        bottom = 0.0 if self.from_zero else min(series.bottom for series in filled)
        if not (math.isfinite(top) and math.isfinite(bottom)):
            return
        if self._fitted is not None:
            fitted_left, fitted_right, fitted_bottom, fitted_top = self._fitted
            if ((fitted_left, fitted_right) == (left, right) and fitted_bottom <= bottom
                    and top <= fitted_top and top - bottom >= Y_SNUG * (fitted_top - fitted_bottom)):
                return  # the points still fit the range they were given: the axes stay as they are
        if top <= bottom:  # one value: give it some room
            room = abs(top) * 0.1 or 1.0
            top, bottom = top + room, bottom if self.from_zero else bottom - room
        elif not self.from_zero:
            bottom -= Y_ROOM * (top - bottom)  # curves mostly fall (a loss): room below
        self._fitted = (left, right, bottom, top)
        self.getPlotItem().getViewBox().setRange(
            xRange=(left, max(right, left + 1)), yRange=(bottom, top), padding=0.04)
        # Apply the new range now rather than in the paint: applied there, it makes the curves
        # recompute their downsampled data during the paint and so paint a second time.
        self.getPlotItem().getViewBox().prepareForPaint()

    # ------------------------------------------------------------ colours
    def changeEvent(self, event: QEvent) -> None:
        """Recolour on a palette change (a theme switch)."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "legend"):  # not while constructed
            self.apply_palette(self.palette())
        super().changeEvent(event)

    def apply_palette(self, palette: QPalette) -> None:
        """Background, axes, title and curves in ``palette``'s colours."""
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        self.setBackground(base)
        plot = self.getPlotItem()
        plot.setTitle(self.title, color=text.name(), size="9pt")
        for side in ("left", "bottom"):
            axis = plot.getAxis(side)
            axis.setPen(pg.mkPen(muted))
            axis.setTextPen(pg.mkPen(text))
        if self._x_label:
            plot.setLabel("bottom", self._x_label, color=muted.name(), size="8pt")
        self.legend.setLabelTextColor(text)
        self.legend.setBrush(pg.mkBrush(_with_alpha(base, 200)))
        self.legend.setPen(pg.mkPen(_with_alpha(muted, 120)))
        for name in self.series:
            self._style(name)

    def _style(self, name: str) -> None:
        index, style = self._styles[name]
        color = series_color(index, self.palette())
        short = self._short[name] = len(self.series[name]) <= SHORT_CURVE
        width = 2 if short else 1
        if style == FAINT:  # blended by hand: a translucent pen would make Qt stroke far slower
            pen = pg.mkPen(_blend(color, self.palette().color(QPalette.ColorRole.Base), 0.3), width=1)
        elif style == VALIDATION:
            dash = Qt.PenStyle.DashLine if short else Qt.PenStyle.SolidLine
            pen = pg.mkPen(color, width=width, style=dash)
        elif style == SCHEDULE:
            pen = pg.mkPen(self.palette().color(QPalette.ColorRole.PlaceholderText), width=1.5,
                           style=Qt.PenStyle.DotLine)
        else:
            pen = pg.mkPen(color, width=width)
        self.items[name].setPen(pen)
        self.legend.removeItem(self.items[name])
        if style != FAINT:  # the raw values need no entry: the smoothed curve names them
            self.legend.addItem(self.items[name], self.items[name].name())
        self._show_legend()

    def _show_legend(self) -> None:
        """A legend only for curves that have points (an empty plot shows no empty box)."""
        entries = sum(style != FAINT and self.series[name].count > 0
                      for name, (_, style) in self._styles.items())
        self.legend.setVisible(entries > 0)  # both return at once when nothing changes
        self.legend.setColumnCount(2 if entries > 3 else 1)  # overlaid runs: a wide legend, not a tall one


def _average(average: float, value: float) -> float:
    """A moving average that forgets slowly (the first value starts it)."""
    return value if not average else 0.7 * average + 0.3 * value


def _blend(color: QColor, background: QColor, amount: float) -> QColor:
    """``amount`` of ``color`` over ``background``, opaque."""
    return QColor.fromRgbF(*(amount * a + (1 - amount) * b for a, b in zip(
        (color.redF(), color.greenF(), color.blueF()),
        (background.redF(), background.greenF(), background.blueF()), strict=True)))


def _with_alpha(color: QColor, alpha: int) -> QColor:
    result = QColor(color)
    result.setAlpha(alpha)
    return result
