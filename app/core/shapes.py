"""Shape inference: what each node outputs, and how many weights it holds.

Keras itself is the oracle: each node's layer is made and called on
symbolic ``KerasTensor``s, so shapes and parameter counts are exactly what
Keras computes for the real model. Two things keep this fast enough to run
after every edit:

- Variables are created inside a ``StatelessScope`` that defers their
  initialisation, and the deferred ones are dropped afterwards: a
  4096x4096 Dense costs the same 2 ms as a tiny one (random init of 16M
  weights would take 300 ms).
- Results are cached on what determines them (type, params, input shapes and
  dtypes), so after an edit only nodes whose inputs really changed are
  recomputed (see ``app.core.validation.GraphChecker``).
"""

from __future__ import annotations

import contextlib
import json
import math
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.catalog import LayerSpec
from app.core.graph import Node
from app.core.layer_factory import call_layer, clean_keras_message, make_layer

Shape = tuple[int | None, ...]


@dataclass(frozen=True)
class NodeShape:
    """What shape inference knows about one node.

    ``outputs`` holds one shape per output port, batch axis first (None).
    ``error`` is Keras's complaint when the layer cannot take its inputs;
    then the shapes are empty and the counts zero.
    """

    outputs: tuple[Shape, ...] = ()
    dtypes: tuple[str, ...] = ()
    trainable_params: int = 0
    non_trainable_params: int = 0
    macs: int = 0
    error: str | None = None

    @property
    def params(self) -> int:
        """All weights, trainable or not."""
        return self.trainable_params + self.non_trainable_params

    @property
    def output(self) -> Shape | None:
        """The shape of output port 0, or None when unknown."""
        return self.outputs[0] if self.outputs else None


def format_shape(shape: Shape | None) -> str:
    """``(None, 8, 8, 16)`` as Keras prints it; ``?`` when unknown."""
    if shape is None:
        return "?"
    return (
        "("
        + ", ".join("None" if d is None else str(d) for d in shape)
        + ("," if len(shape) == 1 else "")
        + ")"
    )


def input_node_shape(node: Node) -> NodeShape:
    """The shape an ``Input`` node gives, from its ``shape`` param."""
    shape = node.params.get("shape")
    if not isinstance(shape, (list, tuple)) or not shape:
        return NodeShape(error="'shape' must be a list of sizes, for example [8, 8, 1]")
    for size in shape:
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
            return NodeShape(error=f"'shape' sizes must be positive integers or null; received {list(shape)}")
    batch = node.params.get("batch_size")
    return NodeShape(outputs=((batch, *shape),), dtypes=(str(node.params.get("dtype", "float32")),))


_CACHE: OrderedDict[Any, NodeShape] = OrderedDict()
_CACHE_SIZE = 8192


def infer_layer(
    node: Node,
    spec: LayerSpec,
    input_shapes: Sequence[Shape],
    input_dtypes: Sequence[str],
) -> NodeShape:
    """Shapes, counts and multiply-adds of one layer node given its inputs (cached)."""
    key = (node.type, _params_key(node.params), tuple(input_shapes), tuple(input_dtypes))
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    result = _infer_uncached(node, spec, input_shapes, input_dtypes)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


def clear_cache() -> None:
    """Forget every cached result (tests use this to time cold inference)."""
    _CACHE.clear()


def _params_key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=repr)


def _infer_uncached(
    node: Node,
    spec: LayerSpec,
    input_shapes: Sequence[Shape],
    input_dtypes: Sequence[str],
) -> NodeShape:
    import keras

    try:
        with _deferred_variables():
            layer = make_layer(node, spec, input_shapes)
            inputs = [keras.KerasTensor(s, dtype=d) for s, d in zip(input_shapes, input_dtypes, strict=True)]
            outputs = call_layer(layer, spec, inputs)
            tensors = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
            trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
            total = layer.count_params()
            macs = estimate_macs(layer, input_shapes, [tuple(t.shape) for t in tensors])
    except Exception as error:  # Keras reports bad inputs and configs with many exception types.
        return NodeShape(error=clean_keras_message(error))
    return NodeShape(
        outputs=tuple(tuple(t.shape) for t in tensors),
        dtypes=tuple(str(t.dtype) for t in tensors),
        trainable_params=int(trainable),
        non_trainable_params=int(total - trainable),
        macs=int(macs),
    )


@contextlib.contextmanager
def _deferred_variables() -> Iterator[None]:
    """Create Keras variables without initialising them, and forget them afterwards."""
    try:
        from keras.src.backend.common import global_state
        from keras.src.backend.common.stateless_scope import StatelessScope
    except ImportError:  # Keras moved its internals: correct but slower.
        yield
        return
    before = list(global_state.get_global_attribute("uninitialized_variables", [], set_to_default=True))
    try:
        with StatelessScope(initialize_variables=False):
            yield
    finally:
        global_state.set_global_attribute("uninitialized_variables", before)


# --------------------------------------------------------------- multiply-adds
def estimate_macs(layer: Any, input_shapes: Sequence[Shape], output_shapes: Sequence[Shape]) -> int:
    """Multiply-accumulate operations per sample for the common weighted layers.

    Counted from the built layer's kernels: a kernel is applied once per
    output position (convolutions, Dense on N-D input), once per input
    position (transposed convolutions) or once per time step (recurrent).
    Layers without kernels count 0.
    """
    kind = type(layer).__name__
    if kind in ("Sequential", "Functional"):
        return 0  # a nested model: not counted (its layers' input shapes are not at hand here)
    if kind == "Bidirectional":
        return estimate_macs(layer.forward_layer, input_shapes, output_shapes) + estimate_macs(
            layer.backward_layer, input_shapes, output_shapes
        )
    if kind == "TimeDistributed":
        steps = _dim(input_shapes[0], 1)
        inner_in = [(input_shapes[0][0], *input_shapes[0][2:])]
        inner_out = [(output_shapes[0][0], *output_shapes[0][2:])]
        return steps * estimate_macs(layer.layer, inner_in, inner_out)
    weights = {w.path.rsplit("/", 1)[-1]: w for w in getattr(layer, "weights", [])}
    if kind in ("SimpleRNN", "LSTM", "GRU"):
        kernels = sum(math.prod(weights[k].shape) for k in ("kernel", "recurrent_kernel") if k in weights)
        return _dim(input_shapes[0], 1) * kernels
    if kind == "MultiHeadAttention":
        return _attention_macs(layer, input_shapes)
    if "Transpose" in kind and "kernel" in weights:
        return _positions(input_shapes[0]) * math.prod(weights["kernel"].shape)
    total = 0
    for name in ("kernel", "depthwise_kernel", "pointwise_kernel"):
        if name in weights and output_shapes:
            total += _positions(output_shapes[0]) * math.prod(weights[name].shape)
    return total


def _dim(shape: Shape, axis: int) -> int:
    return shape[axis] if len(shape) > axis and shape[axis] is not None else 1


def _positions(shape: Shape) -> int:
    """Product of the axes between batch and channels (1 for a flat vector)."""
    return math.prod(d or 1 for d in shape[1:-1])


def _attention_macs(layer: Any, input_shapes: Sequence[Shape]) -> int:
    query_len = _dim(input_shapes[0], 1)
    key_len = _dim(input_shapes[1], 1) if len(input_shapes) > 1 else query_len
    projections = 0
    for dense, length in (
        (layer.query_dense, query_len),
        (layer.key_dense, key_len),
        (layer.value_dense, key_len),
        (layer.output_dense, query_len),
    ):
        projections += length * math.prod(dense.kernel.shape)
    heads, key_dim = layer.num_heads, layer.key_dim
    value_dim = layer.value_dim or key_dim
    return projections + heads * query_len * key_len * (key_dim + value_dim)
