"""Blocks on the canvas: grouping, frames, collapsed block nodes, block drops, copy/paste, previews."""

from __future__ import annotations

import warnings

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.core.blocks import block_boundary
from app.core.catalog import default_catalog
from app.core.examples import example_path
from app.core.graph import Edge, Graph
from app.core.project import load_project
from app.core.validation import ERROR, validate
from app.plugins.builtin import register_blocks, register_layers
from app.plugins.registry import PluginRegistry
from app.ui.canvas.blocks import BlockNodeItem, GroupFrameItem
from app.ui.mime import BLOCK_MIME
from tests.ui.canvas import Canvas

pytestmark = pytest.mark.gui

RESIDUAL_MEMBERS = ("block1_conv1", "block1_conv2", "block1_add")


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


@pytest.fixture
def canvas(qtbot, catalog) -> Canvas:
    graph = load_project(example_path("residual-block")).graph
    canvas = Canvas(qtbot, graph, catalog)
    canvas.scene.set_result(validate(graph, catalog))
    return canvas


def ids(graph: Graph, *names: str) -> list[str]:
    return [graph.find(name).id for name in names]


def press_ctrl_g(canvas: Canvas, shift: bool = False) -> None:
    canvas.view.setFocus()
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(canvas.view, Qt.Key.Key_G, modifiers)


def double_click(canvas: Canvas, scene_pos: QPointF) -> None:
    QTest.mouseDClick(canvas.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                      canvas.viewport_point(scene_pos))


def grouped_canvas(canvas: Canvas) -> str:
    canvas.scene.select_nodes(ids(canvas.graph, *RESIDUAL_MEMBERS))
    press_ctrl_g(canvas)
    return canvas.graph.groups[0].id


def test_ctrl_g_groups_the_selection_in_one_step_and_draws_a_frame(canvas: Canvas) -> None:
    members = ids(canvas.graph, *RESIDUAL_MEMBERS)
    group_id = grouped_canvas(canvas)
    group = canvas.graph.group(group_id)
    assert group.name == "block" and set(group.node_ids) == set(members) and not group.collapsed
    assert canvas.stack.count() == 1
    frame = canvas.scene.frame_item(group_id)
    assert isinstance(frame, GroupFrameItem) and frame.isVisible()
    for node_id in members:  # the frame surrounds every member
        assert frame.frame_rect().contains(canvas.scene.node_item(node_id).sceneBoundingRect())
    canvas.graph.move(members[0], (440.0, 400.0))  # and follows them
    assert frame.frame_rect().contains(canvas.scene.node_item(members[0]).sceneBoundingRect())
    canvas.scene.select_nodes([members[0]])
    press_ctrl_g(canvas)  # already in a block: refused
    assert canvas.stack.count() == 1 and len(canvas.graph.groups) == 1
    canvas.stack.undo()
    assert canvas.graph.groups == [] and canvas.scene.frame_items() == []


def test_grouping_a_grouped_node_is_refused_with_a_message(canvas: Canvas, qtbot) -> None:
    grouped_canvas(canvas)
    canvas.scene.select_nodes(ids(canvas.graph, "block1_add", "block1_relu"))
    with qtbot.waitSignal(canvas.view.message) as blocker:
        assert canvas.view.group_selection("other") is None
    assert "already belongs to the block 'block'" in blocker.args[0]


def test_collapse_hides_members_and_shows_one_block_with_rerouted_wires(canvas: Canvas) -> None:
    graph, scene = canvas.graph, canvas.scene
    group_id = grouped_canvas(canvas)
    frame = scene.frame_item(group_id)
    double_click(canvas, frame.header_rect().center() - QPointF(40, 0))
    assert graph.group(group_id).collapsed and canvas.stack.count() == 2
    members = ids(graph, *RESIDUAL_MEMBERS)
    assert all(not scene.node_item(node_id).isVisible() for node_id in members)
    assert scene.frame_item(group_id) is None
    block = scene.block_item(group_id)
    assert isinstance(block, BlockNodeItem) and block.isVisible()
    assert block.texts[:2] == ["block", "block · 3 layers"]
    assert len(block.inputs) == 2 and len(block.outputs) == 1  # stem feeds conv1 and add; add feeds relu
    stem, relu = ids(graph, "stem", "block1_relu")
    into = scene.edge_item(Edge(stem, members[0]))
    assert into.target is block and into.isVisible()
    assert into.boundingRect().contains(block.input_pos(into.target_index))
    out = scene.edge_item(Edge(members[2], relu))
    assert out.source is block and out.boundingRect().contains(block.output_pos(0))
    inner = scene.edge_item(Edge(members[0], members[1]))
    assert not inner.isVisible()
    assert block.shape_text() == "(None, 8, 8, 16) · 4,640 params"  # both convolutions' weights
    expected = sum(validate(graph).shapes[n].params for n in members)
    assert f"{expected:,} params" in block.shape_text()
    double_click(canvas, block.pos())  # double-click expands again
    assert not graph.group(group_id).collapsed and canvas.stack.count() == 3
    assert scene.block_item(group_id) is None and scene.frame_item(group_id) is not None
    assert all(scene.node_item(node_id).isVisible() for node_id in members)
    assert inner.isVisible() and into.target is scene.node_item(members[0])
    canvas.stack.undo()
    assert scene.block_item(group_id) is not None


def test_dragging_a_collapsed_block_moves_every_member_in_one_step(canvas: Canvas) -> None:
    graph, scene = canvas.graph, canvas.scene
    group_id = grouped_canvas(canvas)
    canvas.view.toggle_collapse_selection()
    block = scene.block_item(group_id)
    members = list(graph.group(group_id).node_ids)
    before = {node_id: graph.node(node_id).position for node_id in members}
    count = canvas.stack.count()
    grip = block.pos() + QPointF(0, -block.height / 2 + 14)
    canvas.drag(grip, grip + QPointF(97, 143), steps=8)
    assert canvas.stack.count() == count + 1
    moved = {node_id: graph.node(node_id).position for node_id in members}
    deltas = {(moved[n][0] - before[n][0], moved[n][1] - before[n][1]) for n in members}
    assert deltas == {(100.0, 140.0)}  # the same step for all, snapped to the grid
    assert block.pos() == block.home
    canvas.stack.undo()
    assert {node_id: graph.node(node_id).position for node_id in members} == before


def test_wiring_onto_a_block_input_connects_the_inner_port(canvas: Canvas) -> None:
    graph, scene = canvas.graph, canvas.scene
    group_id = grouped_canvas(canvas)
    canvas.view.toggle_collapse_selection()
    block = scene.block_item(group_id)
    image = graph.find("image").id
    conv1 = graph.find("block1_conv1").id
    port = block.inputs[0]
    assert port.endpoint == (conv1, 0)
    canvas.drag(scene.node_item(image).output_pos(0), port.scenePos())
    assert graph.incoming(conv1) == [Edge(image, conv1)]
    assert scene.edge_item(Edge(image, conv1)).target is block


def test_deleting_a_collapsed_block_deletes_its_members_and_undo_restores(canvas: Canvas) -> None:
    graph, scene = canvas.graph, canvas.scene
    group_id = grouped_canvas(canvas)
    canvas.view.toggle_collapse_selection()
    before = graph.to_dict()
    canvas.click(scene.block_item(group_id).pos())
    assert canvas.view.selected_node_ids() == ids(graph, *RESIDUAL_MEMBERS)
    count = canvas.stack.count()
    canvas.view.setFocus()
    QTest.keyClick(canvas.view, Qt.Key.Key_Delete)
    assert graph.find("block1_add") is None and graph.groups == []
    assert canvas.stack.count() == count + 1
    assert scene.block_items() == []
    canvas.stack.undo()
    assert graph.to_dict() == before
    block = scene.block_item(group_id)
    assert block is not None and len(block.inputs) == 2
    assert len(scene.node_items()) == len(graph) and len(scene.edge_items()) == len(graph.edges)


def test_ungroup_and_context_menu_commands(canvas: Canvas) -> None:
    group_id = grouped_canvas(canvas)
    menu = canvas.view.context_menu()
    actions = {action.objectName(): action for action in menu.actions() if action.objectName()}
    assert not actions["group"].isEnabled() and actions["ungroup"].isEnabled()
    assert actions["collapse"].text() == "Collapse block"
    actions["collapse"].trigger()
    assert canvas.graph.group(group_id).collapsed
    saved = []
    canvas.view.save_block_requested.connect(saved.append)
    actions = {a.objectName(): a for a in canvas.view.context_menu().actions() if a.objectName()}
    assert actions["collapse"].text() == "Expand block"
    actions["save_block"].trigger()
    assert saved == [group_id]
    assert canvas.view.rename_group(group_id, "residual_1")
    assert canvas.scene.block_item(group_id).texts[0] == "residual_1"
    press_ctrl_g(canvas, shift=True)
    assert canvas.graph.groups == [] and canvas.scene.block_items() == []
    assert all(item.isVisible() for item in canvas.scene.node_items())


def test_block_from_selection_needs_a_check_and_then_gives_a_definition(qtbot, catalog) -> None:
    from app.core.blocks import BlockError

    graph = load_project(example_path("residual-block")).graph
    canvas = Canvas(qtbot, graph, catalog)
    canvas.scene.select_nodes(ids(graph, *RESIDUAL_MEMBERS))
    with pytest.raises(BlockError, match="not been checked yet"):
        canvas.view.block_from_selection("mine")
    canvas.scene.set_result(validate(graph, catalog))
    block = canvas.view.block_from_selection("mine")
    inputs = [n for n in block["graph"]["nodes"] if n["type"] == "Input"]
    assert block["name"] == "mine" and inputs[0]["params"]["shape"] == [8, 8, 16]


def bundled_block(name: str) -> dict | None:
    registry = PluginRegistry()
    register_layers(registry)
    register_blocks(registry)
    try:
        block = registry.block(name)
    except (KeyError, ValueError):
        return None
    return {"name": block.name, "description": block.description, "graph": block.graph}


def drop(canvas: Canvas, mime: QMimeData, scene_pos: QPointF) -> bool:
    point = canvas.viewport_point(scene_pos)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():  # PySide marks the QPoint constructor deprecated; Qt does not
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(canvas.view.viewport(), enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(canvas.view.viewport(), event)
    return True


def test_dropping_the_bundled_residual_block_on_a_feature_map_inserts_a_valid_group(canvas: Canvas) -> None:
    graph = canvas.graph
    mime = QMimeData()
    mime.setData(BLOCK_MIME, b"residual-block")
    relu = graph.find("block2_relu")  # (None, 8, 8, 32): what the block was made for
    assert not drop(canvas, mime, canvas.scene.node_item(relu.id).pos())  # no provider: not accepted
    canvas.view.set_block_provider(bundled_block)
    count = len(graph)
    assert drop(canvas, mime, canvas.scene.node_item(relu.id).pos())
    assert len(graph) == count + 7 and canvas.stack.count() == 1
    group = graph.groups[-1]
    assert group.name == "residual-block" and len(group.node_ids) == 7
    assert canvas.view.selected_node_ids() == list(group.node_ids)
    conv1 = graph.find("conv1")
    assert graph.predecessors(conv1.id) == [relu.id]
    assert conv1.position[0] > relu.position[0]
    result = validate(graph, default_catalog())
    assert [p.message for p in result.problems if p.severity == ERROR] == []
    canvas.stack.undo()
    assert len(graph) == count and graph.groups == []


def test_insert_block_after_the_selected_node_and_an_unknown_name(canvas: Canvas, qtbot) -> None:
    canvas.view.set_block_provider(bundled_block)
    with qtbot.waitSignal(canvas.view.message) as blocker:
        assert canvas.view.insert_block_named("no-such-block") == []
    assert "no-such-block" in blocker.args[0]
    relu = canvas.graph.find("block2_relu").id
    canvas.scene.select_nodes([relu])
    new = canvas.view.insert_block(bundled_block("residual-block"))
    assert len(new) == 7 and canvas.graph.predecessors(new[0]) == [relu]


def test_copy_paste_of_a_whole_group_recreates_the_group(canvas: Canvas) -> None:
    graph = canvas.graph
    group_id = grouped_canvas(canvas)
    canvas.view.toggle_collapse_selection()
    canvas.click(canvas.scene.block_item(group_id).pos())
    assert canvas.view.copy_selection()
    pasted = canvas.view.paste()
    assert len(pasted) == 3 and len(graph.groups) == 2
    copy = graph.groups[1]
    assert copy.name == "block_2" and copy.collapsed and list(copy.node_ids) == pasted
    assert canvas.scene.block_item(copy.id).isSelected()
    duplicated = canvas.view.duplicate_selection()
    assert len(duplicated) == 3 and [g.name for g in graph.groups] == ["block", "block_2", "block_3"]


def test_previews_show_a_thumbnail_and_grow_the_node(canvas: Canvas) -> None:
    node_id = canvas.graph.find("stem").id
    item = canvas.scene.node_item(node_id)
    height = item.height
    image = QImage(400, 100, QImage.Format.Format_RGB32)
    image.fill(QColor("#ff0000"))
    canvas.scene.set_previews({node_id: image})
    assert item.preview is not None and (item.preview.width(), item.preview.height()) == (120, 30)
    assert item.height > height
    shown = item.preview
    canvas.scene.set_previews({node_id: image})  # the same image: nothing is redone
    assert item.preview is shown
    centre = canvas.viewport_point(item.pos() + QPointF(0, item.height / 2 - 20))
    picture = canvas.view.viewport().grab().toImage()
    assert picture.pixelColor(centre).red() > 200 and picture.pixelColor(centre).green() < 60
    canvas.scene.set_previews({})
    assert item.preview is None and item.height == height


def assert_scene_mirrors_groups(canvas: Canvas) -> None:
    """Every group drawn as the graph says, every wire between the items its ends are seen as."""
    graph, scene = canvas.graph, canvas.scene
    assert {b.group_id for b in scene.block_items()} == {g.id for g in graph.groups if g.collapsed}
    assert {f.group_id for f in scene.frame_items()} == {g.id for g in graph.groups if not g.collapsed}
    for node in graph:
        group = graph.group_of(node.id)
        assert scene.node_item(node.id).isVisible() == (group is None or not group.collapsed)
    for edge in graph.edges:
        wire = scene.edge_item(edge)
        ends = []
        for node_id in (edge.source, edge.target):
            group = graph.group_of(node_id)
            ends.append(scene.block_item(group.id) if group and group.collapsed else scene.node_item(node_id))
        assert (wire.source, wire.target) == tuple(ends)
        assert wire.isVisible() == (ends[0] is not ends[1])
        assert wire in ends[0].edges and wire in ends[1].edges
    assert len(scene.edge_items()) == len(graph.edges)
    for block in scene.block_items():
        entering, _ = block_boundary(graph, block.group_id)
        assert block.input_ends == [(e.target, e.target_port) for e in entering]
        for wire in block.edges:
            if wire.target is block and wire.source is not block:
                edge = wire.edge
                assert block.port_endpoint(wire.target_index, False) == (edge.target, edge.target_port)


def test_every_edit_and_its_undo_keep_the_blocks_drawn_right(canvas: Canvas) -> None:
    from app.core.edits import AddToGroup, Connect, Disconnect, RemoveFromGroup, RemoveNode, Ungroup
    from app.core.edits import SetGroupCollapsed as SetCollapsed

    graph, view = canvas.graph, canvas.view
    before = graph.to_dict()
    first = grouped_canvas(canvas)
    view.toggle_collapse_selection()
    canvas.scene.select_nodes(ids(graph, "block2_conv1", "block2_conv2", "block2_projection", "block2_add"))
    second = view.group_selection("second")
    relu, conv1, pool = ids(graph, "block1_relu", "block2_conv1", "pool")
    image, stem, inner = ids(graph, "image", "stem", "block1_conv1")
    steps = [
        RemoveFromGroup(graph.find("block1_add").id),
        AddToGroup(first, graph.find("block1_add").id),
        Disconnect(Edge(stem, inner)),  # the collapsed block loses an input port
        Connect(Edge(image, inner)),  # and gets it back from elsewhere
        Disconnect(Edge(relu, conv1)),
        Connect(Edge(image, conv1)),
        SetCollapsed(second, True),
        AddToGroup(second, graph.find("block2_relu").id),
        RemoveNode(graph.find("block1_conv2").id),
        RemoveNode(pool),
        SetCollapsed(first, False),
        Ungroup(second),
    ]
    for step in steps:
        canvas.stack.push_edit(step)
        assert_scene_mirrors_groups(canvas)
    while canvas.stack.canUndo():
        canvas.stack.undo()
        assert_scene_mirrors_groups(canvas)
    assert graph.to_dict() == before
    while canvas.stack.canRedo():
        canvas.stack.redo()
        assert_scene_mirrors_groups(canvas)


def test_dragging_a_frame_header_moves_the_members_in_one_step(canvas: Canvas) -> None:
    graph = canvas.graph
    group_id = grouped_canvas(canvas)
    members = list(graph.group(group_id).node_ids)
    before = {n: graph.node(n).position for n in members}
    count = canvas.stack.count()
    header = canvas.scene.frame_item(group_id).header_rect()
    grip = QPointF(header.left() + 40, header.center().y())
    canvas.drag(grip, grip + QPointF(60, 80))
    assert canvas.stack.count() == count + 1
    assert {(graph.node(n).position[0] - before[n][0], graph.node(n).position[1] - before[n][1])
            for n in members} == {(60.0, 80.0)}
    assert canvas.view.selected_node_ids() == members
