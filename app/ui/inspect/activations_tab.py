"""The Activations tab: what every layer outputs for one sample.

The sample is picked by its index in the opened split, or is an image file
dropped onto the tab (read with Qt, resized to the Input). Each layer gets a
card: feature maps as a grid of tiles, a sequence as a heat map, a short
vector (and the output layer, with its class names) as bars, a long vector
as a strip of tiles. ``show_node(name)`` scrolls to a layer's card and
highlights it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.inspection.activations import (
    FEATURE_MAPS,
    SEQUENCE,
    VECTOR,
    LayerActivation,
    layer_activations,
)
from app.inspection.model_parts import single_input_shape
from app.ui.curves import series_color
from app.ui.inspect.common import InspectTab, OpenedRun, heading
from app.ui.inspect.images import (
    ArrayImage,
    ThemedPlot,
    image_file_sample,
    is_image_file,
)
from app.ui.inspect.jobs import InspectJobs
from app.ui.widgets import muted_label, restyle_on_theme_change

MAX_BARS = 64  # longer vectors are drawn as a strip of tiles
STRIP_COLUMNS = 64
TILE_PIXELS = 44  # about how large one feature map is drawn
MAX_IMAGE_HEIGHT = 360
HIGHLIGHT = "QFrame#layerCard { border: 2px solid palette(highlight); border-radius: 4px; }"
PLAIN = "QFrame#layerCard { border: 1px solid palette(mid); border-radius: 4px; }"


def tile_mosaic(maps: np.ndarray, grid_shape: tuple[int, int], gap: int = 1) -> np.ndarray:
    """``(n, h, w)`` maps on a grid of ``grid_shape`` as one image; gaps and empty places are NaN."""
    rows, columns = grid_shape
    height, width = maps.shape[1:3]
    image = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan, dtype="float32")
    for index, tile in enumerate(maps):
        top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
        image[top:top + height, left:left + width] = tile
    return image


def strip(values: np.ndarray, low: float, high: float, columns: int = STRIP_COLUMNS) -> np.ndarray:
    """A long vector as rows of ``columns`` tiles in [0, 1] (the end of the last row is NaN)."""
    spread = high - low if high > low else 1.0
    flat = np.clip((np.asarray(values, dtype="float32").reshape(-1) - low) / spread, 0.0, 1.0)
    rows = math.ceil(len(flat) / columns)
    padded = np.full(rows * columns, np.nan, dtype="float32")
    padded[: len(flat)] = flat
    return padded.reshape(rows, columns)


class LayerCard(QFrame):
    """One layer's output for the sample: a caption and a picture (tiles, bars or a value)."""

    clicked = Signal(str)

    def __init__(self, activation: LayerActivation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerCard")
        self.activation = activation
        self.layer_name = activation.layer_name
        self.highlighted = False
        self.setStyleSheet(PLAIN)
        restyle_on_theme_change(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 8)
        top = QHBoxLayout()
        top.addWidget(heading(activation.layer_name))
        shape = "×".join(str(d) for d in activation.shape) or "1"
        details = f"{activation.layer_type} · {shape} · values {activation.low:.3g} … {activation.high:.3g}"
        if activation.kind == FEATURE_MAPS and len(activation.maps) < activation.shape[-1]:
            details += f" · first {len(activation.maps)} of {activation.shape[-1]} maps"
        top.addWidget(muted_label(details), 1)
        layout.addLayout(top)
        self.picture = self._picture(activation)
        layout.addWidget(self.picture)

    def set_highlighted(self, on: bool) -> None:
        """Frame the card in the highlight colour (the node chosen on the canvas)."""
        self.highlighted = on
        self.setStyleSheet(HIGHLIGHT if on else PLAIN)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A click on the card names its layer."""
        self.clicked.emit(self.layer_name)
        super().mousePressEvent(event)

    def _picture(self, activation: LayerActivation) -> QWidget:
        if activation.kind in (FEATURE_MAPS, SEQUENCE):
            image = tile_mosaic(activation.maps, activation.grid_shape) if activation.kind == FEATURE_MAPS \
                else activation.maps[0]
            tile = max(activation.maps.shape[1:3]) if activation.kind == FEATURE_MAPS else max(image.shape)
            return self._image(image, max(1, min(12, round(TILE_PIXELS / max(tile, 1)))) if
                               activation.kind == FEATURE_MAPS else max(1, min(8, round(240 / tile))))
        if activation.kind == VECTOR and (len(activation.values) <= MAX_BARS or activation.is_output):
            return self._bars(activation)
        if activation.kind == VECTOR:
            return self._image(strip(activation.values, activation.low, activation.high), 10)
        value = QLabel(f"{float(np.asarray(activation.values).reshape(-1)[0]):.6g}")
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return value

    def _image(self, values: np.ndarray, scale: int) -> ArrayImage:
        picture = ArrayImage(preferred_scale=scale)
        picture.set_values(values)
        picture.setFixedHeight(min(picture.sizeHint().height(), MAX_IMAGE_HEIGHT))
        return picture

    def _bars(self, activation: LayerActivation) -> ThemedPlot:
        plot = ThemedPlot()
        count = len(activation.values)
        plot.bars = pg.BarGraphItem(x=np.arange(count), height=activation.values, width=0.8)
        plot.addItem(plot.bars)
        plot.values = np.asarray(activation.values)

        def colour() -> None:
            color = series_color(0, plot.palette())
            plot.bars.setOpts(brush=pg.mkBrush(color), pen=pg.mkPen(color))

        plot.on_palette = colour
        colour()
        axis = plot.getPlotItem().getAxis("bottom")
        if count <= 30:
            axis.setTicks([[(i, label) for i, label in enumerate(activation.labels)]])
        plot.getPlotItem().setYRange(min(0.0, activation.low), max(activation.high, 1e-6), padding=0.05)
        plot.getPlotItem().setXRange(-0.6, count - 0.4, padding=0)
        plot.setMouseEnabled(x=False, y=False)
        plot.setFixedHeight(170 if activation.is_output else 140)
        if activation.is_output and activation.labels:
            best = int(np.argmax(activation.values))
            plot.setToolTip(f"Largest: {activation.labels[best]} ({float(activation.values[best]):.3g})")
        return plot


class ActivationsTab(InspectTab):
    """Pick a sample (or drop an image file) and see every layer's output.

    ``sample_index`` is the split index shown (None for a dropped file);
    ``cards`` the layer cards by layer name; ``layer_clicked(name)`` is
    emitted when a card is clicked; ``computed`` after new activations are shown.
    """

    layer_clicked = Signal(str)
    computed = Signal()

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, parent)
        self.sample_index: int | None = 0
        self.source_text = ""
        self.cards: dict[str, LayerCard] = {}
        self.activations: dict[str, LayerActivation] = {}
        self._pending_node = ""
        self.setAcceptDrops(True)
        self.spin = QSpinBox()
        self.spin.setMinimumWidth(90)
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self.show_sample)
        self.sample_label = QLabel()
        self.status = muted_label()
        self.drop_hint = muted_label("Drop an image file here to look at it")
        self.drop_hint.setWordWrap(False)
        top = QHBoxLayout()
        top.addWidget(QLabel("Sample"))
        top.addWidget(self.spin)
        top.addWidget(self.sample_label)
        top.addStretch(1)
        top.addWidget(self.drop_hint)
        self.cards_box = QWidget()
        self.cards_layout = QVBoxLayout(self.cards_box)
        self.cards_layout.setContentsMargins(4, 4, 4, 4)
        self.cards_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.cards_box)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        layout = QVBoxLayout(self.content)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)
        self.show_message("No run is open.")

    # ------------------------------------------------------------- public
    def set_run(self, opened: OpenedRun | None) -> None:
        """Show the first sample of ``opened``'s split (or the drop hint when it streams its data)."""
        super().set_run(opened)
        self._clear_cards()
        if opened is None:
            self.show_message("No run is open.")
            return
        count = opened.sample_count
        self.spin.blockSignals(True)
        self.spin.setRange(0, max(count - 1, 0))
        self.spin.setValue(0)
        self.spin.blockSignals(False)
        self.spin.setEnabled(count > 0)
        self.spin.setSuffix(f" of {count}" if count else "")
        self.show_content()
        if count:
            self.show_sample(0)
        else:
            self.status.setText("This data is streamed from an image folder: drop an image file to look "
                                "inside.")

    def show_sample(self, index: int) -> None:
        """Compute and show every layer's output for sample ``index`` of the split."""
        opened = self.opened
        if opened is None or not 0 <= index < opened.sample_count:
            return
        if self.spin.value() != index:
            self.spin.blockSignals(True)
            self.spin.setValue(index)
            self.spin.blockSignals(False)
        self.sample_index = index
        self.source_text = f"sample {index} of the {opened.split} split"
        self.sample_label.setText(opened.label_text(index))
        self._compute(opened.x[index])

    def show_file(self, path: str | Path) -> bool:
        """Run the image file at ``path`` through the network; False (with a message) when it cannot."""
        opened = self.opened
        if opened is None:
            return False
        try:
            sample = image_file_sample(path, single_input_shape(opened.model))
        except ValueError as error:
            self.status.setText(str(error))
            return False
        if opened.x is not None and opened.x.size:  # the range the network was trained on
            low, high = float(np.nanmin(opened.x)), float(np.nanmax(opened.x))
            sample = low + sample * (high - low)
        self.sample_index = None
        self.source_text = Path(path).name
        self.sample_label.setText(f"file {Path(path).name}")
        self._compute(sample)
        return True

    def show_node(self, name: str) -> bool:
        """Scroll to layer ``name``'s card and highlight it; False when the model has no such layer."""
        self._pending_node = name
        card = self.cards.get(name)
        for other in self.cards.values():
            other.set_highlighted(other is card)
        if card is None:
            return not self.cards  # not computed yet: it is highlighted when it is
        QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(card, 0, 8))
        return True

    # --------------------------------------------------------------- drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept a dragged image file."""
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if self.opened is not None and any(url.isLocalFile() and is_image_file(url.toLocalFile())
                                           for url in urls):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Run the first dropped image file through the network."""
        for url in event.mimeData().urls():
            if url.isLocalFile() and is_image_file(url.toLocalFile()):
                self.show_file(url.toLocalFile())
                event.acceptProposedAction()
                return

    # -------------------------------------------------------------- helpers
    def _compute(self, sample: np.ndarray) -> None:
        model, names = self.opened.model, self.opened.class_names
        self.status.setText(f"Computing the activations of {self.source_text}…")
        self.jobs.submit("activations", lambda: layer_activations(model, sample, names), self._on_activations,
                         self._on_failed)

    def _on_activations(self, activations: dict[str, LayerActivation]) -> None:
        if self.opened is None:
            return
        self.activations = activations
        self._clear_cards()
        for name, activation in activations.items():
            card = LayerCard(activation)
            card.clicked.connect(self.layer_clicked)
            self.cards[name] = card
            self.cards_layout.insertWidget(self.cards_layout.count() - 1, card)
        self.status.setText(f"Every layer's output for {self.source_text}.")
        if self._pending_node:
            self.show_node(self._pending_node)
        self.computed.emit()

    def _on_failed(self, message: str, details: str) -> None:
        self.status.setText(f"The activations could not be computed: {message}")

    def _clear_cards(self) -> None:
        for card in self.cards.values():
            card.setParent(None)
            card.deleteLater()
        self.cards.clear()
