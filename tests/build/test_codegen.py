"""The generated script rebuilds the very model ``to_keras`` builds, and is clean Python."""

from __future__ import annotations

import itertools
import json
import os
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import keras
import pytest

from app.build.codegen import graph_to_script, node_variables, python_identifier
from app.build.keras_builder import BuildError, to_keras
from app.core.catalog import TAG_INTEGER_INPUT, default_catalog
from app.core.graph import Graph

REPO_ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- graphs
def _chain(graph: Graph, *node_ids: str) -> None:
    for source, target in itertools.pairwise(node_ids):
        graph.connect(source, target)


def _join(graph: Graph, target: str, *sources: str) -> None:
    for port, source in enumerate(sources):
        graph.connect(source, target, port)


def _conv(graph: Graph, name: str, filters: int, size: int, **params: Any) -> str:
    params = {"filters": filters, "kernel_size": [size, size], "padding": "same", **params}
    return graph.add_node("Conv2D", name, params).id


def cnn() -> Graph:
    graph = Graph()
    _chain(
        graph,
        graph.add_node("Input", "image", {"shape": [8, 8, 1]}).id,
        _conv(graph, "conv_1", 16, 3, activation="relu"),
        graph.add_node("MaxPooling2D", "pool", {"pool_size": [2, 2]}).id,
        _conv(graph, "conv_2", 32, 3, activation="relu", strides=[1, 1]),
        graph.add_node("Flatten", "flatten").id,
        graph.add_node("Dropout", "dropout", {"rate": 0.25}).id,
        graph.add_node("Dense", "digit", {"units": 10, "activation": "softmax"}).id,
    )
    return graph


def residual() -> Graph:
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [8, 8, 1]}).id
    stem = _conv(graph, "stem", 8, 3, activation="relu")
    body_1 = _conv(graph, "body_1", 16, 3, activation="relu")
    body_2 = _conv(graph, "body_2", 16, 3)
    projection = _conv(graph, "projection", 16, 1)
    add = graph.add_node("Add", "add").id
    relu = graph.add_node("Activation", "relu", {"activation": "relu"}).id
    pool = graph.add_node("GlobalAveragePooling2D", "pool").id
    head = graph.add_node("Dense", "head", {"units": 10, "activation": "softmax"}).id
    _chain(graph, image, stem, body_1, body_2)
    _chain(graph, stem, projection)
    _join(graph, add, projection, body_2)
    _chain(graph, add, relu, pool, head)
    return graph


def inception() -> Graph:
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [8, 8, 1]}).id
    branch_1 = _conv(graph, "branch_1x1", 8, 1, activation="relu")
    branch_3 = _conv(graph, "branch_3x3", 8, 3, activation="relu")
    branch_5 = _conv(graph, "branch_5x5", 4, 5, activation="relu")
    pool = graph.add_node(
        "MaxPooling2D", "branch_pool", {"pool_size": [3, 3], "strides": [1, 1], "padding": "same"}
    ).id
    mixed = graph.add_node("Concatenate", "mixed", {"axis": -1}).id
    gap = graph.add_node("GlobalAveragePooling2D", "gap").id
    head = graph.add_node("Dense", "head", {"units": 10, "activation": "softmax"}).id
    for branch in (branch_1, branch_3, branch_5, pool):
        graph.connect(image, branch)
    _join(graph, mixed, branch_1, branch_3, branch_5, pool)
    _chain(graph, mixed, gap, head)
    return graph


def lstm() -> Graph:
    graph = Graph()
    _chain(
        graph,
        graph.add_node("Input", "window", {"shape": [20, 1]}).id,
        graph.add_node("LSTM", "lstm_1", {"units": 16, "return_sequences": True}).id,
        graph.add_node("LSTM", "lstm_2", {"units": 8, "dropout": 0.1}).id,
        graph.add_node("Dense", "next_value", {"units": 1}).id,
    )
    return graph


def regularized() -> Graph:
    graph = Graph()
    dense = graph.add_node("Dense", "hidden", {
        "units": 32,
        "activation": "relu",
        "kernel_regularizer": {
            "module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01},
            "registered_name": None,
        },
        "bias_regularizer": "l1",
        "activity_regularizer": {"class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.002}},
        "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": 7}},
        "bias_initializer": {
            "module": "keras.initializers", "class_name": "Constant", "config": {"value": 0.1},
            "registered_name": None,
        },
        "kernel_constraint": {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}},
    }).id
    _chain(
        graph,
        graph.add_node("Input", "features", {"shape": [12]}).id,
        dense,
        graph.add_node("Dense", "score", {"units": 1, "use_bias": False}).id,
    )
    return graph


def multi_output() -> Graph:
    graph = Graph()
    image = graph.add_node("Input", "image", {"shape": [16]}).id
    extra = graph.add_node("Input", "metadata", {"shape": [3], "dtype": "float32"}).id
    merged = graph.add_node("Concatenate", "merged").id
    shared = graph.add_node("Dense", "shared", {"units": 24, "activation": "relu"}).id
    label = graph.add_node("Dense", "label", {"units": 4, "activation": "softmax"}).id
    value = graph.add_node("Dense", "value", {"units": 1}).id
    _join(graph, merged, image, extra)
    _chain(graph, merged, shared, label)
    _chain(graph, shared, value)
    return graph


def awkward_names() -> Graph:
    """Node names that are keywords, builtins, script names or clash once made identifiers."""
    graph = Graph()
    _chain(
        graph,
        graph.add_node("Input", "input", {"shape": [4]}).id,
        graph.add_node("Dense", "class", {"units": 4}).id,
        graph.add_node("Dense", "dense-1", {"units": 4}).id,
        graph.add_node("Dense", "dense_1", {"units": 4}).id,
        graph.add_node("Dense", "model", {"units": 4}).id,
        graph.add_node("Dense", "keras", {"units": 4}).id,
        graph.add_node("Dense", "Print.Me", {"units": 2}).id,
    )
    return graph


def attention() -> Graph:
    graph = Graph()
    tokens = graph.add_node("Input", "tokens", {"shape": [10, 16]}).id
    attend = graph.add_node("MultiHeadAttention", "self_attention", {"num_heads": 2, "key_dim": 8}).id
    graph.connect(tokens, attend, 0)
    graph.connect(tokens, attend, 1)
    _chain(graph, attend, graph.add_node("GlobalAveragePooling1D", "pool").id)
    return graph


GRAPHS = {
    "cnn": cnn,
    "residual": residual,
    "inception": inception,
    "lstm": lstm,
    "regularized": regularized,
    "multi_output": multi_output,
    "awkward_names": awkward_names,
    "attention": attention,
}


# ---------------------------------------------------------------- helpers
def _build_from_script(script: str, tmp_path: Path) -> Any:
    path = tmp_path / "generated_model.py"
    path.write_text(script, encoding="utf-8")
    namespace = runpy.run_path(str(path))  # not "__main__": the main block does not run
    keras.backend.clear_session()  # layers Keras names itself (inside backbones) count from 1 again
    return namespace["build_model"]()


def _build(graph: Graph) -> Any:
    keras.backend.clear_session()
    return to_keras(graph)


def _plain(value: Any) -> Any:
    """A config as JSON would store it (tuples and lists alike), as saving a model does."""
    return json.loads(json.dumps(value, default=repr))


def assert_same_model(expected: Any, actual: Any) -> None:
    """Same layers (class and config by name), same wiring, same parameter count."""
    expected_layers = {layer["name"]: layer for layer in expected.get_config()["layers"]}
    actual_layers = {layer["name"]: layer for layer in actual.get_config()["layers"]}
    assert list(actual_layers) == list(expected_layers)
    for name, layer in expected_layers.items():
        assert actual_layers[name]["class_name"] == layer["class_name"], name
        assert _plain(actual_layers[name]["config"]) == _plain(layer["config"]), name
    assert _plain(actual.get_config()) == _plain(expected.get_config())
    assert actual.count_params() == expected.count_params()


def _ruff_problems(path: Path) -> str | None:
    """ruff's complaints about ``path`` under the project's own settings ('' when clean)."""
    try:
        config = str(REPO_ROOT / "pyproject.toml")
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--no-cache", "--config", config, str(path)],
            capture_output=True, text=True, timeout=120,
        )
    except FileNotFoundError:
        return None
    if "No module named ruff" in result.stderr:
        return None
    return "" if result.returncode == 0 else result.stdout + result.stderr


# ---------------------------------------------------------------- tests
@pytest.mark.parametrize("make_graph", GRAPHS.values(), ids=GRAPHS.keys())
def test_script_rebuilds_the_same_model(make_graph: Any, tmp_path: Path) -> None:
    graph = make_graph()
    script = graph_to_script(graph)
    assert_same_model(_build(graph), _build_from_script(script, tmp_path))


@pytest.mark.parametrize("make_graph", GRAPHS.values(), ids=GRAPHS.keys())
def test_script_is_clean_python(make_graph: Any, tmp_path: Path) -> None:
    script = graph_to_script(make_graph(), training={"epochs": 3}, project_name="demo")
    compile(script, "generated_model.py", "exec")
    path = tmp_path / "generated_model.py"
    path.write_text(script, encoding="utf-8")
    problems = _ruff_problems(path)
    if problems is None:
        pytest.skip("ruff is not installed")
    assert problems == "", f"{problems}\n{script}"
    assert max(len(line) for line in script.splitlines()) <= 110


def _example_params() -> list[Any]:
    from app.core.examples import list_examples

    slow = {"transfer-mobilenet"}
    return [pytest.param(info.name, marks=pytest.mark.slow) if info.name in slow else info.name
            for info in list_examples()]


@pytest.mark.parametrize("name", _example_params())
def test_every_example_rebuilds_from_its_script(name: str, tmp_path: Path) -> None:
    from app.core.examples import example_path
    from app.core.project import load_project

    project = load_project(example_path(name))
    script = graph_to_script(project.graph, training=project.training, project_name=project.name)
    assert f'from the project "{name}"' in script
    assert_same_model(_build(project.graph), _build_from_script(script, tmp_path))


def test_script_reads_like_hand_written_keras() -> None:
    script = graph_to_script(cnn(), project_name="digits-cnn")
    assert script.startswith('"""A Keras model generated by Netloom from the project "digits-cnn".')
    assert "\nimport keras\n" in script
    assert '    image = keras.Input(shape=(8, 8, 1), name="image")\n' in script
    assert (
        '    conv_1 = keras.layers.Conv2D(\n'
        '        filters=16,\n'
        '        kernel_size=(3, 3),\n'
        '        padding="same",\n'
        '        activation="relu",\n'
        '        name="conv_1",\n'
        '    )(image)\n'
    ) in script
    assert '    pool = keras.layers.MaxPooling2D(pool_size=(2, 2), name="pool")(conv_1)\n' in script
    assert '    model = keras.Model(inputs=image, outputs=digit, name="netloom_model")\n' in script
    assert "    return model\n" in script
    assert 'if __name__ == "__main__":\n    model = build_model()\n' in script
    assert "model.summary()" in script
    assert "compile_model" not in script  # no training settings, nothing to compile with


def test_lines_follow_the_topological_order() -> None:
    graph = inception()
    script = graph_to_script(graph)
    variables = node_variables(graph)
    positions = [script.index(f"    {variables[node_id]} = ") for node_id in graph.topological_order() or []]
    assert positions == sorted(positions)


def test_merge_and_attention_calls() -> None:
    assert (
        '    mixed = keras.layers.Concatenate(axis=-1, name="mixed")(\n'
        "        [branch_1x1, branch_3x3, branch_5x5, branch_pool],\n"
        "    )\n"
    ) in graph_to_script(inception())
    assert ")(tokens, tokens)\n" in graph_to_script(attention())


def test_nested_configs_become_keras_objects() -> None:
    script = graph_to_script(regularized())
    assert "kernel_regularizer=keras.regularizers.L2(l2=0.01)" in script
    assert "activity_regularizer=keras.regularizers.L1L2(l1=0.001, l2=0.002)" in script
    assert "kernel_initializer=keras.initializers.HeNormal(seed=7)" in script
    assert "kernel_constraint=keras.constraints.MaxNorm(max_value=2.0, axis=0)" in script
    assert 'bias_regularizer="l1"' in script
    assert "bias_initializer=keras.initializers.Constant(value=0.1)" in script


def test_training_settings_compile_the_model(tmp_path: Path) -> None:
    training = {
        "optimizer": "sgd", "learning_rate": 0.05, "loss": "binary_crossentropy",
        "metrics": ["accuracy", "auc"], "batch_size": 8, "epochs": 4,
    }
    script = graph_to_script(regularized(), training=training, project_name="scores")
    assert "optimizer=keras.optimizers.SGD(learning_rate=0.05)" in script
    assert "BATCH_SIZE = 8\nEPOCHS = 4\n" in script
    path = tmp_path / "scores.py"
    path.write_text(script, encoding="utf-8")
    namespace = runpy.run_path(str(path))
    model = namespace["compile_model"](namespace["build_model"]())
    assert type(model.optimizer).__name__ == "SGD"
    assert float(model.optimizer.learning_rate) == pytest.approx(0.05)
    assert model.loss == "binary_crossentropy"


def test_missing_training_settings_take_the_defaults() -> None:
    script = graph_to_script(cnn(), training={})
    assert "optimizer=keras.optimizers.Adam(learning_rate=0.001)" in script
    assert 'loss="sparse_categorical_crossentropy"' in script
    assert 'metrics=["accuracy"]' in script
    assert "BATCH_SIZE = 32\nEPOCHS = 10\n" in script


@pytest.mark.slow
def test_running_the_script_prints_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "digits.py"
    path.write_text(graph_to_script(cnn(), training={"epochs": 1}), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert result.returncode == 0, result.stderr
    assert "netloom_model" in result.stdout
    assert "conv_1 (Conv2D)" in result.stdout


def test_identifiers_are_unique_and_safe() -> None:
    variables = node_variables(awkward_names())
    names = list(variables.values())
    assert len(set(names)) == len(names)
    assert names == ["input_", "class_", "dense_1", "dense_1_2", "model_", "keras_", "print_me"]
    for name in names:
        assert name.isidentifier()


def test_python_identifier() -> None:
    taken: set[str] = set()
    assert python_identifier("conv2d", taken) == "conv2d"
    assert python_identifier("conv2d", taken) == "conv2d_2"
    assert python_identifier("Conv-2D.a", taken) == "conv_2d_a"
    assert python_identifier("list", taken) == "list_"
    assert python_identifier("match", taken) == "match_"
    assert python_identifier("build_model", taken) == "build_model_"


def test_project_name_is_escaped_in_the_docstring(tmp_path: Path) -> None:
    script = graph_to_script(cnn(), project_name='odd "name" \\ with """ quotes')
    compile(script, "generated_model.py", "exec")
    path = tmp_path / "odd.py"
    path.write_text(script, encoding="utf-8")
    assert 'odd "name" \\ with """ quotes' in runpy.run_path(str(path))["__doc__"]


def test_several_outputs_of_one_layer_are_indexed(tmp_path: Path) -> None:
    graph = Graph()
    window = graph.add_node("Input", "window", {"shape": [6, 2]}).id
    encoder = graph.add_node("LSTM", "encoder", {"units": 4, "return_state": True}).id
    state = graph.add_node("Dense", "from_state", {"units": 2}).id
    graph.connect(window, encoder)
    graph.connect(encoder, state, 0, 2)
    script = graph_to_script(graph)
    assert "(encoder[2])" in script
    assert "outputs=from_state" in script
    assert_same_model(_build(graph), _build_from_script(script, tmp_path))


def test_bidirectional_wrapper(tmp_path: Path) -> None:
    if "Bidirectional" not in default_catalog():
        pytest.skip("the catalog has no Bidirectional")
    graph = Graph()
    _chain(
        graph,
        graph.add_node("Input", "window", {"shape": [12, 3]}).id,
        graph.add_node("Bidirectional", "both_ways", {
            "layer": {
                "module": "keras.layers", "class_name": "LSTM", "config": {"units": 6, "name": "inner"},
            },
            "merge_mode": "sum",
        }).id,
        graph.add_node("Dense", "out", {"units": 1}).id,
    )
    script = graph_to_script(graph)
    assert "layer=keras.layers.LSTM(units=6" in script
    assert_same_model(_build(graph), _build_from_script(script, tmp_path))


@pytest.mark.slow
def test_pretrained_backbone(tmp_path: Path) -> None:
    if "MobileNetV2" not in default_catalog():
        pytest.skip("the catalog has no MobileNetV2")
    graph = Graph()
    _chain(
        graph,
        graph.add_node("Input", "image", {"shape": [32, 32, 3]}).id,
        graph.add_node("MobileNetV2", "backbone", {
            "include_top": False, "weights": None, "pooling": "avg", "alpha": 0.35, "trainable": False,
        }).id,
        graph.add_node("Dense", "label", {"units": 3, "activation": "softmax"}).id,
    )
    script = graph_to_script(graph)
    assert "input_shape=image.shape[1:]" in script
    assert "backbone_model.trainable = False" in script
    built = _build_from_script(script, tmp_path)
    expected = _build(graph)
    assert_same_model(expected, built)
    assert built.get_layer("backbone").trainable is False


@pytest.mark.parametrize(
    "breakage, message",
    [("cycle", "cycle"), ("no_input", "no Input"), ("dangling", "has no input")],
)
def test_graphs_that_are_no_model_are_refused(breakage: str, message: str) -> None:
    graph = Graph()
    first = graph.add_node("Dense", "first", {"units": 2}).id
    second = graph.add_node("Dense", "second", {"units": 2}).id
    graph.connect(first, second)
    if breakage == "cycle":
        graph.add_node("Input", "x", {"shape": [2]})
        graph.connect(second, first)
    elif breakage == "dangling":
        graph.add_node("Input", "x", {"shape": [2]})
    with pytest.raises(BuildError, match=message):
        graph_to_script(graph)


def _catalog_layer_types() -> list[str]:
    return [s.type for s in default_catalog().specs() if s.category not in ("Pretrained", "Input")]


@pytest.mark.slow
@pytest.mark.parametrize("layer_type", _catalog_layer_types())
def test_every_catalog_layer_rebuilds_from_its_script(layer_type: str, tmp_path: Path) -> None:
    spec = default_catalog().get(layer_type)
    graph = Graph()
    dtype = "int32" if TAG_INTEGER_INPUT in spec.tags else "float32"
    inputs = [graph.add_node("Input", params={"shape": list(shape), "dtype": dtype}).id
              for shape in spec.example_input]
    params = spec.initial_params()
    if spec.param("seed") is not None:
        params["seed"] = 1234  # otherwise each random layer draws its own seed into its config
    node = graph.add_node(layer_type, params=params).id
    for port, source in enumerate(inputs):
        graph.connect(source, node, port)
    assert_same_model(_build(graph), _build_from_script(graph_to_script(graph), tmp_path))
