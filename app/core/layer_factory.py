"""Turn one node into a Keras layer and call it on its input tensors.

Used both by shape inference (on symbolic ``KerasTensor``s, one node at a
time) and by the model builder (on the tensors of a functional model), so
the two can never disagree. keras is imported inside the functions only.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from app.core.catalog import CALL_LIST, CALL_NONE, CALL_POSITIONAL, LayerSpec
from app.core.graph import Node


def resolve(class_path: str) -> Any:
    """The Python object named by a dotted path such as ``keras.layers.Dense``."""
    module_name, _, attribute = class_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attribute)


def layer_config(node: Node) -> dict[str, Any]:
    """The Keras config the node's layer is made from: its params plus its name."""
    config = {k: _with_module(v) for k, v in node.params.items() if k != "name"}
    config["name"] = node.name
    return config


def _with_module(value: Any) -> Any:
    """Nested layer configs need a module for Keras to find the class; assume keras.layers."""
    if isinstance(value, dict) and "class_name" in value and "config" in value and "module" not in value:
        return {"module": "keras.layers", **value}
    return value


def make_input(node: Node) -> Any:
    """A ``keras.Input`` tensor for an ``Input`` node."""
    import keras

    params = node.params
    shape = params.get("shape")
    if shape is None:
        raise ValueError("The Input has no shape; set 'shape', for example [8, 8, 1].")
    return keras.Input(
        shape=tuple(shape),
        batch_size=params.get("batch_size"),
        dtype=params.get("dtype", "float32"),
        name=node.name,
    )


def make_layer(node: Node, spec: LayerSpec, input_shapes: Sequence[tuple[Any, ...]] = ()) -> Any:
    """A fresh Keras layer (or application model) for ``node``.

    ``input_shapes`` (with batch axis) is needed only by pretrained
    backbones, whose input shape is fixed when they are made.
    """
    if spec.call == CALL_NONE:
        raise ValueError("Input nodes make tensors, not layers; use make_input().")
    target = resolve(spec.class_path)
    if spec.category == "Pretrained":
        return _make_application(node, target, input_shapes)
    return target.from_config(layer_config(node))


def call_layer(layer: Any, spec: LayerSpec, inputs: Sequence[Any]) -> Any:
    """Call ``layer`` on ``inputs`` the way its spec says (one, a list, or positional)."""
    if spec.call == CALL_LIST:
        return layer(list(inputs))
    if spec.call == CALL_POSITIONAL:
        return layer(*inputs)
    if len(inputs) != 1:
        raise ValueError(f"expected 1 input, received {len(inputs)}")
    return layer(inputs[0])


def _make_application(node: Node, builder: Any, input_shapes: Sequence[tuple[Any, ...]]) -> Any:
    params = dict(node.params)
    weights = params.pop("weights", None)
    trainable = params.pop("trainable", True)
    if weights in ("none", ""):
        weights = None
    if weights is not None and weights != "imagenet":
        from pathlib import Path

        if not Path(weights).is_file():
            raise ValueError(f"weights file {weights!r} does not exist")
    elif weights == "imagenet":
        raise ValueError(
            "weights='imagenet' would download from the internet; "
            "download the weights file once and set 'weights' to its path"
        )
    input_shape = tuple(input_shapes[0][1:]) if input_shapes else None
    model = builder(weights=weights, input_shape=input_shape, name=node.name, **params)
    model.trainable = bool(trainable)
    return model


def clean_keras_message(error: BaseException) -> str:
    """A one-paragraph version of a Keras/TensorFlow error message."""
    text = str(error).strip() or type(error).__name__
    for marker in ("\n\nArguments received", "\nArguments received", "\n\nCall arguments received"):
        text = text.split(marker)[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines)[:600]
