"""Tests of the node canvas, and the helpers they share: a view on a real graph, real mouse events."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from app.core.catalog import Catalog
from app.core.graph import Graph
from app.ui.canvas import GraphScene, GraphView
from app.ui.undo import GraphUndoStack


class Canvas:
    """A graph with its undo stack, scene and shown view, as the main window wires them."""

    def __init__(self, qtbot, graph: Graph, catalog: Catalog | None) -> None:
        self.graph = graph
        self.stack = GraphUndoStack(graph)
        self.scene = GraphScene(graph, self.stack.push_edit, catalog)
        self.view = GraphView(self.scene)
        qtbot.addWidget(self.view)
        self.view.resize(1000, 600)
        self.view.show()
        qtbot.waitExposed(self.view)
        self.view.reset_zoom()

    def viewport_point(self, scene_pos: QPointF) -> QPoint:
        """Where ``scene_pos`` is on the viewport, after making sure it is visible."""
        self.view.ensureVisible(scene_pos.x() - 5, scene_pos.y() - 5, 10, 10, 50, 50)
        return self.view.mapFromScene(scene_pos)

    def drag(self, start: QPointF, end: QPointF, steps: int = 5) -> None:
        """Press at ``start``, move in steps to ``end`` with the button held, release (scene coords)."""
        viewport = self.view.viewport()
        a = self.viewport_point(start)
        b = self.view.mapFromScene(end)
        QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        for i in range(1, steps + 1):
            point = QPointF(a) + (QPointF(b) - QPointF(a)) * (i / steps)
            move = QMouseEvent(
                QMouseEvent.Type.MouseMove, point, viewport.mapToGlobal(point),
                Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
            )
            QApplication.sendEvent(viewport, move)
        QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)

    def click(self, scene_pos: QPointF, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        """Click at ``scene_pos``."""
        QTest.mouseClick(self.view.viewport(), Qt.MouseButton.LeftButton, modifier,
                         self.viewport_point(scene_pos))


def chain_graph(count: int) -> Graph:
    """An Input followed by ``count - 1`` alternating Dense and Activation nodes."""
    graph = Graph()
    previous = graph.add_node("Input", "features", {"shape": [16]}, (0.0, 0.0))
    for i in range(1, count):
        layer, params = ("Dense", {"units": 16}) if i % 2 else ("Activation", {"activation": "relu"})
        x, y = (i % 25) * 240.0, (i // 25) * 120.0
        node = graph.add_node(layer, params=params, position=(x, y))
        graph.connect(previous.id, node.id)
        previous = node
    return graph
