"""Tests of the graph document: structure, events, queries and serialization."""

import itertools

import pytest

from app.core.graph import Edge, Graph, GraphError, default_name_stem


def chain(*types: str) -> tuple[Graph, list[str]]:
    graph = Graph()
    ids = [graph.add_node(t).id for t in types]
    for a, b in itertools.pairwise(ids):
        graph.connect(a, b)
    return graph, ids


def test_names_follow_keras_style_and_stay_unique():
    graph = Graph()
    assert graph.add_node("Conv2D").name == "conv2d"
    assert graph.add_node("Conv2D").name == "conv2d_2"
    assert graph.add_node("BatchNormalization").name == "batch_normalization"
    assert default_name_stem("GlobalAveragePooling2D") == "global_average_pooling2d"


def test_duplicate_name_and_bad_name_are_refused():
    graph = Graph()
    graph.add_node("Dense", "head")
    with pytest.raises(GraphError, match="already used"):
        graph.add_node("Dense", "head")
    with pytest.raises(GraphError, match="Invalid node name"):
        graph.add_node("Dense", "9 lives")


def test_every_change_is_announced():
    graph = Graph()
    seen = []
    for name in (
        "node_added",
        "node_removed",
        "edge_added",
        "edge_removed",
        "param_changed",
        "node_renamed",
        "node_moved",
    ):
        getattr(graph, name).connect(lambda *args, name=name: seen.append(name))
    a = graph.add_node("Input", params={"shape": [4]})
    b = graph.add_node("Dense", params={"units": 3})
    edge = graph.connect(a.id, b.id)
    graph.set_param(b.id, "units", 5)
    graph.reset_param(b.id, "units")
    graph.rename(b.id, "head")
    graph.move(b.id, (10, 20))
    graph.disconnect(edge)
    graph.connect(a.id, b.id)
    graph.remove_node(a.id)
    assert seen == [
        "node_added",
        "node_added",
        "edge_added",
        "param_changed",
        "param_changed",
        "node_renamed",
        "node_moved",
        "edge_removed",
        "edge_added",
        "edge_removed",
        "node_removed",
    ]


def test_a_port_takes_one_edge_and_nodes_cannot_feed_themselves():
    graph, (_a, b) = chain("Input", "Dense")
    c = graph.add_node("Input").id
    with pytest.raises(GraphError, match="already fed"):
        graph.connect(c, b)
    with pytest.raises(GraphError, match="cannot feed itself"):
        graph.connect(b, b)
    with pytest.raises(GraphError, match="No node"):
        graph.connect("missing", b, 1)


def test_merge_nodes_take_several_ports_and_outputs_are_sinks():
    graph = Graph()
    x = graph.add_node("Input").id
    left, right, add = (graph.add_node(t).id for t in ("Dense", "Dense", "Add"))
    graph.connect(x, left)
    graph.connect(x, right)
    graph.connect(right, add, 1)
    graph.connect(left, add, 0)
    assert graph.predecessors(add) == [left, right]
    assert [n.id for n in graph.outputs()] == [add]
    assert graph.topological_order().index(add) == 3
    assert graph.downstream(left) == {left, add}


def test_cycles_are_found():
    graph, (a, b, c) = chain("Dense", "Dense", "Dense")
    assert graph.topological_order() is not None
    assert graph.find_cycle() == []
    graph.connect(c, a)
    assert graph.topological_order() is None
    cycle = graph.find_cycle()
    assert cycle[0] == cycle[-1] and set(cycle) == {a, b, c}


def test_round_trip_through_dict_is_exact():
    graph, ids = chain("Input", "Conv2D", "Flatten", "Dense")
    graph.set_param(ids[1], "kernel_size", [3, 3])
    graph.move(ids[2], (1.5, -2))
    copy = Graph.from_dict(graph.to_dict())
    assert copy == graph
    assert copy.to_dict() == graph.to_dict()
    copy.set_param(ids[1], "filters", 8)
    assert copy != graph
    assert Edge("a", "b").to_dict() == {"source": "a", "source_port": 0, "target": "b", "target_port": 0}


def test_groups_follow_node_order_and_travel_with_the_graph():
    graph, (a, b, c, d) = chain("Input", "Conv2D", "Flatten", "Dense")
    group = graph.add_group("features", [c, b])
    assert group.id == "g1" and group.node_ids == (b, c)
    assert graph.group_of(b) is group and graph.group_of(a) is None and graph.group_of("missing") is None
    graph.add_group("head", [d], collapsed=True, index=0)
    assert [g.name for g in graph.groups] == ["head", "features"]
    assert graph.unique_group_name("head") == "head_2" and graph.new_group_id() == "g3"
    assert graph.find_group("features") is group
    copy = graph.copy()
    assert copy == graph and copy.to_dict() == graph.to_dict()
    assert Graph.from_dict(graph.to_dict()).to_dict()["groups"] == graph.to_dict()["groups"]
    copy.set_group_collapsed("g1", True)
    assert copy != graph
    copy.set_group_collapsed("g1", False)
    copy.rename_group("g1", "body")
    assert copy != graph


def test_removing_nodes_shrinks_groups_and_drops_empty_ones():
    graph, (a, b, c) = chain("Input", "Dense", "Dense")
    graph.add_group("pair", [b, c])
    graph.remove_node(b)
    assert graph.group("g1").node_ids == (c,)
    graph.remove_from_group(c)
    assert graph.groups == []
    with pytest.raises(GraphError, match="belongs to no group"):
        graph.remove_from_group(c)
    graph.add_group("again", [a])
    graph.add_to_group(graph.find_group("again").id, c)
    assert graph.find_group("again").node_ids == (a, c)
    graph.clear()
    assert graph.groups == [] and "groups" not in graph.to_dict()
    with pytest.raises(GraphError, match="No group"):
        graph.group("g1")


def test_a_graph_without_groups_writes_no_groups_key():
    graph, _ = chain("Input", "Dense")
    assert list(graph.to_dict()) == ["nodes", "edges"]
