"""The node canvas: the graph drawn as nodes and wires, edited with the mouse and keyboard.

``GraphScene`` mirrors a ``Graph`` through its events and turns gestures into
edits; ``GraphView`` is the widget around it (zoom, pan, keys, drops,
quick-add, clipboard, blocks). Groups are drawn as framed blocks or, when
collapsed, as one ``BlockNodeItem``.
"""

from __future__ import annotations

from app.ui.canvas.blocks import BlockNodeItem, GroupFrameItem
from app.ui.canvas.quick_add import QuickAddPopup, layer_fits
from app.ui.canvas.scene import GraphScene
from app.ui.canvas.view import GraphView, hand_over_clipboard

__all__ = [
    "BlockNodeItem", "GraphScene", "GraphView", "GroupFrameItem", "QuickAddPopup", "hand_over_clipboard",
    "layer_fits",
]
