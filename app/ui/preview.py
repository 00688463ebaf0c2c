"""Live previews on the canvas: what each node outputs for the first sample, as thumbnails.

``render_preview`` draws one ``PreviewData`` (``app.inspection.preview``)
into a small ``QImage`` in the palette's colours: a grid of feature maps
for an image, a bar chart for a vector (positive and negative bars in two
colours), a heat map for a sequence, the number for a scalar.

``PreviewService`` computes the previews off the GUI thread, much like
``app.ui.checker.CheckService``: one long-lived worker thread imports Keras,
loads the project's first training sample once, then builds and runs the
newest graph it was sent. Requests within one turn of the event loop send
one snapshot; a snapshot that arrives while the worker is busy replaces the
waiting one; a graph whose structure and params did not change (a node was
moved) is not sent at all. The images are drawn on the GUI thread, so a
theme change only redraws (``rerender``).
"""

from __future__ import annotations

import copy
import json
import logging
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPalette, QPen

from app.core.graph import Graph
from app.core.project import Project
from app.inspection.preview import (
    IMAGE,
    SCALAR,
    SEQUENCE,
    VECTOR,
    PreviewData,
    load_first_sample,
    node_outputs,
    structure_key,
    summarize_output,
)
from app.ui.checker import load_keras
from app.ui.param_editors import error_color

logger = logging.getLogger(__name__)

PREVIEW_SIZE = QSize(120, 64)  # fits the canvas's thumbnail box (app.ui.canvas.items)
TILE_GAP = 2


# ------------------------------------------------------------------ drawing
def render_preview(data: PreviewData, size: QSize | None = None, palette: QPalette | None = None) -> QImage:
    """``data`` drawn into a new ``size`` image (120x64 by default) in ``palette``'s colours."""
    size = size or PREVIEW_SIZE
    palette = palette or QGuiApplication.palette()
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(palette.color(QPalette.ColorRole.Base))
    painter = QPainter(image)
    try:
        area = QRectF(1, 1, size.width() - 2, size.height() - 2)
        if data.kind == IMAGE and data.tiles is not None:
            _draw_tiles(painter, area, data.tiles, palette)
        elif data.kind == VECTOR and data.values is not None:
            _draw_bars(painter, area, data.values, palette, data.full_scale)
        elif data.kind == SEQUENCE and data.values is not None:
            _draw_heat_map(painter, area, data.values, palette)
        elif data.kind == SCALAR and data.values is not None:
            _draw_text(painter, area, f"{float(data.values[0]):.4g}", palette.color(QPalette.ColorRole.Text))
        else:
            _draw_text(painter, area, "no values", palette.color(QPalette.ColorRole.PlaceholderText))
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1))
    finally:
        painter.end()
    return image


def positive_color(palette: QPalette) -> QColor:
    """The colour of positive values: the palette's highlight."""
    return palette.color(QPalette.ColorRole.Highlight)


def negative_color(palette: QPalette) -> QColor:
    """The colour of negative values: a red that reads on the palette's window."""
    return error_color(palette)


def grid_shape(
    count: int, tile: tuple[int, int], area: tuple[float, float], gap: float = TILE_GAP
) -> tuple[int, int]:
    """``(rows, columns)`` that show ``count`` tiles of ``(height, width)`` largest in ``area`` (w, h)."""
    best, best_scale = (1, max(count, 1)), -1.0
    height, width = tile
    for columns in range(1, max(count, 1) + 1):
        rows = math.ceil(count / columns)
        scale = min(
            (area[0] - gap * (columns - 1)) / (columns * width),
            (area[1] - gap * (rows - 1)) / (rows * height),
        )
        if scale > best_scale:
            best, best_scale = (rows, columns), scale
    return best


def _draw_tiles(painter: QPainter, area: QRectF, tiles: np.ndarray, palette: QPalette) -> None:
    count, height, width = tiles.shape
    rows, columns = grid_shape(count, (height, width), (area.width(), area.height()))
    scale = min(
        (area.width() - TILE_GAP * (columns - 1)) / (columns * width),
        (area.height() - TILE_GAP * (rows - 1)) / (rows * height),
    )
    if scale >= 1:
        scale = math.floor(scale)  # whole pixels keep small maps crisp
    tile_w, tile_h = width * scale, height * scale
    used_w = columns * tile_w + TILE_GAP * (columns - 1)
    used_h = rows * tile_h + TILE_GAP * (rows - 1)
    left = area.left() + (area.width() - used_w) / 2
    top = area.top() + (area.height() - used_h) / 2
    lut = _gradient(palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text))
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    frame = QPen(palette.color(QPalette.ColorRole.Mid), 1)
    for index in range(count):
        row, column = divmod(index, columns)
        target = QRectF(left + column * (tile_w + TILE_GAP), top + row * (tile_h + TILE_GAP), tile_w, tile_h)
        painter.drawImage(target, _rgb_image(lut[tiles[index]]))
        painter.setPen(frame)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))


def _draw_bars(
    painter: QPainter, area: QRectF, values: np.ndarray, palette: QPalette, full_scale: float = 0.0
) -> None:
    inner = area.adjusted(2, 3, -2, -3)
    top_value = max(float(values.max()), full_scale, 0.0)
    bottom_value = min(float(values.min()), 0.0)
    span = top_value - bottom_value or 1.0
    zero_y = inner.top() + inner.height() * top_value / span
    slot = inner.width() / len(values)
    gap = 1.0 if slot >= 4 else 0.0
    positive, negative = positive_color(palette), negative_color(palette)
    painter.setPen(Qt.PenStyle.NoPen)
    for index, value in enumerate(values):
        length = inner.height() * abs(float(value)) / span
        x = inner.left() + index * slot
        if value >= 0:
            rect = QRectF(x + gap / 2, zero_y - length, slot - gap, length)
        else:
            rect = QRectF(x + gap / 2, zero_y, slot - gap, length)
        painter.fillRect(rect, positive if value >= 0 else negative)
    painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
    painter.drawLine(QPointF(inner.left(), zero_y), QPointF(inner.right(), zero_y))


def _draw_heat_map(painter: QPainter, area: QRectF, heat: np.ndarray, palette: QPalette) -> None:
    base = _rgb(palette.color(QPalette.ColorRole.Base))
    up = _rgb(positive_color(palette)) - base
    down = _rgb(negative_color(palette)) - base
    heat = np.clip(np.asarray(heat, dtype="float32"), -1.0, 1.0)[..., None]
    pixels = base + up * np.maximum(heat, 0) + down * np.maximum(-heat, 0)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    painter.drawImage(area, _rgb_image(np.clip(np.round(pixels), 0, 255).astype("uint8")))


def _draw_text(painter: QPainter, area: QRectF, text: str, color: QColor) -> None:
    painter.setPen(color)
    painter.drawText(area, Qt.AlignmentFlag.AlignCenter, text)


def _rgb(color: QColor) -> np.ndarray:
    return np.array([color.red(), color.green(), color.blue()], dtype="float32")


def _gradient(low: QColor, high: QColor) -> np.ndarray:
    """A 256-entry RGB lookup table from ``low`` to ``high``."""
    steps = np.linspace(0.0, 1.0, 256, dtype="float32")[:, None]
    return np.round(_rgb(low) + (_rgb(high) - _rgb(low)) * steps).astype("uint8")


def _rgb_image(pixels: np.ndarray) -> QImage:
    """An ``(h, w, 3)`` ``uint8`` array as a QImage that owns its pixels."""
    pixels = np.ascontiguousarray(pixels, dtype="uint8")
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, width * 3, QImage.Format.Format_RGB888).copy()


# ------------------------------------------------------------------ the service
class _PreviewThread(QThread):
    """Imports Keras once, then computes previews of the newest job until asked to stop.

    ``run`` stays in Python for the thread's whole life, waiting on a
    condition between jobs, instead of receiving queued slot calls: PySide
    gives each slot call on a bare ``QThread`` a fresh Python thread state,
    which loses TensorFlow's thread-local eager context between calls, and
    the second eager convolution then crashes the process. The thread
    object lives in the GUI thread, so receivers of its signals run there.
    """

    loaded = Signal()
    load_failed = Signal(str)
    computed = Signal(int, object)  # generation, dict[node id, PreviewData]
    compute_failed = Signal(int, str)  # generation, message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("netloom-preview")
        self._wake = threading.Condition()
        self._pending: tuple[int, dict[str, Any], dict[str, Any], str | None] | None = None
        self._stopping = False
        self._data_key: str | None = None
        self._data_epoch = 0  # raised by forget_data, so the next job loads the data again
        self._sample: np.ndarray | None = None

    def forget_data(self) -> None:
        """Called from the GUI thread: load the data again for the next job."""
        self._data_epoch += 1

    def submit(
        self, generation: int, snapshot: dict[str, Any], data: dict[str, Any], base_dir: str | None
    ) -> None:
        """Called from the GUI thread: replace the waiting job and wake the thread."""
        with self._wake:
            self._pending = (generation, snapshot, data, base_dir)
            self._wake.notify()

    def request_stop(self) -> None:
        """Ask ``run`` to return once the job in progress is done."""
        with self._wake:
            self._stopping = True
            self._wake.notify()

    def run(self) -> None:
        """Load Keras, then compute each newest job; return when asked to stop."""
        try:
            load_keras()
            from app.core.catalog import default_catalog

            default_catalog()
        except Exception as error:
            logger.exception("Keras could not be loaded for previews")
            self.load_failed.emit(f"{type(error).__name__}: {error}")
            return
        self.loaded.emit()
        while True:
            with self._wake:
                while self._pending is None and not self._stopping:
                    self._wake.wait()
                if self._stopping:
                    return
                job, self._pending = self._pending, None
            self._compute(*job)

    def _compute(
        self, generation: int, snapshot: dict[str, Any], data: dict[str, Any], base_dir: str | None
    ) -> None:
        try:
            sample = self._sample_for(data, base_dir)
            previews: dict[str, PreviewData] = {}
            if sample is not None:
                outputs = node_outputs(Graph.from_dict(snapshot), sample)
                previews = {node_id: summarize_output(array) for node_id, array in outputs.items()}
        except Exception as error:
            self.compute_failed.emit(generation, _message(error))
            return
        self.computed.emit(generation, previews)

    def _sample_for(self, data: dict[str, Any], base_dir: str | None) -> np.ndarray | None:
        """The first sample of ``data``, loaded again only when the settings changed."""
        key = json.dumps([data, base_dir, self._data_epoch], sort_keys=True, default=str)
        if key != self._data_key:
            self._data_key, self._sample = None, None
            self._sample = load_first_sample(data, base_dir)
            self._data_key = key
        return self._sample


def _message(error: Exception) -> str:
    from app.data.dataset import DataError
    from app.inspection.preview import PreviewError

    if isinstance(error, (PreviewError, DataError)):
        return str(error)
    logger.exception("Computing the previews failed")
    return f"{type(error).__name__}: {error}"


class PreviewService(QObject):
    """Keeps a thumbnail of every node's output for the project's first sample up to date.

    Signals (delivered on the GUI thread):

    - ``previews_ready(dict[str, QImage])``: one image per node id for the
      newest graph; an empty dict when previews are off, the project has no
      data, or the graph cannot run (then ``failed`` comes first)
    - ``failed(str)``: why no previews could be computed (the data does not
      load, the graph has an error, the sample does not fit the Input)
    - ``loaded()``: Keras is ready on the worker
    """

    previews_ready = Signal(object)
    failed = Signal(str)
    loaded = Signal()

    def __init__(self, parent: QObject | None = None, size: QSize | None = None) -> None:
        super().__init__(parent)
        self.size = QSize(size or PREVIEW_SIZE)
        self.previews: dict[str, QImage] = {}
        self.data: dict[str, PreviewData] = {}
        self.error: str | None = None
        self._palette: QPalette | None = None
        self._graph: Graph | None = None
        self._data_settings: dict[str, Any] = {}
        self._base_dir: str | None = None
        self._enabled = True
        self._generation = 0
        self._shown = 0  # the generation of ``data``
        self._sent: Any = None  # what was last sent: (structure key, data settings), to skip repeats
        self._worker = _PreviewThread(self)
        self._worker.loaded.connect(self.loaded)
        self._worker.load_failed.connect(self._on_failed_to_load)
        self._worker.computed.connect(self._on_computed)
        self._worker.compute_failed.connect(self._on_compute_failed)
        self._coalesce = QTimer(self, singleShot=True, interval=0)
        self._coalesce.timeout.connect(self._submit)

    @property
    def enabled(self) -> bool:
        """True while previews are computed and shown."""
        return self._enabled

    @property
    def busy(self) -> bool:
        """True while a request waits to be sent or its previews are still being computed."""
        return self._coalesce.isActive() or self._shown != self._generation

    def start(self) -> None:
        """Start the worker: Keras begins to load (start it after ``CheckService`` has loaded Keras)."""
        if not self._worker.isRunning() and not self._worker.isFinished():
            self._worker.start()

    def stop(self) -> None:
        """End the worker thread (waits for a computation in progress)."""
        self._coalesce.stop()
        self._worker.request_stop()
        self._worker.wait()

    def set_project(self, project: Project, base_dir: str | Path | None = None) -> None:
        """Take the data from ``project`` (relative paths from ``base_dir``) and preview its graph."""
        if base_dir is None and project.path is not None:
            base_dir = project.path.parent
        self._data_settings = copy.deepcopy(project.data)
        self._base_dir = str(base_dir) if base_dir is not None else None
        self.request(project.graph)

    def request(self, graph: Graph | None = None) -> None:
        """Preview ``graph`` (or the last one given) soon; requests in one turn of the event loop send one."""
        if graph is not None:
            self._graph = graph
        self._coalesce.start()

    def set_enabled(self, enabled: bool) -> None:
        """Turn previews on (computes them for the current graph) or off (emits an empty dict)."""
        enabled = bool(enabled)
        if enabled == self._enabled:
            return
        self._enabled = enabled
        self._sent = None
        if enabled:
            self.request()
        else:
            self._coalesce.stop()
            self._publish({})

    def refresh(self) -> None:
        """Load the data again and recompute every preview (after data files changed on disk)."""
        self._sent = None
        self._worker.forget_data()
        self.request()

    def set_palette(self, palette: QPalette | None) -> None:
        """Draw with ``palette`` from now on (None: the application's) and redraw the previews."""
        self._palette = palette
        self.rerender()

    def rerender(self) -> None:
        """Draw the current previews again (after a theme change) and emit them."""
        if self._enabled and self.data:
            self._publish(self.data)

    # ---------------------------------------------------------------- private
    def _submit(self) -> None:
        if not self._enabled or self._graph is None:
            return
        snapshot = self._graph.to_dict()
        sent = (structure_key(snapshot), json.dumps([self._data_settings, self._base_dir], default=str))
        if sent == self._sent:
            return  # nothing the model depends on changed (a node moved)
        self._sent = sent
        self._generation += 1
        if not self._data_settings:
            self._shown = self._generation
            self._publish({})  # no data: nothing to preview, and no need for Keras
            return
        self._worker.submit(self._generation, snapshot, copy.deepcopy(self._data_settings), self._base_dir)

    def _publish(self, data: dict[str, PreviewData]) -> None:
        palette = self._palette or QGuiApplication.palette()
        self.data = dict(data)
        self.previews = {node_id: render_preview(item, self.size, palette) for node_id, item in data.items()}
        self.previews_ready.emit(dict(self.previews))

    def _on_computed(self, generation: int, data: dict[str, PreviewData]) -> None:
        if generation != self._generation or not self._enabled:
            return  # the graph changed meanwhile; newer previews are on their way
        self._shown = generation
        self.error = None
        self._publish(data)

    def _on_compute_failed(self, generation: int, message: str) -> None:
        if generation != self._generation or not self._enabled:
            return
        self._shown = generation
        self.error = message
        self.failed.emit(message)
        self._publish({})

    def _on_failed_to_load(self, message: str) -> None:
        self.error = message
        self._shown = self._generation
        self.failed.emit(message)

