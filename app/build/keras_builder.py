"""Graph -> ``keras.Model``.

The builder walks the graph in topological order and makes one Keras layer
per node, named after the node, so anything Keras later says about a layer
can be traced back to a node. A graph with errors is refused with a
``BuildError`` that names the node; callers that want every problem at once
use ``app.core.validation`` first.

The model's inputs are the ``Input`` nodes in the order they were added; its
outputs are the nodes that feed nothing, in the same order.
"""

from __future__ import annotations

from typing import Any

from app.core.catalog import Catalog, default_catalog
from app.core.graph import Graph
from app.core.layer_factory import call_layer, clean_keras_message, make_input, make_layer


class BuildError(ValueError):
    """A graph that cannot become a Keras model; ``node_id`` says where."""

    def __init__(self, message: str, node_id: str | None = None) -> None:
        super().__init__(message)
        self.node_id = node_id


def to_keras(graph: Graph, catalog: Catalog | None = None, name: str = "netloom_model") -> Any:
    """Build the functional ``keras.Model`` the graph describes."""
    import keras

    catalog = catalog or default_catalog()
    order = checked_order(graph)
    tensors: dict[str, Any] = {}
    for node_id in order:
        tensors[node_id] = _build_node(graph, node_id, tensors, catalog)
    inputs = [_first(tensors[n.id]) for n in graph.inputs()]
    outputs = [_first(tensors[n.id]) for n in graph.outputs()]
    return keras.Model(
        inputs=inputs[0] if len(inputs) == 1 else inputs,
        outputs=outputs[0] if len(outputs) == 1 else outputs,
        name=name,
    )


def checked_order(graph: Graph) -> list[str]:
    """The node ids in build order; ``BuildError`` for a cycle, no Input or no output."""
    order = graph.topological_order()
    if order is None:
        cycle = graph.find_cycle()
        names = " -> ".join(graph.node(i).name for i in cycle)
        raise BuildError(f"The graph has a cycle: {names}.", cycle[0] if cycle else None)
    if not graph.inputs():
        raise BuildError("The graph has no Input node; add one and connect it to the first layer.")
    if not graph.outputs():
        raise BuildError("The graph has no output: connect a layer after the Input.")
    return order


def _build_node(graph: Graph, node_id: str, tensors: dict[str, Any], catalog: Catalog) -> Any:
    node = graph.node(node_id)
    if node.type == "Input":
        if graph.incoming(node_id):
            raise BuildError(f"Input {node.name!r} cannot have incoming connections.", node_id)
        return _guard(node_id, node.name, lambda: make_input(node))
    spec = _guard(node_id, node.name, lambda: catalog.get(node.type))
    edges = graph.incoming(node_id)
    if not edges:
        raise BuildError(f"{node.name!r} ({node.type}) has no input; connect a layer to it.", node_id)
    inputs = [_output(tensors[e.source], e.source_port, graph.node(e.source).name) for e in edges]
    shapes = [tuple(t.shape) for t in inputs]
    layer = _guard(node_id, node.name, lambda: make_layer(node, spec, shapes))
    return _guard(node_id, node.name, lambda: call_layer(layer, spec, inputs))


def _output(value: Any, port: int, name: str) -> Any:
    if isinstance(value, (list, tuple)):
        if port >= len(value):
            raise BuildError(f"{name!r} has {len(value)} outputs; port {port} does not exist.")
        return value[port]
    if port != 0:
        raise BuildError(f"{name!r} has one output; port {port} does not exist.")
    return value


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, (list, tuple)) else value


def _guard(node_id: str, name: str, action: Any) -> Any:
    try:
        return action()
    except BuildError:
        raise
    except Exception as error:  # Keras reports bad configs with many exception types.
        raise BuildError(f"{name}: {clean_keras_message(error)}", node_id) from error
