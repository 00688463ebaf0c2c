"""Gradients on the TensorFlow backend: ``tf.GradientTape`` around one forward pass.

Keras 3 has no backend-neutral gradient, so each backend's own tool does
it (``app.inspection.gradients`` holds the JAX and PyTorch ones). This one
lives with the other TensorFlow-specific code, as only ``app/data`` and
``app/export`` import TensorFlow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


def tape_gradients(
    model: Any, x: np.ndarray, function: Callable[[Any], Any], variables: Sequence[Any]
) -> tuple[Any, Any, list[Any]]:
    """``function(model(x))``, its gradient with respect to ``x`` and to each of ``variables``."""
    import tensorflow as tf

    inputs = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        value = function(model(inputs, training=False))
    gradients = tape.gradient(value, [inputs, *variables])
    return value, gradients[0], list(gradients[1:])
