"""Evaluation of a trained model on a dataset split: tables and curves, as arrays.

``evaluate(model, x, y, ...)`` predicts in batches and returns an
``Evaluation``: for classification a ``ClassificationReport`` (confusion
matrix with rows true and columns predicted, per-class precision, recall,
F1 and support, macro and weighted averages, the samples of each cell) and,
for a binary problem, the ROC and precision-recall ``Curve``; for regression
a ``RegressionReport`` (predicted vs true, residuals, errors). The metric
functions are pure NumPy and follow scikit-learn's definitions (a class
that is never predicted has precision 0, as scikit-learn's
``zero_division`` default gives).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.inspection.losses import per_sample_loss

CLASSIFICATION, REGRESSION = "classification", "regression"
BATCH_SIZE = 256


# ------------------------------------------------------------------ results
@dataclass(frozen=True, eq=False)
class ClassificationReport:
    """Confusion matrix and per-class metrics of ``n`` predictions over ``k`` classes.

    ``confusion_matrix[t, p]`` counts samples of true class ``t`` predicted
    as ``p``. ``precision``, ``recall``, ``f1`` (``float64``) and ``support``
    (``int64``) have one entry per class, in ``classes`` order. ``macro``
    and ``weighted`` hold ``precision``, ``recall`` and ``f1`` averaged
    plainly and by support. ``true_labels`` and ``predicted_labels`` are
    the class indices per sample, for ``samples_in_cell``.
    """

    classes: tuple[str, ...]
    confusion_matrix: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    macro: dict[str, float]
    weighted: dict[str, float]
    accuracy: float
    true_labels: np.ndarray
    predicted_labels: np.ndarray

    def samples_in_cell(self, true_class: int, predicted_class: int) -> np.ndarray:
        """Indices (in the evaluated split) of samples of ``true_class`` predicted as ``predicted_class``."""
        return np.flatnonzero((self.true_labels == true_class) & (self.predicted_labels == predicted_class))

    def per_class_rows(self) -> list[dict[str, Any]]:
        """A dict per class: ``class``, ``precision``, ``recall``, ``f1``, ``support``."""
        return [
            {"class": name, "precision": float(self.precision[i]), "recall": float(self.recall[i]),
             "f1": float(self.f1[i]), "support": int(self.support[i])}
            for i, name in enumerate(self.classes)
        ]


@dataclass(frozen=True, eq=False)
class Curve:
    """A curve of a binary classifier: ``x`` and ``y`` per ``thresholds`` value, and ``area`` under it.

    ROC: ``x`` false positive rate, ``y`` true positive rate, ``area`` the
    AUC, ``thresholds`` decreasing from ``inf``. Precision-recall: ``x``
    recall, ``y`` precision, ``area`` the average precision, ``thresholds``
    increasing (the last point, recall 0 and precision 1, has none), as
    scikit-learn returns them.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray
    area: float
    x_label: str
    y_label: str


@dataclass(frozen=True, eq=False)
class RegressionReport:
    """Predicted vs true values (flattened over outputs) and ``residuals = true - predicted``."""

    true: np.ndarray
    predicted: np.ndarray
    residuals: np.ndarray
    mae: float
    mse: float
    rmse: float
    r2: float


@dataclass(frozen=True, eq=False)
class Evaluation:
    """A model's predictions on one split and what they show.

    ``outputs`` are the model's raw outputs (``(n, ...)``); ``targets``
    the split's targets as given; ``losses`` the loss per sample (empty
    without a loss) and ``loss`` their mean (NaN without). For
    classification ``predicted`` is the class index and ``confidence`` the
    probability given to it; for regression ``predicted`` is the predicted
    value and ``confidence`` NaN. ``roc`` and ``precision_recall`` are
    there for binary problems only.
    """

    task: str
    outputs: np.ndarray
    targets: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    losses: np.ndarray
    loss: float
    loss_name: str
    classification: ClassificationReport | None = None
    regression: RegressionReport | None = None
    roc: Curve | None = None
    precision_recall: Curve | None = None

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names (empty for regression)."""
        return self.classification.classes if self.classification else ()

    @property
    def true_values(self) -> np.ndarray:
        """The class index per sample (classification) or the true values (regression)."""
        return self.classification.true_labels if self.classification else self.regression.true

    def to_dict(self) -> dict[str, Any]:
        """The evaluation as plain JSON data (what ``netloom evaluate --json`` prints)."""
        data: dict[str, Any] = {"task": self.task, "samples": len(self.outputs),
                                "loss_name": self.loss_name, "loss": _plain(self.loss)}
        if self.classification is not None:
            report = self.classification
            data.update(
                accuracy=report.accuracy, classes=list(report.classes),
                confusion_matrix=report.confusion_matrix.tolist(), per_class=report.per_class_rows(),
                macro=report.macro, weighted=report.weighted,
            )
        if self.regression is not None:
            report = self.regression
            data.update(mae=report.mae, mse=report.mse, rmse=report.rmse, r2=_plain(report.r2))
        for curve in (self.roc, self.precision_recall):
            if curve is not None:
                data[f"{curve.name}_area"] = _plain(curve.area)
        return data


# --------------------------------------------------------------- predicting
def predict(model: Any, x: Any, batch_size: int = BATCH_SIZE) -> np.ndarray:
    """The model's outputs for ``x`` (an array of samples), computed ``batch_size`` at a time.

    The last batch is filled up to a whole one (and the extra outputs
    dropped), so a compiling backend (JAX) compiles one batch shape, not two.
    """
    x = np.asarray(x)
    count = len(x)
    batch_size = max(min(batch_size, count), 1)
    missing = -count % batch_size
    if missing:
        x = np.concatenate([x, np.repeat(x[-1:], missing, axis=0)])
    outputs = model.predict(x, batch_size=batch_size, verbose=0)
    return np.asarray(outputs[0] if isinstance(outputs, (list, tuple)) else outputs)[:count]


def predict_batches(model: Any, batches: Iterable[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and targets over an iterable of ``(x, y)`` batches (an image folder's ``tf.data`` pipeline)."""
    from app.inspection.model_parts import to_numpy

    outputs, targets = [], []
    for x_batch, y_batch in batches:
        result = model.predict_on_batch(x_batch)
        outputs.append(to_numpy(result[0] if isinstance(result, (list, tuple)) else result))
        targets.append(to_numpy(y_batch))
    if not outputs:
        return np.zeros((0,)), np.zeros((0,))
    return np.concatenate(outputs), np.concatenate(targets)


def evaluate(
    model: Any,
    x: Any,
    y: Any,
    task: str = CLASSIFICATION,
    class_names: Sequence[str] = (),
    loss: Any = None,
    batch_size: int = BATCH_SIZE,
) -> Evaluation:
    """Predict ``x`` in batches and evaluate against ``y`` (see ``evaluate_outputs``)."""
    return evaluate_outputs(predict(model, x, batch_size), y, task, class_names, loss)


def evaluate_outputs(
    outputs: Any, y: Any, task: str = CLASSIFICATION, class_names: Sequence[str] = (), loss: Any = None
) -> Evaluation:
    """An ``Evaluation`` of given model ``outputs`` against targets ``y``.

    Classification targets are class indices or one-hot rows; an output of
    one unit is a binary probability (threshold 0.5). ``class_names``
    default to ``"0"``, ``"1"``...; ``loss`` (a Keras loss name, function or
    object) gives the per-sample losses.
    """
    outputs, targets = np.asarray(outputs), np.asarray(y)
    losses = per_sample_loss(loss, targets, outputs) if loss is not None else np.zeros(0)
    mean_loss = float(losses.mean()) if losses.size else float("nan")
    loss_name = loss if isinstance(loss, str) else getattr(loss, "__name__", type(loss).__name__)
    loss_name = loss_name if loss is not None else ""
    if task == REGRESSION:
        predicted = outputs.reshape(len(outputs), -1)[:, 0] if outputs.ndim > 1 else outputs
        return Evaluation(REGRESSION, outputs, targets, predicted.astype("float64"),
                          np.full(len(outputs), np.nan), losses, mean_loss, loss_name,
                          regression=regression_report(targets, outputs))
    probabilities = class_probabilities(outputs)
    true = class_indices(targets)
    count = max(probabilities.shape[1], len(class_names), int(true.max(initial=-1)) + 1)
    names = tuple(class_names) if len(class_names) == count else tuple(str(i) for i in range(count))
    predicted = probabilities.argmax(axis=1)
    report = classification_report(true, predicted, names)
    roc = pr = None
    if count == 2 and len(true):
        scores = probabilities[:, 1]
        roc, pr = roc_curve(true, scores), precision_recall_curve(true, scores)
    return Evaluation(CLASSIFICATION, outputs, targets, predicted,
                      probabilities[np.arange(len(predicted)), predicted], losses, mean_loss, loss_name,
                      classification=report, roc=roc, precision_recall=pr)


def class_probabilities(outputs: Any) -> np.ndarray:
    """Outputs as ``(n, k)`` class probabilities: one unit becomes ``[1 - p, p]``; logits go through softmax.

    Outputs already in [0, 1] that sum to 1 per row are kept as they are.
    """
    values = np.asarray(outputs, dtype="float64").reshape(len(outputs), -1)
    if values.shape[1] == 1:
        p = values[:, 0]
        if p.size and (p.min() < 0.0 or p.max() > 1.0):
            p = 1.0 / (1.0 + np.exp(-p))
        return np.stack([1.0 - p, p], axis=1)
    if values.size and (values.min() < 0.0 or not np.allclose(values.sum(axis=1), 1.0, atol=1e-3)):
        shifted = np.exp(values - values.max(axis=1, keepdims=True))
        values = shifted / shifted.sum(axis=1, keepdims=True)
    return values


def class_indices(targets: Any) -> np.ndarray:
    """Class targets as ``int64`` indices: one-hot rows by their largest entry, anything else rounded."""
    values = np.asarray(targets)
    if values.ndim == 2 and values.shape[1] > 1:
        return values.argmax(axis=1).astype("int64")
    return np.rint(values.reshape(len(values))).astype("int64")


# ------------------------------------------------------------------ metrics
def confusion_matrix(true: Any, predicted: Any, num_classes: int) -> np.ndarray:
    """The ``(k, k)`` ``int64`` confusion matrix, rows true, columns predicted (one ``bincount``)."""
    true, predicted = np.asarray(true, dtype="int64"), np.asarray(predicted, dtype="int64")
    return np.bincount(true * num_classes + predicted, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes
    )


def classification_report(true: Any, predicted: Any, classes: Sequence[str]) -> ClassificationReport:
    """Confusion matrix, per-class precision / recall / F1 / support and their averages."""
    true, predicted = np.asarray(true, dtype="int64"), np.asarray(predicted, dtype="int64")
    matrix = confusion_matrix(true, predicted, len(classes))
    hits = np.diag(matrix).astype("float64")
    support = matrix.sum(axis=1)
    precision = _divide(hits, matrix.sum(axis=0))
    recall = _divide(hits, support)
    f1 = _divide(2 * precision * recall, precision + recall)
    total = int(support.sum())

    def averages(weights: np.ndarray | None) -> dict[str, float]:
        if weights is not None and weights.sum() == 0:
            return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
        return {name: float(np.average(values, weights=weights))
                for name, values in (("precision", precision), ("recall", recall), ("f1", f1))}

    return ClassificationReport(
        classes=tuple(classes), confusion_matrix=matrix, precision=precision, recall=recall, f1=f1,
        support=support, macro=averages(None) if len(classes) else {}, weighted=averages(support),
        accuracy=float(hits.sum() / total) if total else float("nan"),
        true_labels=true, predicted_labels=predicted,
    )


def roc_curve(true: Any, scores: Any) -> Curve:
    """The ROC curve of binary labels (1 = positive) and scores, at every distinct score, with its AUC."""
    false_positives, true_positives, thresholds = _binary_counts(true, scores)
    fp = np.concatenate([[0.0], false_positives])
    tp = np.concatenate([[0.0], true_positives])
    fpr = _divide(fp, fp[-1] * np.ones_like(fp)) if fp[-1] > 0 else np.full_like(fp, np.nan)
    tpr = _divide(tp, tp[-1] * np.ones_like(tp)) if tp[-1] > 0 else np.full_like(tp, np.nan)
    area = float(np.trapezoid(tpr, fpr)) if fp[-1] > 0 and tp[-1] > 0 else float("nan")
    return Curve("roc", fpr, tpr, np.concatenate([[np.inf], thresholds]), area,
                 "false positive rate", "true positive rate")


def precision_recall_curve(true: Any, scores: Any) -> Curve:
    """The precision-recall curve of binary labels and scores, with the average precision."""
    false_positives, true_positives, thresholds = _binary_counts(true, scores)
    precision = _divide(true_positives, true_positives + false_positives)
    positives = true_positives[-1] if len(true_positives) else 0.0
    recall = true_positives / positives if positives > 0 else np.ones_like(true_positives)
    order = slice(None, None, -1)
    precision = np.concatenate([precision[order], [1.0]])
    recall = np.concatenate([recall[order], [0.0]])
    area = float(-np.sum(np.diff(recall) * precision[:-1])) if positives > 0 else float("nan")
    return Curve("precision_recall", recall, precision, thresholds[order], area, "recall", "precision")


def regression_report(true: Any, predicted: Any) -> RegressionReport:
    """Predicted vs true (flattened), residuals and MAE, MSE, RMSE and R² (NaN for constant targets)."""
    true = np.asarray(true, dtype="float64").reshape(-1)
    predicted = np.asarray(predicted, dtype="float64").reshape(-1)
    residuals = true - predicted
    mse = float(np.mean(residuals ** 2)) if residuals.size else float("nan")
    spread = float(np.sum((true - true.mean()) ** 2)) if true.size else 0.0
    r2 = 1.0 - float(np.sum(residuals ** 2)) / spread if spread > 0 else float("nan")
    return RegressionReport(true, predicted, residuals, float(np.mean(np.abs(residuals))) if residuals.size
                            else float("nan"), mse, float(np.sqrt(mse)), r2)


# ------------------------------------------------------------------ helpers
def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0 (scikit-learn's zero_division)."""
    numerator = np.asarray(numerator, dtype="float64")
    denominator = np.asarray(denominator, dtype="float64")
    out = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _binary_counts(true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative false and true positives at each distinct score, highest score first (as scikit-learn)."""
    true = np.asarray(true).reshape(-1) == 1
    scores = np.asarray(scores, dtype="float64").reshape(-1)
    order = np.argsort(scores, kind="mergesort")[::-1]
    scores, true = scores[order], true[order]
    ends = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1] if scores.size else np.zeros(0, "int64")
    true_positives = np.cumsum(true)[ends].astype("float64")
    return 1.0 + ends - true_positives, true_positives, scores[ends]


def _plain(value: float) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    return float(value) if np.isfinite(value) else None
