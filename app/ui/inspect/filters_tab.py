"""The Filters tab: a convolution's kernels as a grid of tiles, a Dense layer's weights as an image.

Both come with a colour scale labelled with real weight values (blue
negative, the background colour zero, orange positive). Reading weights
goes through the panel's job queue.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.inspection.filters import FILTERS, FilterGrid, WeightMatrix, conv_filters, dense_weights
from app.inspection.filters import inspectable_layers as find_inspectable
from app.ui.inspect.common import InspectTab, OpenedRun
from app.ui.inspect.images import ImagePlot
from app.ui.inspect.jobs import InspectJobs
from app.ui.widgets import muted_label


class FiltersTab(InspectTab):
    """Pick a layer with weights; see its filters (tiles) or weight matrix (image) with a colour scale.

    ``shown`` is the ``FilterGrid`` or ``WeightMatrix`` on show (None before).
    """

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, parent)
        self.layers: dict[str, str] = {}
        self.shown: FilterGrid | WeightMatrix | None = None
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
        compute = (lambda: conv_filters(model, name)) if kind == FILTERS else (lambda: dense_weights(model, name))
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
        rows, columns = grid.grid_shape
        shape = "×".join(str(d) for d in grid.kernel_shape)
        shown = len(grid.tiles)
        total = grid.filters if grid.colour else grid.filters * grid.channels
        more = f" (showing {shown} of {total} tiles)" if shown < total else ""
        layout = "one colour tile per filter" if grid.colour else "a row per filter, a column per input channel"
        self.caption.setText(f"{grid.layer_type} · {grid.filters} filters · kernel {shape} · "
                             f"{layout}{more}")
        self.plot.plot.setLabel("bottom", "input channel" if not grid.colour else "")
        self.plot.plot.setLabel("left", "filter" if not grid.colour else "")
        self.plot.plot.setAspectLocked(True)
        if grid.colour:
            self.plot.show_rgb(grid.mosaic())
        else:
            self.plot.show_values(grid.mosaic(), grid.low, grid.high, diverging=True)
        self.plot.setToolTip(f"Weights from {grid.low:.3g} to {grid.high:.3g}")

    def _show_matrix(self, matrix: WeightMatrix) -> None:
        inputs, units = matrix.values.shape
        self.caption.setText(f"Dense · {inputs} inputs × {units} units · weights from {matrix.low:.3g} "
                             f"to {matrix.high:.3g}")
        self.plot.plot.setLabel("bottom", "unit")
        self.plot.plot.setLabel("left", "input")
        self.plot.plot.setAspectLocked(False)  # a tall 1568 x 10 matrix would be a hairline
        self.plot.show_values(matrix.image, matrix.low, matrix.high, diverging=True)

    def _on_failed(self, message: str, details: str) -> None:
        self.caption.setText(message)
