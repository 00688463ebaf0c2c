"""The canvas as a user meets it: mouse gestures, keys, drops, quick-add and the clipboard."""

from __future__ import annotations

import json
import warnings

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.core.catalog import default_catalog
from app.core.edits import Compound
from app.core.examples import example_path
from app.core.fragments import FRAGMENT_FORMAT
from app.core.graph import Edge, Graph
from app.core.project import load_project
from app.ui.canvas.view import EMPTY_HINT
from app.ui.mime import FRAGMENT_MIME, LAYER_MIME
from tests.ui.canvas import Canvas

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


@pytest.fixture
def canvas(qtbot, catalog) -> Canvas:
    return Canvas(qtbot, load_project(example_path("digits-cnn")).graph, catalog)


def two_loose_nodes() -> Graph:
    graph = Graph()
    graph.add_node("Input", "features", {"shape": [4]}, (0.0, 0.0), node_id="a")
    graph.add_node("Dense", "hidden", {"units": 8}, (300.0, 40.0), node_id="b")
    graph.add_node("Dense", "other", {"units": 8}, (300.0, 200.0), node_id="c")
    return graph


def test_dragging_from_an_output_to_an_input_connects_in_one_step(qtbot, catalog) -> None:
    canvas = Canvas(qtbot, two_loose_nodes(), catalog)
    source = canvas.scene.node_item("a").output_pos(0)
    target = canvas.scene.node_item("b").input_pos(0)
    canvas.drag(source, target)
    assert canvas.graph.edges == [Edge("a", "b")]
    assert canvas.stack.count() == 1
    assert canvas.scene.edge_item(Edge("a", "b")) is not None
    canvas.stack.undo()
    assert canvas.graph.edges == [] and canvas.scene.edge_items() == []


def test_dropping_a_wire_on_a_taken_input_replaces_its_edge_in_one_step(qtbot, catalog) -> None:
    graph = two_loose_nodes()
    graph.connect("a", "b")
    graph.connect("b", "c")
    canvas = Canvas(qtbot, graph, catalog)
    canvas.drag(canvas.scene.node_item("a").output_pos(0), canvas.scene.node_item("c").input_pos(0))
    assert set(graph.edges) == {Edge("a", "b"), Edge("a", "c")}
    assert canvas.stack.count() == 1
    canvas.stack.undo()
    assert set(graph.edges) == {Edge("a", "b"), Edge("b", "c")}


def test_pulling_a_wire_off_an_input_onto_empty_canvas_disconnects(qtbot, catalog) -> None:
    graph = two_loose_nodes()
    graph.connect("a", "b")
    canvas = Canvas(qtbot, graph, catalog)
    start = canvas.scene.node_item("b").input_pos(0)
    canvas.drag(start, start + QPointF(-60, 180))
    assert graph.edges == []
    assert canvas.stack.count() == 1


def test_a_wire_dropped_on_empty_canvas_offers_fitting_layers_and_wires_the_choice(qtbot, catalog) -> None:
    graph = load_project(example_path("digits-cnn")).graph
    canvas = Canvas(qtbot, graph, catalog)
    from app.core.validation import validate

    canvas.scene.set_result(validate(graph, catalog))
    pool = graph.find("pool")
    start = canvas.scene.node_item(pool.id).output_pos(0)
    canvas.drag(start, start + QPointF(40, 200))
    popup = canvas.view.quick_add
    assert popup.isVisible()
    listed = popup.visible_types()
    assert "Conv2D" in listed and "Dense" in listed and "LSTM" not in listed and "Input" not in listed
    popup.show_all.setChecked(True)
    assert "LSTM" in popup.visible_types()
    popup.show_all.setChecked(False)
    qtbot.keyClicks(popup.search_field, "Conv2D")
    qtbot.keyClick(popup.search_field, Qt.Key.Key_Return)
    new = graph.nodes[-1]
    assert new.type == "Conv2D" and graph.incoming(new.id) == [Edge(pool.id, new.id)]
    assert new.params == catalog.get("Conv2D").initial_params()
    assert canvas.stack.count() == 1


def test_moving_a_node_with_the_mouse_is_one_undo_step(canvas: Canvas) -> None:
    node = canvas.graph.nodes[1]
    item = canvas.scene.node_item(node.id)
    before = node.position
    grip = item.pos() + QPointF(0, -item.height / 2 + 14)  # on the title, away from the ports
    canvas.drag(grip, grip + QPointF(83, 118), steps=8)
    x, y = node.position
    assert (x, y) != before
    assert x % 20 == 0 and y % 20 == 0  # snapped to the grid
    assert canvas.stack.count() == 1
    assert isinstance(canvas.stack.command(0).edit, Compound)
    canvas.stack.undo()
    assert node.position == before
    assert (item.pos().x(), item.pos().y()) == before


def test_moving_two_selected_nodes_is_one_step_without_snapping_when_off(canvas: Canvas) -> None:
    canvas.view.set_snap(False)
    first, second = canvas.graph.nodes[1], canvas.graph.nodes[2]
    canvas.scene.select_nodes([first.id, second.id])
    item = canvas.scene.node_item(first.id)
    grip = item.pos() + QPointF(0, -item.height / 2 + 14)
    old = (first.position, second.position)
    canvas.drag(grip, grip + QPointF(33, 47))
    assert first.position == (old[0][0] + 33, old[0][1] + 47)
    assert second.position == (old[1][0] + 33, old[1][1] + 47)
    assert canvas.stack.count() == 1


def test_click_and_shift_click_select(canvas: Canvas) -> None:
    a, b = canvas.graph.nodes[1].id, canvas.graph.nodes[3].id
    canvas.click(canvas.scene.node_item(a).pos())
    assert canvas.view.selected_node_ids() == [a]
    canvas.click(canvas.scene.node_item(b).pos(), Qt.KeyboardModifier.ShiftModifier)
    assert canvas.view.selected_node_ids() == [a, b]


def test_dropping_a_layer_from_the_palette_adds_it_there(canvas: Canvas, catalog) -> None:
    mime = QMimeData()
    mime.setData(LAYER_MIME, b"Dropout")
    point = QPoint(300, 450)
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():  # PySide marks the QPoint constructor deprecated; Qt does not
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(canvas.view.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(point), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(canvas.view.viewport(), drop)
    node = canvas.graph.nodes[-1]
    assert node.type == "Dropout" and node.params == catalog.get("Dropout").initial_params()
    where = canvas.view.mapToScene(point)
    assert abs(node.position[0] - where.x()) <= 10 and abs(node.position[1] - where.y()) <= 10
    assert canvas.stack.count() == 1


def test_quick_add_from_a_key_adds_a_layer_wired_after_the_selection(canvas: Canvas, qtbot) -> None:
    last = canvas.graph.nodes[-1]
    canvas.scene.select_nodes([last.id])
    canvas.view.setFocus()
    QTest.keyClick(canvas.view, Qt.Key.Key_D)  # a letter starts the search with that letter
    popup = canvas.view.quick_add
    assert popup.isVisible() and popup.search_field.text() == "d"
    qtbot.keyClicks(popup.search_field, "ropout")
    assert popup.visible_types()[0] == "Dropout"
    qtbot.keyClick(popup.search_field, Qt.Key.Key_Return)
    new = canvas.graph.nodes[-1]
    assert new.type == "Dropout"
    assert canvas.graph.incoming(new.id) == [Edge(last.id, new.id)]
    assert new.position[0] > last.position[0]
    assert canvas.view.selected_node_ids() == [new.id]
    assert canvas.stack.count() == 1
    canvas.stack.undo()
    assert new.id not in canvas.graph


def test_tab_opens_quick_add_and_escape_closes_it(canvas: Canvas, qtbot) -> None:
    canvas.view.setFocus()
    QTest.keyClick(canvas.view, Qt.Key.Key_Tab)
    popup = canvas.view.quick_add
    assert popup.isVisible() and popup.search_field.text() == ""
    qtbot.keyClick(popup.search_field, Qt.Key.Key_Escape)
    assert not popup.isVisible()
    assert canvas.stack.count() == 0


def test_add_layer_without_selection_goes_to_the_view_centre(canvas: Canvas) -> None:
    canvas.scene.clearSelection()
    node_id = canvas.view.add_layer("Dense")
    node = canvas.graph.node(node_id)
    centre = canvas.view.mapToScene(canvas.view.viewport().rect().center())
    assert abs(node.position[0] - centre.x()) <= 10 and abs(node.position[1] - centre.y()) <= 10
    assert canvas.graph.incoming(node_id) == []


def test_delete_then_undo_restores_the_identical_graph(canvas: Canvas) -> None:
    before = canvas.graph.to_dict()
    ids = [canvas.graph.nodes[2].id, canvas.graph.nodes[3].id]
    canvas.scene.select_nodes(ids)
    edge = canvas.graph.edges[-1]
    canvas.scene.edge_item(edge).setSelected(True)
    canvas.view.setFocus()
    QTest.keyClick(canvas.view, Qt.Key.Key_Delete)
    assert all(i not in canvas.graph for i in ids) and edge not in canvas.graph.edges
    assert canvas.stack.count() == 1
    canvas.stack.undo()
    assert canvas.graph.to_dict() == before
    assert len(canvas.scene.node_items()) == len(canvas.graph)
    assert len(canvas.scene.edge_items()) == len(canvas.graph.edges)


def test_copy_paste_between_graphs_through_the_clipboard(canvas: Canvas, qtbot, catalog) -> None:
    ids = [canvas.graph.nodes[1].id, canvas.graph.nodes[2].id]
    canvas.scene.select_nodes(ids)
    assert canvas.view.copy_selection()
    text = QGuiApplication.clipboard().mimeData().text()
    assert json.loads(text)["format"] == FRAGMENT_FORMAT
    assert QGuiApplication.clipboard().mimeData().hasFormat(FRAGMENT_MIME)
    other = Canvas(qtbot, Graph(), catalog)
    pasted = other.view.paste()
    assert [other.graph.node(i).type for i in pasted] == ["Conv2D", "MaxPooling2D"]
    assert len(other.graph.edges) == 1
    assert other.view.selected_node_ids() == pasted
    assert other.stack.count() == 1
    again = canvas.view.paste()  # into the same graph: fresh ids and names
    names = [canvas.graph.node(i).name for i in again]
    assert names == ["conv_3", "pool_2"]


def test_paste_of_foreign_text_says_what_is_wrong(canvas: Canvas, qtbot) -> None:
    QGuiApplication.clipboard().setText('{"hello": 1}')
    with qtbot.waitSignal(canvas.view.message) as blocker:
        assert canvas.view.paste() == []
    assert "Not a Netloom fragment" in blocker.args[0]
    assert canvas.stack.count() == 0


def test_cut_duplicate_and_select_all(canvas: Canvas) -> None:
    count = len(canvas.graph)
    canvas.scene.select_nodes([canvas.graph.nodes[1].id])
    copies = canvas.view.duplicate_selection()
    assert len(copies) == 1 and len(canvas.graph) == count + 1
    assert canvas.view.selected_node_ids() == copies
    canvas.view.cut_selection()
    assert len(canvas.graph) == count
    assert canvas.stack.count() == 2
    canvas.view.select_all()
    assert len(canvas.view.selected_node_ids()) == count


def test_zoom_stays_within_limits_and_fit_shows_every_node(canvas: Canvas) -> None:
    for _ in range(40):
        canvas.view.zoom_in()
    assert canvas.view.zoom() == pytest.approx(3.0)
    for _ in range(60):
        canvas.view.zoom_out()
    assert canvas.view.zoom() == pytest.approx(0.1)
    canvas.view.reset_zoom()
    assert canvas.view.zoom() == pytest.approx(1.0)
    canvas.view.setFocus()
    QTest.keyClick(canvas.view, Qt.Key.Key_F)
    visible = canvas.view.mapToScene(canvas.view.viewport().rect()).boundingRect()
    assert visible.contains(canvas.scene.itemsBoundingRect())


def test_tidy_lays_out_without_overlap_in_one_step(qtbot, catalog) -> None:
    graph = load_project(example_path("residual-block")).graph
    for node in graph:
        graph.move(node.id, (0.0, 0.0))
    canvas = Canvas(qtbot, graph, catalog)
    canvas.view.tidy()
    assert canvas.stack.count() == 1
    rects = [item.sceneBoundingRect() for item in canvas.scene.node_items()]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    for edge in graph.edges:  # data flows left to right
        assert graph.node(edge.source).position[0] < graph.node(edge.target).position[0]


def test_empty_canvas_shows_how_to_begin(qtbot, catalog) -> None:
    canvas = Canvas(qtbot, Graph(), catalog)
    image = canvas.view.grab().toImage()
    blank = Canvas(qtbot, Graph(), catalog)
    blank.graph.add_node("Dense", params={"units": 1}, position=(5000.0, 5000.0))
    other = blank.view.grab().toImage()
    assert EMPTY_HINT.startswith("Drag a layer")
    centre = canvas.view.viewport().rect().center()
    row = [image.pixelColor(x, centre.y() + 1) for x in range(image.width())]
    other_row = [other.pixelColor(x, centre.y() + 1) for x in range(other.width())]
    assert len({c.name() for c in row}) > len({c.name() for c in other_row})  # text drawn


def test_a_wire_let_go_over_a_node_body_takes_its_first_free_input(qtbot, catalog) -> None:
    graph = Graph()
    graph.add_node("Input", "left", {"shape": [4]}, (0.0, 0.0), node_id="a")
    graph.add_node("Input", "right", {"shape": [4]}, (0.0, 200.0), node_id="b")
    graph.add_node("Add", "sum", {}, (300.0, 100.0), node_id="c")
    graph.connect("a", "c", 0)
    canvas = Canvas(qtbot, graph, catalog)
    canvas.drag(canvas.scene.node_item("b").output_pos(0), canvas.scene.node_item("c").pos() + QPointF(20, 0))
    assert Edge("b", "c", 1) in graph.edges
    assert len(canvas.scene.node_item("c").inputs) == 3  # a merge always offers one more port


def test_wheel_zooms_within_limits_and_middle_drag_pans(canvas: Canvas) -> None:
    viewport = canvas.view.viewport()
    centre = QPointF(viewport.rect().center())

    def wheel(delta: int) -> None:
        event = QWheelEvent(
            centre, QPointF(viewport.mapToGlobal(centre)), QPoint(0, 0), QPoint(0, delta),
            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False,
        )
        QApplication.sendEvent(viewport, event)

    wheel(120)
    assert canvas.view.zoom() > 1.0
    for _ in range(30):
        wheel(-480)
    assert canvas.view.zoom() == pytest.approx(0.1)
    canvas.view.reset_zoom()
    bar = canvas.view.horizontalScrollBar()
    before = bar.value()
    point = centre.toPoint()
    QTest.mousePress(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, point)
    target = QPointF(point) + QPointF(-150, 0)
    move = QMouseEvent(
        QMouseEvent.Type.MouseMove, target, viewport.mapToGlobal(target),
        Qt.MouseButton.NoButton, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(viewport, move)
    release_at = target.toPoint()
    QTest.mouseRelease(viewport, Qt.MouseButton.MiddleButton, Qt.KeyboardModifier.NoModifier, release_at)
    assert bar.value() == before + 150
    assert canvas.stack.count() == 0


def test_space_tap_opens_quick_add_and_show_node_selects_and_scrolls(canvas: Canvas) -> None:
    canvas.view.setFocus()
    QTest.keyPress(canvas.view, Qt.Key.Key_Space)
    QTest.keyRelease(canvas.view, Qt.Key.Key_Space)
    assert canvas.view.quick_add.isVisible()
    canvas.view.quick_add.hide()
    last = canvas.graph.nodes[-1].id
    canvas.view.show_node(last)
    assert canvas.view.selected_node_ids() == [last]
    visible = canvas.view.mapToScene(canvas.view.viewport().rect()).boundingRect()
    assert visible.contains(canvas.scene.node_item(last).sceneBoundingRect())


def test_escape_drops_a_wire_in_mid_drag_and_changes_nothing(qtbot, catalog) -> None:
    graph = two_loose_nodes()
    graph.connect("a", "b")
    canvas = Canvas(qtbot, graph, catalog)
    viewport = canvas.view.viewport()
    start = canvas.viewport_point(canvas.scene.node_item("b").input_pos(0))
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    point = QPointF(start) + QPointF(-40, 120)
    QApplication.sendEvent(viewport, QMouseEvent(
        QMouseEvent.Type.MouseMove, point, viewport.mapToGlobal(point), Qt.MouseButton.NoButton,
        Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier))
    assert canvas.scene.wiring
    QTest.keyClick(viewport, Qt.Key.Key_Escape)
    assert not canvas.scene.wiring
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point.toPoint())
    assert graph.edges == [Edge("a", "b")] and canvas.stack.count() == 0
    assert canvas.scene.edge_item(Edge("a", "b")).isVisible()


def test_arrow_keys_nudge_the_selection_one_grid_step(qtbot, catalog) -> None:
    graph = two_loose_nodes()
    canvas = Canvas(qtbot, graph, catalog)
    canvas.scene.select_nodes(["b", "c"])
    canvas.view.setFocus()
    QTest.keyClick(canvas.view.viewport(), Qt.Key.Key_Right)
    QTest.keyClick(canvas.view.viewport(), Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert graph.node("b").position == (320.0, 140.0)
    assert graph.node("c").position == (320.0, 300.0)
    assert canvas.stack.count() == 2
    canvas.stack.undo()
    canvas.stack.undo()
    assert graph.node("b").position == (300.0, 40.0)


def test_a_wire_can_be_drawn_backwards_from_a_free_input_to_an_output(qtbot, catalog) -> None:
    canvas = Canvas(qtbot, two_loose_nodes(), catalog)
    canvas.drag(canvas.scene.node_item("c").input_pos(0), canvas.scene.node_item("a").output_pos(0))
    assert canvas.graph.edges == [Edge("a", "c")]
    assert canvas.stack.count() == 1
    canvas.drag(canvas.scene.node_item("b").input_pos(0), QPointF(900.0, 900.0))  # let go on nothing
    assert canvas.graph.edges == [Edge("a", "c")] and not canvas.scene.wiring
