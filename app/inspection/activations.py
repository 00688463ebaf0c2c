"""Activations: what every layer of a trained model outputs for one sample.

``activation_probe(model)`` builds, once per model, a second model with the
same layers whose outputs are every layer's output; it is kept (weakly) per
model, so asking again for another sample costs one forward pass.
``layer_activations`` runs a sample through it and summarises each output for
drawing (``LayerActivation``): a grid of feature maps for a convolution's
image output, a heat map for a sequence, a vector of values (with the class
names on the model's output layer) for a dense output.

Layer names are node names, so a canvas finds a node's activations under
``node.name``.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.inspection.model_parts import batch_of_one, to_numpy

FEATURE_MAPS, SEQUENCE, VECTOR, SCALAR = "feature_maps", "sequence", "vector", "scalar"
MAX_MAPS = 64  # feature maps in a grid; the rest are left out (``LayerActivation.shape`` tells all)


@dataclass(frozen=True, eq=False)
class LayerActivation:
    """One layer's output for one sample, and what a view needs to draw it.

    ``values`` is the output as computed (no batch axis); ``low`` and
    ``high`` its smallest and largest value. ``kind`` says how to draw it:

    - ``feature_maps`` (image outputs, ``(height, width, channels)``;
      3-D volumes give their middle depth slice): ``maps`` is
      ``(n, height, width)`` in [0, 1] (``low`` -> 0, ``high`` -> 1, one
      scale for the whole layer so maps compare), one per channel up to
      ``MAX_MAPS``, laid out on ``grid_shape`` (rows, columns) row by row.
    - ``sequence`` (``(steps, features)``): ``maps`` is one
      ``(features, steps)`` heat map in [0, 1].
    - ``vector``: ``values`` are the bars; ``labels`` name them (the class
      names on the model's output layer when their count matches, else
      ``"0"``, ``"1"``...); ``is_output`` marks a model output.
    - ``scalar``: ``values`` holds the one value.
    """

    layer_name: str
    layer_type: str
    kind: str
    shape: tuple[int, ...]
    values: np.ndarray
    low: float
    high: float
    maps: np.ndarray | None = None
    grid_shape: tuple[int, int] = (0, 0)
    labels: tuple[str, ...] = ()
    is_output: bool = False


class ActivationProbe:
    """A model that returns every layer's output of ``model`` in one forward pass.

    ``layer_names`` lists the layers in model order (the Input first);
    ``outputs(sample)`` gives their outputs by name.
    """

    def __init__(self, model: Any) -> None:
        import keras

        batch_of_one(model, np.zeros([d or 1 for d in model.inputs[0].shape[1:]]))  # one Input, or raise
        self.model = model
        self.input_name = model.layers[0].name if type(model.layers[0]).__name__ == "InputLayer" else "input"
        layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
        self.layer_names = [self.input_name, *(layer.name for layer in layers)]
        self.layer_types = {layer.name: type(layer).__name__ for layer in layers}
        self.layer_types[self.input_name] = "InputLayer"
        self.output_names = [_first(t)._keras_history[0].name for t in model.outputs]
        tensors = [_first(layer.output) for layer in layers]
        self._probe = keras.Model(model.inputs[0], tensors, name=f"{model.name}_activations")
        self._lock = threading.Lock()

    def outputs(self, sample: Any) -> dict[str, np.ndarray]:
        """Every layer's output for ``sample`` (one sample, no batch axis), by layer name, no batch axis."""
        batch = batch_of_one(self.model, sample)
        return {name: value[0] for name, value in self.batch_outputs(batch).items()}

    def batch_outputs(self, batch: Any) -> dict[str, np.ndarray]:
        """Every layer's output for a batch of samples that fits the Input, by layer name, batch axis kept."""
        batch = np.asarray(batch, dtype="float32")
        with self._lock:
            values = self._probe(batch, training=False)
        values = values if isinstance(values, (list, tuple)) else [values]
        found = {self.input_name: batch}
        for name, value in zip(self.layer_names[1:], values, strict=True):
            found[name] = to_numpy(value)
        return found


_probes: weakref.WeakKeyDictionary[Any, ActivationProbe] = weakref.WeakKeyDictionary()
_probes_lock = threading.Lock()


def activation_probe(model: Any) -> ActivationProbe:
    """The ``ActivationProbe`` of ``model``, built on the first call and kept while the model lives.

    Raises ``InspectionError`` for a model with several Inputs.
    """
    with _probes_lock:
        probe = _probes.get(model)
        if probe is None:
            probe = _probes[model] = ActivationProbe(model)
        return probe


def layer_activations(
    model: Any, sample: Any, class_names: Sequence[str] = ()
) -> dict[str, LayerActivation]:
    """Every layer's output for ``sample`` summarised for drawing, by layer (node) name, in model order.

    ``sample`` is one sample without the batch axis (reshaped to the Input
    when it has as many values); ``class_names`` label the bars of an
    output layer with as many units.
    """
    probe = activation_probe(model)
    found = probe.outputs(sample)
    return {
        name: summarize_activation(name, probe.layer_types[name], value, class_names,
                                   is_output=name in probe.output_names)
        for name, value in found.items()
    }


def summarize_activation(
    layer_name: str, layer_type: str, values: Any, class_names: Sequence[str] = (), is_output: bool = False
) -> LayerActivation:
    """One output (no batch axis) as a ``LayerActivation`` (pure NumPy); see there for the kinds."""
    array = np.asarray(values, dtype="float32")
    finite = array[np.isfinite(array)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    common = {"layer_name": layer_name, "layer_type": layer_type, "shape": tuple(int(d) for d in array.shape),
              "values": array, "low": low, "high": high, "is_output": is_output}
    if array.ndim == 0 or (array.size == 1 and array.ndim <= 1):
        return LayerActivation(kind=SCALAR, **common)
    if array.ndim == 1:
        names = tuple(class_names) if is_output and len(class_names) == len(array) else ()
        labels = names or tuple(str(i) for i in range(len(array)))
        return LayerActivation(kind=VECTOR, labels=labels, **common)
    if array.ndim == 2:
        heat = _unit(array.T, low, high)[None]
        return LayerActivation(kind=SEQUENCE, maps=heat, grid_shape=(1, 1), **common)
    image = array
    while image.ndim > 3:
        image = image[image.shape[0] // 2]
    count = min(image.shape[-1], MAX_MAPS)
    columns = math.ceil(math.sqrt(count))
    maps = _unit(np.moveaxis(image[..., :count], -1, 0), low, high)
    return LayerActivation(kind=FEATURE_MAPS, maps=maps, grid_shape=(math.ceil(count / columns), columns),
                           labels=tuple(f"channel {c}" for c in range(count)), **common)


def _unit(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """``values`` mapped from [low, high] to [0, 1]; a constant output is all 0; NaN stays NaN."""
    spread = high - low
    if spread <= 1e-12:
        return np.where(np.isfinite(values), 0.0, np.nan).astype("float32")
    return np.clip((values - low) / spread, 0.0, 1.0).astype("float32")


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, (list, tuple)) else value
