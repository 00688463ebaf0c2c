"""The Filters tab: a convolution's kernels as a grid of tiles, a Dense layer's weights as an image.

Both come with a colour scale labelled with real weight values (blue
negative, the background colour zero, orange positive). Reading weights
goes through the panel's job queue.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.inspection.filters import FILTERS, FilterGrid, WeightMatrix, conv_filters, dense_weights
from app.inspection.filters import inspectable_layers as find_inspectable
from app.ui.inspect.common import InspectTab, OpenedRun
from app.ui.inspect.images import ImagePlot
from app.ui.inspect.jobs import InspectJobs
from app.ui.widgets import muted_label


def filter_mosaic(grid: FilterGrid) -> np.ndarray:
    """``grid``'s tiles as one image; one tile per filter (colour, or one channel) wraps to a square grid."""
    if not (grid.colour or grid.channels == 1):
        return grid.mosaic()
    count = len(grid.tiles)
    columns = math.ceil(math.sqrt(count))
    return replace(grid, grid_shape=(math.ceil(count / columns), columns)).mosaic()


class FiltersTab(InspectTab):
    """Pick a layer with weights; see its filters (tiles) or weight matrix (image) with a colour scale.

    ``shown`` is the ``FilterGrid`` or ``WeightMatrix`` on show (None before).
    """

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, parent)
        self.layers: dict[str, str] = {}
        self.shown: FilterGrid | WeightMatrix | None = None
        self.mosaic: np.ndarray | None = None
        self.layer_combo = QComboBox()
        self.layer_combo.setMinimumContentsLength(16)
        self.layer_combo.currentIndexChanged.connect(self._on_layer_chosen)
        self.caption = muted_label()
        self.plot = ImagePlot()
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_combo)
        top.addWidget(self.caption, 1)
        layout = QVBoxLayout(self.content)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        self.show_message("No run is open.")

    def set_run(self, opened: OpenedRun | None) -> None:
        """List ``opened``'s layers with weights and show the first."""
        super().set_run(opened)
        self.shown = None
        if opened is None:
            self.show_message("No run is open.")
            return
        self.show_message("Reading the weights…")
        model = opened.model
        self.jobs.submit("filters-layers", lambda: find_inspectable(model), self._on_layers)

    def select_layer(self, name: str) -> bool:
        """Show layer ``name`` when it has drawable weights; False when it has none."""
        index = self.layer_combo.findData(name)
        if index < 0:
            return False
        self.layer_combo.setCurrentIndex(index)
        return True

    def _on_layers(self, layers: dict[str, str]) -> None:
        self.layers = layers
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        for name, kind in layers.items():
            self.layer_combo.addItem(f"{name}  ({'filters' if kind == FILTERS else 'weights'})", name)
        self.layer_combo.blockSignals(False)
        if not layers:
            self.show_message("This model has no convolution or Dense layer whose weights can be drawn.")
            return
        self.show_content()
        self._on_layer_chosen(self.layer_combo.currentIndex())

    def _on_layer_chosen(self, index: int) -> None:
        if self.opened is None or index < 0:
            return
        name = self.layer_combo.itemData(index)
        model = self.opened.model
        kind = self.layers.get(name)
        if kind == FILTERS:
            def compute() -> FilterGrid:
                return conv_filters(model, name)
        else:
            def compute() -> WeightMatrix:
                return dense_weights(model, name)
        self.caption.setText("Reading…")
        self.jobs.submit("filters-layer", compute, self._on_weights, self._on_failed)

    def _on_weights(self, weights: Any) -> None:
        if self.opened is None:
            return
        self.shown = weights
        if isinstance(weights, FilterGrid):
            self._show_grid(weights)
        else:
            self._show_matrix(weights)

    def _show_grid(self, grid: FilterGrid) -> None:
        shape = "×".join(str(d) for d in grid.kernel_shape)
        shown = len(grid.tiles)
        total = grid.filters if grid.colour else grid.filters * grid.channels
        more = f" (showing {shown} of {total} tiles)" if shown < total else ""
        one_per_filter = grid.colour or grid.channels == 1
        layout = "a tile per filter" if one_per_filter else "a row per filter, a column per input channel"
        colour = " in colour" if grid.colour else ""
        self.caption.setText(f"{grid.layer_type} · {grid.filters} filters · kernel {shape} · "
                             f"{layout}{colour}{more}")
        self.mosaic = filter_mosaic(grid)
        plot = self.plot.plot
        plot.setAspectLocked(True)
        for side in ("left", "bottom"):
            plot.showAxis(side, not one_per_filter)
        if not one_per_filter:
            self._label_tiles(grid)
        if grid.colour:
            self.plot.show_rgb(self.mosaic)
        else:
            self.plot.show_values(self.mosaic, grid.low, grid.high, diverging=True)
        self.plot.setToolTip(f"Weights from {grid.low:.3g} to {grid.high:.3g}")

    def _label_tiles(self, grid: FilterGrid) -> None:
        """Ticks at the middle of each row (filter) and column (input channel) of tiles."""
        rows, columns = grid.grid_shape
        height, width = grid.tiles.shape[1:3]
        step = max(1, rows // 16), max(1, columns // 16)
        plot = self.plot.plot
        plot.getAxis("left").setTicks([[((height + 1) * r + height / 2, str(r))
                                        for r in range(0, rows, step[0])]])
        plot.getAxis("bottom").setTicks([[((width + 1) * c + width / 2, str(c))
                                          for c in range(0, columns, step[1])]])
        plot.setLabel("left", "filter")
        plot.setLabel("bottom", "input channel")

    def _show_matrix(self, matrix: WeightMatrix) -> None:
        inputs, units = matrix.values.shape
        self.caption.setText(f"Dense · {inputs} inputs × {units} units · weights from {matrix.low:.3g} "
                             f"to {matrix.high:.3g}")
        plot = self.plot.plot
        for side in ("left", "bottom"):
            plot.showAxis(side, True)
            plot.getAxis(side).setTicks(None)
        plot.setLabel("bottom", "unit")
        plot.setLabel("left", "input")
        self.plot.plot.setAspectLocked(False)  # a tall 1568 x 10 matrix would be a hairline
        self.plot.show_values(matrix.image, matrix.low, matrix.high, diverging=True)

    def _on_failed(self, message: str, details: str) -> None:
        self.caption.setText(message)
