"""The loss a run was trained with, and its value for each sample.

``app.training`` chooses the loss when it compiles; inspection may not import
it (sibling parts), so ``training_loss`` repeats that small rule here: the
project's ``training.loss``, or for ``"auto"`` the loss that fits the
output's activation and the labels, corrected for integer vs one-hot labels
with ``app.data.prepare.reconcile_loss`` as training does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from app.data.prepare import reconcile_loss
from app.inspection.model_parts import to_numpy

AUTO = "auto"
SPARSE_LOSS, DENSE_LOSS = "sparse_categorical_crossentropy", "categorical_crossentropy"


def training_loss(training: Mapping[str, Any], model: Any, labels_one_hot: bool, classification: bool) -> str:
    """The loss name a project's ``training`` settings compile ``model`` with (first output only)."""
    wanted = training.get("loss", AUTO)
    if isinstance(wanted, Mapping):
        wanted = next(iter(wanted.values()), AUTO)
    if wanted != AUTO:
        return reconcile_loss(str(wanted), labels_one_hot)[0]
    names = getattr(model, "output_names", None)
    layer = model.get_layer(names[0]) if names else model.layers[-1]
    activation = getattr(getattr(layer, "activation", None), "__name__", None)
    units = int(model.outputs[0].shape[-1] or 0)
    if (activation == "softmax" and units > 1) or (classification and units > 1 and activation != "sigmoid"):
        return DENSE_LOSS if labels_one_hot else SPARSE_LOSS
    if activation == "sigmoid":
        return "binary_crossentropy"
    return "mean_squared_error"


def per_sample_loss(loss: Any, y_true: Any, y_pred: Any, batch_size: int = 4096) -> np.ndarray:
    """The value of ``loss`` (a Keras loss name, function or object) for each sample, as ``float64``.

    Computed in batches of ``batch_size``; a target of one value per sample
    is given the model's output rank (``(n,)`` -> ``(n, 1)``) where the loss
    needs it.
    """
    import keras

    function = keras.losses.get(loss) if isinstance(loss, str) else loss
    if isinstance(function, keras.losses.Loss):
        config = function.get_config()
        function = type(function)(**{**config, "reduction": None})
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    sparse = getattr(function, "__name__", "") == SPARSE_LOSS or "Sparse" in type(function).__name__
    if not sparse and y_true.ndim == y_pred.ndim - 1:
        y_true = y_true.reshape((*y_true.shape, 1))
    values = [to_numpy(function(y_true[start:start + batch_size], y_pred[start:start + batch_size]))
              for start in range(0, len(y_true), batch_size)]
    result = np.concatenate([v.reshape(len(v), -1).mean(axis=1) for v in values]) if values else np.zeros(0)
    return result.astype("float64")
