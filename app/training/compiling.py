"""What ``model.compile`` gets: the optimizer, the loss (proposed or reconciled) and the metrics.

The loss ``"auto"`` is proposed from each output's activation and the
labels; a crossentropy that does not match the labels (integer vs one-hot)
is corrected with ``app.data.prepare.reconcile_loss`` and a note says so.
Precision, recall, F1 and AUC take one-hot labels; with integer labels of
several classes they get them converted inside the metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.graph import Graph
from app.data.prepare import reconcile_loss
from app.training.schedules import keras_learning_rate
from app.training.settings import AUTO, OPTIMIZER_CLASSES, TrainingSettings, top_k_of

SPARSE_LOSS = "sparse_categorical_crossentropy"
DENSE_LOSS = "categorical_crossentropy"


def make_optimizer(settings: TrainingSettings, total_steps: int, rate: float | None = None) -> Any:
    """The Keras optimizer the settings describe (``rate`` overrides the learning rate)."""
    import keras

    options: dict[str, Any] = dict(settings.optimizer_params)
    for name in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"):
        value = getattr(settings, name)
        if value is not None:
            options[name] = float(value)
    cls = getattr(keras.optimizers, OPTIMIZER_CLASSES[settings.optimizer])
    return cls(learning_rate=keras_learning_rate(settings, total_steps, rate), **options)


def propose_loss(activation: str | None, units: int, labels_one_hot: bool, classification: bool) -> str:
    """The loss that fits an output of ``activation`` with ``units`` units and these labels."""
    if activation == "softmax" and units > 1:
        return DENSE_LOSS if labels_one_hot else SPARSE_LOSS
    if activation == "sigmoid":
        return "binary_crossentropy"
    if classification and units > 1:
        return DENSE_LOSS if labels_one_hot else SPARSE_LOSS
    return "mean_squared_error"


def resolve_losses(
    settings: TrainingSettings, graph: Graph, labels_one_hot: bool, classification: bool
) -> tuple[Any, list[str]]:
    """The ``loss`` argument of ``compile`` (a name, or a dict by output name) and notes on changes."""
    outputs = graph.outputs()
    notes: list[str] = []
    chosen: dict[str, str] = {}
    for node in outputs:
        wanted = settings.loss.get(node.name, AUTO) if isinstance(settings.loss, dict) else settings.loss
        if wanted == AUTO:
            units = int(node.params.get("units", 0) or 0)
            loss = propose_loss(node.params.get("activation"), units, labels_one_hot, classification)
            notes.append(f"loss {loss} proposed for output {node.name!r}")
        else:
            loss, note = reconcile_loss(wanted, labels_one_hot)
            if note:
                notes.append(note)
        chosen[node.name] = loss
    if len(outputs) == 1:
        return chosen[outputs[0].name], notes
    return chosen, notes


def make_metrics(names: Sequence[str], loss: Any, num_classes: int) -> list[Any]:
    """The Keras metric objects (or names) for ``names``, fitting the labels that ``loss`` implies."""
    import keras

    losses = loss.values() if isinstance(loss, dict) else [loss]
    sparse = SPARSE_LOSS in losses
    metrics: list[Any] = []
    for name in names:
        k = top_k_of(name)
        if k is not None:
            top_k = (keras.metrics.SparseTopKCategoricalAccuracy if sparse
                     else keras.metrics.TopKCategoricalAccuracy)
            metrics.append(top_k(k=k, name=name))
        elif name in ("precision", "recall", "auc", "f1"):
            metrics.append(_label_metric(name, sparse, num_classes))
        elif name == "r2":
            metrics.append(keras.metrics.R2Score(name="r2"))
        elif name == "root_mean_squared_error":
            metrics.append(keras.metrics.RootMeanSquaredError(name=name))
        else:
            metrics.append(name)
    return metrics


def _label_metric(name: str, sparse: bool, num_classes: int) -> Any:
    import keras

    multiclass = num_classes > 2 or sparse
    if name == "f1":
        options = {"average": "macro", "threshold": None if multiclass else 0.5}
        cls = keras.metrics.F1Score
    else:
        cls = {"precision": keras.metrics.Precision, "recall": keras.metrics.Recall,
               "auc": keras.metrics.AUC}[name]
        options = {"top_k": 1} if multiclass and name != "auc" else {}
    if sparse:
        return _one_hot_metric(cls)(num_classes=num_classes, name=name, **options)
    return cls(name=name, **options)


def _one_hot_metric(cls: type) -> type:
    """``cls`` taking integer labels: they are one-hot encoded before the update."""

    class OneHotLabels(cls):  # type: ignore[misc, valid-type]
        def __init__(self, num_classes: int, **options: Any) -> None:
            super().__init__(**options)
            self._classes = num_classes

        def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
            from keras import ops

            ids = ops.cast(ops.reshape(y_true, (-1,)), "int32")
            one_hot = ops.cast(ops.one_hot(ids, self._classes), y_pred.dtype)
            return super().update_state(one_hot, y_pred, sample_weight)

    OneHotLabels.__name__ = f"Sparse{cls.__name__}"
    return OneHotLabels
