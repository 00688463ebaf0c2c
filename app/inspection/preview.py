"""Live preview: what every node outputs for the project's first training sample.

Before any training, the editor can show on each node a thumbnail of what it
outputs: feature maps for images, a bar chart for vectors, a heat map for
sequences. This module computes those outputs and reduces each to a small
``PreviewData``; ``app.ui.preview`` draws them.

- ``first_sample`` loads the project's data (through ``app.data``) and takes
  the first training sample.
- ``node_outputs`` builds the graph with ``app.build.keras_builder.to_keras``
  (fresh weights unless ``weights_from`` is given), runs the sample through
  it once and returns every node's output. The built model is cached and
  rebuilt only when the graph's structure or params change (moving a node
  changes nothing).
- ``summarize_output`` turns one output array into the little that a
  thumbnail needs (pure NumPy).
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.build.keras_builder import BuildError, to_keras
from app.core.catalog import Catalog
from app.core.graph import Graph
from app.core.project import Project

IMAGE = "image"
VECTOR = "vector"
SEQUENCE = "sequence"
SCALAR = "scalar"
EMPTY = "empty"
KINDS = (IMAGE, VECTOR, SEQUENCE, SCALAR, EMPTY)

MAX_CHANNELS = 8  # feature maps shown per image output
MAX_BARS = 64  # bars in a vector's chart
MAX_SIDE = 64  # pixels kept along each axis of a tile or heat map


class PreviewError(ValueError):
    """The previews cannot be computed; ``node_id`` says where, when one node is at fault."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


@dataclass(frozen=True, eq=False)
class PreviewData:
    """What a node's thumbnail draws, reduced from its output array.

    ``kind`` is one of ``KINDS``; ``shape`` is the output's shape without the
    batch axis; ``low`` and ``high`` are the smallest and largest value of
    the whole output.

    - ``image``: ``tiles`` is ``(n, height, width)`` ``uint8``, one min-max
      normalised tile per channel shown (at most ``MAX_CHANNELS``, the
      channels that vary most, in channel order); ``channels`` lists them.
    - ``vector``: ``values`` holds at most ``MAX_BARS`` floats (a longer
      vector is pooled, each bar keeping its chunk's value of largest size);
      ``full_scale`` is 1.0 for probabilities (values in [0, 1] that sum to
      1), so an unsure softmax shows low bars; else 0 (scale to the largest).
    - ``sequence``: ``values`` is a ``(features, steps)`` heat map in
      [-1, 1], scaled by the largest absolute value (time runs along x).
    - ``scalar``: ``values`` holds the one value.
    - ``empty``: the output has no values.
    """

    kind: str
    shape: tuple[int, ...]
    low: float = 0.0
    high: float = 0.0
    tiles: np.ndarray | None = None
    values: np.ndarray | None = None
    channels: tuple[int, ...] = ()
    full_scale: float = 0.0


# ------------------------------------------------------------------ the data
def load_first_sample(
    data_settings: Mapping[str, Any], base_dir: str | Path | None = None
) -> np.ndarray | None:
    """The first training sample that a project's ``data`` settings give, as ``float32``.

    None when the settings are empty (the project has no data). Loading
    errors (``app.data.dataset.DataError``) pass through: they say what is wrong.
    """
    if not data_settings:
        return None
    from app.data.dataset import DataError
    from app.data.sources import load_source

    data = load_source(data_settings, base_dir)
    x_train = getattr(data, "x_train", None)
    if x_train is not None:
        if len(x_train) == 0:
            raise DataError("The training split is empty: there is no sample to preview.")
        return np.asarray(x_train[0], dtype="float32")
    scan = getattr(data, "scan", None)  # images streamed from a folder (ImageFolderData)
    if scan is None:
        raise DataError(f"Cannot take a sample from {type(data).__name__}.")
    from app.data.image_folder import preview_images

    height, width, channels = data.input_shape
    images, _labels = preview_images(scan, (height, width), channels, 1)
    if not len(images):
        raise DataError(f"{scan.root}: no image to preview.")
    return np.asarray(images[0], dtype="float32")


def first_sample(project: Project, base_dir: str | Path | None = None) -> np.ndarray | None:
    """The project's first training sample, shaped for its graph's ``Input`` where it can be.

    None when the project has no ``data`` section. A sample with as many
    values as the Input takes is reshaped (digits' ``(8, 8, 1)`` for an
    Input of ``(64,)``); one that does not fit is returned as loaded, and
    ``node_outputs`` says why it cannot feed the model.
    """
    if base_dir is None and project.path is not None:
        base_dir = project.path.parent
    sample = load_first_sample(project.data, base_dir)
    inputs = project.graph.inputs()
    if sample is None or len(inputs) != 1:
        return sample
    shape = inputs[0].params.get("shape")
    if not isinstance(shape, (list, tuple)):
        return sample
    try:
        return fit_sample(sample, shape)
    except PreviewError:
        return sample


def fit_sample(sample: np.ndarray, input_shape: Any) -> np.ndarray:
    """``sample`` shaped for an Input of ``input_shape`` (None: any size), else ``PreviewError``."""
    wanted = tuple(None if d is None else int(d) for d in input_shape)
    have = tuple(sample.shape)
    if len(have) == len(wanted) and all(w is None or w == h for h, w in zip(have, wanted, strict=True)):
        return sample
    if None not in wanted and math.prod(wanted) == sample.size:  # type: ignore[arg-type]
        return sample.reshape(wanted)  # type: ignore[arg-type]
    raise PreviewError(
        f"The first sample has shape {list(have)}, which cannot feed the Input of shape "
        f"{[d for d in wanted]}; change the Input's shape to {list(have)} or choose other data."
    )


# ----------------------------------------------------------------- the model
def structure_key(graph: Graph | Mapping[str, Any]) -> str:
    """What the built model depends on, as text: nodes (without positions) and edges.

    Two graphs with the same key build the same model; moving a node or
    grouping nodes leaves the key as it is.
    """
    data = graph.to_dict() if isinstance(graph, Graph) else graph
    nodes = [{k: v for k, v in node.items() if k != "position"} for node in data.get("nodes", [])]
    return json.dumps({"nodes": nodes, "edges": data.get("edges", [])}, sort_keys=True, default=str)


class _ProbeCache:
    """The last model built for previews, with the graph key it was built from."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key: tuple[str, int] | None = None
        self.probe: Any = None
        self.node_ids: list[str] = []


_cache = _ProbeCache()


def node_outputs(
    graph: Graph,
    sample: np.ndarray,
    catalog: Catalog | None = None,
    weights_from: Any = None,
) -> dict[str, np.ndarray]:
    """Every node's output for ``sample`` (one sample, no batch axis), by node id, without batch axis.

    The graph is built with fresh weights, or with the weights of the layers
    of the same name in ``weights_from`` (a ``keras.Model``) where it has
    them. A node with several outputs gives its first. Raises
    ``PreviewError`` when the graph cannot be built (the message names the
    node; ``node_id`` is set) or the sample does not fit its Input.
    """
    inputs = graph.inputs()
    if len(inputs) != 1:
        raise PreviewError(f"Previews need a model with one Input; this graph has {len(inputs)}.")
    key = (structure_key(graph), id(catalog))
    with _cache.lock:
        if _cache.key != key or weights_from is not None:
            _cache.key = None
            _cache.probe, _cache.node_ids = _build_probe(graph, catalog, weights_from)
            _cache.key = key if weights_from is None else None
        probe, node_ids = _cache.probe, _cache.node_ids
        batch = fit_sample(np.asarray(sample, dtype="float32"), probe.inputs[0].shape[1:])[None, ...]
        try:
            values = probe(batch, training=False)
        except Exception as error:  # Keras reports a failing call with many exception types.
            raise PreviewError(f"Running the model on the first sample failed: {error}") from error
    import keras

    values = values if isinstance(values, (list, tuple)) else [values]
    found = {node_id: keras.ops.convert_to_numpy(value)[0] for node_id, value in zip(node_ids, values)}
    found[inputs[0].id] = batch[0]
    return {node.id: found[node.id] for node in graph if node.id in found}


def _build_probe(graph: Graph, catalog: Catalog | None, weights_from: Any) -> tuple[Any, list[str]]:
    """A model whose outputs are every non-Input node's output, and those nodes' ids in order."""
    import keras

    try:
        model = to_keras(graph, catalog, name="netloom_preview")
    except BuildError as error:
        raise PreviewError(str(error), error.node_id) from error
    operations = {op.name: op for op in model.operations}
    node_ids: list[str] = []
    tensors: list[Any] = []
    for node in graph:
        if node.type == "Input":
            continue
        operation = operations.get(node.name)
        if operation is None:
            raise PreviewError(f"{node.name!r}: the built model has no layer of that name.", node.id)
        output = operation.output
        node_ids.append(node.id)
        tensors.append(output[0] if isinstance(output, (list, tuple)) else output)
    if weights_from is not None:
        _copy_weights(model, weights_from)
    return keras.Model(model.inputs[0], tensors, name="netloom_preview_probe"), node_ids


def _copy_weights(model: Any, source: Any) -> None:
    """Give ``model``'s layers the weights of ``source``'s layers of the same name and shapes."""
    theirs = {layer.name: layer for layer in getattr(source, "layers", [])}
    for layer in model.layers:
        other = theirs.get(layer.name)
        if other is None:
            continue
        weights = other.get_weights()
        if [w.shape for w in weights] == [tuple(w.shape) for w in layer.weights]:
            layer.set_weights(weights)


# ------------------------------------------------------------- the summaries
def summarize_output(array: Any) -> PreviewData:
    """The little a thumbnail needs from one output (no batch axis); see ``PreviewData``.

    Rank 3 ``(height, width, channels)`` is an image (rank 4 and up: the
    middle slice of the leading axes); rank 2 ``(steps, features)`` a
    sequence; rank 1 a vector; rank 0 a scalar.
    """
    values = np.asarray(array, dtype="float64")
    shape = tuple(int(d) for d in values.shape)
    if values.size == 0:
        return PreviewData(EMPTY, shape)
    values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
    low, high = float(values.min()), float(values.max())
    if values.ndim == 0:
        return PreviewData(SCALAR, shape, low, high, values=values.reshape(1).astype("float32"))
    if values.ndim == 1:
        probabilities = low >= 0.0 and high <= 1.0 and abs(float(values.sum()) - 1.0) < 1e-3
        return PreviewData(
            VECTOR, shape, low, high, values=pool_max_abs(values, MAX_BARS).astype("float32"),
            full_scale=1.0 if probabilities else 0.0,
        )
    if values.ndim == 2:
        heat = _shrink(values, (MAX_SIDE, MAX_SIDE)).T
        scale = float(np.abs(heat).max()) or 1.0
        return PreviewData(SEQUENCE, shape, low, high, values=(heat / scale).astype("float32"))
    while values.ndim > 3:
        values = values[values.shape[0] // 2]
    channels = _liveliest_channels(values, MAX_CHANNELS)
    tiles = np.stack([_to_uint8(_shrink(values[:, :, c], (MAX_SIDE, MAX_SIDE))) for c in channels])
    return PreviewData(IMAGE, shape, low, high, tiles=tiles, channels=tuple(channels))


def pool_max_abs(values: np.ndarray, count: int) -> np.ndarray:
    """``values`` cut into ``count`` nearly equal chunks, each kept as its value of largest size."""
    values = np.asarray(values).reshape(-1)
    if len(values) <= count:
        return values.copy()
    chunks = np.array_split(values, count)
    return np.array([chunk[np.argmax(np.abs(chunk))] for chunk in chunks])


def _liveliest_channels(image: np.ndarray, count: int) -> list[int]:
    """The ``count`` channels with the widest spread of values, in channel order."""
    spread = image.reshape(-1, image.shape[-1]).std(axis=0)
    chosen = np.argsort(-spread, kind="stable")[:count]
    return sorted(int(c) for c in chosen)


def _shrink(values: np.ndarray, limit: tuple[int, int]) -> np.ndarray:
    """A 2-D array sampled down to at most ``limit`` along each axis (nearest neighbour)."""
    rows = np.linspace(0, values.shape[0] - 1, min(values.shape[0], limit[0])).round().astype(int)
    cols = np.linspace(0, values.shape[1] - 1, min(values.shape[1], limit[1])).round().astype(int)
    return values[np.ix_(rows, cols)]


def _to_uint8(tile: np.ndarray) -> np.ndarray:
    """Min-max normalised to 0..255; a constant tile is all 0."""
    low, high = float(tile.min()), float(tile.max())
    if high - low <= 1e-12:
        return np.zeros(tile.shape, dtype="uint8")
    return np.round((tile - low) / (high - low) * 255.0).astype("uint8")
