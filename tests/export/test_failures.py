"""Failure paths: an existing file, an unwritable folder, a full disk, a format that cannot work."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from app.export.engine import ExportOptions, export_model, export_project
from app.export.files import describe_os_error
from app.export.results import ExportError


def test_existing_file_is_refused_and_kept(iris_project, tmp_path: Path):
    target = tmp_path / "iris.keras"
    target.write_text("precious")
    report = export_project(iris_project, tmp_path, ExportOptions(formats=["keras", "json"]))
    keras_result, json_result = report.results
    assert "iris.keras" in keras_result.error and "already exists" in keras_result.error
    assert target.read_text() == "precious"
    assert json_result.ok and (tmp_path / "iris.json").is_file()


def test_overwrite_replaces_an_existing_file_and_folder(iris_project, tmp_path: Path):
    (tmp_path / "iris.keras").write_text("old")
    (tmp_path / "iris_savedmodel").mkdir()
    (tmp_path / "iris_savedmodel" / "stale.txt").write_text("old")
    options = ExportOptions(formats=["keras", "savedmodel"], overwrite=True)
    report = export_project(iris_project, tmp_path, options)
    assert report.ok, report.failed()
    assert (tmp_path / "iris.keras").stat().st_size > 1000
    assert not (tmp_path / "iris_savedmodel" / "stale.txt").exists()
    assert (tmp_path / "iris_savedmodel" / "saved_model.pb").is_file()


def test_unwritable_folder_gets_a_message_naming_it(iris_project, unwritable_folder: Path):
    try:
        report = export_project(iris_project, unwritable_folder, ExportOptions(formats=["keras", "json"]))
    except ExportError as error:  # refused up front: the folder's permissions say no
        assert str(unwritable_folder) in str(error) and "cannot write" in str(error)
    else:  # root passes the permission check; the write itself fails
        assert not report.ok and all(str(unwritable_folder) in r.error for r in report.results)


def test_missing_folder_is_refused(iris_project, tmp_path: Path):
    with pytest.raises(ExportError, match="does not exist"):
        export_project(iris_project, tmp_path / "nowhere")


def test_full_disk_message_names_the_path():
    message = describe_os_error(OSError(errno.ENOSPC, "No space left on device"), Path("/data/m.onnx"))
    assert message.startswith("/data/m.onnx:") and "disk is full" in message


def test_bad_opset_fails_onnx_alone_and_leaves_no_file(iris_project, tmp_path: Path):
    report = export_project(iris_project, tmp_path, ExportOptions(formats=["onnx", "keras"], opset=3))
    onnx_result, keras_result = report.results
    assert "opset" in onnx_result.error and onnx_result.path == tmp_path / "iris.onnx"
    assert keras_result.ok
    assert sorted(p.name for p in tmp_path.iterdir()) == ["iris.keras"]


def _model_with_an_op_onnx_lacks():
    import keras
    import tensorflow as tf

    class LogGamma(keras.layers.Layer):  # not registered: no Keras file can rebuild it either
        def call(self, x):
            return tf.math.lgamma(tf.math.abs(x) + 1.0)

    inputs = keras.Input((4,), name="x")
    x = keras.layers.Dense(3, name="dense_in")(inputs)
    return keras.Model(inputs, LogGamma(name="log_gamma")(x))


def test_inexpressible_layer_is_named_and_others_succeed(tmp_path: Path):
    model = _model_with_an_op_onnx_lacks()
    report = export_model(model, tmp_path, "odd", ["onnx", "keras", "savedmodel"])
    onnx_result, keras_result, saved_result = report.results
    assert "log_gamma" in onnx_result.error and "LogGamma" in onnx_result.error
    assert "Lgamma" in onnx_result.error
    assert "LogGamma" in keras_result.error and "does not load back" in keras_result.error
    assert saved_result.ok and saved_result.max_abs_diff < 1e-5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["odd_savedmodel"]


def test_difference_over_tolerance_fails_the_format(tmp_path: Path):
    import keras

    inputs = keras.Input((3,))
    noisy = keras.Model(inputs, keras.layers.Dropout(0.5)(keras.layers.Dense(2)(inputs)))
    model = keras.Model(inputs, keras.layers.GaussianNoise(1.0)(noisy(inputs)))
    report = export_model(model, tmp_path, "noisy", ["keras"], core_model=_shifted(model))
    assert "differs from the original" in report.results[0].error
    assert list(tmp_path.iterdir()) == []


def _shifted(model):
    """Another model of the same shape whose outputs differ: the exported copy cannot agree with it."""
    import keras

    inputs = keras.Input((3,))
    return keras.Model(inputs, model(inputs) + np.float32(1.0))
