"""The probe batch: the same few samples run through the model and through every exported copy.

A probe holds two views of the same samples: ``inputs`` as the graph's
model takes them (preprocessed) and ``raw_inputs`` as the exported model
takes them (before the baked-in preprocessing; the same arrays when none
is baked in). Samples come from the project's data when it loads, else
they are drawn from the input shape with a fixed seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

PROBE_SIZE = 8
PROBE_SEED = 0
FREE_SIZE = 8  # the length given to an axis of unknown size (a sequence of any length)


@dataclass
class Probe:
    """The same samples as the graph's model takes them and as the exported model takes them."""

    inputs: list[np.ndarray]
    raw_inputs: list[np.ndarray]
    source: str


def generated_inputs(model: Any, count: int = PROBE_SIZE, seed: int = PROBE_SEED) -> list[np.ndarray]:
    """One array per model input, drawn with ``seed``: floats in [0, 1), small integers for int inputs."""
    rng = np.random.default_rng(seed)
    arrays = []
    for tensor in model.inputs:
        shape = (count, *(FREE_SIZE if size is None else int(size) for size in tensor.shape[1:]))
        dtype = str(getattr(tensor, "dtype", "float32"))
        if "int" in dtype:
            arrays.append(rng.integers(0, 2, size=shape).astype(dtype))
        else:
            arrays.append(rng.random(shape, dtype=np.float32))
    return arrays


def outputs_of(model: Any, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The model's outputs for ``inputs`` (inference mode) as a list of float arrays."""
    result = model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)
    return as_arrays(result)


def as_arrays(result: Any) -> list[np.ndarray]:
    """A model result (tensor, list, tuple or dict of them) as a list of NumPy arrays."""
    if isinstance(result, dict):
        result = [result[key] for key in sorted(result)]
    if not isinstance(result, (list, tuple)):
        result = [result]
    return [np.asarray(getattr(item, "numpy", lambda item=item: item)()) for item in result]


def max_abs_diff(expected: Sequence[np.ndarray], received: Sequence[np.ndarray]) -> float:
    """The largest absolute difference between two lists of outputs; inf when their shapes differ."""
    if len(expected) != len(received):
        return float("inf")
    largest = 0.0
    for a, b in zip(expected, received, strict=True):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            b = b.reshape(a.shape) if a.size == b.size else b
            if a.shape != b.shape:
                return float("inf")
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            return float("inf")
        if a.size:
            largest = max(largest, float(np.nanmax(np.abs(a - b), initial=0.0)))
    return largest
