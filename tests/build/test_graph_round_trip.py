"""Graph -> Keras -> graph: every example comes back as the same graph and the same model."""

import json

import pytest

from app.build.keras_builder import to_keras
from app.build.keras_import import graph_from_model_config
from app.core.examples import list_examples
from app.core.project import load_project

EXAMPLES = [e for e in list_examples() if e.name != "transfer-mobilenet"]


def layer_configs(model):
    return {layer.name: json.dumps(layer.get_config(), sort_keys=True) for layer in model.layers}


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_survives_graph_keras_graph(example):
    graph = load_project(example.path).graph
    model = to_keras(graph)
    again = graph_from_model_config(model.get_config())
    # Inner nodes may come back in Keras's own topological order; what matters is the
    # same nodes, the same wiring, and inputs and outputs in the same order.
    assert sorted((n.name, n.type) for n in again) == sorted((n.name, n.type) for n in graph)
    assert [n.name for n in again.inputs()] == [n.name for n in graph.inputs()]
    assert [n.name for n in again.outputs()] == [n.name for n in graph.outputs()]

    def wiring(g):
        names = {n.id: n.name for n in g}
        return sorted((names[e.source], e.source_port, names[e.target], e.target_port) for e in g.edges)

    assert wiring(again) == wiring(graph)
    rebuilt = to_keras(again)
    assert layer_configs(rebuilt) == layer_configs(model)
    assert rebuilt.count_params() == model.count_params()
