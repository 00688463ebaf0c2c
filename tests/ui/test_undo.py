"""The undo stack: every user command is one step; undo all empties the graph, redo all rebuilds it."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.edits import AddNode, Connect, Disconnect, Move, RemoveNode, Rename, SetParam, insert_on_edge
from app.core.graph import Edge, Graph, GraphError
from app.ui.undo import GraphUndoStack

LAYERS = ("Dense", "Dropout", "Conv2D", "Flatten", "Add", "Activation")


def _random_edit(graph: Graph, rng: random.Random):
    """One command a person could give, chosen at random among those that make sense now."""
    nodes = graph.nodes
    roll = rng.random()
    if roll < 0.3 or not nodes:
        layer = "Input" if not graph.inputs() or rng.random() < 0.1 else rng.choice(LAYERS)
        return AddNode(layer, {"units": rng.randint(1, 64)} if layer == "Dense" else {},
                       (rng.uniform(-500, 500), rng.uniform(-500, 500)))
    node = rng.choice(nodes)
    if roll < 0.4:
        return RemoveNode(node.id)
    if roll < 0.5:
        return SetParam(node.id, "units", rng.randint(1, 64))
    if roll < 0.55 and node.params:
        return SetParam(node.id, rng.choice(list(node.params)), reset=True)
    if roll < 0.65:
        return Move(node.id, (rng.uniform(-500, 500), rng.uniform(-500, 500)))
    if roll < 0.7:
        return Rename(node.id, f"layer_{rng.randint(0, 10_000)}")
    if roll < 0.85 and len(nodes) > 1:
        source, target = rng.sample(nodes, 2)
        return Connect(Edge(source.id, target.id, rng.randint(0, 1)))
    if graph.edges:
        edge = rng.choice(graph.edges)
        if rng.random() < 0.5:
            return Disconnect(edge)
        return insert_on_edge(graph, edge, rng.choice(LAYERS))
    return AddNode("Dense", {"units": 8})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(min_value=0, max_value=2**31 - 1), steps=st.integers(min_value=1, max_value=40))
def test_undo_all_then_redo_all(qapp, seed: int, steps: int):
    rng = random.Random(seed)
    graph = Graph()
    stack = GraphUndoStack(graph)
    snapshots = [graph.to_dict()]
    previous = None
    for _ in range(steps):
        edit = _random_edit(graph, rng)
        try:
            stack.push_edit(edit)
        except GraphError:
            assert graph.to_dict() == snapshots[-1], "a refused edit changed the graph"
            continue
        merged = isinstance(edit, Move) and isinstance(previous, Move) and previous.node_id == edit.node_id
        if merged:
            snapshots[-1] = graph.to_dict()  # a second move of the same node extends the first step
        else:
            snapshots.append(graph.to_dict())
        previous = edit
    assert stack.count() == len(snapshots) - 1  # one step per accepted command (moves of one node merge)
    for expected in reversed(snapshots[:-1]):
        stack.undo()
        assert graph.to_dict() == expected
    assert len(graph) == 0 and not graph.edges
    for expected in snapshots[1:]:
        stack.redo()
        assert graph.to_dict() == expected


def test_a_refused_edit_is_not_recorded(qapp):
    graph = Graph()
    stack = GraphUndoStack(graph)
    stack.push_edit(AddNode("Input", {"shape": [4]}, node_id="a"))
    with pytest.raises(GraphError):
        stack.push_edit(Connect(Edge("a", "a")))
    assert stack.count() == 1


def test_moves_of_one_node_merge_into_one_step(qapp):
    graph = Graph()
    stack = GraphUndoStack(graph)
    stack.push_edit(AddNode("Input", {"shape": [4]}, (0.0, 0.0), node_id="a"))
    for x in range(1, 6):
        stack.push_edit(Move("a", (x * 10.0, 0.0)))
    assert stack.count() == 2
    stack.undo()
    assert graph.node("a").position == (0.0, 0.0)
    stack.redo()
    assert graph.node("a").position == (50.0, 0.0)
