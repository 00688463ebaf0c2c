"""Opening a trained run: the model with the run's weights and the data as training split it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics

from app.core.project import load_project
from app.core.runs import find_run
from app.inspection.activations import layer_activations
from app.inspection.loading import load_run
from app.inspection.mistakes import worst_mistakes
from app.inspection.model_parts import InspectionError

pytestmark = pytest.mark.slow  # trains a model once


def test_the_run_model_has_the_trained_weights_and_the_data_its_splits(trained_digits):
    project = load_project(trained_digits)
    inspected = load_run(project, "latest")
    assert inspected.run.path == find_run(trained_digits, "latest").path
    assert inspected.weights_file.name == "best.weights.h5"
    assert inspected.loss == "sparse_categorical_crossentropy" and inspected.task == "classification"
    assert inspected.class_names == tuple(str(i) for i in range(10))
    assert inspected.split_names() == ["train", "validation", "test"]
    x, y = inspected.split("validation")
    assert x.shape[1:] == (8, 8, 1) and len(x) == len(y)
    evaluation = inspected.evaluate("validation")
    assert evaluation.classification.accuracy > 0.5  # trained, not fresh weights (0.1)
    predicted = np.argmax(inspected.model.predict(x, verbose=0), axis=1)
    np.testing.assert_array_equal(evaluation.classification.confusion_matrix,
                                  metrics.confusion_matrix(y, predicted, labels=range(10)))
    worst = worst_mistakes(evaluation, count=5)
    assert worst[0].loss == pytest.approx(evaluation.losses.max())
    assert worst[0].loss >= worst[-1].loss
    activations = layer_activations(inspected.model, x[worst[0].index], inspected.class_names)
    assert activations["digit"].values.argmax() == worst[0].predicted


def test_last_weights_missing_runs_and_splits_are_reported(trained_digits):
    project = load_project(trained_digits)
    assert load_run(project, 1, which="last").weights_file.name == "last.weights.h5"
    with pytest.raises(ValueError, match="no run '7'"):
        load_run(project, 7)
    inspected = load_run(project)
    with pytest.raises(InspectionError, match="no nope split"):
        inspected.split("nope")
