"""The scene mirrors the graph: items for nodes and edges, updated by the graph's events."""

from __future__ import annotations

import pytest

from app.core.catalog import default_catalog
from app.core.edits import AddNode, Compound, Connect, RemoveNode, SetParam
from app.core.examples import example_path
from app.core.graph import Edge, Graph
from app.core.project import load_project
from app.core.validation import validate
from app.ui.canvas import GraphScene
from app.ui.canvas.items import NodeItem
from app.ui.canvas.look import ERROR_COLOR, format_value, key_params_text
from app.ui.canvas.wires import EdgeItem
from app.ui.undo import GraphUndoStack
from tests.ui.canvas import Canvas

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


def example(name: str) -> Graph:
    return load_project(example_path(name)).graph


def test_scene_has_one_item_per_node_and_edge(qtbot, catalog) -> None:
    graph = example("digits-cnn")
    canvas = Canvas(qtbot, graph, catalog)
    nodes = [i for i in canvas.scene.items() if isinstance(i, NodeItem)]
    edges = [i for i in canvas.scene.items() if isinstance(i, EdgeItem)]
    assert len(nodes) == len(graph) and len(edges) == len(graph.edges)
    for node in graph:
        item = canvas.scene.node_item(node.id)
        assert (item.pos().x(), item.pos().y()) == node.position
        assert item.texts[:2] == [node.type, node.name]


def test_node_face_shows_key_params_shape_and_params(qtbot, catalog) -> None:
    graph = example("digits-cnn")
    canvas = Canvas(qtbot, graph, catalog)
    canvas.scene.set_result(validate(graph, catalog))
    conv = canvas.scene.node_item(graph.find("conv_1").id)
    assert conv.texts[2] == "16 3x3 relu"
    assert conv.texts[3] == conv.shape_text() == "(None, 8, 8, 16) · 160 params"
    edge = graph.incoming(graph.find("conv_1").id)[0]
    assert canvas.scene.edge_item(edge).label == "(None, 8, 8, 1)"


def test_values_are_shown_compactly() -> None:
    assert format_value([3, 3]) == "3x3"
    assert format_value((None, 28)) == "?x28"
    assert format_value(0.25) == "0.25"
    assert format_value({"class_name": "LSTM", "config": {}}) == "LSTM"
    graph = Graph()
    node = graph.add_node("Conv2D", params={"filters": 8, "kernel_size": [5, 5]})
    assert key_params_text(node, None) == "8 5x5"
    assert key_params_text(node, default_catalog().get("Conv2D")) == "8 5x5"


def test_graph_events_update_only_the_items_concerned_and_undo_restores(qtbot, catalog) -> None:
    graph = example("digits-cnn")
    canvas = Canvas(qtbot, graph, catalog)
    stack, scene = canvas.stack, canvas.scene
    first = graph.nodes[0].id
    untouched = scene.node_item(graph.nodes[2].id)
    stack.push_edit(Compound([AddNode("Dense", {"units": 4}, (0, 300), node_id="x1"),
                              Connect(Edge(first, "x1"))]))
    assert scene.node_item("x1") is not None
    assert scene.edge_item(Edge(first, "x1")) is not None
    assert scene.node_item(graph.nodes[2].id) is untouched  # nothing was rebuilt
    stack.push_edit(SetParam("x1", "units", 64))
    assert scene.node_item("x1").texts[2] == "64"
    stack.push_edit(RemoveNode("x1"))
    assert scene.node_item("x1") is None and scene.edge_item(Edge(first, "x1")) is None
    stack.undo()
    assert scene.node_item("x1").texts[2] == "64"
    assert scene.edge_item(Edge(first, "x1")) is not None
    stack.undo()
    stack.undo()
    assert scene.node_item("x1") is None
    assert len(scene.node_items()) == len(graph) and len(scene.edge_items()) == len(graph.edges)


def test_moves_and_renames_from_the_graph_reach_the_items(qtbot, catalog) -> None:
    graph = example("digits-cnn")
    canvas = Canvas(qtbot, graph, catalog)
    node = graph.nodes[1]
    edge = graph.incoming(node.id)[0]
    wire_before = canvas.scene.edge_item(edge).boundingRect()
    graph.move(node.id, (500.0, 420.0))
    item = canvas.scene.node_item(node.id)
    assert (item.pos().x(), item.pos().y()) == (500.0, 420.0)
    assert canvas.scene.edge_item(edge).boundingRect() != wire_before  # the wire followed
    graph.rename(node.id, "renamed_conv")
    assert item.texts[1] == "renamed_conv"


def test_without_catalog_nodes_draw_from_the_graph_alone(qtbot, catalog) -> None:
    graph = example("residual-block")
    canvas = Canvas(qtbot, graph, None)
    add = graph.find("block1_add")
    image = graph.find("image")
    assert len(canvas.scene.node_item(image.id).inputs) == 0
    assert len(canvas.scene.node_item(add.id).inputs) == 2  # as many as edges use
    assert canvas.scene.node_item(add.id).texts[0] == "Add"
    canvas.view.set_catalog(catalog)
    assert [p.name for p in canvas.scene.node_item(add.id).inputs] == ["input_1", "input_2", "input_3"]
    conv = canvas.scene.node_item(graph.find("stem").id)
    assert [p.name for p in conv.inputs] == ["input"]
    assert conv.color.name() != canvas.scene.node_item(add.id).color.name()


def test_problems_mark_nodes_red_with_the_message_and_clear_again(qtbot, catalog) -> None:
    graph = example("digits-cnn")
    canvas = Canvas(qtbot, graph, catalog)
    flatten = graph.find("flatten")
    graph.remove_node(flatten.id)  # the Dense after it now gets feature maps / no input
    result = validate(graph, catalog)
    marked = {p.node_id for p in result.problems if p.node_id}
    assert marked
    canvas.scene.set_result(result)
    for node_id in marked:
        item = canvas.scene.node_item(node_id)
        assert item.severity == "error"
        assert result.for_node(node_id)[0].message in item.toolTip()
    assert ERROR_COLOR.name() == "#d9363e"
    canvas.scene.set_result(validate(example("digits-cnn"), catalog))
    assert all(canvas.scene.node_item(i).severity is None for i in marked if canvas.scene.node_item(i))


def test_detach_stops_following_the_graph(qtbot, catalog) -> None:
    graph = Graph()
    scene = GraphScene(graph, GraphUndoStack(graph).push_edit, catalog)
    graph.add_node("Dense", params={"units": 3})
    assert len(scene.node_items()) == 1
    scene.detach()
    graph.add_node("Dense", params={"units": 3})
    assert len(scene.node_items()) == 1


def test_problems_on_edges_mark_the_wire_and_clear_again(qtbot, catalog) -> None:
    from app.core.validation import CheckResult, Problem

    graph = example("digits-cnn")
    canvas = Canvas(qtbot, graph, catalog)
    edge = graph.edges[2]
    problem = Problem("demo", "This wire carries the wrong shape.", edge=edge)
    canvas.scene.set_result(CheckResult([problem], {}))
    wire = canvas.scene.edge_item(edge)
    assert wire.severity == "error" and "wrong shape" in wire.toolTip()
    assert all(w.severity is None for w in canvas.scene.edge_items() if w is not wire)
    canvas.scene.set_result(CheckResult([], {}))
    assert wire.severity is None
