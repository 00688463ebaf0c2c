"""The node items of the canvas: a node's box with its texts, and its ports.

Items only draw; they never change the graph. Each ``NodeItem`` keeps the
strings it shows and its size, computed once in ``refresh`` when the node,
its spec or the check result changes, so painting does no text layout. A
node moved on screen (a drag, or the graph's ``node_moved``) re-routes only
the wires of its own edges (``app.ui.canvas.wires``).

A node may show a small preview thumbnail under its texts (``set_preview``,
fed by ``GraphScene.set_previews``); the node grows to hold it.

Item positions are node centres: ``node.position`` is where the middle of
the node sits on the canvas, so nodes of different heights line up in a row
and wires between them run straight.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from app.core.catalog import LayerSpec
from app.core.graph import Node
from app.core.shapes import NodeShape
from app.core.validation import ERROR, Problem
from app.ui.canvas.look import (
    DETAIL_MIN_ZOOM,
    ERROR_COLOR,
    LINE_GAP,
    MAX_WIDTH,
    MIN_WIDTH,
    NODE_Z,
    PADDING,
    PORT_HIT,
    PORT_PITCH,
    PORT_RADIUS,
    RADIUS,
    STRIP,
    WARNING_COLOR,
    CanvasFonts,
    category_color,
    key_params_text,
    shape_text,
)

if TYPE_CHECKING:
    from app.ui.canvas.blocks import GroupFrameItem
    from app.ui.canvas.wires import EdgeItem

_POSITION_CHANGE = QGraphicsItem.GraphicsItemChange.ItemPositionChange
_POSITION_CHANGED = QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged
_SELECTED_CHANGED = QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged


@dataclass
class _Line:
    text: str
    font: QFont
    baseline: float
    secondary: bool


PREVIEW_MAX_WIDTH, PREVIEW_MAX_HEIGHT = 120, 64  # a preview thumbnail fits in this box
PREVIEW_GAP = 6.0  # between the texts and the thumbnail

_GENERIC_PORT = re.compile(r"^(input|inputs|x)([ _]\d+)?$")
PORT_LABEL_GAP = 8.0  # between the port names column and the texts


def _named_ports(ports: Sequence[PortItem]) -> bool:
    """True when a node's input ports have names worth showing (query, value, key)."""
    return len(ports) > 1 and any(not _GENERIC_PORT.match(port.name) for port in ports)


class PortItem(QGraphicsItem):
    """An input or output port: a small circle on a node's side."""

    def __init__(self, node_item: NodeItem, index: int, is_output: bool, name: str) -> None:
        super().__init__(node_item)
        self.node_item = node_item
        self.index = index
        self.is_output = is_output
        self.name = name
        self.connected = False
        self.hot = False  # a wire being dragged would land here
        self.setAcceptHoverEvents(True)
        self.setToolTip(f"{'output' if is_output else 'input'}: {name}")

    @property
    def node_id(self) -> str:
        """The id of the node this port belongs to."""
        return self.node_item.node_id

    @property
    def endpoint(self) -> tuple[str, int]:
        """The graph's ``(node id, port)`` this port stands for (an inner node's port on a block)."""
        return self.node_item.port_endpoint(self.index, self.is_output)

    def boundingRect(self) -> QRectF:
        """The area that reacts to the mouse (larger than the circle)."""
        return QRectF(-PORT_HIT, -PORT_HIT, 2 * PORT_HIT, 2 * PORT_HIT)

    def set_hot(self, hot: bool) -> None:
        """Show (or stop showing) that a dragged wire would connect here."""
        if hot != self.hot:
            self.hot = hot
            self.update()

    def hoverEnterEvent(self, event: Any) -> None:
        """Grow a little under the mouse, to say "drag from here"."""
        self.set_hot(True)

    def hoverLeaveEvent(self, event: Any) -> None:
        """Back to normal size."""
        self.set_hot(False)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """A filled circle when connected, a ring when free (nothing when zoomed far out)."""
        if option.levelOfDetailFromTransform(painter.worldTransform()) < DETAIL_MIN_ZOOM:
            return
        palette = self.node_item.palette()
        radius = PORT_RADIUS + (1.5 if self.hot else 0.0)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        ring = palette.color(QPalette.ColorRole.Highlight if self.hot else QPalette.ColorRole.Text)
        painter.setPen(QPen(ring, 1.3))
        fill = self.node_item.color if self.connected else palette.color(QPalette.ColorRole.Base)
        painter.setBrush(QBrush(fill))
        painter.drawEllipse(QPointF(0, 0), radius, radius)


class NodeItem(QGraphicsItem):
    """One node: a rounded box with a category strip, its texts and its ports."""

    def __init__(self, node: Node, fonts: CanvasFonts) -> None:
        super().__init__()
        self.node_id = node.id
        self.fonts = fonts
        self.edges: list[EdgeItem] = []
        self.inputs: list[PortItem] = []
        self.outputs: list[PortItem] = []
        self.color = category_color(None)
        self.width = MIN_WIDTH
        self.height = 60.0
        self._lines: list[_Line] = []
        self._port_labels: list[str] = []  # shown beside the input ports when they have real names
        self._text_left = PADDING
        self._texts: tuple[str, ...] = ()
        self._shape_text = ""
        self._severity: str | None = None
        self._spec_doc = ""
        self._problem_tip = ""
        self.snap_to: float | None = None  # grid step while the user drags, else None
        self.frame: GroupFrameItem | None = None  # the frame of the expanded group this node is in
        self._preview_source: QImage | None = None
        self._preview: QImage | None = None  # the thumbnail as drawn (scaled once)
        self._preview_top = 0.0
        self._badges: dict[str, tuple[str, QColor | None, str]] = {}  # by kind, drawn right to left
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable | flags.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setZValue(NODE_Z)
        self.setPos(QPointF(*node.position))

    # ------------------------------------------------------------- content
    def refresh(self, node: Node, spec: LayerSpec | None, used_inputs: int, used_outputs: int) -> None:
        """Recompute texts, size and ports from the node, its spec and the ports its edges use."""
        self.color = category_color(spec.category if spec else None)
        self._spec_doc = spec.doc.strip().splitlines()[0] if spec and spec.doc.strip() else ""
        texts = (node.type, node.name, key_params_text(node, spec))
        names = self._input_names(node, spec, used_inputs)
        ports_changed = self._set_ports(names, max(1, used_outputs))
        if texts != self._texts or ports_changed:
            self._texts = texts
            self._relayout()
        self._update_tooltip()

    def set_check(self, shape: NodeShape | None, problems: Sequence[Problem]) -> None:
        """Show the node's output shape and param count, and mark its problems."""
        text = shape_text(shape)
        severity = None
        if problems:
            severity = ERROR if any(p.severity == ERROR for p in problems) else "warning"
        tip = "\n".join(p.message for p in problems)
        if text != self._shape_text:
            self._shape_text = text
            self._relayout()
        if severity != self._severity or tip != self._problem_tip:
            self._severity, self._problem_tip = severity, tip
            self._update_tooltip()
            self.update()

    def set_badge(self, text: str, color: QColor | None = None, tip: str = "", kind: str = "health") -> None:
        """A small badge in the box's top-right corner: training health's gradient norm, a tuned param.

        ``color`` fills it (amber or red when something is wrong; None: a quiet
        one in the palette's colours); ``tip`` joins the tooltip; an empty
        ``text`` removes the badge of that ``kind``.
        """
        badge = (text, QColor(color) if color is not None else None, tip)
        if self._badges.get(kind, ("", None, "")) == badge:
            return
        if text:
            self._badges[kind] = badge
        else:
            self._badges.pop(kind, None)
        self._update_tooltip()
        self.update()

    def badge(self, kind: str = "health") -> str:
        """The text of the badge of ``kind`` ('' when there is none)."""
        return self._badges.get(kind, ("", None, ""))[0]

    def set_preview(self, image: QImage | None) -> None:
        """Show ``image`` as a small thumbnail under the texts (None removes it); free when unchanged."""
        if image is self._preview_source:
            return
        self._preview_source = image
        if image is None or image.isNull():
            self._preview = None
        else:
            self._preview = image.scaled(
                PREVIEW_MAX_WIDTH, PREVIEW_MAX_HEIGHT, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self._relayout()

    @property
    def preview(self) -> QImage | None:
        """The thumbnail as drawn (scaled), or None."""
        return self._preview

    def port_endpoint(self, index: int, is_output: bool) -> tuple[str, int]:
        """The graph's ``(node id, port)`` behind port ``index``: this node's own port."""
        return self.node_id, index

    @property
    def severity(self) -> str | None:
        """"error", "warning" or None: how the node's outline is marked."""
        return self._severity

    def shape_text(self) -> str:
        """The output shape and param count line, as shown (empty before a check)."""
        return self._shape_text

    @property
    def texts(self) -> list[str]:
        """The lines shown on the node, top to bottom (type, name, params, shape)."""
        return [line.text for line in self._lines]

    def _input_names(self, node: Node, spec: LayerSpec | None, used: int) -> list[str]:
        if spec is None:
            count = used if node.type == "Input" else max(1, used)
            return [f"input {i}" for i in range(count)]
        names = [port.name for port in spec.inputs]
        count = max(len(names), used + 1) if spec.variadic else max(len(names), used)
        return names + [f"input_{i + 1}" for i in range(len(names), count)]

    def _set_ports(self, names: list[str], outputs: int) -> bool:
        changed = False
        if [p.name for p in self.inputs] != names:
            for port in self.inputs:
                port.setParentItem(None)
                if port.scene():
                    port.scene().removeItem(port)
            self.inputs = [PortItem(self, i, False, name) for i, name in enumerate(names)]
            changed = True
        if len(self.outputs) != outputs:
            for port in self.outputs:
                port.setParentItem(None)
                if port.scene():
                    port.scene().removeItem(port)
            self.outputs = [PortItem(self, i, True, "output" if outputs == 1 else f"output {i}")
                            for i in range(outputs)]
            changed = True
        return changed

    def _relayout(self) -> None:
        fonts = self.fonts
        kind, name, params = self._texts or ("", "", "")
        rows = [
            (kind, fonts.title, fonts.title_metrics, False),
            (name, fonts.body, fonts.body_metrics, False),
        ]
        if params:
            rows.append((params, fonts.small, fonts.small_metrics, True))
        if self._shape_text:
            rows.append((self._shape_text, fonts.small, fonts.small_metrics, True))
        widths = [fonts.width(metrics, text) for text, _, metrics, _ in rows]
        widest = max(widths)
        self._port_labels = [p.name for p in self.inputs] if _named_ports(self.inputs) else []
        label_widths = [fonts.width(fonts.small_metrics, label) for label in self._port_labels]
        label_width = max(label_widths, default=-PORT_LABEL_GAP)
        self._text_left = PADDING + label_width + PORT_LABEL_GAP
        width = min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(widest + self._text_left + PADDING + 2)))
        text_height = sum(metrics.height() for _, _, metrics, _ in rows) + LINE_GAP * (len(rows) - 1)
        preview_height = self._preview.height() + PREVIEW_GAP if self._preview is not None else 0.0
        if self._preview is not None:
            width = max(width, math.ceil(self._preview.width() + 2 * PADDING))
        ports_height = PORT_PITCH * (max(len(self.inputs), len(self.outputs)) + 1)
        height = math.ceil(max(text_height + preview_height + STRIP + 2 * PADDING, ports_height))
        self.prepareGeometryChange()
        self.width, self.height = float(width), float(height)
        top = -height / 2 + STRIP + (height - STRIP - text_height - preview_height) / 2
        lines: list[_Line] = []
        room = width - self._text_left - PADDING
        for (text, font, metrics, secondary), text_width in zip(rows, widths):
            elide = Qt.TextElideMode.ElideRight
            shown = text if text_width <= room else metrics.elidedText(text, elide, room)
            lines.append(_Line(shown, font, top + metrics.ascent(), secondary))
            top += metrics.height() + LINE_GAP
        self._lines = lines
        self._preview_top = top - LINE_GAP + PREVIEW_GAP
        self._place_ports()
        self.update()
        if self.frame is not None:
            self.frame.update_geometry()

    def _place_ports(self) -> None:
        count = len(self.inputs)
        for i, port in enumerate(self.inputs):
            port.setPos(-self.width / 2, self.input_offset(i, count))
        for i, port in enumerate(self.outputs):
            port.setPos(self.width / 2, self.input_offset(i, len(self.outputs)))
        for edge in self.edges:
            edge.update_path()

    def input_offset(self, index: int, count: int) -> float:
        """The vertical place of port ``index`` of ``count``, relative to the centre."""
        return (index - (count - 1) / 2) * PORT_PITCH

    def _update_tooltip(self) -> None:
        head = f"{self._texts[1]} ({self._texts[0]})" if self._texts else ""
        body = self._problem_tip or self._spec_doc
        for _, _, tip in self._badges.values():
            if tip:
                body = f"{body}\n{tip}" if body else tip
        self.setToolTip(f"{head}\n{body}" if body else head)

    # ------------------------------------------------------------ geometry
    def input_pos(self, port: int) -> QPointF:
        """Scene position of input port ``port`` (beyond the last port: the last one's place)."""
        count = max(1, len(self.inputs))
        return self.pos() + QPointF(-self.width / 2, self.input_offset(min(port, count - 1), count))

    def output_pos(self, port: int) -> QPointF:
        """Scene position of output port ``port``."""
        count = max(1, len(self.outputs))
        return self.pos() + QPointF(self.width / 2, self.input_offset(min(port, count - 1), count))

    def body_rect(self) -> QRectF:
        """The rounded box, in item coordinates."""
        return QRectF(-self.width / 2, -self.height / 2, self.width, self.height)

    def boundingRect(self) -> QRectF:
        """The box plus room for the selection outline."""
        return self.body_rect().adjusted(-3, -3, 3, 3)

    def shape(self) -> QPainterPath:
        """The rounded box: clicks beside its corners fall through."""
        path = QPainterPath()
        path.addRoundedRect(self.body_rect(), RADIUS, RADIUS)
        return path

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        """Snap to the grid while dragged; re-route this node's wires after each move."""
        if change == _POSITION_CHANGE:
            step = self.snap_to
            if step:
                return QPointF(round(value.x() / step) * step, round(value.y() / step) * step)
        elif change == _POSITION_CHANGED:
            for edge in self.edges:
                edge.update_path()
            if self.frame is not None:
                self.frame.update_geometry()
        elif change == _SELECTED_CHANGED:
            self.setZValue(NODE_Z + (0.5 if value else 0.0))
        return value

    # ------------------------------------------------------------- drawing
    def palette(self) -> QPalette:
        """The scene's palette (the application's, unless the scene was given one)."""
        scene = self.scene()
        return scene.palette() if scene is not None else QPalette()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        """Box, strip, outline and text; all strings were laid out in ``refresh``."""
        palette = self.palette()
        body = self.body_rect()
        if option.levelOfDetailFromTransform(painter.worldTransform()) < DETAIL_MIN_ZOOM:
            self._paint_overview(painter, palette, body)
            return
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(body.adjusted(-1.5, -1.5, 1.5, 1.5), RADIUS + 1, RADIUS + 1)
        outline = {ERROR: ERROR_COLOR, "warning": WARNING_COLOR}.get(self._severity or "")
        pen = QPen(outline, 2.0) if outline else QPen(palette.color(QPalette.ColorRole.Mid), 1.0)
        painter.setPen(pen)
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(body, RADIUS, RADIUS)
        strip = QPainterPath()
        strip.addRoundedRect(body.adjusted(1, 1, -1, 0), RADIUS - 1, RADIUS - 1)
        painter.save()
        painter.setClipPath(strip)
        painter.fillRect(QRectF(body.left(), body.top(), body.width(), STRIP + 1), self.color)
        painter.restore()
        text = palette.color(QPalette.ColorRole.Text)
        secondary = palette.color(QPalette.ColorRole.PlaceholderText)
        left = body.left() + self._text_left
        for line in self._lines:
            painter.setFont(line.font)
            painter.setPen(secondary if line.secondary else text)
            painter.drawText(QPointF(left, line.baseline), line.text)
        if self._port_labels:
            painter.setFont(self.fonts.small)
            painter.setPen(secondary)
            middle = self.fonts.small_metrics.ascent() / 2 - 1
            for port, label in zip(self.inputs, self._port_labels):
                painter.drawText(QPointF(body.left() + PADDING, port.pos().y() + middle), label)
        if self._preview is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            target = QRectF(-self._preview.width() / 2, self._preview_top,
                            self._preview.width(), self._preview.height())
            painter.drawImage(target, self._preview)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.0))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(target)
        right = body.right() - 4
        for badge in self._badges.values():
            right = self._paint_badge(painter, palette, body, badge, right) - 3

    def _paint_badge(self, painter: QPainter, palette: QPalette, body: QRectF,
                     badge: tuple[str, QColor | None, str], right: float) -> float:
        """Draw one badge ending at ``right``; returns where it starts."""
        text, color, _ = badge
        metrics = self.fonts.small_metrics
        width, height = metrics.horizontalAdvance(text) + 8, metrics.height() + 2
        rect = QRectF(right - width, body.top() + STRIP + 3, width, height)
        fill = color if color is not None else palette.color(QPalette.ColorRole.AlternateBase)
        quiet = QPen(palette.color(QPalette.ColorRole.Mid), 0.8)
        painter.setPen(quiet if color is None else Qt.PenStyle.NoPen)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setFont(self.fonts.small)
        painter.setPen(QColor("white") if color is not None else palette.color(QPalette.ColorRole.Text))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        return rect.left()


    def _paint_overview(self, painter: QPainter, palette: QPalette, body: QRectF) -> None:
        """Far out, only the box, its colour and its marks: text would be unreadable anyway."""
        outline = {ERROR: ERROR_COLOR, "warning": WARNING_COLOR}.get(self._severity or "")
        if self.isSelected():
            outline = palette.color(QPalette.ColorRole.Highlight)
        painter.setPen(QPen(outline, 4.0) if outline else QPen(palette.color(QPalette.ColorRole.Mid), 0))
        painter.setBrush(palette.color(QPalette.ColorRole.Base))
        painter.drawRect(body)
        painter.fillRect(QRectF(body.left(), body.top(), body.width(), body.height() / 3), self.color)
