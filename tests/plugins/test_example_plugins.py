"""The plugins shipped in plugins/: the SE layer trains, saves, loads and exports to ONNX;
the sine-wave source makes data; the CSV exporter writes the weights."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import keras
import numpy as np
import pytest

from app.build.keras_builder import to_keras
from app.core.graph import Graph
from app.core.validation import validate
from app.plugins import PluginRegistry, load_plugins
from tests.conftest import REPO_ROOT

PLUGINS = REPO_ROOT / "plugins"


@pytest.fixture
def registry() -> PluginRegistry:
    registry = load_plugins([PLUGINS], entry_points=False)
    failed = {r.name: r.error for r in registry.failed()}
    assert not failed, failed
    return registry


def se_graph(ratio: int = 4, shape: tuple[int, ...] = (8, 8, 16)) -> Graph:
    """Input(8, 8, 16) -> SqueezeExcite -> GlobalAveragePooling2D -> Dense(3, softmax)."""
    graph = Graph()
    nodes = [
        graph.add_node("Input", "image", {"shape": list(shape)}),
        graph.add_node("SqueezeExcite", "excite", {"ratio": ratio}),
        graph.add_node("GlobalAveragePooling2D" if len(shape) == 3 else "GlobalAveragePooling1D", "pool"),
        graph.add_node("Dense", "label", {"units": 3, "activation": "softmax"}),
    ]
    for source, target in itertools.pairwise(nodes):
        graph.connect(source.id, target.id)
    return graph


def test_the_examples_register_what_they_promise(registry: PluginRegistry) -> None:
    assert registry.record("se_block").registered == {"layers": ["SqueezeExcite"]}
    assert registry.record("sine_waves_source").registered == {"data sources": ["sine-waves"]}
    assert registry.record("csv_weights_exporter").registered == {"exporters": ["csv-weights"]}
    spec = registry.catalog.get("SqueezeExcite")
    assert spec.category == "Convolution" and spec.example_input == ((8, 8, 16),)
    assert spec.param("ratio").default == 16 and spec.param("ratio").minimum == 1 and spec.param("ratio").key
    palette = registry.catalog.by_category()
    assert "SqueezeExcite" in [s.type for s in palette["Convolution"]]


@pytest.mark.slow
def test_se_block_trains_saves_loads_and_exports_to_onnx(registry: PluginRegistry, tmp_path: Path) -> None:
    graph = se_graph()
    result = validate(graph)
    assert result.valid, [p.message for p in result.problems]
    model = to_keras(graph)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.random((32, 8, 8, 16), dtype=np.float32)
    y = rng.integers(0, 3, size=32)
    before = [w.copy() for w in model.get_layer("excite").get_weights()]
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_layer("excite").get_weights()))
    expected = model.predict(x, verbose=0)

    path = tmp_path / "se.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert type(loaded.get_layer("excite")).__name__ == "SqueezeExcite"
    assert loaded.get_layer("excite").get_config()["ratio"] == 4
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=0, atol=1e-6)

    import onnxruntime
    import tensorflow as tf
    import tf2onnx

    signature = (tf.TensorSpec((None, 8, 8, 16), tf.float32, name="image"),)
    onnx_model, _ = tf2onnx.convert.from_keras(model, input_signature=signature, opset=17)
    session = onnxruntime.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    (onnx_output,) = session.run(None, {session.get_inputs()[0].name: x})
    np.testing.assert_allclose(onnx_output, expected, rtol=0, atol=1e-4)


def test_se_block_works_on_1d_feature_maps_and_refuses_a_too_large_ratio(registry: PluginRegistry) -> None:
    assert validate(se_graph(ratio=2, shape=(12, 6))).valid
    graph = se_graph(ratio=32)
    problems = validate(graph).problems
    assert [p.node_id for p in problems] == [graph.find("excite").id]
    assert "ratio=32 for 16 channels" in problems[0].message


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_sine_wave_source_makes_a_dataset(registry: PluginRegistry, task: str) -> None:
    data = registry.data_source("sine-waves").loader(samples=50, length=32, task=task)
    assert data["x_train"].shape == (40, 32, 1) and data["x_test"].shape == (10, 32, 1)
    assert data["x_train"].dtype == np.float32
    if task == "classification":
        assert set(np.unique(data["y_train"])) <= {0, 1, 2} and data["y_train"].dtype == np.int64
    else:
        assert data["y_train"].dtype == np.float32 and data["y_train"].min() >= 1.0
    again = registry.data_source("sine-waves").loader(samples=50, length=32, task=task)
    np.testing.assert_array_equal(again["x_test"], data["x_test"])  # the seed makes it repeatable
    with pytest.raises(ValueError, match="task='images'"):
        registry.data_source("sine-waves").loader(task="images")


def test_the_csv_exporter_writes_each_weight_and_a_summary(registry: PluginRegistry, tmp_path: Path) -> None:
    model = to_keras(se_graph())
    exporter = registry.exporter("csv-weights")
    assert exporter.suffix == ""  # it writes a folder
    folder = exporter.export(se_graph(), tmp_path / "weights", model=model)
    with open(folder / "summary.csv", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [(r["layer"], r["weight"]) for r in rows] == [
        ("excite", "squeeze_kernel"), ("excite", "squeeze_bias"), ("excite", "excite_kernel"),
        ("excite", "excite_bias"), ("label", "kernel"), ("label", "bias"),
    ]
    kernel = np.loadtxt(folder / "label__kernel.csv", delimiter=",")
    np.testing.assert_allclose(kernel, model.get_layer("label").get_weights()[0], rtol=1e-6)
    assert rows[4]["shape"] == "16x3" and int(rows[4]["count"]) == 48
    # Without a model it builds one from the graph.
    assert (exporter.export(se_graph(), tmp_path / "fresh") / "excite__squeeze_kernel.csv").is_file()
