"""The node canvas: the graph drawn as nodes and wires, edited with the mouse and keyboard.

``GraphScene`` mirrors a ``Graph`` through its events and turns gestures into
edits; ``GraphView`` is the widget around it (zoom, pan, keys, drops,
quick-add, clipboard).
"""

from __future__ import annotations

from app.ui.canvas.quick_add import QuickAddPopup, layer_fits
from app.ui.canvas.scene import GraphScene
from app.ui.canvas.view import GraphView

__all__ = ["GraphScene", "GraphView", "QuickAddPopup", "layer_fits"]
