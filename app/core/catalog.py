"""The layer catalog: every layer type a graph may hold, described as data.

A ``LayerSpec`` says how a node type becomes a Keras layer (``class_path``),
where it sits in the palette (``category``), which input ports it has and how
they are passed to the layer (``call``), and its params as ``ParamSpec``s.
A node's params are entries of the layer's Keras config; params left out of
a node take the spec's default, which is Keras's own default.

The catalog is filled in two ways: a hand-curated list of the layers a course
uses (good docs, ranges, key params shown on the node), and specs derived
from Keras's own signatures for everything else, so a new Keras release adds
layers without new code. See ``app.core.layer_specs``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# Param kinds. Each tells the property editor which widget to use and the
# validator which values are allowed.
INT = "int"
FLOAT = "float"
BOOL = "bool"
CHOICE = "choice"
STRING = "string"
TUPLE = "tuple"  # a tuple of ints (kernel_size, strides, shape, ...)
ACTIVATION = "activation"
INITIALIZER = "initializer"
REGULARIZER = "regularizer"
CONSTRAINT = "constraint"
LAYER = "layer"  # a nested layer config (Bidirectional, TimeDistributed)
ANY = "any"  # any JSON value; checked by Keras only

PARAM_KINDS = (INT, FLOAT, BOOL, CHOICE, STRING, TUPLE, ACTIVATION, INITIALIZER,
               REGULARIZER, CONSTRAINT, LAYER, ANY)

ACTIVATIONS = (
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish",
    "mish", "sigmoid", "hard_sigmoid", "hard_silu", "tanh", "softmax", "log_softmax",
    "softplus", "softsign", "exponential",
)
INITIALIZERS = (
    "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform",
    "lecun_normal", "orthogonal", "zeros", "ones", "random_uniform", "random_normal",
    "truncated_normal", "variance_scaling", "identity", "constant",
)
REGULARIZERS = ("L1", "L2", "L1L2", "OrthogonalRegularizer")
CONSTRAINTS = ("MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm")

# Every name Keras itself accepts for these kinds (the tuples above are the
# short lists offered in the property editor). Keras resolves both its
# snake_case names and its class names; "l1_l2" is not one of them.
ACTIVATION_NAMES = frozenset(ACTIVATIONS) | {
    "celu", "glu", "hard_shrink", "hard_swish", "hard_tanh", "log_sigmoid", "soft_shrink",
    "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "tanh_shrink", "threshold",
}
INITIALIZER_NAMES = frozenset(INITIALIZERS) | {
    "uniform", "normal", "one", "zero", "stft",
    "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity",
    "LecunNormal", "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform",
    "STFT", "TruncatedNormal", "VarianceScaling", "Zeros",
}
REGULARIZER_NAMES = frozenset(REGULARIZERS) | {"l1", "l2", "l1l2", "orthogonal_regularizer"}
CONSTRAINT_NAMES = frozenset(CONSTRAINTS) | {"max_norm", "min_max_norm", "non_neg", "unit_norm"}

CATEGORIES = (
    "Input", "Core", "Convolution", "Pooling", "Normalization", "Regularization",
    "Recurrent", "Attention", "Merge", "Reshape", "Activation",
    "Preprocessing and augmentation", "Pretrained", "Other",
)

# How a node's inputs are handed to the layer.
CALL_SINGLE = "single"  # layer(x)
CALL_LIST = "list"  # layer([x0, x1, ...]): merge layers
CALL_POSITIONAL = "positional"  # layer(query, value, key): attention
CALL_NONE = "none"  # an Input: no incoming edges
# op(*args, **kwargs) with the node's input tensors put into its "args"/"kwargs" template,
# where {"__input__": port} stands for a tensor: a Keras operation (keras.ops) on tensors and constants
CALL_TEMPLATE = "template"

# Markers in ``LayerSpec.tags``. Other tags are search words, such as
# "alias:MaxPool2D" for a class Keras also exports under another name.
TAG_INTEGER_INPUT = "integer-input"  # expects integer ids (Embedding, CategoryEncoding)
TAG_TENSORFLOW_ONLY = "tensorflow-only"  # runs on TensorFlow ops whatever the Keras backend


@dataclass(frozen=True)
class ParamSpec:
    """One param of a layer: its Keras config key, kind, default and limits."""

    name: str
    kind: str
    default: Any = None
    doc: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False  # None is allowed
    length: int | None = None  # fixed tuple length; a bare int is accepted too
    key: bool = False  # shown on the node's face
    required: bool = False  # Keras has no default: every node stores a value

    def check(self, value: Any) -> str | None:
        """Why ``value`` is not allowed for this param, or None when it is."""
        if value is None:
            return None if self.optional or self.default is None else "a value is required"
        checker = _CHECKERS.get(self.kind)
        return checker(self, value) if checker else None


@dataclass(frozen=True)
class PortSpec:
    """One input port of a layer."""

    name: str
    optional: bool = False


@dataclass(frozen=True)
class LayerSpec:
    """Everything Netloom knows about one node type."""

    type: str
    class_path: str
    category: str
    doc: str
    params: tuple[ParamSpec, ...] = ()
    inputs: tuple[PortSpec, ...] = (PortSpec("input"),)
    call: str = CALL_SINGLE
    min_inputs: int = 1  # for CALL_LIST: how many tensors at least
    example_input: tuple[tuple[int | None, ...], ...] = ((8, 8, 3),)  # without batch axis
    curated: bool = False
    tags: tuple[str, ...] = field(default=())

    @property
    def variadic(self) -> bool:
        """True when the layer takes any number of tensors (a list, or an operation's template)."""
        return self.call in (CALL_LIST, CALL_TEMPLATE)

    def param(self, name: str) -> ParamSpec | None:
        """The spec of param ``name``, or None."""
        for param in self.params:
            if param.name == name:
                return param
        return None

    def defaults(self) -> dict[str, Any]:
        """Every param's default value (a fresh copy, safe to change)."""
        return {p.name: copy.deepcopy(p.default) for p in self.params}

    def initial_params(self) -> dict[str, Any]:
        """The params a new node of this type starts with: the required ones (a fresh copy)."""
        return {p.name: copy.deepcopy(p.default) for p in self.params if p.required}

    def key_params(self) -> tuple[ParamSpec, ...]:
        """The params worth showing on the node's face."""
        return tuple(p for p in self.params if p.key)


class UnknownLayerType(KeyError):
    """A node type the catalog does not hold."""

    def __str__(self) -> str:
        return f"Unknown layer type {self.args[0]!r}."


class Catalog:
    """A registry of ``LayerSpec``s by type name."""

    def __init__(self, specs: Iterable[LayerSpec] = ()) -> None:
        self._specs: dict[str, LayerSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: LayerSpec, replace: bool = False) -> None:
        """Add ``spec``; refuse a second spec of the same type unless ``replace``."""
        if spec.type in self._specs and not replace:
            raise ValueError(f"Layer type {spec.type!r} is already registered.")
        if spec.category not in CATEGORIES:
            raise ValueError(
                f"Layer type {spec.type!r} has unknown category {spec.category!r}; "
                f"expected one of {', '.join(CATEGORIES)}."
            )
        self._specs[spec.type] = spec

    def get(self, layer_type: str) -> LayerSpec:
        """The spec of ``layer_type``; ``UnknownLayerType`` if absent."""
        try:
            return self._specs[layer_type]
        except KeyError:
            raise UnknownLayerType(layer_type) from None

    def __contains__(self, layer_type: object) -> bool:
        return layer_type in self._specs

    def __len__(self) -> int:
        return len(self._specs)

    def specs(self) -> list[LayerSpec]:
        """Every spec, in registration order."""
        return list(self._specs.values())

    def by_category(self) -> dict[str, list[LayerSpec]]:
        """Specs grouped by category, in the palette's order, each group by name."""
        groups: dict[str, list[LayerSpec]] = {c: [] for c in CATEGORIES}
        for spec in self._specs.values():
            groups[spec.category].append(spec)
        return {c: sorted(s, key=lambda x: x.type) for c, s in groups.items() if s}


_default_catalog: Catalog | None = None


def default_catalog() -> Catalog:
    """The process's catalog: the one given to ``set_default_catalog``, else every built-in layer.

    The built-in catalog is built on first use (which imports keras). Once
    plugins are loaded, ``app.plugins`` makes its catalog (built-ins plus
    plugin layers) the default, so validation and building see plugin layers.
    """
    global _default_catalog
    if _default_catalog is None:
        from app.core.layer_specs import build_catalog

        _default_catalog = build_catalog()
    return _default_catalog


def set_default_catalog(catalog: Catalog | None) -> None:
    """Make ``catalog`` what ``default_catalog()`` returns; None goes back to the built-ins."""
    global _default_catalog
    _default_catalog = catalog


# ---------------------------------------------------------------- value checks
def _number(spec: ParamSpec, value: Any, integer: bool) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"expected {'an integer' if integer else 'a number'}, received {value!r}"
    if integer and not float(value).is_integer():
        return f"expected an integer, received {value!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"expected a finite number, received {value!r}"
    if spec.minimum is not None and value < spec.minimum:
        return f"expected at least {spec.minimum:g}, received {value!r}"
    if spec.maximum is not None and value > spec.maximum:
        return f"expected at most {spec.maximum:g}, received {value!r}"
    return None


def _check_tuple(spec: ParamSpec, value: Any) -> str | None:
    items = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(items, (list, tuple)):
        return f"expected an integer or a list of integers, received {value!r}"
    if spec.length is not None and len(items) not in (1, spec.length) and not isinstance(value, int):
        return f"expected {spec.length} integers, received {len(items)}"
    for item in items:
        # An item may itself be a pair, as in Cropping2D's ((top, bottom), (left, right)).
        for number in item if isinstance(item, (list, tuple)) else [item]:
            if number is None:
                continue
            problem = _number(spec, number, integer=True)
            if problem:
                return problem
    return None


def _check_choice(spec: ParamSpec, value: Any) -> str | None:
    if value in spec.choices:
        return None
    return f"expected one of {', '.join(map(repr, spec.choices))}, received {value!r}"


def _check_named(spec: ParamSpec, value: Any, names: frozenset[str], examples: tuple[str, ...]) -> str | None:
    if isinstance(value, dict):
        if "class_name" in value:
            return None
        return f"expected a Keras config with 'class_name', received {value!r}"
    if isinstance(value, str):
        if value in names:
            return None
        return f"expected a name Keras knows, such as {', '.join(examples[:6])}; received {value!r}"
    return f"expected a name or a Keras config, received {value!r}"


def _check_layer(spec: ParamSpec, value: Any) -> str | None:
    if not isinstance(value, dict) or "class_name" not in value:
        return f"expected a layer config with 'class_name' and 'config', received {value!r}"
    if not isinstance(value.get("config", {}), dict):
        return f"expected the layer's 'config' to be a mapping, received {value['config']!r}"
    return None


_CHECKERS = {
    INT: lambda s, v: _number(s, v, integer=True),
    FLOAT: lambda s, v: _number(s, v, integer=False),
    BOOL: lambda s, v: None if isinstance(v, bool) else f"expected true or false, received {v!r}",
    CHOICE: _check_choice,
    STRING: lambda s, v: None if isinstance(v, str) else f"expected text, received {v!r}",
    TUPLE: _check_tuple,
    ACTIVATION: lambda s, v: _check_named(s, v, ACTIVATION_NAMES, ACTIVATIONS),
    INITIALIZER: lambda s, v: _check_named(s, v, INITIALIZER_NAMES, INITIALIZERS),
    REGULARIZER: lambda s, v: _check_named(s, v, REGULARIZER_NAMES, REGULARIZERS),
    CONSTRAINT: lambda s, v: _check_named(s, v, CONSTRAINT_NAMES, CONSTRAINTS),
    LAYER: _check_layer,
}
