"""sync_graph: a mirror follows snapshots with the fewest changes, and ends equal."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.edits import AddNode, Connect, RemoveNode, SetParam
from app.core.graph import Edge, Graph
from app.core.sync import sync_graph


def _chain(length: int) -> Graph:
    graph = Graph()
    previous = graph.add_node("Input", "input", {"shape": [4]})
    for i in range(length):
        node = graph.add_node("Dense", None, {"units": 4 + i})
        graph.connect(previous.id, node.id)
        previous = node
    return graph


def test_a_param_change_reaches_the_mirror_as_one_param_event():
    graph, mirror = _chain(5), Graph()
    sync_graph(mirror, graph.to_dict())
    seen: list[tuple[str, str]] = []
    mirror.param_changed.connect(lambda node, key: seen.append((node.id, key)))
    added: list[str] = []
    mirror.node_added.connect(lambda node: added.append(node.id))
    target = graph.nodes[3]
    graph.set_param(target.id, "units", 99)
    assert sync_graph(mirror, graph.to_dict()) is True
    assert seen == [(target.id, "units")]
    assert added == []
    assert mirror == graph


def test_names_can_swap_and_params_can_be_reset():
    graph, mirror = _chain(2), Graph()
    sync_graph(mirror, graph.to_dict())
    a, b = graph.nodes[1], graph.nodes[2]
    graph.rename(a.id, "tmp")
    graph.rename(b.id, a.name if a.name != "tmp" else "x")
    graph.rename(a.id, "dense")
    graph.reset_param(b.id, "units")
    sync_graph(mirror, graph.to_dict())
    assert mirror == graph


def test_an_undone_delete_restores_order_by_rebuilding():
    graph, mirror = _chain(4), Graph()
    sync_graph(mirror, graph.to_dict())
    edit = RemoveNode(graph.nodes[2].id)
    edit.apply(graph)
    sync_graph(mirror, graph.to_dict())
    assert mirror == graph
    edit.revert(graph)
    assert sync_graph(mirror, graph.to_dict()) is False  # the node went back into the middle
    assert mirror == graph


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_random_edit_sequences_keep_the_mirror_equal(seed: int):
    rng = random.Random(seed)
    graph, mirror = _chain(3), Graph()
    sync_graph(mirror, graph.to_dict())
    done = []
    for _ in range(12):
        nodes = graph.nodes
        choice = rng.random()
        if choice < 0.3 or len(nodes) < 2:
            edit = AddNode("Dense", {"units": rng.randint(1, 9)})
        elif choice < 0.5:
            edit = RemoveNode(rng.choice(nodes).id)
        elif choice < 0.7:
            edit = SetParam(rng.choice(nodes).id, "units", rng.randint(1, 9))
        else:
            source, target = rng.sample(nodes, 2)
            if graph.incoming(target.id) or target.type == "Input":
                continue
            edit = Connect(Edge(source.id, target.id))
        edit.apply(graph)
        done.append(edit)
        sync_graph(mirror, graph.to_dict())
        assert mirror == graph
    for edit in reversed(done):
        edit.revert(graph)
        sync_graph(mirror, graph.to_dict())
        assert mirror == graph
