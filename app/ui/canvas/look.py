"""How the canvas looks: category colours, sizes, fonts, and the texts shown on nodes.

Colours of text and backgrounds come from the palette at paint time (light
and dark themes); the category colours here are mid tones that read on both.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QColor, QFont, QFontMetricsF

from app.core.catalog import ACTIVATION, BOOL, CHOICE, TUPLE, LayerSpec, ParamSpec
from app.core.graph import Node
from app.core.shapes import NodeShape, format_shape
from app.ui.theme import category_color as theme_category_color
from app.ui.theme import is_dark

ERROR_COLOR = QColor("#d9363e")
WARNING_COLOR = QColor("#e08a1e")

MIN_WIDTH = 150.0
MAX_WIDTH = 300.0
PADDING = 9.0
STRIP = 5.0  # height of the category strip along the top
RADIUS = 6.0
PORT_RADIUS = 5.0
PORT_HIT = 9.0  # ports are easier to hit than to see
PORT_PITCH = 18.0  # vertical distance between input ports
LINE_GAP = 2.0
EDGE_Z, NODE_Z, DRAG_Z = -1.0, 0.0, 10.0
LABEL_MIN_ZOOM = 0.55  # wire labels are hidden below this zoom
DETAIL_MIN_ZOOM = 0.4  # below this, nodes are drawn as plain boxes (a 500-node overview)


def category_color(category: str | None) -> QColor:
    """The strip colour of a category in the application's current theme (grey "Other" when unknown)."""
    from PySide6.QtGui import QGuiApplication

    return theme_category_color(category or "Other", is_dark(QGuiApplication.palette()))


def format_value(value: Any) -> str:
    """A param value as shown on a node: ``[3, 3]`` is ``3x3``, a nested config its class name."""
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (int, float)) or v is None for v in value):
            return "x".join("?" if v is None else f"{v:g}" for v in value)
        return "x".join(format_value(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("class_name", "{…}"))
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def key_params_text(node: Node, spec: LayerSpec | None) -> str:
    """The one line of params shown on a node: ``32 3x3 relu`` for a Conv2D.

    Sizes, windows, activations and choices speak for themselves; other
    numbers are named (``num_heads=2``), as a bare ``2 8`` would not be read.
    """
    if spec is None:
        return " ".join(format_value(v) for v in node.params.values() if v is not None)
    parts = [_key_param_text(p, node.params.get(p.name, p.default)) for p in spec.key_params()]
    return " ".join(part for part in parts if part)


_SELF_EXPLAINING_KINDS = (TUPLE, ACTIVATION, CHOICE)
_SELF_EXPLAINING_NAMES = {"units", "filters", "rate", "output_dim"}


def _key_param_text(param: ParamSpec, value: Any) -> str:
    if value is None or value == "linear":
        return ""
    if param.kind == BOOL:
        return param.name if value else ""
    if param.kind in _SELF_EXPLAINING_KINDS or param.name in _SELF_EXPLAINING_NAMES:
        return format_value(value)
    return f"{param.name}={format_value(value)}"


def shape_text(shape: NodeShape | None) -> str:
    """``(None, 26, 26, 32) · 320 params``; empty when nothing is known yet."""
    if shape is None:
        return ""
    if shape.error or not shape.outputs:
        return "shape unknown"
    text = " ".join(format_shape(output) for output in shape.outputs)
    return f"{text} · {shape.params:,} params"


class CanvasFonts:
    """The fonts of the canvas and their metrics, made once per scene."""

    def __init__(self, base: QFont) -> None:
        self.body = QFont(base)
        self.title = QFont(base)
        self.title.setBold(True)
        self.small = QFont(base)
        self.small.setPointSizeF(max(6.5, base.pointSizeF() * 0.85))
        self.body_metrics = QFontMetricsF(self.body)
        self.title_metrics = QFontMetricsF(self.title)
        self.small_metrics = QFontMetricsF(self.small)
        self._widths: dict[tuple[int, str], float] = {}

    def width(self, metrics: QFontMetricsF, text: str) -> float:
        """The width of ``text`` in the font of ``metrics`` (remembered: many nodes share texts)."""
        key = (id(metrics), text)
        width = self._widths.get(key)
        if width is None:
            if len(self._widths) > 20000:
                self._widths.clear()
            width = self._widths[key] = metrics.horizontalAdvance(text)
        return width


def mix(color: QColor, background: QColor, amount: float = 0.6) -> QColor:
    """``amount`` of ``color`` over ``background``, as an opaque colour."""
    return QColor.fromRgbF(
        color.redF() * amount + background.redF() * (1 - amount),
        color.greenF() * amount + background.greenF() * (1 - amount),
        color.blueF() * amount + background.blueF() * (1 - amount),
    )
