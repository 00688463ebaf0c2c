"""Filters and weight matrices: the learned weights of one layer, ready to draw.

- ``conv_filters`` lays the spatial kernels of a convolution (``Conv1D/2D/3D``,
  their transposes, ``SeparableConv``, ``DepthwiseConv``) out as a grid of
  tiles. Each tile is one (filter, input channel) pair, so the grid has a row
  per filter and a column per input channel; a layer that reads the model's
  RGB input directly gets one colour tile per filter instead.
- ``dense_weights`` gives a ``Dense`` layer's ``(inputs, units)`` matrix.

Both come with the values that the ends of a colour scale stand for
(``low``, ``high``): tiles and images are those values mapped to [0, 1].
Grey tiles and matrices use a symmetric scale (``low = -high``), so 0.5 is a
weight of zero; colour tiles use the kernel's own minimum and maximum.
Pure NumPy once the weights are read.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.inspection.model_parts import InspectionError, layer_named, weight_value

MAX_TILES = 256  # tiles in a grid; further filters / channels are left out (``count`` says how many)
FILTERS, MATRIX = "filters", "matrix"


@dataclass(frozen=True, eq=False)
class FilterGrid:
    """A convolution's kernels as tiles on a grid of ``grid_shape`` (rows, columns).

    ``tiles`` is ``(n, height, width)`` (grey) or ``(n, height, width, 3)``
    (``colour``), ``float32`` in [0, 1]; tile ``i`` sits at row
    ``i // columns``, column ``i % columns``; ``labels[i]`` says what it
    shows (``"filter 3, channel 0"``). ``low`` and ``high`` are the kernel
    values drawn as 0 and 1. ``kernel_shape`` is the weight's own shape;
    ``filters`` and ``channels`` are how many there are in all (the grid may
    show fewer, see ``MAX_TILES``). A 1-D kernel is a tile of one row; a 3-D
    kernel shows its depth slices side by side.
    """

    layer_name: str
    layer_type: str
    tiles: np.ndarray
    grid_shape: tuple[int, int]
    labels: tuple[str, ...]
    low: float
    high: float
    colour: bool
    kernel_shape: tuple[int, ...]
    filters: int
    channels: int

    def mosaic(self, gap: int = 1) -> np.ndarray:
        """The grid as one image, tiles ``gap`` pixels apart; the gaps are NaN (draw them as background)."""
        rows, columns = self.grid_shape
        height, width = self.tiles.shape[1:3]
        extra = self.tiles.shape[3:]
        image = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap, *extra), np.nan,
                        dtype="float32")
        for index, tile in enumerate(self.tiles):
            top, left = (index // columns) * (height + gap), (index % columns) * (width + gap)
            image[top:top + height, left:left + width] = tile
        return image


@dataclass(frozen=True, eq=False)
class WeightMatrix:
    """A ``Dense`` layer's weights: ``values`` ``(inputs, units)`` as stored, ``image`` the same in [0, 1].

    ``low`` and ``high`` (``low = -high``) are the weights drawn as 0 and 1;
    ``bias`` is the ``(units,)`` bias, or None.
    """

    layer_name: str
    values: np.ndarray
    image: np.ndarray
    low: float
    high: float
    bias: np.ndarray | None


def inspectable_layers(model: Any) -> dict[str, str]:
    """Layers whose weights can be drawn, by name: ``"filters"`` (convolutions) or ``"matrix"`` (Dense)."""
    found: dict[str, str] = {}
    for layer in model.layers:
        if _kernel_of(layer) is not None:
            found[layer.name] = FILTERS
        elif type(layer).__name__ == "Dense" and np.ndim(weight_value(layer, "kernel")) == 2:
            found[layer.name] = MATRIX
    return found


def conv_filters(model: Any, layer_name: str, max_tiles: int = MAX_TILES) -> FilterGrid:
    """The kernels of convolution ``layer_name`` of ``model`` as a ``FilterGrid``.

    Raises ``InspectionError`` when there is no such layer or it has no
    spatial kernel.
    """
    layer = layer_named(model, layer_name)
    kernel = _kernel_of(layer)
    if kernel is None:
        raise InspectionError(
            f"{layer_name!r} ({type(layer).__name__}) has no convolution kernel; filters are shown for "
            "Conv, SeparableConv and DepthwiseConv layers."
        )
    spatial, channels, filters = kernel.shape[:-2], kernel.shape[-2], kernel.shape[-1]
    if channels == 3 and _reads_model_input(model, layer):
        return _colour_grid(layer, kernel, max_tiles)
    columns = min(channels, max_tiles)
    rows = min(filters, max(max_tiles // columns, 1))
    pairs = [(f, c) for f in range(rows) for c in range(columns)]
    scale = float(np.abs(kernel).max()) or 1.0
    tiles = np.stack([_as_2d(kernel[..., c, f], len(spatial)) for f, c in pairs])
    return FilterGrid(
        layer_name=layer.name, layer_type=type(layer).__name__,
        tiles=((tiles + scale) / (2 * scale)).astype("float32"),
        grid_shape=(rows, columns),
        labels=tuple(f"filter {f}, channel {c}" for f, c in pairs),
        low=-scale, high=scale, colour=False, kernel_shape=tuple(kernel.shape),
        filters=int(filters), channels=int(channels),
    )


def dense_weights(model: Any, layer_name: str) -> WeightMatrix:
    """The weight matrix of ``Dense`` layer ``layer_name``; ``InspectionError`` for any other layer."""
    layer = layer_named(model, layer_name)
    kernel = weight_value(layer, "kernel")
    if kernel is None or kernel.ndim != 2:
        raise InspectionError(f"{layer_name!r} ({type(layer).__name__}) has no 2-D weight matrix.")
    scale = float(np.abs(kernel).max()) or 1.0
    bias = weight_value(layer, "bias")
    return WeightMatrix(
        layer_name=layer.name, values=kernel.astype("float32"),
        image=((kernel + scale) / (2 * scale)).astype("float32"), low=-scale, high=scale,
        bias=None if bias is None else bias.astype("float32"),
    )


# ------------------------------------------------------------------ helpers
def _kernel_of(layer: Any) -> np.ndarray | None:
    """The spatial kernel as ``(*spatial, in_channels, filters)``, or None for a non-convolution."""
    kind = type(layer).__name__
    if "Conv" not in kind:
        return None
    if kind.startswith("Depthwise") or kind.startswith("Separable"):
        return weight_value(layer, "depthwise_kernel" if kind.startswith("Separable") else "kernel")
    kernel = weight_value(layer, "kernel")
    if kernel is None or kernel.ndim < 3:
        return None
    if kind.endswith("Transpose"):  # stored as (*spatial, filters, in_channels)
        kernel = np.swapaxes(kernel, -1, -2)
    return kernel


def _as_2d(kernel: np.ndarray, rank: int) -> np.ndarray:
    """One channel's kernel as a 2-D tile: 1-D as one row, 3-D as its depth slices side by side."""
    if rank == 1:
        return kernel[None, :]
    if rank == 3:
        return np.concatenate(list(kernel), axis=1)
    return kernel


def _colour_grid(layer: Any, kernel: np.ndarray, max_tiles: int) -> FilterGrid:
    filters = min(kernel.shape[-1], max_tiles)
    rank = kernel.ndim - 2
    tiles = np.stack([
        np.stack([_as_2d(kernel[..., c, f], rank) for c in range(3)], axis=-1) for f in range(filters)
    ])
    low, high = float(kernel.min()), float(kernel.max())
    spread = (high - low) or 1.0
    columns = math.ceil(math.sqrt(filters))
    return FilterGrid(
        layer_name=layer.name, layer_type=type(layer).__name__,
        tiles=((tiles - low) / spread).astype("float32"), grid_shape=(math.ceil(filters / columns), columns),
        labels=tuple(f"filter {f}" for f in range(filters)), low=low, high=high, colour=True,
        kernel_shape=tuple(kernel.shape), filters=int(kernel.shape[-1]), channels=3,
    )


def _reads_model_input(model: Any, layer: Any) -> bool:
    """True when no layer with weights comes before ``layer``: it sees the input's colours."""
    for other in model.layers:
        if other is layer:
            return True
        if other.weights:
            return False
    return False
