"""Worst mistakes: the samples with the highest loss, with their labels and confidence."""

from __future__ import annotations

import numpy as np
import pytest

from app.inspection.evaluation import REGRESSION, evaluate_outputs
from app.inspection.mistakes import worst_mistakes
from app.inspection.model_parts import InspectionError

PROBABILITIES = np.array([
    [0.9, 0.05, 0.05],  # true 0: right, confident
    [0.2, 0.7, 0.1],  # true 0: wrong, p(true) 0.2
    [0.1, 0.1, 0.8],  # true 2: right
    [0.05, 0.05, 0.9],  # true 1: wrong, p(true) 0.05 -> the worst
    [0.4, 0.35, 0.25],  # true 1: wrong, p(true) 0.35
])
TRUE = np.array([0, 0, 2, 1, 1])


def test_the_worst_mistakes_come_first_with_true_and_predicted_labels():
    evaluation = evaluate_outputs(PROBABILITIES, TRUE, class_names=["cat", "dog", "fox"],
                                  loss="sparse_categorical_crossentropy")
    np.testing.assert_allclose(evaluation.losses, -np.log(PROBABILITIES[np.arange(5), TRUE]), rtol=1e-5)
    worst = worst_mistakes(evaluation, count=3)
    assert [m.index for m in worst] == [3, 1, 4]
    first = worst[0]
    assert (first.true, first.predicted, first.true_name, first.predicted_name) == (1, 2, "dog", "fox")
    assert first.confidence == pytest.approx(0.9) and first.loss == pytest.approx(-np.log(0.05), rel=1e-5)
    assert first.wrong


def test_wrong_only_leaves_out_right_but_unsure_predictions():
    probabilities = np.array([[0.51, 0.49], [0.3, 0.7], [0.9, 0.1]])
    evaluation = evaluate_outputs(probabilities, np.array([0, 1, 1]), loss="sparse_categorical_crossentropy")
    assert [m.index for m in worst_mistakes(evaluation)] == [2, 0, 1]
    assert [m.index for m in worst_mistakes(evaluation, wrong_only=True)] == [2]
    assert not worst_mistakes(evaluation)[1].wrong


def test_regression_mistakes_are_the_largest_errors():
    evaluation = evaluate_outputs(np.array([[1.0], [5.0], [2.5]]), np.array([1.0, 2.0, 2.0]), task=REGRESSION,
                                  loss="mean_squared_error")
    worst = worst_mistakes(evaluation, count=2)
    assert [(m.index, m.true, m.predicted) for m in worst] == [(1, 2.0, 5.0), (2, 2.0, 2.5)]
    assert np.isnan(worst[0].confidence) and worst[0].true_name == ""


def test_without_losses_there_is_nothing_to_rank():
    with pytest.raises(InspectionError, match="no per-sample losses"):
        worst_mistakes(evaluate_outputs(PROBABILITIES, TRUE))
