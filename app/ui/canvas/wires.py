"""The wires of the canvas: an edge's curve with its shape label, and the loose wire of a drag.

A wire runs from its source's output port to its target's input port as a
cubic curve that leaves to the right and arrives from the left. Its owner
nodes call ``update_path`` when they move, so a drag re-routes only the
wires of the dragged nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.core.graph import Edge
from app.core.validation import ERROR, Problem
from app.ui.canvas.look import (
    DRAG_Z,
    EDGE_Z,
    ERROR_COLOR,
    LABEL_MIN_ZOOM,
    WARNING_COLOR,
    CanvasFonts,
    mix,
)

if TYPE_CHECKING:
    from app.ui.canvas.items import NodeItem


class EdgeItem(QGraphicsItem):
    """The wire of one edge: a curve from an output port to an input port, with a shape label."""

    def __init__(self, edge: Edge, source: NodeItem, target: NodeItem, fonts: CanvasFonts) -> None:
        super().__init__()
        self.edge = edge
        self.source = source
        self.target = target
        # The ports drawn: the edge's own, or a collapsed block's port that stands for them.
        self.source_index = edge.source_port
        self.target_index = edge.target_port
        self.twin = False  # another wire draws the same tensor into the same block: one label is enough
        self.fonts = fonts
        self.label = ""
        self.severity: str | None = None
        self._path = QPainterPath()
        self._hit: QPainterPath | None = None
        self._rect = QRectF()
        self._label_rect = QRectF()
        self._label_hidden: bool | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(EDGE_Z)
        self.update_path()

    def update_path(self) -> None:
        """Re-route the wire between the current port positions (cheap: one curve)."""
        start = self.source.output_pos(self.source_index)
        end = self.target.input_pos(self.target_index)
        self.prepareGeometryChange()
        self._path = wire_path(start, end)
        self._hit = None
        self._label_rect = self._measure_label(start, end)
        self._label_hidden: bool | None = None  # found out at the next paint
        self._rect = self._path.controlPointRect().adjusted(-3, -3, 3, 3).united(self._label_rect)

    def set_check(self, label: str, problems: Sequence[Problem]) -> None:
        """Show the tensor shape carried by the wire, and mark its problems."""
        severity = None
        if problems:
            severity = ERROR if any(p.severity == ERROR for p in problems) else "warning"
        if label != self.label or severity != self.severity:
            self.label, self.severity = label, severity
            self.setToolTip("\n".join(p.message for p in problems) or label)
            self.update_path()
            self.update()

    def _measure_label(self, start: QPointF, end: QPointF) -> QRectF:
        middle = (start + end) / 2
        if not self.label or self.twin:
            return QRectF(middle, middle)
        metrics = self.fonts.small_metrics
        width = self.fonts.width(metrics, self.label) + 8
        if width + 6 > abs(end.x() - start.x()):  # no room between the nodes: the tooltip tells
            return QRectF(middle, middle)
        height = metrics.height() + 2
        return QRectF(middle.x() - width / 2, middle.y() - height - 3, width, height)

    def _label_free(self) -> bool:
        """False when a node lies where the label would go (a wire passing behind a node).

        Asked at paint time and remembered until the wire moves, so moving many
        nodes at once (tidy, undo) does not query the scene once per move.
        """
        if self._label_hidden is None:
            from app.ui.canvas.items import NodeItem  # items imports this module

            scene = self.scene()
            near = scene.items(self._label_rect) if scene is not None else []
            self._label_hidden = any(isinstance(item, NodeItem) for item in near)
        return not self._label_hidden

    def boundingRect(self) -> QRectF:
        """The curve's control box plus its label."""
        return self._rect

    def shape(self) -> QPainterPath:
        """A band along the curve, so a wire is easy to click."""
        if self._hit is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._hit = stroker.createStroke(self._path)
        return self._hit

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """The curve, and the label when zoomed in enough to read it."""
        palette = self.source.palette()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            pen = QPen(palette.color(QPalette.ColorRole.Highlight), 2.5)
        elif self.severity:
            pen = QPen(ERROR_COLOR if self.severity == ERROR else WARNING_COLOR, 2.0)
        else:
            # An opaque colour and a one-pixel cosmetic pen: Qt's fast path, many times quicker
            # for long wires than a translucent or wider pen.
            role = QPalette.ColorRole
            pen = QPen(mix(palette.color(role.Text), palette.color(role.Window)), 1.0)
            pen.setCosmetic(True)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if self.label and lod >= LABEL_MIN_ZOOM and not self._label_rect.isEmpty() and self._label_free():
            painter.setPen(Qt.PenStyle.NoPen)
            background = palette.color(QPalette.ColorRole.Window)
            background.setAlpha(215)
            painter.setBrush(background)
            painter.drawRoundedRect(self._label_rect, 3, 3)
            painter.setFont(self.fonts.small)
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self.label)


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A cubic curve leaving ``start`` to the right and entering ``end`` from the left."""
    reach = max(abs(end.x() - start.x()) * 0.5, 40.0)
    path = QPainterPath(start)
    path.cubicTo(start + QPointF(reach, 0), end - QPointF(reach, 0), end)
    return path


class DragWireItem(QGraphicsItem):
    """The loose wire that follows the mouse while the user drags from a port."""

    def __init__(self, start: QPointF, color: QColor, backward: bool = False) -> None:
        super().__init__()
        self.start = start
        self.color = color
        self.backward = backward  # drawn from an input back to an output: the curve bends the other way
        self._path = wire_path(start, start)
        self.setZValue(DRAG_Z)

    def set_end(self, end: QPointF) -> None:
        """Follow the mouse."""
        self.prepareGeometryChange()
        self._path = wire_path(end, self.start) if self.backward else wire_path(self.start, end)

    def boundingRect(self) -> QRectF:
        """The curve's control box."""
        return self._path.controlPointRect().adjusted(-3, -3, 3, 3)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """A dashed curve."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self.color, 2.0, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawPath(self._path)
