"""The Data panel: what a dataset holds, at a glance.

For a ``Dataset`` (``app.data.dataset``) it shows the shapes and dtypes of
each split, the classes and their counts as a bar chart, a grid of sample
images with their labels (image data) or a table of the first rows
(tabular data), and, given augmentation settings, a few augmented copies
of one image beside the original. Loading is the caller's job, on a
worker: the panel only displays, with an empty state before any data and
a loading state (``show_loading``) meanwhile. The augmentation preview
needs Keras, so it is computed on the panel's own worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QScrollArea,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.data.augment import AugmentSettings, augmented_samples
from app.data.dataset import CLASSIFICATION, SPLITS, Dataset
from app.ui.tasks import TaskRunner

EMPTY_TEXT = "No data: choose a dataset"
SAMPLES_SHOWN = 24
GRID_COLUMNS = 8
CELL_PIXELS = 64  # images are scaled (nearest neighbour) to fit a cell this wide
TABLE_ROWS = 200
PREVIEW_COPIES = 5
SPLIT_TITLES = {"train": "Training", "val": "Validation", "test": "Test", "all": "All images"}
SEQUENCES_SHOWN = 3
_Index = QModelIndex | QPersistentModelIndex


class DataPanel(QWidget):
    """Shows one dataset: shapes, class counts, samples or rows, and the augmentation preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tasks = TaskRunner(self)
        self._generation = 0
        self.dataset: Dataset | None = None
        self.shapes_table: QTableWidget | None = None
        self.counts_chart: ClassCountsChart | None = None
        self.sample_grid: QWidget | None = None
        self.table_view: QTableView | None = None
        self.augment_row: QWidget | None = None
        self.augment_status: QLabel | None = None
        self.sequence_plot: SequencePlot | None = None
        self.samples_status: QLabel | None = None

        self._stack = QStackedWidget(self)
        self._empty = _centered_label(EMPTY_TEXT)
        self._loading_label = QLabel()
        self._loading_page = self._build_loading_page()
        self._scroll = QScrollArea()
        self._scroll.setWidgetResizable(True)
        self._scroll.setFrameShape(QFrame.Shape.NoFrame)
        for page in (self._empty, self._loading_page, self._scroll):
            self._stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    def _forget_sections(self) -> None:
        self.shapes_table = self.counts_chart = self.sample_grid = self.table_view = None
        self.sequence_plot = None
        self.augment_row = self.augment_status = self.samples_status = None

    # ----------------------------------------------------------- states
    @property
    def state(self) -> str:
        """``"empty"``, ``"loading"`` or ``"data"``: what the panel shows now."""
        current = self._stack.currentWidget()
        return "empty" if current is self._empty else "loading" if current is self._loading_page else "data"

    @property
    def loading_text(self) -> str:
        """The text of the loading state."""
        return self._loading_label.text()

    def clear(self) -> None:
        """Show the empty state ("No data: choose a dataset")."""
        self._generation += 1
        self.dataset = None
        self._stack.setCurrentWidget(self._empty)

    def show_loading(self, text: str = "Loading data…") -> None:
        """Show a busy indicator with ``text`` while the caller loads a dataset on a worker."""
        self._generation += 1
        self._loading_label.setText(text)
        self._stack.setCurrentWidget(self._loading_page)

    def shutdown(self) -> None:
        """Wait for the preview worker; call before the panel goes away."""
        self._tasks.wait_all()

    @property
    def preview_busy(self) -> bool:
        """True while the augmentation preview is being computed."""
        return self._tasks.busy

    def _build_loading_page(self) -> QWidget:
        page = QWidget()
        bar = QProgressBar()
        bar.setRange(0, 0)
        bar.setFixedWidth(220)
        self._loading_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self._loading_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(bar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)
        return page

    # ----------------------------------------------------------- content
    def set_dataset(self, dataset: Dataset | None, augment_settings: AugmentSettings | None = None) -> None:
        """Show ``dataset`` (None: the empty state) and, for images, how ``augment_settings`` change one."""
        if dataset is None:
            self.clear()
            return
        if not isinstance(dataset, Dataset):  # an ImageFolderData: images streamed from a folder
            self._show_folder(dataset, augment_settings)
            return
        self._generation += 1
        self.dataset = dataset
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(6)
        layout.addWidget(_title(_dataset_title(dataset)))
        if dataset.notes:
            notes = QLabel("\n".join(f"• {note}" for note in dataset.notes))
            notes.setWordWrap(True)
            notes.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            layout.addWidget(notes)
        layout.addWidget(_heading("Arrays"))
        self._forget_sections()
        self.shapes_table = _shapes_table(dataset)
        layout.addWidget(self.shapes_table)
        if dataset.task == CLASSIFICATION and dataset.class_names:
            layout.addWidget(_heading(f"Classes ({len(dataset.class_names)})"))
            self.counts_chart = ClassCountsChart()
            self.counts_chart.set_counts(dataset.class_names, class_counts(dataset))
            layout.addWidget(self.counts_chart)
        elif dataset.task != CLASSIFICATION:
            layout.addWidget(_heading("Targets"))
            layout.addWidget(QLabel(_target_summary(dataset)))
        if is_image_data(dataset):
            shown = min(SAMPLES_SHOWN, len(dataset.x_train))
            layout.addWidget(_heading(f"Samples (first {shown} of {len(dataset.x_train)} training samples)"))
            self.sample_grid = _sample_grid(dataset)
            layout.addWidget(self.sample_grid)
            if augment_settings is not None and augment_settings.active:
                layout.addWidget(_heading(f"Augmentation: {augment_settings.describe()}"))
                layout.addWidget(self._augment_preview(dataset, augment_settings))
        elif dataset.x_train.ndim == 3:
            layout.addWidget(_heading(f"Sequences (first {min(SEQUENCES_SHOWN, len(dataset.x_train))}, "
                                      "first feature)"))
            self.sequence_plot = SequencePlot()
            self.sequence_plot.set_sequences(dataset.x_train[:SEQUENCES_SHOWN, :, 0],
                                             label_texts(dataset, dataset.y_train[:SEQUENCES_SHOWN]))
            layout.addWidget(self.sequence_plot)
        elif dataset.x_train.ndim == 2:
            shown = min(TABLE_ROWS, len(dataset.x_train))
            layout.addWidget(_heading(f"Rows (first {shown} of {len(dataset.x_train)} training rows)"))
            self.table_view = _rows_view(dataset)
            layout.addWidget(self.table_view, 1)
        layout.addStretch(0 if self.table_view is not None else 1)
        self._show_content(content)

    def _show_content(self, content: QWidget) -> None:
        old = self._scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self._scroll.setWidget(content)
        self._stack.setCurrentWidget(self._scroll)

    def _show_folder(self, data: Any, augment_settings: AugmentSettings | None) -> None:
        """Show a streamed image folder: files per class and shape now, a few samples once read."""
        self._generation += 1
        self.dataset = None
        self._forget_sections()
        scan = data.scan
        counts = [len(scan.files[name]) for name in data.class_names]
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(6)
        layout.addWidget(_title(f"{scan.root.name}: {sum(counts)} images, classification, "
                                f"{len(counts)} classes (streamed from the folder)"))
        notes = QLabel("\n".join(f"• {note}" for note in data.notes))
        notes.setWordWrap(True)
        notes.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(notes)
        layout.addWidget(_heading("Batches"))
        shape = ", ".join(str(n) for n in data.input_shape)
        layout.addWidget(QLabel(f"images (batch, {shape}) float32 in 0 to 255; labels (batch,) int32"))
        layout.addWidget(_heading(f"Classes ({len(counts)})"))
        self.counts_chart = ClassCountsChart()
        self.counts_chart.set_counts(data.class_names, {"all": counts})
        layout.addWidget(self.counts_chart)
        layout.addWidget(_heading("Samples (each class in turn)"))
        self.samples_status = QLabel("Reading a few images…")
        self.samples_status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.samples_status)
        layout.addStretch(1)
        self._folder_layout = layout
        self._folder_augment = augment_settings
        self._show_content(content)
        self._tasks.start("image folder samples", lambda: folder_samples(data), self._folder_samples_ready,
                          self._folder_samples_failed, tag=self._generation)

    def _folder_samples_ready(self, tag: Any, samples: Dataset) -> None:
        if tag != self._generation or self.samples_status is None:
            return
        self.samples_status.hide()
        layout = self._folder_layout
        self.sample_grid = _sample_grid(samples)
        layout.insertWidget(layout.count() - 1, self.sample_grid)
        settings = self._folder_augment
        if settings is not None and settings.active and len(samples.x_train):
            layout.insertWidget(layout.count() - 1, _heading(f"Augmentation: {settings.describe()}"))
            layout.insertWidget(layout.count() - 1, self._augment_preview(samples, settings))

    def _folder_samples_failed(self, tag: Any, message: str, _details: str) -> None:
        if tag == self._generation and self.samples_status is not None:
            self.samples_status.setText(f"No samples: {message}")

    def _augment_preview(self, dataset: Dataset, settings: AugmentSettings) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        image = dataset.x_train[0]
        low, high = _value_range(dataset.x_train[:SAMPLES_SHOWN])
        layout.addWidget(_image_cell(image, "original", low, high))
        self.augment_status = QLabel("Preparing the preview…")
        self.augment_status.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.augment_status)
        layout.addStretch(1)
        self.augment_row = row
        self._preview_range = (low, high)
        self._tasks.start(
            "augmentation preview",
            lambda: augmented_samples(settings, image, PREVIEW_COPIES, seed=0, value_range=(low, high)),
            self._preview_ready, self._preview_failed, tag=self._generation,
        )
        return row

    def _preview_ready(self, tag: Any, images: np.ndarray) -> None:
        if tag != self._generation or self.augment_row is None or self.augment_status is None:
            return
        layout = self.augment_row.layout()
        self.augment_status.hide()
        low, high = self._preview_range
        for index, image in enumerate(images, start=1):
            layout.insertWidget(index, _image_cell(image, f"copy {index}", low, high))

    def _preview_failed(self, tag: Any, message: str, _details: str) -> None:
        if tag == self._generation and self.augment_status is not None:
            self.augment_status.setText(f"No preview: {message}")


def folder_samples(data: Any, count: int = SAMPLES_SHOWN) -> Dataset:
    """A few images of a streamed folder (``ImageFolderData``) as a small ``Dataset``, for display."""
    from app.data.image_folder import preview_images

    height, width, channels = data.input_shape
    images, labels = preview_images(data.scan, (height, width), channels, count)
    return Dataset(images.astype("float32"), np.array(labels, dtype="int64"),
                   class_names=list(data.class_names), name=data.scan.root.name)


# ------------------------------------------------------------------ sequences
class SequencePlot(QWidget):
    """A few sequences drawn as lines over their steps, each with its target in the legend."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sequences = np.zeros((0, 0), dtype="float32")
        self.labels: list[str] = []
        self.setMinimumHeight(170)

    def set_sequences(self, sequences: np.ndarray, labels: Sequence[str]) -> None:
        """Draw ``sequences`` (count, steps); ``labels`` name what each one predicts."""
        self.sequences = np.asarray(sequences, dtype="float32")
        self.labels = list(labels)
        self.update()

    def line_colors(self) -> list[QColor]:
        """One colour per sequence, from the palette's highlight toward its text colour."""
        palette = self.palette()
        first = palette.color(QPalette.ColorRole.Highlight)
        text = palette.color(QPalette.ColorRole.WindowText)
        return [_blend(first, text, 0.3 * i) for i in range(len(self.sequences))]

    def paintEvent(self, _event: Any) -> None:
        if self.sequences.size == 0:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        legend_height = self.fontMetrics().height() + 6
        area = QRectF(4, legend_height + 4, self.width() - 8, self.height() - legend_height - 10)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRect(area)
        low, high = float(self.sequences.min()), float(self.sequences.max())
        span = (high - low) or 1.0
        steps = self.sequences.shape[1]
        x = 4
        for sequence, label, color in zip(self.sequences, self.labels, self.line_colors(), strict=False):
            points = [QPointF(area.left() + area.width() * i / max(steps - 1, 1),
                              area.bottom() - area.height() * (float(v) - low) / span)
                      for i, v in enumerate(sequence)]
            painter.setPen(QPen(color, 2))
            painter.drawPolyline(points)
            painter.fillRect(QRectF(x, 6, 10, 10), color)
            painter.setPen(palette.color(QPalette.ColorRole.WindowText))
            text = f"→ {label}"
            painter.drawText(QRectF(x + 14, 0, 200, legend_height), Qt.AlignmentFlag.AlignVCenter, text)
            x += 14 + self.fontMetrics().horizontalAdvance(text) + 16
        painter.end()


# ------------------------------------------------------------------ counts
def class_counts(dataset: Dataset) -> dict[str, list[int]]:
    """Samples per class in each split there is: ``{"train": [n0, n1, ...], "val": [...], ...}``."""
    counts: dict[str, list[int]] = {}
    for split in SPLITS:
        y = getattr(dataset, f"y_{split}")
        if y is None:
            continue
        ids = np.argmax(y, axis=1) if (y.ndim == 2 and y.shape[1] > 1) else np.asarray(y).reshape(-1)
        found = np.bincount(ids.astype("int64"), minlength=len(dataset.class_names))
        counts[split] = [int(n) for n in found[: len(dataset.class_names)]]
    return counts


class ClassCountsChart(QWidget):
    """A horizontal bar per class, one coloured segment per split, the total at the end of the bar."""

    ROW = 20
    LEGEND = 24

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.names: list[str] = []
        self.counts: dict[str, list[int]] = {}
        self.setMinimumWidth(240)

    def set_counts(self, names: Sequence[str], counts: dict[str, list[int]]) -> None:
        """Show ``counts[split][class]`` for the classes ``names``."""
        self.names = list(names)
        self.counts = {split: list(values) for split, values in counts.items()}
        self.setFixedHeight(self.LEGEND + self.ROW * len(self.names) + 6)
        self.update()

    def totals(self) -> list[int]:
        """Samples per class over all splits."""
        return [sum(values[i] for values in self.counts.values()) for i in range(len(self.names))]

    def sizeHint(self) -> QSize:
        return QSize(420, self.LEGEND + self.ROW * len(self.names) + 6)

    def split_colors(self) -> dict[str, QColor]:
        """The colour of each split's segment, from the palette (so the dark theme works)."""
        palette = self.palette()
        highlight, base = palette.color(QPalette.ColorRole.Highlight), palette.color(QPalette.ColorRole.Base)
        return {"train": highlight, "val": _blend(highlight, base, 0.45),
                "test": palette.color(QPalette.ColorRole.Mid), "all": highlight}

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(QPalette.ColorRole.WindowText)
        metrics = self.fontMetrics()
        colors = self.split_colors()
        x = 0
        for split in self.counts:
            painter.fillRect(QRectF(x, 7, 10, 10), colors[split])
            painter.setPen(text)
            label = SPLIT_TITLES[split]
            painter.drawText(QRectF(x + 14, 0, 200, self.LEGEND), Qt.AlignmentFlag.AlignVCenter, label)
            x += 14 + metrics.horizontalAdvance(label) + 16
        label_width = min(180, max((metrics.horizontalAdvance(n) for n in self.names), default=0) + 14)
        totals = self.totals()
        number_width = metrics.horizontalAdvance(str(max(totals, default=0))) + 8
        bar_space = max(10, self.width() - label_width - number_width - 4)
        most = max(max(totals, default=0), 1)
        for row, name in enumerate(self.names):
            top = self.LEGEND + row * self.ROW
            painter.setPen(text)
            shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, label_width - 6)
            painter.drawText(QRectF(0, top, label_width - 6, self.ROW),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, shown)
            left = float(label_width)
            for split, values in self.counts.items():
                width = bar_space * values[row] / most
                painter.fillRect(QRectF(left, top + 3, width, self.ROW - 6), colors[split])
                left += width
            painter.setPen(text)
            painter.drawText(QRectF(left + 4, top, number_width, self.ROW), Qt.AlignmentFlag.AlignVCenter,
                             str(totals[row]))
        painter.end()


def _blend(first: QColor, second: QColor, amount: float) -> QColor:
    """``first`` moved ``amount`` of the way to ``second``."""
    return QColor.fromRgbF(*(a + (b - a) * amount for a, b in zip(first.getRgbF()[:3], second.getRgbF()[:3],
                                                                   strict=True)))


# ------------------------------------------------------------------ images
def is_image_data(dataset: Dataset) -> bool:
    """True when the samples are images: (height, width, 1 or 3 or 4 channels)."""
    shape = dataset.input_shape
    return len(shape) == 3 and shape[2] in (1, 3, 4)


def _value_range(images: np.ndarray) -> tuple[float, float]:
    low, high = float(np.min(images)), float(np.max(images))
    if low >= 0 and high <= 1:
        return 0.0, 1.0
    if low >= 0 and high <= 255:
        return 0.0, 255.0
    return low, high if high > low else low + 1.0


def image_to_qimage(image: np.ndarray, low: float, high: float) -> QImage:
    """One (h, w[, c]) image with values from ``low`` to ``high`` as an 8-bit QImage (a copy)."""
    pixels = np.clip((np.asarray(image, dtype="float32") - low) / (high - low) * 255.0, 0, 255)
    pixels = np.ascontiguousarray(pixels.round().astype(np.uint8))
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = np.ascontiguousarray(pixels[..., 0])
    height, width = pixels.shape[:2]
    if pixels.ndim == 2:
        return QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    channels = pixels.shape[2]
    fmt = QImage.Format.Format_RGBA8888 if channels == 4 else QImage.Format.Format_RGB888
    return QImage(pixels.data, width, height, width * channels, fmt).copy()


def _image_cell(image: np.ndarray, label: str, low: float, high: float) -> QWidget:
    """An image scaled up (nearest neighbour) or down to the cell, with its label below."""
    cell = QWidget()
    layout = QVBoxLayout(cell)
    layout.setContentsMargins(2, 2, 2, 2)
    layout.setSpacing(2)
    picture = QLabel()
    scaled = image_to_qimage(image, low, high).scaled(
        CELL_PIXELS, CELL_PIXELS, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation
    )
    picture.setPixmap(QPixmap.fromImage(scaled))
    picture.setFixedSize(CELL_PIXELS, CELL_PIXELS)
    picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
    caption = QLabel(label)
    caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    caption.setMaximumWidth(CELL_PIXELS + 8)
    caption.setToolTip(label)
    layout.addWidget(picture, 0, Qt.AlignmentFlag.AlignHCenter)
    layout.addWidget(caption)
    return cell


def _sample_grid(dataset: Dataset) -> QWidget:
    grid = QWidget()
    layout = QGridLayout(grid)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setHorizontalSpacing(6)
    layout.setVerticalSpacing(4)
    images = dataset.x_train[:SAMPLES_SHOWN]
    low, high = _value_range(images)
    labels = label_texts(dataset, dataset.y_train[:SAMPLES_SHOWN])
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        layout.addWidget(_image_cell(image, label, low, high), index // GRID_COLUMNS, index % GRID_COLUMNS)
    layout.setColumnStretch(GRID_COLUMNS, 1)
    return grid


def label_texts(dataset: Dataset, y: np.ndarray) -> list[str]:
    """The label of each target row as text: the class name, or the value(s) for regression."""
    if dataset.task == CLASSIFICATION and dataset.class_names:
        if y.ndim == 2 and y.shape[1] > 1:
            ids = np.argmax(y, axis=1)
        else:
            ids = np.asarray(y).reshape(len(y), -1)[:, 0].round().astype("int64")
        return [dataset.class_names[i] if 0 <= i < len(dataset.class_names) else str(i) for i in ids]
    flat = np.asarray(y).reshape(len(y), -1)
    return [", ".join(f"{v:.4g}" for v in row[:3]) + ("…" if len(row) > 3 else "") for row in flat]


# ------------------------------------------------------------------ tables
def _shapes_table(dataset: Dataset) -> QTableWidget:
    headers = ("Split", "Samples", "x shape", "x dtype", "y shape", "y dtype")
    splits = [s for s in SPLITS if getattr(dataset, f"x_{s}") is not None]
    table = QTableWidget(len(splits), len(headers))
    table.setHorizontalHeaderLabels(headers)
    for row, split in enumerate(splits):
        x, y = getattr(dataset, f"x_{split}"), getattr(dataset, f"y_{split}")
        values = (SPLIT_TITLES[split], str(len(x)), _shape_text(x.shape), str(x.dtype),
                  _shape_text(y.shape), str(y.dtype))
        for column, value in enumerate(values):
            table.setItem(row, column, QTableWidgetItem(value))
    _compact(table)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.setFixedHeight(table.horizontalHeader().sizeHint().height() + table.rowHeight(0) * len(splits) + 4)
    return table


def _shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _compact(table: QTableView) -> None:
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 8)


class RowsModel(QAbstractTableModel):
    """A read-only table: the first rows of the features, then the target, as text."""

    def __init__(self, headers: Sequence[str], rows: Sequence[Sequence[str]], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = list(headers)
        self.rows = [list(row) for row in rows]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.headers)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() < len(self.headers) - 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.headers[section] if orientation == Qt.Orientation.Horizontal else str(section + 1)


def rows_model(dataset: Dataset, limit: int = TABLE_ROWS) -> RowsModel:
    """The first ``limit`` training rows of a tabular dataset, features then target."""
    x = dataset.x_train[:limit]
    names = dataset.feature_names or [f"x{i}" for i in range(x.shape[1])]
    labels = label_texts(dataset, dataset.y_train[:limit])
    rows = [[f"{value:.4g}" for value in sample] + [label] for sample, label in zip(x, labels, strict=True)]
    target = "class" if dataset.task == CLASSIFICATION else "target"
    return RowsModel([*names, target], rows)


def _rows_view(dataset: Dataset) -> QTableView:
    view = QTableView()
    view.setModel(rows_model(dataset))
    _compact(view)
    view.setMinimumHeight(220)
    return view


# ------------------------------------------------------------------ text
def _dataset_title(dataset: Dataset) -> str:
    sizes = dataset.sizes()
    total = sum(sizes.values())
    task = (f"classification, {len(dataset.class_names)} classes" if dataset.task == CLASSIFICATION
            else "regression")
    return f"{dataset.name or 'Dataset'}: {total} samples, {task}"


def _target_summary(dataset: Dataset) -> str:
    y = dataset.y_train.astype("float64")
    return (f"{y.shape[1] if y.ndim > 1 else 1} value(s) per sample; training targets from "
            f"{y.min():.4g} to {y.max():.4g}, mean {y.mean():.4g}")


def _title(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    label.setContentsMargins(0, 8, 0, 0)
    return label


def _centered_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setWordWrap(True)
    return label
