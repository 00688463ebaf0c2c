"""What every inspection module needs of a Keras model: its layers by name and their weights' values.

Layer names are node names (``app.build`` names each layer after its node),
so a UI finds a node's layer with ``layer_named(model, node.name)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class InspectionError(ValueError):
    """A layer, model or sample that an inspection cannot work with; the message says why and what to do."""


def layer_named(model: Any, name: str) -> Any:
    """The layer ``name`` of ``model``; ``InspectionError`` listing the layers there are when missing."""
    try:
        return model.get_layer(name)
    except ValueError:
        names = ", ".join(layer.name for layer in model.layers)
        raise InspectionError(f"The model has no layer {name!r}; its layers are {names}.") from None


def weight_value(layer: Any, name: str) -> np.ndarray | None:
    """The value of ``layer``'s weight called ``name`` (``"kernel"``, ``"bias"``...) as NumPy, or None."""
    for variable in layer.weights:
        if variable.path.split("/")[-1] == name:
            return np.asarray(variable.numpy())
    return None


def to_numpy(value: Any) -> np.ndarray:
    """A tensor or variable of any backend as a NumPy array."""
    from keras import ops

    return np.asarray(ops.convert_to_numpy(value))


def leaf_layers(model: Any) -> list[Any]:
    """The layers of ``model`` in order, with nested models (an augmentation wrapper) opened up."""
    found: list[Any] = []
    for layer in model.layers:
        inner = getattr(layer, "layers", None)
        if inner and hasattr(layer, "inputs"):
            found += leaf_layers(layer)
        elif type(layer).__name__ != "InputLayer":
            found.append(layer)
    return found


def single_input_shape(model: Any) -> tuple[int | None, ...]:
    """The shape of one sample of the model's only Input; ``InspectionError`` for several inputs."""
    if len(model.inputs) != 1:
        raise InspectionError(f"This needs a model with one Input; {model.name!r} has {len(model.inputs)}.")
    return tuple(model.inputs[0].shape[1:])


def batch_of_one(model: Any, sample: Any) -> np.ndarray:
    """``sample`` (no batch axis) as a ``float32`` batch of one that fits the model's Input.

    A sample with as many values as the Input takes is reshaped (digits'
    ``(8, 8, 1)`` for an Input of ``(64,)``); anything else raises ``InspectionError``.
    """
    wanted = single_input_shape(model)
    array = np.asarray(sample, dtype="float32")
    same = array.ndim == len(wanted)
    if same and all(w is None or w == h for h, w in zip(array.shape, wanted, strict=True)):
        return array[None, ...]
    if None not in wanted and int(np.prod(wanted)) == array.size:
        return array.reshape((1, *wanted))
    raise InspectionError(
        f"A sample of shape {list(array.shape)} cannot feed the model's Input of shape {list(wanted)}."
    )
