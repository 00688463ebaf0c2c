"""Blocks on the canvas: the frame around an expanded group, and the one node of a collapsed one.

The graph stays flat (see ``app.core.blocks``); these items only draw its
groups. An expanded group gets a ``GroupFrameItem``: a translucent rounded
frame behind its members with the group's name in a header (double-click it,
or its "−" button, to collapse). A collapsed group hides its members and
their inner wires and shows one ``BlockNodeItem`` at their centroid, with an
input port per edge entering the group and an output port per distinct
``(node, port)`` leaving it. The scene decides what is shown and reroutes
the wires; like every item, these never change the graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.core.graph import Group, Node
from app.core.shapes import NodeShape
from app.core.validation import Problem
from app.ui.canvas.items import NodeItem
from app.ui.canvas.look import DETAIL_MIN_ZOOM, PADDING, RADIUS, CanvasFonts, mix

FRAME_Z = -2.0  # behind wires and nodes
FRAME_PAD = 14.0  # between the members and the frame
HEADER = 22.0  # height of the frame's header
BUTTON = 14.0  # the collapse button in the header
STACK = 4.0  # offset of each card drawn behind a collapsed block

_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange


def plural(count: int, word: str) -> str:
    """``1 layer``, ``3 layers``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


class GroupFrameItem(QGraphicsItem):
    """The frame behind an expanded group's nodes, with the group's name in a header.

    Only the header takes the mouse: clicks inside the frame reach the canvas
    (rubber-band selection) and the nodes. Geometry is in scene coordinates
    (the item stays at the origin) and follows the members as they move.
    """

    def __init__(self, group_id: str, fonts: CanvasFonts) -> None:
        super().__init__()
        self.group_id = group_id
        self.fonts = fonts
        self.name = ""
        self.members: list[NodeItem] = []
        self._rect = QRectF()
        self.setZValue(FRAME_Z)
        # Drawn once and blitted: a drag repaints the frames it passes over many times.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setToolTip("Block: double-click the header or press − to collapse")

    def set_group(self, name: str, members: Sequence[NodeItem]) -> None:
        """Show ``name`` around ``members`` (the items of the group's nodes)."""
        self.name = name
        self.members = list(members)
        self.update_geometry()
        self.update()

    def update_geometry(self) -> None:
        """Fit the frame around the members again (after one of them moved or changed size)."""
        rect = QRectF()
        for item in self.members:
            rect = rect.united(item.body_rect().translated(item.pos()))
        rect = rect.adjusted(-FRAME_PAD, -FRAME_PAD - HEADER, FRAME_PAD, FRAME_PAD)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect

    def frame_rect(self) -> QRectF:
        """The whole frame, in scene coordinates."""
        return QRectF(self._rect)

    def header_rect(self) -> QRectF:
        """The header band along the top, in scene coordinates."""
        return QRectF(self._rect.left(), self._rect.top(), self._rect.width(), HEADER)

    def button_rect(self) -> QRectF:
        """The collapse button at the header's right end."""
        header = self.header_rect()
        return QRectF(header.right() - BUTTON - 6, header.center().y() - BUTTON / 2, BUTTON, BUTTON)

    def boundingRect(self) -> QRectF:
        """The frame."""
        return self._rect.adjusted(-1, -1, 1, 1)

    def shape(self) -> QPainterPath:
        """Only the header reacts to the mouse."""
        path = QPainterPath()
        path.addRect(self.header_rect())
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """A translucent rounded frame, a header with the name, and a "−" button."""
        scene = self.scene()
        palette = scene.palette() if scene is not None else QPalette()
        accent = palette.color(QPalette.ColorRole.Highlight)
        fill = QColor(accent)
        fill.setAlpha(22)
        border = QColor(accent)
        border.setAlpha(140)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, 1.0))
        painter.setBrush(fill)
        painter.drawRoundedRect(self._rect, RADIUS * 2, RADIUS * 2)
        band = QColor(accent)
        band.setAlpha(45)
        painter.fillPath(_top_rounded(self.header_rect(), RADIUS * 2), band)  # cheaper than a clip path
        if option.levelOfDetailFromTransform(painter.worldTransform()) < DETAIL_MIN_ZOOM:
            return
        text_rect = self.header_rect().adjusted(PADDING, 0, -BUTTON - 12, 0)
        painter.setFont(self.fonts.title)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        count = len(self.members)
        label = f"{self.name}  ·  block of {plural(count, 'layer')}"
        shown = self.fonts.title_metrics.elidedText(label, Qt.TextElideMode.ElideRight, text_rect.width())
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, shown)
        button = self.button_rect()
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Text), 1.4))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(button, 3, 3)
        middle = button.center().y()
        painter.drawLine(QPointF(button.left() + 3.5, middle), QPointF(button.right() - 3.5, middle))


class BlockNodeItem(NodeItem):
    """A collapsed group drawn as one node: its name, "block · N layers", its shape and params.

    Its ports stand for the graph's ports at the group's border:
    ``input_ends[i]`` is the inner ``(node id, input port)`` that input ``i``
    feeds, ``output_ends[i]`` the inner ``(node id, output port)`` behind
    output ``i``. ``home`` is the members' centroid when the block was
    placed; a drag moves every member by ``pos() - home``.
    """

    def __init__(self, group: Group, fonts: CanvasFonts) -> None:
        super().__init__(Node(group.id, "block", group.name), fonts)
        self.group_id = group.id
        self.home = QPointF()
        self.input_ends: list[tuple[str, int]] = []
        self.output_ends: list[tuple[str, int]] = []
        self.member_names: list[str] = []

    def set_block(
        self,
        name: str,
        member_names: Sequence[str],
        input_ends: Sequence[tuple[str, int]],
        output_ends: Sequence[tuple[str, int]],
        port_tips: tuple[Sequence[str], Sequence[str]],
    ) -> None:
        """Show the block ``name`` of ``member_names`` with these border ports (tooltips in ``port_tips``)."""
        self.member_names = list(member_names)
        self.input_ends, self.output_ends = list(input_ends), list(output_ends)
        texts = (name, f"block · {plural(len(member_names), 'layer')}", "")
        ports_changed = self._set_ports([f"input {i}" for i in range(len(input_ends))], len(output_ends))
        for port, tip in zip(self.inputs + self.outputs, [*port_tips[0], *port_tips[1]]):
            port.setToolTip(tip)
        if texts != self._texts or ports_changed:
            self._texts = texts
            self._relayout()
        self._update_tooltip()

    def set_block_check(self, shape: NodeShape | None, problems: Sequence[Problem]) -> None:
        """Show the block's output shapes and total params, and its members' problems."""
        self.set_check(shape, problems)

    def port_endpoint(self, index: int, is_output: bool) -> tuple[str, int]:
        """The inner node's port behind the block's port ``index``."""
        ends = self.output_ends if is_output else self.input_ends
        return ends[min(index, len(ends) - 1)]

    def place(self, centroid: QPointF) -> None:
        """Sit at the members' centroid (and remember it as the start of a drag)."""
        self.home = QPointF(centroid)
        if self.pos() != centroid:
            snap, self.snap_to = self.snap_to, None
            self.setPos(centroid)
            self.snap_to = snap

    def _update_tooltip(self) -> None:
        if not self._texts:
            return
        head = f"{self._texts[0]}: block of {plural(len(self.member_names), 'layer')}"
        names = ", ".join(self.member_names[:12]) + (", …" if len(self.member_names) > 12 else "")
        body = self._problem_tip or "Double-click to expand"
        self.setToolTip(f"{head}\n{names}\n{body}")

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        """While dragged, snap the distance moved (members on the grid stay on it)."""
        if change == _POSITION_CHANGE and self.snap_to:
            step, home = self.snap_to, self.home
            return QPointF(home.x() + round((value.x() - home.x()) / step) * step,
                           home.y() + round((value.y() - home.y()) / step) * step)
        return super().itemChange(change, value)

    def boundingRect(self) -> QRectF:
        """The box, the cards stacked behind it, and room for the selection outline."""
        return self.body_rect().adjusted(-3, -3 - 2 * STACK, 3 + 2 * STACK, 3)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Two cards behind the box say "several layers inside"; the box is a node's."""
        palette = self.palette()
        self.color = palette.color(QPalette.ColorRole.Highlight)
        if option.levelOfDetailFromTransform(painter.worldTransform()) >= DETAIL_MIN_ZOOM:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            base = palette.color(QPalette.ColorRole.Base)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
            for step in (2, 1):
                painter.setBrush(mix(self.color, base, 0.18 * step))
                offset = STACK * step
                painter.drawRoundedRect(self.body_rect().translated(offset, -offset), RADIUS, RADIUS)
        super().paint(painter, option, widget)


def _top_rounded(rect: QRectF, radius: float) -> QPainterPath:
    """``rect`` with its two top corners rounded."""
    diameter = 2 * radius
    path = QPainterPath(QPointF(rect.left(), rect.bottom()))
    path.lineTo(rect.left(), rect.top() + radius)
    path.arcTo(QRectF(rect.left(), rect.top(), diameter, diameter), 180, -90)
    path.lineTo(rect.right() - radius, rect.top())
    path.arcTo(QRectF(rect.right() - diameter, rect.top(), diameter, diameter), 90, -90)
    path.lineTo(rect.right(), rect.bottom())
    path.closeSubpath()
    return path
