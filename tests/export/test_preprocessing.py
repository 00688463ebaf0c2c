"""Preprocessing baked in: raw inputs through the export equal preprocessed inputs through the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.core.project import Project
from app.data.prepare import scale
from app.data.sources import load_source
from app.export.engine import ExportOptions, export_project
from app.export.weights import build_with_weights, choose_weights
from tests.export.conftest import chain_graph, random_images


def _iris_splits() -> tuple[np.ndarray, np.ndarray]:
    """Raw iris training features and the same standardized as training sees them."""
    raw = load_source({"source": "iris", "scaling": "none"})
    return raw.x_train, scale(raw, "standardize").x_train


def test_scaling_is_baked_into_keras_and_onnx(iris_project: Project, tmp_path: Path):
    import keras
    import onnxruntime

    report = export_project(iris_project, tmp_path, ExportOptions(formats=["keras", "onnx", "tflite"]))
    assert report.ok, report.failed()
    assert "standardization" in report.preprocessing
    raw, scaled = _iris_splits()
    original = build_with_weights(iris_project.graph, choose_weights(iris_project))
    expected = original.predict(scaled, verbose=0)
    exported = keras.saving.load_model(tmp_path / "iris.keras", compile=False)
    assert np.max(np.abs(exported.predict(raw, verbose=0) - expected)) < 1e-5
    session = onnxruntime.InferenceSession(str(tmp_path / "iris.onnx"), providers=["CPUExecutionProvider"])
    (onnx_output,) = session.run(None, {session.get_inputs()[0].name: raw})
    assert np.max(np.abs(onnx_output - expected)) < 1e-5
    # The scaling matters: the model on raw features predicts something else.
    assert np.max(np.abs(original.predict(raw, verbose=0) - expected)) > 1e-3


def test_preprocessing_can_be_left_out(iris_project: Project, tmp_path: Path):
    import keras

    options = ExportOptions(formats=["keras"], preprocessing=False)
    report = export_project(iris_project, tmp_path, options)
    assert report.ok and "turned off" in report.preprocessing
    _, scaled = _iris_splits()
    original = build_with_weights(iris_project.graph, choose_weights(iris_project))
    exported = keras.saving.load_model(tmp_path / "iris.keras", compile=False)
    assert exported.input_shape == original.input_shape
    assert np.max(np.abs(exported.predict(scaled, verbose=0) - original.predict(scaled, verbose=0))) < 1e-6


def test_image_resize_is_baked_in(tmp_path: Path):
    import keras
    import tensorflow as tf

    graph = chain_graph(("Conv2D", {"filters": 4, "kernel_size": [3, 3], "activation": "relu"}),
                        ("GlobalAveragePooling2D", {}), ("Dense", {"units": 2}), input_shape=[16, 16, 3])
    data = {"source": "image_folder", "path": None, "image_size": [16, 16], "color_mode": "rgb"}
    project = Project(graph=graph, name="photos", data=data, path=tmp_path / "photos.netloom")
    report = export_project(project, tmp_path, ExportOptions(formats=["keras", "onnx", "tflite"]))
    assert report.ok, report.failed()
    assert "resize to 16x16" in report.preprocessing
    images = random_images(3, 40)
    original = build_with_weights(graph, choose_weights(project))
    expected = original.predict(tf.image.resize(images, (16, 16)).numpy(), verbose=0)
    exported = keras.saving.load_model(tmp_path / "photos.keras", compile=False)
    assert np.max(np.abs(exported.predict(images, verbose=0) - expected)) < 1e-5
