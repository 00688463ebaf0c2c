"""Keras model files -> graph -> Keras model gives back the same model.

Each small model is saved as ``.keras`` and ``.h5``, imported, rebuilt with
``to_keras`` and compared layer by layer (class and config), by inputs,
outputs, parameter count and, with the weights carried over, predictions.
Models a graph cannot hold, and damaged files, are refused with a
``ModelImportError`` that names the file and the layer.
"""

from __future__ import annotations

import inspect
import json
import zipfile
from pathlib import Path
from typing import Any

import h5py
import keras
import numpy as np
import pytest
from keras import layers

from app.build.keras_builder import to_keras
from app.build.keras_import import (
    ModelImportError,
    graph_from_model_config,
    import_model_file,
    read_model_config,
    save_imported_weights,
)


# ---------------------------------------------------------------- models
def cnn() -> keras.Model:
    inputs = keras.Input((8, 8, 1), name="image")
    x = layers.Conv2D(4, 3, padding="same", activation="relu", name="conv")(inputs)
    x = layers.BatchNormalization(name="norm")(x)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.Flatten(name="flat")(x)
    x = layers.Dropout(0.25, name="drop")(x)
    outputs = layers.Dense(3, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="cnn")


def residual() -> keras.Model:
    inputs = keras.Input((16,), name="features")
    x = layers.Dense(16, activation="relu", name="dense_a")(inputs)
    y = layers.Dense(16, name="dense_b", kernel_initializer="he_normal", use_bias=False)(x)
    y = layers.Add(name="skip")([x, y])
    outputs = layers.Dense(2, name="head")(y)
    return keras.Model(inputs, outputs, name="residual")


def branches() -> keras.Model:
    inputs = keras.Input((8, 8, 3), name="image")
    a = layers.Conv2D(4, 1, name="branch_1x1")(inputs)
    b = layers.Conv2D(4, 3, padding="same", name="branch_3x3")(inputs)
    c = layers.AveragePooling2D(3, strides=1, padding="same", name="branch_pool")(inputs)
    x = layers.Concatenate(name="mixed")([a, b, c])
    x = layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = layers.Dense(5, name="logits")(x)
    return keras.Model(inputs, outputs, name="branches")


def two_in_two_out() -> keras.Model:
    left = keras.Input((4,), name="left")
    right = keras.Input((6,), name="right")
    x = layers.Concatenate(name="joined")([layers.Dense(8, name="left_dense")(left),
                                           layers.Dense(8, name="right_dense")(right)])
    first = layers.Dense(1, activation="sigmoid", name="first_head")(x)
    second = layers.Dense(3, name="second_head")(x)
    # Outputs listed against the order the layers were made: the import keeps the model's order.
    return keras.Model([left, right], [second, first], name="two_in_two_out")


def recurrent() -> keras.Model:
    inputs = keras.Input((10, 4), name="sequence")
    x = layers.LSTM(8, return_sequences=True, name="lstm_1")(inputs)
    sequence, _hidden, cell = layers.LSTM(6, return_state=True, name="lstm_2")(x)
    x = layers.Concatenate(name="states")([sequence, cell])
    outputs = layers.Dense(2, name="head")(x)
    return keras.Model(inputs, outputs, name="recurrent")


def attention() -> keras.Model:
    query = keras.Input((5, 8), name="query")
    value = keras.Input((6, 8), name="value")
    by_keyword = layers.MultiHeadAttention(2, 4, name="attend_keywords")(query=query, value=value)
    positional = layers.MultiHeadAttention(2, 4, name="attend_positional")(query, value, value)
    x = layers.Add(name="both")([by_keyword, positional])
    outputs = layers.GlobalAveragePooling1D(name="pool")(x)
    return keras.Model([query, value], outputs, name="attention")


def bidirectional() -> keras.Model:
    inputs = keras.Input((7, 3), name="sequence")
    x = layers.Bidirectional(layers.LSTM(5, return_sequences=True), name="both_ways")(inputs)
    x = layers.TimeDistributed(layers.Dense(4), name="per_step")(x)
    x = layers.GlobalMaxPooling1D(name="pool")(x)
    outputs = layers.Dense(2, name="head")(x)
    return keras.Model(inputs, outputs, name="bidirectional")


def tokens() -> keras.Model:
    inputs = keras.Input((12,), batch_size=4, dtype="int32", name="token_ids")
    x = layers.Embedding(50, 8, name="embed")(inputs)
    x = layers.GlobalAveragePooling1D(name="pool")(x)
    return keras.Model(inputs, layers.Dense(2, name="head")(x), name="tokens")


def sequential_with_input() -> keras.Model:
    return keras.Sequential(
        [keras.Input((6,)), layers.Dense(5, activation="relu", name="hidden"), layers.Dense(2, name="out")],
        name="sequential_with_input",
    )


def sequential_built_later() -> keras.Model:
    model = keras.Sequential([layers.Dense(5, name="hidden"), layers.Dense(2, name="out")], name="built")
    model.build((None, 6))
    return model


MODELS = {
    "cnn": cnn,
    "residual": residual,
    "branches": branches,
    "two_in_two_out": two_in_two_out,
    "recurrent": recurrent,
    "attention": attention,
    "bidirectional": bidirectional,
    "tokens": tokens,
    "sequential_with_input": sequential_with_input,
    "sequential_built_later": sequential_built_later,
}


# ---------------------------------------------------------------- helpers
def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _layer_configs(config: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    return {entry["config"]["name"]: (entry["class_name"], entry["config"]) for entry in config["layers"]}


def assert_same_model(original: keras.Model, rebuilt: keras.Model) -> None:
    """Same layers (class and config by name), same wiring, inputs, outputs and parameter count."""
    original_config, rebuilt_config = _plain(original.get_config()), _plain(rebuilt.get_config())
    expected, received = _layer_configs(original_config), _layer_configs(rebuilt_config)
    assert sorted(received) == sorted(expected)
    for name, layer in expected.items():
        assert received[name] == layer, name
    for key in ("input_layers", "output_layers"):
        if key in original_config:  # Sequential configs name neither.
            assert rebuilt_config[key] == original_config[key]
    assert rebuilt.count_params() == original.count_params()
    # Same wiring: both configs import to the same graph.
    assert graph_from_model_config(rebuilt_config) == graph_from_model_config(original_config)


def _randomize(model: keras.Model, seed: int = 0) -> None:
    """Distinct positive weights everywhere, so a weight given to the wrong layer shows."""
    rng = np.random.default_rng(seed)
    for weight in model.weights:
        if "float" in str(weight.dtype):
            weight.assign(rng.uniform(0.2, 1.0, size=tuple(weight.shape)).astype("float32"))


def _batch(model: keras.Model, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    batch = []
    for tensor in model.inputs:
        shape = tuple(4 if d is None else d for d in tensor.shape)
        if "int" in str(tensor.dtype):
            batch.append(rng.integers(0, 50, size=shape).astype("int32"))
        else:
            batch.append(rng.normal(size=shape).astype("float32"))
    return batch


def _predict(model: keras.Model, batch: list[np.ndarray]) -> list[np.ndarray]:
    outputs = model(batch if len(batch) > 1 else batch[0], training=False)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [keras.ops.convert_to_numpy(o) for o in outputs]


# ---------------------------------------------------------------- round trips
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("make", MODELS.values(), ids=MODELS.keys())
def test_saved_model_round_trips_with_its_weights(make: Any, suffix: str, tmp_path: Path) -> None:
    original = make()
    _randomize(original)
    path = tmp_path / f"model{suffix}"
    original.save(path)

    graph = import_model_file(path)
    assert_same_model(original, to_keras(graph))

    weights = tmp_path / "project" / "imported.weights.h5"
    with_weights = save_imported_weights(graph, path, weights)
    fresh = to_keras(graph)
    fresh.load_weights(weights)
    batch = _batch(original)
    for expected, received, again in zip(_predict(original, batch), _predict(with_weights, batch),
                                         _predict(fresh, batch)):
        np.testing.assert_allclose(received, expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(again, expected, rtol=1e-5, atol=1e-6)


def test_weights_go_by_name_not_by_position(tmp_path: Path) -> None:
    """Two alike layers, made in the opposite order to the one the graph builds them in."""
    inputs = keras.Input((3,), name="x")
    second = layers.Dense(3, name="second")
    first = layers.Dense(3, name="first")
    outputs = layers.Add(name="sum")([first(inputs), second(layers.Dense(3, name="pre")(inputs))])
    original = keras.Model(inputs, outputs)
    _randomize(original, seed=5)
    path = tmp_path / "alike.keras"
    original.save(path)
    graph = import_model_file(path)
    model = save_imported_weights(graph, path, tmp_path / "alike.weights.h5")
    for name in ("first", "second", "pre"):
        for a, b in zip(model.get_layer(name).get_weights(), original.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_import_is_readable_and_laid_out(tmp_path: Path) -> None:
    path = tmp_path / "cnn.keras"
    cnn().save(path)
    graph = import_model_file(path)
    assert graph.nodes[0].name == "image"
    image = graph.find("image")
    assert image is not None and image.type == "Input" and image.params == {"shape": [8, 8, 1]}
    for node in graph.nodes:
        assert "name" not in node.params and "trainable" not in node.params and "dtype" not in node.params
    dense = graph.find("probabilities")
    assert dense is not None and dense.params["units"] == 3 and dense.params["activation"] == "softmax"
    xs = [graph.node(i).position[0] for i in graph.topological_order() or []]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_input_keeps_dtype_and_fixed_batch_size() -> None:
    graph = graph_from_model_config(tokens().get_config())
    node = graph.find("token_ids")
    assert node is not None and node.params == {"shape": [12], "dtype": "int32", "batch_size": 4}


def test_second_result_of_a_layer_is_wired_from_its_port() -> None:
    graph = graph_from_model_config(recurrent().get_config())
    lstm, states = graph.find("lstm_2"), graph.find("states")
    assert lstm is not None and states is not None
    assert [(e.source_port, e.target_port) for e in graph.incoming(states.id)] == [(0, 0), (2, 1)]


def test_attention_keywords_become_ports() -> None:
    graph = graph_from_model_config(attention().get_config())
    for name in ("attend_keywords", "attend_positional"):
        node = graph.find(name)
        assert node is not None
        sources = [graph.node(e.source).name for e in graph.incoming(node.id)]
        assert sources[:2] == ["query", "value"]


def test_file_config_and_get_config_give_the_same_graph(tmp_path: Path) -> None:
    model = branches()
    model.save(tmp_path / "m.keras")
    model.save(tmp_path / "m.h5")
    expected = graph_from_model_config(model.get_config())
    assert graph_from_model_config(read_model_config(tmp_path / "m.keras")) == expected
    assert graph_from_model_config(read_model_config(tmp_path / "m.h5")) == expected


# ---------------------------------------------------------------- Keras 2 files
KERAS2_FUNCTIONAL = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {"class_name": "InputLayer", "name": "q", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 5, 8], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "q"}},
            {"class_name": "InputLayer", "name": "v", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 6, 8], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "v"}},
            {"class_name": "MultiHeadAttention", "name": "mha",
             "config": {"name": "mha", "trainable": True, "dtype": "float32", "num_heads": 2, "key_dim": 4},
             "inbound_nodes": [[["q", 0, 0, {"value": ["v", 0, 0]}]]]},
            {"class_name": "Dense", "name": "dense",
             "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 8,
                        "activation": "relu", "use_bias": True,
                        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
                        "bias_initializer": {"class_name": "Zeros", "config": {}}},
             "inbound_nodes": [[["q", 0, 0, {}]]]},
            {"class_name": "Add", "name": "add",
             "config": {"name": "add", "trainable": True, "dtype": "float32"},
             "inbound_nodes": [[["mha", 0, 0, {}], ["dense", 0, 0, {}]]]},
        ],
        "input_layers": [["q", 0, 0], ["v", 0, 0]],
        "output_layers": [["add", 0, 0]],
    },
    "keras_version": "2.13.1",
    "backend": "tensorflow",
}

KERAS2_SEQUENTIAL = {
    "class_name": "Sequential",
    "config": {
        "name": "sequential",
        "layers": [
            {"class_name": "Dense",
             "config": {"name": "hidden", "trainable": True, "dtype": "float32",
                        "batch_input_shape": [None, 6], "units": 5, "activation": "relu"}},
            {"class_name": "Dense",
             "config": {"name": "out", "trainable": True, "dtype": "float32", "units": 2}},
        ],
    },
}


def test_keras2_functional_config_imports_and_builds() -> None:
    graph = graph_from_model_config(KERAS2_FUNCTIONAL)
    mha, add = graph.find("mha"), graph.find("add")
    assert mha is not None and add is not None
    ports = [(graph.node(e.source).name, e.target_port) for e in graph.incoming(mha.id)]
    assert ports == [("q", 0), ("v", 1)]
    assert [graph.node(e.source).name for e in graph.incoming(add.id)] == ["mha", "dense"]
    model = to_keras(graph)
    assert [t.name for t in model.inputs] == ["q", "v"]
    assert tuple(model.outputs[0].shape) == (None, 5, 8)


def test_keras2_sequential_takes_its_input_shape_from_the_first_layer(tmp_path: Path) -> None:
    path = tmp_path / "legacy.h5"
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(KERAS2_SEQUENTIAL).encode("utf-8")
    graph = import_model_file(path)
    assert [n.type for n in graph.nodes] == ["Input", "Dense", "Dense"]
    assert graph.nodes[0].params == {"shape": [6]}
    assert "batch_input_shape" not in graph.nodes[1].params
    assert tuple(to_keras(graph).outputs[0].shape) == (None, 2)


# ---------------------------------------------------------------- refusals
@keras.saving.register_keras_serializable(package="netloom_tests")
class Doubling(layers.Layer):
    """A custom layer: Python code the importer must not load."""

    def call(self, inputs: Any) -> Any:
        return inputs * 2


def lambda_model() -> keras.Model:
    inputs = keras.Input((4,), name="x")
    return keras.Model(inputs, layers.Lambda(lambda t: t * 2, name="double")(inputs))


def shared_layer_model() -> keras.Model:
    a, b = keras.Input((4,), name="a"), keras.Input((4,), name="b")
    shared = layers.Dense(3, name="shared")
    return keras.Model([a, b], layers.Add(name="sum")([shared(a), shared(b)]))


def nested_model() -> keras.Model:
    inner_input = keras.Input((4,), name="inner_x")
    inner = keras.Model(inner_input, layers.Dense(3, name="inner_dense")(inner_input), name="block")
    inputs = keras.Input((4,), name="x")
    return keras.Model(inputs, layers.Dense(2, name="head")(inner(inputs)))


def nested_lambda_model() -> keras.Model:
    inner_input = keras.Input((4,), name="inner_x")
    doubled = layers.Lambda(lambda t: t * 2, name="inner_double")(inner_input)
    inner = keras.Model(inner_input, doubled, name="block")
    inputs = keras.Input((4,), name="x")
    return keras.Model(inputs, layers.Dense(2, name="head")(inner(inputs)))


def custom_layer_model() -> keras.Model:
    inputs = keras.Input((4,), name="x")
    return keras.Model(inputs, Doubling(name="doubling")(inputs))


def operation_model() -> keras.Model:
    inputs = keras.Input((4,), name="x")
    x = layers.Dense(3, name="dense")(inputs)
    return keras.Model(inputs, keras.ops.multiply(x, 0.5))


def operation_on_two_tensors_model() -> keras.Model:
    inputs = keras.Input((4,), name="x")
    a, b = layers.Dense(3, name="a")(inputs), layers.Dense(3, name="b")(inputs)
    return keras.Model(inputs, layers.Dense(2, name="head")(keras.ops.add(a, b)))


def output_that_feeds_model() -> keras.Model:
    inputs = keras.Input((4,), name="x")
    hidden = layers.Dense(3, name="hidden")(inputs)
    return keras.Model(inputs, [hidden, layers.Dense(2, name="head")(hidden)])


REFUSED = {
    "lambda": (lambda_model, "double", "Lambda layers hold Python code"),
    "shared": (shared_layer_model, "shared", "used 2 times"),
    "lambda_in_nested": (nested_lambda_model, "inner_double", "inside this nested model: Lambda"),
    "custom": (custom_layer_model, "doubling", "custom layer"),
    "output_feeds": (output_that_feeds_model, "hidden", "also feeds"),
}


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_nested_model_becomes_one_node_and_round_trips(suffix: str, tmp_path: Path) -> None:
    keras.backend.clear_session()
    original = nested_model()
    _randomize(original)
    path = tmp_path / f"nested{suffix}"
    original.save(path)
    graph = import_model_file(path)
    assert [n.type for n in graph] == ["Input", "Functional", "Dense"]
    assert_same_model(original, to_keras(graph))
    with_weights = save_imported_weights(graph, path, tmp_path / "nested.weights.h5")
    batch = _batch(original)
    for expected, received in zip(_predict(original, batch), _predict(with_weights, batch)):
        np.testing.assert_allclose(received, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_models_a_graph_cannot_hold_are_refused_by_name(case: Any, suffix: str, tmp_path: Path) -> None:
    make, layer, reason = case
    keras.backend.clear_session()  # Operations are named by a session-wide counter.
    path = tmp_path / f"refused{suffix}"
    make().save(path)
    with pytest.raises(ModelImportError) as caught:
        import_model_file(path)
    message = str(caught.value)
    assert str(path) in message and repr(layer) in message and reason in message
    assert caught.value.layer == layer


OPERATIONS = {
    "operation": (operation_model, "multiply"),
    "operation_on_tensors": (operation_on_two_tensors_model, "add"),
}


@pytest.mark.parametrize("case", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_operations_in_h5_files_are_refused_as_they_name_no_module(case: Any, tmp_path: Path) -> None:
    make, layer = case
    keras.backend.clear_session()
    path = tmp_path / "refused.h5"
    make().save(path)
    with pytest.raises(ModelImportError) as caught:
        import_model_file(path)
    message = str(caught.value)
    assert str(path) in message and repr(layer) in message and "keras.ops" in message
    assert caught.value.layer == layer


@pytest.mark.parametrize("case", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_operations_import_as_operation_nodes_and_round_trip(case: Any, tmp_path: Path) -> None:
    make, layer = case
    keras.backend.clear_session()
    original = make()
    path = tmp_path / "operation.keras"
    original.save(path)
    graph = import_model_file(path)
    node = graph.find(layer)
    assert node is not None and node.type == "Operation"
    assert node.params["module"] == "keras.src.ops.numpy"
    assert {"__input__": 0} in node.params["args"]
    assert_same_model(original, to_keras(graph))


def test_operations_outside_keras_ops_are_refused() -> None:
    keras.backend.clear_session()
    config = operation_model().get_config()
    entry = next(e for e in config["layers"] if e["class_name"] == "Multiply")
    entry["module"] = "keras.src.ops.numpy_evil"
    with pytest.raises(ModelImportError, match="multiply"):
        graph_from_model_config(config)
    entry["module"], entry["class_name"] = "keras.src.ops.numpy", "np"
    with pytest.raises(ModelImportError, match="not a Keras operation"):
        graph_from_model_config(config)


def _valid_archive(tmp_path: Path) -> Path:
    path = tmp_path / "valid.keras"
    residual().save(path)
    return path


def _rewrite_archive(source: Path, target: Path, replace: dict[str, bytes | None]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            if name not in replace:
                new.writestr(name, old.read(name))
        for name, data in replace.items():
            if data is not None:
                new.writestr(name, data)


def _garbage(tmp_path: Path) -> Path:
    path = tmp_path / "garbage.keras"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    return path


def _truncated(tmp_path: Path) -> Path:
    data = _valid_archive(tmp_path).read_bytes()
    path = tmp_path / "truncated.keras"
    path.write_bytes(data[: len(data) // 2])
    return path


def _no_config(tmp_path: Path) -> Path:
    path = tmp_path / "no_config.keras"
    _rewrite_archive(_valid_archive(tmp_path), path, {"config.json": None})
    return path


def _bad_json(tmp_path: Path) -> Path:
    path = tmp_path / "bad_json.keras"
    _rewrite_archive(_valid_archive(tmp_path), path, {"config.json": b'{"class_name": "Functional", '})
    return path


def _not_a_model(tmp_path: Path) -> Path:
    path = tmp_path / "not_a_model.keras"
    _rewrite_archive(_valid_archive(tmp_path), path, {"config.json": b'{"hello": "world"}'})
    return path


def _with_config(tmp_path: Path, name: str, input_name: str, outputs: Any) -> Path:
    entry = {"class_name": "InputLayer", "name": "x", "inbound_nodes": [],
             "config": {"batch_shape": [None, 4], "name": "x"}}
    config = {"class_name": "Functional",
              "config": {"layers": [entry], "input_layers": [[input_name, 0, 0]], "output_layers": outputs}}
    path = tmp_path / name
    _rewrite_archive(_valid_archive(tmp_path), path, {"config.json": json.dumps(config).encode()})
    return path


def _unknown_input(tmp_path: Path) -> Path:
    return _with_config(tmp_path, "unknown_input.keras", "nowhere", [["x", 0, 0]])


def _malformed(tmp_path: Path) -> Path:
    return _with_config(tmp_path, "malformed.keras", "x", 7)


def _subclassed(tmp_path: Path) -> Path:
    path = tmp_path / "subclassed.keras"
    config = {"module": "my_models", "class_name": "MyModel", "config": {"units": 3}}
    _rewrite_archive(_valid_archive(tmp_path), path, {"config.json": json.dumps(config).encode()})
    return path


def _weights_only(tmp_path: Path) -> Path:
    path = tmp_path / "only.weights.h5"
    residual().save_weights(path)
    return path


def _truncated_h5(tmp_path: Path) -> Path:
    source = tmp_path / "whole.h5"
    residual().save(source)
    path = tmp_path / "truncated.h5"
    path.write_bytes(source.read_bytes()[:600])
    return path


def _folder(tmp_path: Path) -> Path:
    path = tmp_path / "saved_model"
    path.mkdir()
    return path


DAMAGED = {
    "missing": (lambda tmp: tmp / "nowhere.keras", "does not exist"),
    "folder": (_folder, "folder"),
    "garbage": (_garbage, "neither a .keras archive nor an HDF5"),
    "truncated_zip": (_truncated, "damaged or truncated"),
    "no_config_json": (_no_config, "no config.json"),
    "bad_json": (_bad_json, "not valid JSON"),
    "not_a_model": (_not_a_model, "not a Keras model config"),
    "unknown_input": (_unknown_input, "Layer 'nowhere'"),
    "malformed": (_malformed, "malformed"),
    "subclassed": (_subclassed, "subclassed model"),
    "weights_only_h5": (_weights_only, "no model architecture"),
    "truncated_h5": (_truncated_h5, "damaged or truncated"),
}


@pytest.mark.parametrize("case", DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_files_are_refused_with_the_file_and_the_cause(case: Any, tmp_path: Path) -> None:
    make_path, cause = case
    path = make_path(tmp_path)
    with pytest.raises(ModelImportError) as caught:
        import_model_file(path)
    assert str(path) in str(caught.value) and cause in str(caught.value)


def test_weights_file_name_must_end_with_weights_h5(tmp_path: Path) -> None:
    path = _valid_archive(tmp_path)
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        save_imported_weights(import_model_file(path), path, tmp_path / "weights.h5")


def test_graph_edited_after_import_names_the_layer_without_weights(tmp_path: Path) -> None:
    path = _valid_archive(tmp_path)
    graph = import_model_file(path)
    head = graph.find("head")
    assert head is not None
    graph.rename(head.id, "new_head")
    with pytest.raises(ModelImportError, match="new_head"):
        save_imported_weights(graph, path, tmp_path / "w.weights.h5")


# ---------------------------------------------------------------- keras.applications
APPLICATIONS = sorted(
    name for name, value in vars(keras.applications).items()
    if name[:1].isupper() and inspect.isfunction(value)
)

# Every application round-trips now; name one here (with the reason) if a Keras release breaks it.
NOT_ROUND_TRIPPING: dict[str, str] = {}


def _application_params(name: str) -> list[Any]:
    marks = [pytest.mark.slow]
    if name in NOT_ROUND_TRIPPING:
        marks.append(pytest.mark.xfail(reason=NOT_ROUND_TRIPPING[name], raises=ModelImportError, strict=True))
    return [pytest.param(name, marks=marks, id=name)]


@pytest.mark.parametrize("name", [p for n in APPLICATIONS for p in _application_params(n)])
def test_every_keras_application_round_trips(name: str) -> None:
    keras.backend.clear_session()
    original = getattr(keras.applications, name)(weights=None)
    try:
        graph = graph_from_model_config(original.get_config())
        rebuilt = to_keras(graph)
        try:
            assert_same_model(original, rebuilt)
        finally:
            del rebuilt
    finally:
        del original
        keras.backend.clear_session()


def test_the_application_list_is_complete() -> None:
    assert len(APPLICATIONS) >= 40 and "ResNet50" in APPLICATIONS
    assert set(NOT_ROUND_TRIPPING) <= set(APPLICATIONS)
