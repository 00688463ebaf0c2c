"""Specs derived from Keras's own signatures, for every layer not curated.

A param's kind comes from its name (``*_initializer`` is an initializer,
``activation`` an activation, ...) or else from its default's type. A param
Keras requires gets a starting value from ``STARTING_VALUES``; the few
layers that need more (an example input, an integer input, a different
call) are listed in ``OVERRIDES``. A new Keras layer therefore lands in the
palette without new code; if its required params are unknown, the catalog
test that builds every layer says so.

keras is imported inside the functions only.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from app.core.catalog import (
    ACTIVATION,
    ANY,
    BOOL,
    CALL_LIST,
    CALL_POSITIONAL,
    CALL_SINGLE,
    CHOICE,
    CONSTRAINT,
    FLOAT,
    INITIALIZER,
    INT,
    LAYER,
    REGULARIZER,
    STRING,
    TAG_INTEGER_INPUT,
    TAG_TENSORFLOW_ONLY,
    TUPLE,
    LayerSpec,
    ParamSpec,
    PortSpec,
)
from app.core.layer_specs_curated import (
    DATA_FORMATS,
    EXAMPLE_SHAPES,
    PADDINGS,
    PAIR_OF_SEQUENCES,
    PAIR_OF_VECTORS,
    SEQUENCE_SHAPE,
    TWO_INPUTS,
    VECTOR_SHAPE,
    Shapes,
)

# Constructor arguments that are not layer params a person edits: base-layer
# plumbing, weights given as arrays, and arguments Keras leaves out of the
# layer's config (so they would not survive a save).
SKIPPED_PARAMS = frozenset({
    "self", "name", "dtype", "trainable", "autocast", "input_tensor", "weights",
    "lora_rank", "lora_alpha", "quantization_config", "gptq_unpacked_column_size",
    "use_cudnn", "flash_attention",
})
SKIPPED_BY_LAYER = {"MaxNumBoundingBoxes": {"fill_value"}, "RandomGrayscale": {"seed"}, "SimpleRNN": {"seed"},
                    "CategoryEncoding": {"sparse"}}

DENSE_CONFIG = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 32}}

# name -> (kind, starting value, limits) for params Keras requires. A value
# of None in a tuple's place means "one entry per spatial axis".
STARTING_VALUES: dict[str, tuple[str, Any, dict[str, Any]]] = {
    "units": (INT, 32, {"minimum": 1}),
    "filters": (INT, 32, {"minimum": 1}),
    "kernel_size": (TUPLE, 3, {"minimum": 1}),
    "pool_size": (TUPLE, 2, {"minimum": 1}),
    "output_size": (TUPLE, 2, {"minimum": 1}),
    "rate": (FLOAT, 0.5, {"minimum": 0, "maximum": 0.99}),
    "stddev": (FLOAT, 0.1, {"minimum": 0}),
    "factor": (FLOAT, 0.2, {}),
    "height_factor": (FLOAT, 0.1, {"minimum": -1, "maximum": 1}),
    "width_factor": (FLOAT, 0.1, {"minimum": -1, "maximum": 1}),
    "scale": (FLOAT, 1 / 255, {}),
    "height": (INT, 4, {"minimum": 1}),
    "width": (INT, 4, {"minimum": 1}),
    "n": (INT, 3, {"minimum": 1}),
    "num_heads": (INT, 2, {"minimum": 1}),
    "key_dim": (INT, 16, {"minimum": 1}),
    "head_dim": (INT, 16, {"minimum": 1}),
    "num_query_heads": (INT, 4, {"minimum": 1}),
    "num_key_value_heads": (INT, 2, {"minimum": 1}),
    "input_dim": (INT, 1000, {"minimum": 1}),
    "output_dim": (INT, 32, {"minimum": 1}),
    "num_bins": (INT, 16, {"minimum": 1}),
    "max_number": (INT, 4, {"minimum": 1}),
    "axes": (TUPLE, -1, {"length": 2}),
    "equation": (STRING, "ab,bc->ac", {}),
    "output_shape": (TUPLE, [32], {}),
    "target_shape": (TUPLE, [-1], {"minimum": -1}),
    "dims": (TUPLE, [2, 1], {"minimum": 1}),
    "activation": (ACTIVATION, "relu", {}),
    "layer": (LAYER, DENSE_CONFIG, {}),
}

# Kinds of params whose Keras default is None, by name.
KINDS_OF_NONE = {
    "seed": INT, "strides": TUPLE, "noise_shape": TUPLE, "output_padding": TUPLE, "shared_axes": TUPLE,
    "attention_axes": TUPLE, "output_shape": TUPLE, "value_dim": INT, "sliding_window": INT,
    "num_tokens": INT, "max_tokens": INT, "num_bins": INT, "sequence_length": INT, "frame_step": INT,
    "fft_length": INT, "max_freq": FLOAT, "max_value": FLOAT, "logit_soft_cap": FLOAT,
    "bias_axes": STRING, "reverse_dtype": STRING, "backward_layer": LAYER, "mask_value": FLOAT,
}

# Params Keras takes as an int or a tuple of ints (one per spatial axis).
TUPLE_OR_INT = frozenset({"kernel_size", "strides", "dilation_rate", "pool_size", "padding", "output_padding",
                          "cropping"})

# Per layer: params replaced or added, and other LayerSpec fields.
OVERRIDES: dict[str, dict[str, Any]] = {
    "GroupNormalization": {"example_input": ((8, 8, 32),)},
    "RandomPosterization": {"params": {"factor": (INT, 4, {"minimum": 1, "maximum": 8})}},
    "Discretization": {"params": {"bin_boundaries": (ANY, [0.0, 0.5, 1.0], {})},
                       "example_input": VECTOR_SHAPE},
    "CategoryEncoding": {"params": {"num_tokens": (INT, 10, {"minimum": 1})}, "example_input": ((4,),),
                         "tags": (TAG_INTEGER_INPUT,)},
    "IntegerLookup": {"params": {"vocabulary": (ANY, [1, 2, 3], {})}, "example_input": ((4,),),
                      "tags": (TAG_INTEGER_INPUT, TAG_TENSORFLOW_ONLY)},
    "Hashing": {"example_input": ((4,),), "tags": (TAG_TENSORFLOW_ONLY,)},
    "HashedCrossing": {"call": CALL_LIST, "inputs": TWO_INPUTS, "min_inputs": 2,
                       "example_input": ((1,), (1,)), "tags": (TAG_INTEGER_INPUT, TAG_TENSORFLOW_ONLY)},
    "ReversibleEmbedding": {"example_input": ((10,),), "tags": (TAG_INTEGER_INPUT,)},
    "MelSpectrogram": {"example_input": ((4096,),)},
    "STFTSpectrogram": {"example_input": ((1024, 1),)},
    "ConvLSTM1D": {"example_input": ((5, 16, 4),)},
    "ConvLSTM2D": {"example_input": ((5, 8, 8, 3),)},
    "ConvLSTM3D": {"example_input": ((3, 6, 6, 6, 2),)},
}

CATEGORY_OF_PACKAGE = {
    "convolutional": "Convolution", "pooling": "Pooling", "normalization": "Normalization",
    "regularization": "Regularization", "rnn": "Recurrent", "attention": "Attention", "merging": "Merge",
    "reshaping": "Reshape", "activations": "Activation", "preprocessing": "Preprocessing and augmentation",
    "core": "Core",
}

EXAMPLE_OF_CATEGORY: dict[str, Shapes] = {
    "Recurrent": SEQUENCE_SHAPE, "Attention": PAIR_OF_SEQUENCES, "Merge": PAIR_OF_VECTORS,
    "Core": VECTOR_SHAPE, "Activation": VECTOR_SHAPE, "Regularization": VECTOR_SHAPE,
    "Normalization": VECTOR_SHAPE,
}


def category_of(cls: type) -> str:
    """The palette category of a Keras layer class, from its module path."""
    parts = cls.__module__.split(".")
    package = parts[3] if parts[:3] == ["keras", "src", "layers"] and len(parts) > 3 else ""
    return CATEGORY_OF_PACKAGE.get(package, "Other")


def spatial_dims(type_: str) -> int | None:
    """1, 2 or 3 for ``Conv2D``-style names, else None."""
    match = re.search(r"([123])D", type_)
    return int(match.group(1)) if match else None


ABBREVIATION = re.compile(r"\b(e\.g|i\.e|a\.k\.a|etc|vs)$")


def first_sentence(text: str | None) -> str:
    """The first sentence of a docstring, on one line ("e.g." does not end it)."""
    paragraph = inspect.cleandoc(text or "").split("\n\n")[0]
    line = " ".join(paragraph.split())
    for match in re.finditer(r"\. ", line):
        if not ABBREVIATION.search(line[: match.start()]):
            return line[: match.start() + 1]
    return line


def derive_spec(cls: type, class_path: str) -> LayerSpec:
    """A ``LayerSpec`` for a Keras layer class, read from its signature."""
    type_ = cls.__name__
    override = OVERRIDES.get(type_, {})
    category = category_of(cls)
    dims = spatial_dims(type_)
    params = tuple(derive_params(cls, dims, override.get("params", {})))
    call, inputs = call_style(cls, category)
    fields: dict[str, Any] = {"call": call, "inputs": inputs, "min_inputs": min(2, len(inputs))}
    fields["example_input"] = example_input(category, dims, len(inputs))
    fields.update({k: v for k, v in override.items() if k != "params"})
    return LayerSpec(type_, class_path, category, first_sentence(cls.__doc__), params, **fields)


def derive_params(cls: type, dims: int | None,
                  replaced: dict[str, tuple[str, Any, dict[str, Any]]]) -> Iterator[ParamSpec]:
    """The ``ParamSpec``s of ``cls.__init__``, in signature order."""
    skipped = SKIPPED_PARAMS | SKIPPED_BY_LAYER.get(cls.__name__, set())
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if name in skipped or parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
            continue
        if name in replaced:
            kind, start, limits = replaced[name]
            yield ParamSpec(name, kind, start, required=True, **limits)
        elif parameter.default is inspect.Parameter.empty:
            yield required_param(name, dims)
        else:
            yield param_with_default(name, parameter.default)


def required_param(name: str, dims: int | None) -> ParamSpec:
    """A param Keras has no default for, starting from a sensible value."""
    kind, start, limits = STARTING_VALUES.get(name, (ANY, None, {}))
    if kind == TUPLE and isinstance(start, int) and name != "axes":
        start = [start] * (dims or 1)
        limits = {**limits, "length": dims or 1}
    return ParamSpec(name, kind, start, required=True, **limits)


def param_with_default(name: str, default: Any) -> ParamSpec:
    """A param with a Keras default; its kind from its name, else from the default."""
    default = _jsonable(default)
    kind, extra = _kind_by_name(name, default)
    if kind is None:
        kind, extra = _kind_by_value(name, default)
    return ParamSpec(name, kind, default, optional=default is None, **extra)


def _kind_by_name(name: str, default: Any) -> tuple[str | None, dict[str, Any]]:
    if name == "activation" or name.endswith("_activation"):
        return ACTIVATION, {}
    for suffix, kind in (("_initializer", INITIALIZER), ("_regularizer", REGULARIZER),
                         ("_constraint", CONSTRAINT)):
        if name.endswith(suffix):
            return kind, {}
    if name == "value_range":  # [0, 255] or [0.0, 1.0]: not only integers
        return ANY, {}
    if name == "data_format":
        return CHOICE, {"choices": DATA_FORMATS}
    if name == "padding" and isinstance(default, str):
        return CHOICE, {"choices": PADDINGS}
    if name in ("rate", "dropout", "recurrent_dropout") and isinstance(default, float):
        return FLOAT, {"minimum": 0, "maximum": 1}
    if default is None:
        return KINDS_OF_NONE.get(name, ANY), {}
    return None, {}


def _kind_by_value(name: str, default: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(default, bool):
        return BOOL, {}
    if isinstance(default, int):
        return (TUPLE, {}) if name in TUPLE_OR_INT else (INT, {})
    if isinstance(default, float):
        return FLOAT, {}
    if isinstance(default, str):
        return STRING, {}
    if isinstance(default, list) and _all_ints(default):
        return TUPLE, {"length": len(default)}
    return ANY, {}


def _all_ints(value: Any) -> bool:
    if isinstance(value, list):
        return all(_all_ints(item) for item in value)
    return isinstance(value, int) and not isinstance(value, bool)


def _jsonable(value: Any) -> Any:
    """Tuples as lists, the form a default takes in a saved project."""
    if isinstance(value, (tuple, list)):
        return [_jsonable(item) for item in value]
    return value


def call_style(cls: type, category: str) -> tuple[str, tuple[PortSpec, ...]]:
    """How the layer is called and its input ports, from ``cls.call``'s signature."""
    parameters = inspect.signature(cls.call).parameters
    if "query" in parameters and "value" in parameters:
        ports = tuple(PortSpec(name, optional=parameters[name].default is not inspect.Parameter.empty)
                      for name in ("query", "value", "key") if name in parameters)
        return CALL_POSITIONAL, ports
    if category == "Merge":
        return CALL_LIST, TWO_INPUTS
    if category == "Attention":
        return CALL_LIST, (PortSpec("query"), PortSpec("value"), PortSpec("key", optional=True))
    return CALL_SINGLE, (PortSpec("input"),)


def example_input(category: str, dims: int | None, ports: int) -> Shapes:
    """A shape (without batch axis) on which a layer of this kind builds."""
    if ports > 1:
        return PAIR_OF_SEQUENCES if category == "Attention" else PAIR_OF_VECTORS
    if dims is not None:
        return EXAMPLE_SHAPES[dims]
    return EXAMPLE_OF_CATEGORY.get(category, ((8, 8, 3),))


def with_tags(spec: LayerSpec, tags: tuple[str, ...]) -> LayerSpec:
    """``spec`` with ``tags`` added."""
    return replace(spec, tags=spec.tags + tuple(t for t in tags if t not in spec.tags))
