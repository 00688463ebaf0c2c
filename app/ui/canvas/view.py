"""``GraphView``: the canvas widget: zoom, pan, keys, drops, quick-add and the clipboard.

The view turns keys, drops and menu commands into edits through its
``GraphScene`` (which owns the mouse gestures on items). Every command is one
undo step: deleting a selection, pasting, duplicating, tidying up, and the
block commands of ``app.ui.canvas.block_commands`` (group, ungroup,
collapse, insert a block).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QMimeData, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QCursor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QGuiApplication,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsView, QWidget

from app.core.catalog import Catalog
from app.core.edits import AddNode, Compound, Connect, Disconnect, Edit, Move, RemoveNode
from app.core.fragments import fragment_from, fragment_from_text, fragment_to_text, paste_edit
from app.core.graph import Edge
from app.core.layout import layered_layout
from app.ui.canvas.block_commands import BlockCommands
from app.ui.canvas.blocks import GroupFrameItem
from app.ui.canvas.items import NodeItem
from app.ui.canvas.look import MIN_WIDTH
from app.ui.canvas.quick_add import QuickAddPopup
from app.ui.canvas.scene import GRID, GraphScene
from app.ui.mime import BLOCK_MIME, FRAGMENT_MIME, LAYER_MIME

MIN_ZOOM, MAX_ZOOM = 0.1, 3.0
ZOOM_STEP = 1.25
FIT_MAX_ZOOM = 1.5  # fitting a tiny graph does not blow it up
NEW_NODE_GAP = 70.0  # between a node and the one added after it
EMPTY_HINT = "Drag a layer from the palette, or press Tab to add one"
LOADING_HINT = "Loading layers…"
SCENE_MARGIN = 2000.0  # room to pan beyond the nodes
NUDGE_STEP = 20.0  # an arrow key moves the selection a grid step (Shift: five)


def hand_over_clipboard() -> None:
    """Before the application ends, leave only plain text of ours on the clipboard.

    PySide (6.11) frees a ``QMimeData`` set from Python a second time when the
    application is destroyed, which crashes the process at exit; the text of a
    copied fragment stays pasteable.
    """
    clipboard = QGuiApplication.clipboard()
    mime = clipboard.mimeData()
    if mime is not None and mime.hasFormat(FRAGMENT_MIME):
        clipboard.setText(clipboard.text())


class GraphView(QGraphicsView, BlockCommands):
    """The node canvas: shows a ``GraphScene`` and turns keys and drops into edits.

    ``message(text)`` reports a refused edit or unreadable clipboard, for a
    status bar. ``save_block_requested(group_id)`` asks the window to save a
    block to the library (it asks for a name and calls ``block_from_group``).
    ``inspect_requested(what, node_id)`` comes from the node menu's Show
    activations / filters / training health.
    """

    message = Signal(str)
    save_block_requested = Signal(str)
    inspect_requested = Signal(str, str)  # ("activations" | "filters" | "health", node id)

    def __init__(self, scene: GraphScene, parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        self.graph_scene = scene
        self.quick_add = QuickAddPopup(self)
        self.quick_add.set_catalog(scene.catalog)
        self.quick_add.chosen.connect(self._on_quick_add_chosen)
        self._quick_add_at: QPointF = QPointF()
        self._quick_add_source: tuple[str, int] | None = None
        self._pan_from: QPointF | None = None
        self._space_down = False
        self._space_panned = False
        self._scene_rect_timer = QTimer(self)
        self._scene_rect_timer.setSingleShot(True)
        self._scene_rect_timer.setInterval(0)
        self._scene_rect_timer.timeout.connect(self._update_scene_rect)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self._follow(scene)

    def set_graph_scene(self, scene: GraphScene) -> None:
        """Show another scene (another document); the old one is no longer followed."""
        old = self.graph_scene
        old.message.disconnect(self.message)
        old.wire_dropped.disconnect(self._on_wire_dropped)
        old.node_count_changed.disconnect(self._on_node_count_changed)
        self.graph_scene = scene
        self.setScene(scene)
        self.quick_add.set_catalog(scene.catalog)
        self._follow(scene)

    def _follow(self, scene: GraphScene) -> None:
        scene.message.connect(self.message)
        scene.wire_dropped.connect(self._on_wire_dropped)
        scene.node_count_changed.connect(self._on_node_count_changed)
        self._update_scene_rect()

    # ------------------------------------------------------------ settings
    def set_catalog(self, catalog: Catalog | None) -> None:
        """Hand the catalog (loaded late) to the scene and the quick-add popup."""
        self.graph_scene.set_catalog(catalog)
        self.quick_add.set_catalog(catalog)
        self.viewport().update()

    def set_snap(self, snap: bool) -> None:
        """Snap dragged and added nodes to the 20-pixel grid (on by default)."""
        self.graph_scene.snap = snap

    def zoom(self) -> float:
        """The current scale (1.0 = 100 %)."""
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        """Scale to ``zoom``, kept within 0.1..3."""
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, zoom))
        factor = zoom / self.zoom()
        if abs(factor - 1.0) > 1e-9:
            self.scale(factor, factor)

    def zoom_in(self) -> None:
        """One step closer."""
        self.set_zoom(self.zoom() * ZOOM_STEP)

    def zoom_out(self) -> None:
        """One step farther."""
        self.set_zoom(self.zoom() / ZOOM_STEP)

    def reset_zoom(self) -> None:
        """Back to 100 %."""
        self.set_zoom(1.0)

    def fit_view(self) -> None:
        """Show every node (no closer than 100 %)."""
        rect = self.graph_scene.itemsBoundingRect()
        if rect.isEmpty():
            self.reset_zoom()
            self.centerOn(0, 0)
            return
        self._update_scene_rect()
        self.fitInView(rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom() > FIT_MAX_ZOOM or self.zoom() < MIN_ZOOM:
            self.set_zoom(self.zoom())
            self.set_zoom(min(self.zoom(), FIT_MAX_ZOOM))
            self.centerOn(rect.center())

    # ---------------------------------------------------------- selection
    def selected_node_ids(self) -> list[str]:
        """Ids of the selected nodes, in graph order."""
        return self.graph_scene.selected_node_ids()

    def select_all(self) -> None:
        """Select every node and wire."""
        path = QPainterPath()
        path.addRect(self.graph_scene.itemsBoundingRect().adjusted(-10, -10, 10, 10))
        self.graph_scene.setSelectionArea(path, Qt.ItemSelectionOperation.ReplaceSelection,
                                          Qt.ItemSelectionMode.IntersectsItemShape)

    def center_on_node(self, node_id: str) -> None:
        """Scroll so that node ``node_id`` is in the middle of the view."""
        item = self.graph_scene.drawn_item(node_id)
        if item is not None:
            self.centerOn(item)

    def show_node(self, node_id: str) -> None:
        """Select node ``node_id`` alone and scroll it into view (from the problems list, say).

        A node inside a collapsed block shows as its block, selected.
        """
        item = self.graph_scene.drawn_item(node_id)
        if item is None:
            return
        self.graph_scene.select_nodes([node_id])
        self.ensureVisible(item, 80, 80)

    # ------------------------------------------------------------- edits
    def _push(self, edit: Edit) -> bool:
        return self.graph_scene.try_push(edit)

    def add_layer(
        self, layer_type: str, scene_pos: QPointF | None = None, after_selected: bool = True
    ) -> str | None:
        """Add a ``layer_type`` node and return its id (None when refused).

        With ``after_selected`` and exactly one node selected, the new node goes
        to its right, wired after it; else at ``scene_pos`` or the view's centre.
        """
        scene = self.graph_scene
        selected = scene.selected_node_ids()
        source = (selected[0], 0) if after_selected and len(selected) == 1 else None
        if source is not None:
            position = self._after(source[0])
        else:
            position = scene.snap_point(scene_pos if scene_pos is not None else self._view_centre())
        return self._add_wired(layer_type, position, source)

    def _add_wired(self, layer_type: str, position: QPointF, source: tuple[str, int] | None) -> str | None:
        scene = self.graph_scene
        spec = scene.spec(layer_type)
        params = spec.initial_params() if spec is not None else {}
        node_id = scene.graph.new_id()
        add = AddNode(layer_type, params, (position.x(), position.y()), node_id=node_id)
        takes_input = spec is None or bool(spec.inputs) or spec.variadic
        if source is not None and takes_input and layer_type != "Input":
            edit: Edit = Compound([add, Connect(Edge(source[0], node_id, 0, source[1]))], f"Add {layer_type}")
        else:
            edit = add
        if not self._push(edit):
            return None
        scene.select_nodes([node_id])
        return node_id

    def _after(self, node_id: str) -> QPointF:
        """A free place to the right of node ``node_id`` for a node added after it."""
        scene = self.graph_scene
        item = scene.node_item(node_id)
        assert item is not None
        x = item.pos().x() + item.width / 2 + NEW_NODE_GAP + MIN_WIDTH / 2
        point = scene.snap_point(QPointF(x, item.pos().y()))
        for _ in range(30):
            probe = QRectF(point.x() - MIN_WIDTH / 2, point.y() - 30, MIN_WIDTH, 60)
            if not any(isinstance(other, NodeItem) for other in scene.items(probe)):
                break
            point = scene.snap_point(point + QPointF(0, 100))
        return point

    def delete_selection(self) -> None:
        """Delete the selected nodes (with their edges) and the selected wires, as one step."""
        scene = self.graph_scene
        node_ids = scene.selected_node_ids()
        gone = set(node_ids)
        edits: list[Edit] = [Disconnect(e) for e in scene.selected_edges() if not {e.source, e.target} & gone]
        edits += [RemoveNode(node_id) for node_id in node_ids]
        if not edits:
            return
        count = len(node_ids)
        description = f"Delete {count} node{'s' if count != 1 else ''}" if count else "Delete wires"
        self._push(Compound(edits, description))

    def tidy(self) -> None:
        """Lay the graph out in layers, left to right, as one undo step."""
        scene = self.graph_scene
        items = scene.node_items()
        if not items:
            return
        width = max(item.width for item in items)
        height = max(item.height for item in items)
        positions = layered_layout(scene.graph, "LR", (width + 80.0, height + 40.0))
        moves: list[Edit] = []
        for node_id, (x, y) in positions.items():
            old = scene.graph.node(node_id).position
            new = (float(round(x)), float(round(y)))
            if new != old:
                moves.append(Move(node_id, new, old=old))
        if moves:
            self._push(Compound(moves, "Tidy up"))
        self.fit_view()

    # --------------------------------------------------------- clipboard
    def copy_selection(self) -> bool:
        """Put the selected nodes (and the edges among them) on the clipboard; False if none."""
        node_ids = self.selected_node_ids()
        if not node_ids:
            return False
        text = fragment_to_text(fragment_from(self.graph_scene.graph, node_ids))
        mime = QMimeData()
        mime.setData(FRAGMENT_MIME, text.encode("utf-8"))
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        return True

    def cut_selection(self) -> None:
        """Copy the selection, then delete it (one undo step)."""
        if self.copy_selection():
            self.delete_selection()

    def paste(self) -> list[str]:
        """Paste the clipboard's nodes around the mouse (or the view's centre); select and return them."""
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return []
        if mime.hasFormat(FRAGMENT_MIME):
            text: str = bytes(mime.data(FRAGMENT_MIME).data()).decode("utf-8", errors="replace")
        elif mime.hasText():
            text = mime.text()
        else:
            return []
        try:
            fragment = fragment_from_text(text)
        except ValueError as error:
            self.message.emit(str(error))
            return []
        if not fragment["nodes"]:
            return []
        xs = [float(n.get("position", (0, 0))[0]) for n in fragment["nodes"]]
        ys = [float(n.get("position", (0, 0))[1]) for n in fragment["nodes"]]
        centre = QPointF((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
        target = self.graph_scene.snap_point(self._cursor_scene_pos() - centre)
        return self._paste_fragment(fragment, (target.x(), target.y()))

    def duplicate_selection(self) -> list[str]:
        """Copies of the selected nodes, a little below and to the right; selected and returned."""
        node_ids = self.selected_node_ids()
        if not node_ids:
            return []
        return self._paste_fragment(fragment_from(self.graph_scene.graph, node_ids), (2 * GRID, 2 * GRID))

    def _paste_fragment(self, fragment: dict, offset: tuple[float, float]) -> list[str]:
        try:
            edit = paste_edit(self.graph_scene.graph, fragment, offset)
        except ValueError as error:
            self.message.emit(str(error))
            return []
        if not self._push(edit):
            return []
        self.graph_scene.select_nodes(edit.node_ids)
        return list(edit.node_ids)

    # ------------------------------------------------------------ quick-add
    def open_quick_add(self, text: str = "", source: tuple[str, int] | None = None,
                       scene_pos: QPointF | None = None) -> None:
        """Open the search popup at the cursor; with ``source``, list layers that fit its output."""
        self._quick_add_source = source
        self._quick_add_at = scene_pos if scene_pos is not None else self._cursor_scene_pos()
        viewport_point = self.mapFromScene(self._quick_add_at)
        fit_shape = self.graph_scene.output_shape(*source) if source else None
        self.quick_add.open_at(self.viewport().mapToGlobal(viewport_point), text, fit_shape,
                               filtered=source is not None)

    def _on_wire_dropped(self, source_id: str, source_port: int, scene_pos: QPointF) -> None:
        self.open_quick_add(source=(source_id, source_port), scene_pos=scene_pos)

    def _on_quick_add_chosen(self, layer_type: str) -> None:
        source = self._quick_add_source
        self._quick_add_source = None
        if source is not None:
            # The wire was dropped where the new node's input should be.
            position = self.graph_scene.snap_point(self._quick_add_at + QPointF(MIN_WIDTH / 2 + 10, 0))
            self._add_wired(layer_type, position, source)
        else:
            self.add_layer(layer_type, self._quick_add_at)
        self.setFocus()

    # ----------------------------------------------------------- helpers
    def _view_centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def _cursor_scene_pos(self) -> QPointF:
        """Where the mouse is on the canvas, or the view's centre when it is elsewhere."""
        point = self.viewport().mapFromGlobal(QCursor.pos())
        if self.viewport().rect().contains(point):
            return self.mapToScene(point)
        return self._view_centre()

    def _update_scene_rect(self) -> None:
        items = self.graph_scene.itemsBoundingRect()
        visible = self.mapToScene(self.viewport().rect()).boundingRect()
        rect = items.united(visible) if not items.isEmpty() else visible
        self.setSceneRect(rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN))

    def _on_node_count_changed(self, count: int) -> None:
        self._scene_rect_timer.start()
        if count <= 1:
            self.viewport().update()

    # ------------------------------------------------------------- events
    def focusNextPrevChild(self, next: bool) -> bool:
        """Keep Tab for quick-add instead of moving the focus."""
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Canvas keys: Delete, F, arrows (nudge), Escape (drop a wire), Tab/Space/letters (quick-add)."""
        if self._handle_key(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def _handle_key(self, event: QKeyEvent) -> bool:
        key, modifiers = event.key(), event.modifiers()
        plain = modifiers in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        typed = plain or modifiers == Qt.KeyboardModifier.ShiftModifier  # a character, maybe upper case
        commands: list[tuple[QKeySequence.StandardKey, Callable[[], object]]] = [
            (QKeySequence.StandardKey.Copy, self.copy_selection),
            (QKeySequence.StandardKey.Cut, self.cut_selection),
            (QKeySequence.StandardKey.Paste, self.paste),
            (QKeySequence.StandardKey.SelectAll, self.select_all),
            (QKeySequence.StandardKey.ZoomIn, self.zoom_in),
            (QKeySequence.StandardKey.ZoomOut, self.zoom_out),
        ]
        for sequence, command in commands:
            if event.matches(sequence):
                command()
                return True
        control = Qt.KeyboardModifier.ControlModifier
        arrows = {
            Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1), Qt.Key.Key_Down: (0, 1),
        }
        if key == Qt.Key.Key_Escape:
            return self.graph_scene.cancel_wire()
        if key in arrows and (plain or modifiers == Qt.KeyboardModifier.ShiftModifier):
            step = NUDGE_STEP * (5 if modifiers == Qt.KeyboardModifier.ShiftModifier else 1)
            dx, dy = arrows[key]
            return self.graph_scene.nudge_selection(dx * step, dy * step)
        if key == Qt.Key.Key_G and modifiers == control:
            self.group_selection()
        elif key == Qt.Key.Key_G and modifiers == control | Qt.KeyboardModifier.ShiftModifier:
            self.ungroup_selection()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif key == Qt.Key.Key_D and modifiers == Qt.KeyboardModifier.ControlModifier:
            self.duplicate_selection()
        elif key == Qt.Key.Key_0 and modifiers == Qt.KeyboardModifier.ControlModifier:
            self.reset_zoom()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal) and typed:
            self.zoom_in()
        elif key == Qt.Key.Key_Minus and plain:
            self.zoom_out()
        elif key == Qt.Key.Key_F and plain:
            self.fit_view()
        elif key == Qt.Key.Key_Tab and plain:
            self.open_quick_add()
        elif key == Qt.Key.Key_Space and plain:
            if not event.isAutoRepeat():
                self._space_down, self._space_panned = True, False
        elif event.text().isalpha() and typed:
            self.open_quick_add(event.text())
        else:
            return False
        return True

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        """Space released without panning opens quick-add."""
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat() and self._space_down:
            self._space_down = False
            if not self._space_panned and self._pan_from is None:
                self.open_quick_add()
            self._end_pan()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Zoom towards the cursor."""
        delta = event.angleDelta().y()
        if delta == 0:
            super().wheelEvent(event)
            return
        self.set_zoom(self.zoom() * 1.0015**delta)
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Middle button or Space+left pans; Shift+click adds to the selection."""
        left = event.button() == Qt.MouseButton.LeftButton
        if event.button() == Qt.MouseButton.MiddleButton or (left and self._space_down):
            self._pan_from = event.position()
            self._space_panned = True
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(_shift_as_control(event))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Pan while panning; otherwise let the scene drag nodes and wires."""
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(_shift_as_control(event))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """End a pan, or let the scene finish its gesture."""
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton,
                                                             Qt.MouseButton.LeftButton):
            self._end_pan()
            event.accept()
            return
        super().mouseReleaseEvent(_shift_as_control(event))
        self._scene_rect_timer.start()

    def _end_pan(self) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()

    def _accepts(self, mime: QMimeData) -> bool:
        return mime.hasFormat(LAYER_MIME) or (mime.hasFormat(BLOCK_MIME) and self._block_provider is not None)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Accept layers and blocks dragged from the palette."""
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        """Keep accepting a layer or block while it moves over the canvas."""
        if self._accepts(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        """Add the dropped layer where it was dropped; a block dropped on a node is fed by that node."""
        if event.mimeData().hasFormat(BLOCK_MIME) and self._block_provider is not None:
            name = bytes(event.mimeData().data(BLOCK_MIME).data()).decode("utf-8").strip()
            self._drop_block(name, self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
            self.setFocus()
            return
        if not event.mimeData().hasFormat(LAYER_MIME):
            event.ignore()
            return
        layer_type = bytes(event.mimeData().data(LAYER_MIME).data()).decode("utf-8").strip()
        position = self.graph_scene.snap_point(self.mapToScene(event.position().toPoint()))
        if layer_type:
            self._add_wired(layer_type, position, None)
        event.acceptProposedAction()
        self.setFocus()

    def _drop_block(self, name: str, scene_pos: QPointF) -> None:
        item = next((i for i in self.graph_scene.items(scene_pos) if isinstance(i, NodeItem)), None)
        if item is not None:  # dropped on a node: wire the block after it, beside it
            self.graph_scene.clearSelection()
            item.setSelected(True)
            self.insert_block_named(name)
        else:
            self.insert_block_named(name, scene_pos)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """The menu of the node, block or frame under the mouse (selected first if it was not)."""
        scene_pos = self.mapToScene(event.pos())
        top = next((i for i in self.graph_scene.items(scene_pos) if i.isVisible()), None)
        while top is not None and top.parentItem() is not None:
            top = top.parentItem()
        if isinstance(top, NodeItem) and not top.isSelected():
            self.graph_scene.clearSelection()
            top.setSelected(True)
        elif isinstance(top, GroupFrameItem):
            self.graph_scene.select_nodes([item.node_id for item in top.members])
        if not self.graph_scene.selected_node_ids():
            super().contextMenuEvent(event)
            return
        self.context_menu().exec(event.globalPos())
        event.accept()

    # ------------------------------------------------------------ drawing
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        """The window colour with a light grid (hidden when zoomed far out)."""
        palette = self.palette()
        painter.fillRect(rect, palette.color(QPalette.ColorRole.Window))
        step = GRID * 5 if self.zoom() < 0.5 else GRID
        if step * self.zoom() < 6:
            return
        color = QColor(palette.color(QPalette.ColorRole.Mid))
        color.setAlpha(70)
        painter.setPen(QPen(color, 0))
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        points = []
        y = top
        while y < rect.bottom():
            x = left
            while x < rect.right():
                points.append(QPointF(x, y))
                x += step
            y += step
        if len(points) < 40000:
            painter.drawPoints(points)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """On an empty canvas, say how to begin."""
        if self.graph_scene.node_items():
            return
        painter.save()
        painter.resetTransform()
        palette = self.palette()
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        painter.setFont(font)
        text = EMPTY_HINT if self.graph_scene.catalog is not None else f"{EMPTY_HINT}\n{LOADING_HINT}"
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        painter.drawText(QRectF(self.viewport().rect()), flags, text)
        painter.restore()

    def changeEvent(self, event) -> None:
        """Redraw the cached grid when the palette changes."""
        super().changeEvent(event)
        self.resetCachedContent()

    def showEvent(self, event) -> None:
        """Grow the scroll area to the window once it has a size."""
        super().showEvent(event)
        self._update_scene_rect()



def _shift_as_control(event: QMouseEvent) -> QMouseEvent:
    """Shift+click adds to the selection as Ctrl+click does (Qt's items only know Ctrl)."""
    if not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
        return event
    modifiers = (event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier) | Qt.KeyboardModifier.ControlModifier
    return QMouseEvent(event.type(), event.position(), event.scenePosition(), event.globalPosition(),
                       event.button(), event.buttons(), modifiers)
