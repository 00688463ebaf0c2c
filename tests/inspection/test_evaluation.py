"""Evaluation: the confusion matrix, per-class metrics and curves equal scikit-learn's."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from sklearn import metrics

from app.inspection.evaluation import (
    REGRESSION,
    class_indices,
    class_probabilities,
    classification_report,
    confusion_matrix,
    evaluate,
    evaluate_outputs,
    precision_recall_curve,
    regression_report,
    roc_curve,
)


@pytest.fixture
def predictions():
    rng = np.random.default_rng(3)
    true = rng.integers(0, 5, 400)
    predicted = np.where(rng.random(400) < 0.6, true, rng.integers(0, 5, 400))
    predicted[predicted == 4] = 3  # class 4 is never predicted: precision 0 by scikit-learn's default
    return true, predicted


def test_confusion_matrix_and_per_class_metrics_equal_scikit_learn(predictions):
    true, predicted = predictions
    report = classification_report(true, predicted, ["a", "b", "c", "d", "e"])
    np.testing.assert_array_equal(report.confusion_matrix, metrics.confusion_matrix(true, predicted))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        true, predicted, labels=range(5), zero_division=0)
    np.testing.assert_allclose(report.precision, precision)
    np.testing.assert_allclose(report.recall, recall)
    np.testing.assert_allclose(report.f1, f1)
    np.testing.assert_array_equal(report.support, support)
    assert report.precision[4] == 0.0
    for average in ("macro", "weighted"):
        expected = metrics.precision_recall_fscore_support(true, predicted, average=average, zero_division=0)
        found = [getattr(report, average)[k] for k in ("precision", "recall", "f1")]
        assert found == pytest.approx(expected[:3])
    assert report.accuracy == pytest.approx(metrics.accuracy_score(true, predicted))
    rows = report.per_class_rows()
    assert rows[1] == {"class": "b", "precision": precision[1], "recall": recall[1], "f1": f1[1],
                       "support": int(support[1])}


def test_samples_in_a_cell_are_those_of_that_true_and_predicted_class(predictions):
    true, predicted = predictions
    report = classification_report(true, predicted, list("abcde"))
    cell = report.samples_in_cell(2, 3)
    assert len(cell) == report.confusion_matrix[2, 3] > 0
    assert np.all(true[cell] == 2) and np.all(predicted[cell] == 3)
    assert sum(len(report.samples_in_cell(t, p)) for t in range(5) for p in range(5)) == len(true)


def test_a_class_without_samples_has_zero_recall_and_support():
    report = classification_report([0, 0, 1], [0, 1, 1], ["x", "y", "z"])
    assert report.support.tolist() == [2, 1, 0] and report.recall[2] == 0.0
    expected = metrics.precision_recall_fscore_support([0, 0, 1], [0, 1, 1], labels=[0, 1, 2],
                                                       average="macro", zero_division=0)
    assert report.macro["f1"] == pytest.approx(expected[2])


def test_roc_and_precision_recall_curves_equal_scikit_learn():
    rng = np.random.default_rng(5)
    true = rng.integers(0, 2, 300)
    scores = np.round(np.clip(true * 0.3 + rng.random(300) * 0.8, 0, 1), 2)  # rounded: ties
    roc = roc_curve(true, scores)
    fpr, tpr, thresholds = metrics.roc_curve(true, scores, drop_intermediate=False)
    np.testing.assert_allclose(roc.x, fpr)
    np.testing.assert_allclose(roc.y, tpr)
    np.testing.assert_allclose(roc.thresholds[1:], thresholds[1:])
    assert roc.area == pytest.approx(metrics.roc_auc_score(true, scores))
    pr = precision_recall_curve(true, scores)
    precision, recall, thresholds = metrics.precision_recall_curve(true, scores)
    np.testing.assert_allclose(pr.y, precision)
    np.testing.assert_allclose(pr.x, recall)
    np.testing.assert_allclose(pr.thresholds, thresholds)
    assert pr.area == pytest.approx(metrics.average_precision_score(true, scores))


def test_regression_report_equals_scikit_learn():
    rng = np.random.default_rng(1)
    true = rng.normal(size=(50, 1))
    predicted = true[:, 0] + rng.normal(scale=0.3, size=50)
    report = regression_report(true, predicted)
    np.testing.assert_allclose(report.residuals, true[:, 0] - predicted)
    assert report.mae == pytest.approx(metrics.mean_absolute_error(true[:, 0], predicted))
    assert report.mse == pytest.approx(metrics.mean_squared_error(true[:, 0], predicted))
    assert report.rmse == pytest.approx(np.sqrt(report.mse))
    assert report.r2 == pytest.approx(metrics.r2_score(true[:, 0], predicted))


def test_labels_and_probabilities_from_any_output_form():
    np.testing.assert_array_equal(class_indices(np.eye(3)[[2, 0, 1]]), [2, 0, 1])
    np.testing.assert_array_equal(class_indices(np.array([[1.0], [0.0]])), [1, 0])
    np.testing.assert_allclose(class_probabilities(np.array([[0.8], [0.1]])), [[0.2, 0.8], [0.9, 0.1]])
    logits = class_probabilities(np.array([[0.0, np.log(3.0)]]))
    np.testing.assert_allclose(logits, [[0.25, 0.75]])


def test_evaluate_predicts_in_batches_with_per_sample_losses_and_binary_curves():
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(1, activation="sigmoid")
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.array([[2.0], [-1.0]], "float32"), np.zeros(1, "float32")])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(700, 2)).astype("float32")
    y = (x[:, 0] > 0).astype("float32")
    result = evaluate(model, x, y, class_names=["no", "yes"], loss="binary_crossentropy", batch_size=64)
    p = 1 / (1 + np.exp(-(2 * x[:, 0] - x[:, 1])))
    np.testing.assert_allclose(result.outputs[:, 0], p, rtol=1e-4)
    expected_losses = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    np.testing.assert_allclose(result.losses, expected_losses, rtol=1e-3, atol=1e-5)
    assert result.loss == pytest.approx(expected_losses.mean(), rel=1e-3)
    np.testing.assert_array_equal(result.predicted, (p > 0.5).astype(int))
    np.testing.assert_allclose(result.confidence, np.maximum(p, 1 - p), rtol=1e-4)
    assert result.roc.area == pytest.approx(metrics.roc_auc_score(y, p), abs=1e-4)
    data = result.to_dict()
    assert data["classes"] == ["no", "yes"] and np.sum(data["confusion_matrix"]) == 700
    assert data["accuracy"] == pytest.approx(metrics.accuracy_score(y, p > 0.5))


def test_evaluating_a_regression_keeps_predicted_against_true():
    outputs = np.array([[1.0], [2.0], [4.0]])
    result = evaluate_outputs(outputs, np.array([1.0, 3.0, 3.0]), task=REGRESSION, loss="mean_squared_error")
    np.testing.assert_allclose(result.losses, [0.0, 1.0, 1.0])
    assert result.regression.mae == pytest.approx(2 / 3) and result.classification is None
    assert result.to_dict()["rmse"] == pytest.approx(np.sqrt(2 / 3))


def test_a_confusion_matrix_of_ten_thousand_samples_is_one_bincount():
    rng = np.random.default_rng(2)
    true, predicted = rng.integers(0, 10, 10_000), rng.integers(0, 10, 10_000)
    expected = metrics.confusion_matrix(true, predicted)
    np.testing.assert_array_equal(confusion_matrix(true, predicted, 10), expected)
