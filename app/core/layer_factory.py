"""Turn one node into a Keras layer and call it on its input tensors.

Used both by shape inference (on symbolic ``KerasTensor``s, one node at a
time) and by the model builder (on the tensors of a functional model), so
the two can never disagree. keras is imported inside the functions only.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from app.core.catalog import CALL_LIST, CALL_NONE, CALL_POSITIONAL, CALL_TEMPLATE, LayerSpec
from app.core.graph import Node

# An "Operation" node's template writes an input tensor as {"__input__": port}.
TENSOR_PLACEHOLDER = "__input__"
# Operation classes are only ever looked up in this package (safety: a node names a class by text).
OPERATION_PACKAGE = "keras.src.ops"


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
    if spec.call == CALL_TEMPLATE:
        return make_operation(node)
    target = resolve(spec.class_path)
    if spec.category == "Pretrained":
        return _make_application(node, target, input_shapes)
    return target.from_config(layer_config(node))


def call_layer(layer: Any, spec: LayerSpec, inputs: Sequence[Any]) -> Any:
    """Call ``layer`` on ``inputs`` the way its spec says (one, a list, or positional)."""
    if spec.call == CALL_LIST:
        return layer(list(inputs))
    if spec.call in (CALL_POSITIONAL, CALL_TEMPLATE):
        return layer(*inputs)
    if len(inputs) != 1:
        raise ValueError(f"expected 1 input, received {len(inputs)}")
    return layer(inputs[0])


def resolve_operation(module: Any, class_name: Any) -> Any:
    """The Keras operation class ``module.class_name``, looked up under ``keras.src.ops`` only."""
    from keras.src.ops.operation import Operation

    if not isinstance(module, str) or not (
        module == OPERATION_PACKAGE or module.startswith(OPERATION_PACKAGE + ".")
    ):
        raise ValueError(f"operations come from {OPERATION_PACKAGE} only; received module {module!r}")
    if not isinstance(class_name, str) or not class_name.isidentifier() or class_name.startswith("_"):
        raise ValueError(f"{class_name!r} is not an operation class name")
    target = getattr(importlib.import_module(module), class_name, None)
    if not isinstance(target, type) or not issubclass(target, Operation):
        raise ValueError(f"{module}.{class_name} is not a Keras operation")
    return target


def operation_ports(template: Any) -> list[int]:
    """The input ports a template refers to, in the order they appear."""
    if isinstance(template, dict):
        if set(template) == {TENSOR_PLACEHOLDER}:
            return [int(template[TENSOR_PLACEHOLDER])]
        return [port for value in template.values() for port in operation_ports(value)]
    if isinstance(template, (list, tuple)):
        return [port for value in template for port in operation_ports(value)]
    return []


def fill_template(template: Any, inputs: Sequence[Any]) -> Any:
    """``template`` with each ``{"__input__": port}`` replaced by ``inputs[port]``."""
    if isinstance(template, dict):
        if set(template) == {TENSOR_PLACEHOLDER}:
            port = int(template[TENSOR_PLACEHOLDER])
            if not 0 <= port < len(inputs):
                raise ValueError(f"the operation uses input {port}, but {len(inputs)} are connected")
            return inputs[port]
        return {key: fill_template(value, inputs) for key, value in template.items()}
    if isinstance(template, (list, tuple)):
        return [fill_template(value, inputs) for value in template]
    return template


class BoundOperation:
    """A Keras operation with its call template: called on the node's input tensors, in port order.

    It holds no weights; ``weights``, ``trainable_weights`` and ``count_params``
    are there so shape inference can treat it as a layer.
    """

    weights: list[Any] = []
    trainable_weights: list[Any] = []

    def __init__(self, operation: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
        self.operation = operation
        self.args = args
        self.kwargs = kwargs
        self.name = operation.name

    def __call__(self, *inputs: Any) -> Any:
        return self.operation(*fill_template(self.args, inputs), **fill_template(self.kwargs, inputs))

    def count_params(self) -> int:
        return 0

    def get_config(self) -> dict[str, Any]:
        """The node params this operation was made from, with its name."""
        config = {k: v for k, v in self.operation.get_config().items() if k != "name"}
        return {"module": type(self.operation).__module__, "class_name": type(self.operation).__name__,
                "config": config, "args": self.args, "kwargs": self.kwargs, "name": self.name}


def make_operation(node: Node) -> BoundOperation:
    """The operation of an "Operation" node: its class (from ``keras.src.ops``) made from its config."""
    params = node.params
    target = resolve_operation(params.get("module"), params.get("class_name"))
    config = params.get("config") or {}
    args = params.get("args") or []
    kwargs = params.get("kwargs") or {}
    if not isinstance(config, dict) or not isinstance(args, list) or not isinstance(kwargs, dict):
        raise ValueError("an operation needs 'config' and 'kwargs' mappings and an 'args' list")
    operation = target.from_config({**config, "name": node.name})
    return BoundOperation(operation, args, kwargs)


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
