"""Shape inference equals Keras: every catalog layer with its defaults, and every example."""

import math

import pytest

from app.build.keras_builder import to_keras
from app.core.catalog import TAG_INTEGER_INPUT, default_catalog
from app.core.examples import list_examples
from app.core.graph import Graph
from app.core.project import load_project
from app.core.shapes import clear_cache, estimate_macs
from app.core.summary import summarize
from app.core.validation import validate

LAYER_TYPES = [s.type for s in default_catalog().specs() if s.category not in ("Pretrained", "Input")]


def single_layer_graph(layer_type: str) -> tuple[Graph, str]:
    spec = default_catalog().get(layer_type)
    graph = Graph()
    dtype = "int32" if TAG_INTEGER_INPUT in spec.tags else "float32"
    inputs = [
        graph.add_node("Input", params={"shape": list(shape), "dtype": dtype}).id
        for shape in spec.example_input
    ]
    node = graph.add_node(layer_type, params=spec.initial_params()).id
    for port, source in enumerate(inputs):
        graph.connect(source, node, port)
    return graph, node


def outputs_of(layer):
    output = layer.output
    return tuple(tuple(t.shape) for t in (output if isinstance(output, (list, tuple)) else [output]))


@pytest.mark.parametrize("layer_type", LAYER_TYPES)
def test_every_catalog_layer_infers_what_keras_builds(layer_type):
    graph, node_id = single_layer_graph(layer_type)
    result = validate(graph)
    assert result.valid, [p.message for p in result.problems]
    model = to_keras(graph)
    name = graph.node(node_id).name
    inferred = result.shapes[node_id]
    if layer_type == "Operation":  # a Keras operation: in model.operations, not a layer, no weights
        operation = next(op for op in model.operations if op.name == name)
        assert inferred.outputs == outputs_of(operation)
        assert inferred.params == 0
        return
    layer = model.get_layer(name)
    assert inferred.outputs == outputs_of(layer)
    assert inferred.params == layer.count_params()
    assert inferred.trainable_params == sum(math.prod(w.shape) for w in layer.trainable_weights)


def example_names():
    return [e.name for e in list_examples() if e.name != "transfer-mobilenet"]


@pytest.mark.parametrize("name", example_names())
def test_example_summaries_equal_keras(name):
    project = load_project(next(e.path for e in list_examples() if e.name == name))
    result = validate(project.graph)
    assert result.valid, [p.message for p in result.problems]
    summary = summarize(project.graph, result)
    model = to_keras(project.graph)
    assert summary.total_params == model.count_params()
    for row in summary.rows:
        if row.type != "Input":
            assert row.params == model.get_layer(row.name).count_params(), row.name


def test_multiply_adds_match_hand_counts():
    graph = Graph()
    source = graph.add_node("Input", params={"shape": [8, 8, 3]}).id
    conv = graph.add_node("Conv2D", params={"filters": 16, "kernel_size": [3, 3], "padding": "same"}).id
    flat = graph.add_node("Flatten").id
    dense = graph.add_node("Dense", params={"units": 10}).id
    for a, b in ((source, conv), (conv, flat), (flat, dense)):
        graph.connect(a, b)
    shapes = validate(graph).shapes
    assert shapes[conv].macs == 8 * 8 * (3 * 3 * 3) * 16
    assert shapes[dense].macs == 8 * 8 * 16 * 10
    assert estimate_macs(object(), [(None, 4)], [(None, 4)]) == 0


def test_inference_of_a_huge_layer_counts_without_initialising_weights():
    graph = Graph()
    source = graph.add_node("Input", params={"shape": [4096]}).id
    dense = graph.add_node("Dense", params={"units": 4096}).id
    graph.connect(source, dense)
    clear_cache()
    result = validate(graph)
    assert result.shapes[dense].params == 4096 * 4096 + 4096
    # The deferred variables were dropped: nothing waits to be initialised later.
    from keras.src.backend.common import global_state

    assert not global_state.get_global_attribute("uninitialized_variables")
