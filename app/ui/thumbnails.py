"""Small pictures of a graph: its nodes as rounded boxes where they sit, joined by lines.

Used by the start page's example cards. Drawing reads only node positions,
types and edges (no Keras), so a thumbnail takes well under a millisecond.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPainterPath, QPalette, QPen, QPixmap

from app.core.catalog import Catalog, UnknownLayerType
from app.core.graph import Graph
from app.ui.theme import category_color, is_dark

# A node's size on the canvas, in scene units; positions are the boxes' top-left corners.
NODE_WIDTH = 160.0
NODE_HEIGHT = 64.0
MARGIN = 10.0  # pixels around the drawing
MAX_SCALE = 0.3  # small graphs are not blown up into huge boxes


def graph_thumbnail(
    graph: Graph, size: QSize, palette: QPalette, catalog: Catalog | None = None
) -> QPixmap:
    """A picture of ``graph`` fitted into ``size`` (transparent background).

    With a ``catalog``, boxes are coloured by their layer's category; without
    one they share the palette's highlight colour.
    """
    ratio = QGuiApplication.instance().devicePixelRatio() if QGuiApplication.instance() else 1.0
    pixmap = QPixmap(size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    if not len(graph):
        return pixmap
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _draw(painter, graph, QRectF(0, 0, size.width(), size.height()), palette, catalog)
    painter.end()
    return pixmap


def _draw(painter: QPainter, graph: Graph, area: QRectF, palette: QPalette, catalog: Catalog | None) -> None:
    xs = [n.position[0] for n in graph]
    ys = [n.position[1] for n in graph]
    left, top = min(xs), min(ys)
    width = max(xs) - left + NODE_WIDTH
    height = max(ys) - top + NODE_HEIGHT
    inner = area.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    scale = min(inner.width() / width, inner.height() / height, MAX_SCALE)
    offset = QPointF(
        inner.left() + (inner.width() - width * scale) / 2,
        inner.top() + (inner.height() - height * scale) / 2,
    )

    def box(node_id: str) -> QRectF:
        x, y = graph.node(node_id).position
        return QRectF(offset.x() + (x - left) * scale, offset.y() + (y - top) * scale,
                      NODE_WIDTH * scale, NODE_HEIGHT * scale)

    boxes = {node.id: box(node.id) for node in graph}
    wire = QColor(palette.color(QPalette.ColorRole.Text))
    wire.setAlphaF(0.45)
    painter.setPen(QPen(wire, max(1.0, 3.0 * scale)))
    for edge in graph.edges:
        start, end = boxes[edge.source], boxes[edge.target]
        _draw_wire(painter, QPointF(start.right(), start.center().y()), QPointF(end.left(), end.center().y()))

    dark = is_dark(palette)
    radius = max(1.5, 10.0 * scale)
    outline = palette.color(QPalette.ColorRole.Base)
    painter.setPen(QPen(outline, 1.0))
    for node in graph:
        painter.setBrush(_node_colour(node.type, catalog, palette, dark))
        painter.drawRoundedRect(boxes[node.id], radius, radius)


def _draw_wire(painter: QPainter, start: QPointF, end: QPointF) -> None:
    """A gentle S-curve, as the canvas draws wires."""
    path = QPainterPath(start)
    bend = max(abs(end.x() - start.x()) / 2, 6.0)
    path.cubicTo(QPointF(start.x() + bend, start.y()), QPointF(end.x() - bend, end.y()), end)
    painter.drawPath(path)


def _node_colour(layer_type: str, catalog: Catalog | None, palette: QPalette, dark: bool) -> QColor:
    if catalog is not None:
        try:
            return category_color(catalog.get(layer_type).category, dark)
        except UnknownLayerType:
            return category_color("Other", dark)
    return palette.color(QPalette.ColorRole.Highlight)
