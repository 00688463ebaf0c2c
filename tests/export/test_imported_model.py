"""A Keras model imported as a graph exports, untrained, with exactly the original's outputs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from app.build.keras_import import import_model_file, save_imported_weights
from app.core.project import Project, save_project
from app.export.engine import ExportOptions, export_project
from app.export.headless import add_export_command


@pytest.fixture(scope="module")
def keras_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object, np.ndarray]:
    """A small CNN saved as .keras, the model itself, and a batch of inputs."""
    import keras

    keras.utils.set_random_seed(7)
    inputs = keras.Input((12, 12, 2), name="pixels")
    x = keras.layers.Conv2D(6, 3, activation="relu", name="conv")(inputs)
    x = keras.layers.BatchNormalization(name="norm")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(4, activation="softmax", name="classes")(x)
    model = keras.Model(inputs, outputs, name="small")
    model.get_layer("norm").moving_mean.assign(np.linspace(0.1, 0.6, 6))  # not the fresh values
    path = tmp_path_factory.mktemp("model") / "small.keras"
    model.save(path)
    batch = np.random.default_rng(3).random((5, 12, 12, 2), dtype=np.float32)
    return path, model, batch


def test_imported_project_exports_the_originals_outputs(keras_file, tmp_path: Path):
    import keras
    import onnxruntime

    path, original, batch = keras_file
    graph = import_model_file(path)
    save_imported_weights(graph, path, tmp_path / "small.weights.h5")
    project = Project(graph=graph, name="small", weights="small.weights.h5")
    save_project(project, tmp_path / "small.netloom")
    out = tmp_path / "out"
    out.mkdir()
    report = export_project(project, out, ExportOptions(formats=["keras", "onnx", "weights"]))
    assert report.ok, report.failed()
    assert "imported weights" in report.weights_source
    expected = original.predict(batch, verbose=0)
    reloaded = keras.saving.load_model(out / "small.keras", compile=False)
    assert np.max(np.abs(reloaded.predict(batch, verbose=0) - expected)) < 1e-5
    session = onnxruntime.InferenceSession(str(out / "small.onnx"), providers=["CPUExecutionProvider"])
    (onnx_output,) = session.run(None, {session.get_inputs()[0].name: batch})
    assert np.max(np.abs(onnx_output - expected)) < 1e-5


def test_cli_exports_a_keras_file_with_its_own_weights(keras_file, tmp_path: Path, capsys):
    import keras

    path, original, batch = keras_file
    parser = argparse.ArgumentParser()
    add_export_command(parser.add_subparsers())
    args = parser.parse_args(["export", str(path), "--format", "h5", "-o", str(tmp_path), "--json"])
    assert args.run(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "imported weights" in summary["weights_source"]
    reloaded = keras.saving.load_model(summary["formats"][0]["path"], compile=False)
    assert np.max(np.abs(reloaded.predict(batch, verbose=0) - original.predict(batch, verbose=0))) < 1e-5
