"""An imported model trains on from its own weights, not from a fresh start."""

from __future__ import annotations

import numpy as np
import pytest

from app.build.keras_import import import_model_file, save_imported_weights
from app.core.project import Project, save_project
from app.training import events as ev
from app.training.session import TrainingSession


@pytest.fixture
def imported(tmp_path):
    import keras

    inputs = keras.Input((1,), name="celsius")
    outputs = keras.layers.Dense(1, name="fahrenheit")(inputs)
    model = keras.Model(inputs, outputs)
    model.get_layer("fahrenheit").set_weights([np.array([[1.8]], "float32"), np.array([32.0], "float32")])
    model.save(tmp_path / "trained.keras")
    graph = import_model_file(tmp_path / "trained.keras")
    save_imported_weights(graph, tmp_path / "trained.keras", tmp_path / "trained.weights.h5")
    project = Project(graph=graph, name="trained", weights="trained.weights.h5",
                      data={"source": "celsius"},
                      training={"optimizer": "sgd", "learning_rate": 1e-9, "loss": "mean_squared_error",
                                "epochs": 1, "batch_size": 32})
    project.path = save_project(project, tmp_path / "trained.netloom")
    return project


def test_training_starts_from_the_imported_weights(imported):
    events = []
    session = TrainingSession(imported, listener=events.append)
    result = session.run()
    assert result.kind == ev.FINISHED, result.data
    kernel, bias = session.model.get_layer("fahrenheit").get_weights()
    assert kernel[0, 0] == pytest.approx(1.8, abs=1e-3) and bias[0] == pytest.approx(32.0, abs=1e-3)
    started = next(e for e in events if e.kind == ev.STARTED)
    assert any("project's weights" in note for note in started.data["notes"])


def test_a_missing_weights_file_fails_with_its_name(imported):
    imported.weights_path().unlink()
    result = TrainingSession(imported).run()
    assert result.kind == ev.FAILED and "trained.weights.h5" in result.data["message"]
