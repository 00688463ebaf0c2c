"""Gradients on any Keras backend: one small helper per backend, one function to call them.

Keras 3 has no backend-neutral gradient, so ``value_and_gradients`` hands
the work to the running backend's own tool: ``tf.GradientTape`` on
TensorFlow, ``jax.value_and_grad`` over ``model.stateless_call`` on JAX,
``torch.autograd.grad`` on PyTorch. Each helper imports its backend inside
the function, so only the running one is loaded; the TensorFlow one lives
in ``app.data.tape``, as only ``app/data`` and ``app/export`` import
TensorFlow.

The function to differentiate receives the model's outputs (a tensor, or a
list for several outputs) and returns a scalar, written with ``keras.ops``
so it runs on every backend. The model runs with ``training=False``
(dropout off, batch-normalisation statistics used, not updated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.data.tape import tape_gradients
from app.inspection.model_parts import to_numpy

ScoreFunction = Callable[[Any], Any]


@dataclass(frozen=True, eq=False)
class Gradients:
    """A scalar's ``value`` and its gradients: ``inputs`` (shaped like ``x``) and, when asked,
    ``weights``, one array per trainable variable of the model, by the variable's path
    (``"conv_1/kernel"``)."""

    value: float
    inputs: np.ndarray
    weights: dict[str, np.ndarray]


def value_and_gradients(model: Any, x: Any, function: ScoreFunction, weights: bool = True) -> Gradients:
    """``function(model(x))`` and its gradients with respect to ``x`` and (``weights``) the trainables."""
    import keras

    backend = keras.backend.backend()
    helper = _HELPERS.get(backend)
    if helper is None:
        raise RuntimeError(f"Gradients are not available on the {backend!r} backend; "
                           "use tensorflow, jax or torch.")
    x = np.asarray(x, dtype="float32")
    variables = list(model.trainable_variables) if weights else []
    value, input_gradient, weight_gradients = helper(model, x, function, variables)
    found = {
        variable.path: (np.zeros(tuple(variable.shape), "float32") if grad is None else to_numpy(grad))
        for variable, grad in zip(variables, weight_gradients, strict=True)
    }
    return Gradients(float(to_numpy(value)), to_numpy(input_gradient), found)


def loss_gradients(model: Any, x: Any, y: Any, loss: Any, weights: bool = True) -> Gradients:
    """The mean ``loss`` (a Keras loss name, function, object) of ``model`` on ``(x, y)``, with gradients."""
    import keras
    from keras import ops

    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    target = np.asarray(y)

    def mean_loss(outputs: Any) -> Any:
        output = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
        return ops.mean(function(ops.convert_to_tensor(target), output))

    return value_and_gradients(model, x, mean_loss, weights)


# ---------------------------------------------------------- one per backend
def _jax(model: Any, x: np.ndarray, function: ScoreFunction, variables: list[Any]) -> tuple[Any, ...]:
    import jax
    chosen = {id(v) for v in variables}
    trainable = [v.value for v in model.trainable_variables]
    non_trainable = [v.value for v in model.non_trainable_variables]

    def score(values: list[Any], inputs: Any) -> Any:
        outputs, _ = model.stateless_call(values, non_trainable, inputs, training=False)
        return function(outputs)

    value, (weight_gradients, input_gradient) = jax.value_and_grad(score, argnums=(0, 1))(
        trainable, jax.numpy.asarray(x))
    by_variable = dict(zip([id(v) for v in model.trainable_variables], weight_gradients, strict=True))
    return value, input_gradient, [by_variable[id(v)] for v in variables if id(v) in chosen]


def _torch(model: Any, x: np.ndarray, function: ScoreFunction, variables: list[Any]) -> tuple[Any, ...]:
    import torch
    from keras import ops

    inputs = ops.convert_to_tensor(x).detach().requires_grad_(True)
    value = function(model(inputs, training=False))
    gradients = torch.autograd.grad(value, [inputs, *(v.value for v in variables)], allow_unused=True)
    return value.detach(), gradients[0], list(gradients[1:])


_HELPERS = {"tensorflow": tape_gradients, "jax": _jax, "torch": _torch}
