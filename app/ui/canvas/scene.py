"""``GraphScene``: the graph drawn as node and wire items, and the gestures on them.

The scene mirrors the graph through its events, touching only the items an
event names: adding a node adds one item, a param change refreshes one node,
so a 500-node graph stays quick to edit. It keeps no copy of the truth: every
gesture (connecting ports, dropping a wire, finishing a drag) becomes an
``Edit`` handed to ``push``, and the graph's events then update the items.

During a drag only the items move; the graph hears of it once, at mouse
release, as one ``Compound`` of ``Move`` edits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QPalette, QTransform
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from app.core.catalog import Catalog, LayerSpec
from app.core.edits import Compound, Connect, Disconnect, Edit, Move
from app.core.graph import Edge, Graph, GraphError, Node
from app.core.shapes import Shape, format_shape
from app.core.validation import CheckResult, Problem
from app.ui.canvas.items import NodeItem, PortItem
from app.ui.canvas.look import CanvasFonts
from app.ui.canvas.wires import DragWireItem, EdgeItem

GRID = 20.0
PORT_GRAB = 12.0  # a wire dropped this close to a port connects to it


class GraphScene(QGraphicsScene):
    """The items of one graph; gestures on them become edits handed to ``push``.

    Signals: ``wire_dropped(source_id, source_port, scene_pos)`` when a new
    wire is let go over empty canvas (the view offers layers to wire in);
    ``message(text)`` when an edit was refused; ``node_count_changed(count)``.
    """

    wire_dropped = Signal(str, int, QPointF)
    message = Signal(str)
    node_count_changed = Signal(int)

    def __init__(
        self,
        graph: Graph,
        push: Callable[[Edit], None],
        catalog: Catalog | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.graph = graph
        self.push = push
        self.catalog = catalog
        self.snap = True
        self.fonts = CanvasFonts(self.font())
        self._nodes: dict[str, NodeItem] = {}
        self._edges: dict[Edge, EdgeItem] = {}
        self._result: CheckResult | None = None
        self._node_problems: dict[str, list[Problem]] = {}
        self._edge_problems: dict[Edge, list[Problem]] = {}
        self._wire: DragWireItem | None = None
        self._wire_source: tuple[str, int] | None = None
        self._detached: Edge | None = None  # an existing edge picked up by its end
        self._hot_port: PortItem | None = None
        self._dragging_nodes = False
        self._grabbed: NodeItem | None = None
        self._handlers = {
            graph.node_added: self._on_node_added,
            graph.node_removed: self._on_node_removed,
            graph.edge_added: self._on_edge_added,
            graph.edge_removed: self._on_edge_removed,
            graph.param_changed: self._on_node_changed,
            graph.node_renamed: self._on_node_changed,
            graph.node_moved: self._on_node_moved,
        }
        for event, handler in self._handlers.items():
            event.connect(handler)
        self._build()

    # ------------------------------------------------------------- public
    def detach(self) -> None:
        """Stop following the graph (before the scene is thrown away)."""
        for event, handler in self._handlers.items():
            event.disconnect(handler)

    def set_catalog(self, catalog: Catalog | None) -> None:
        """Use ``catalog``'s specs for port names, key params and colours; refresh every node."""
        self.catalog = catalog
        for node in self.graph:
            self._refresh(node)

    def set_result(self, result: CheckResult | None) -> None:
        """Show shapes, param counts and problems from a check of the graph; clear old marks."""
        self._result = result
        self._node_problems, self._edge_problems = {}, {}
        for problem in result.problems if result else ():
            if problem.edge is not None:
                self._edge_problems.setdefault(problem.edge, []).append(problem)
            elif problem.node_id is not None:
                self._node_problems.setdefault(problem.node_id, []).append(problem)
        for node_id, item in self._nodes.items():
            self._check_node(node_id, item)
        for edge, item in self._edges.items():
            self._check_edge(edge, item)

    def spec(self, layer_type: str) -> LayerSpec | None:
        """The catalog's spec of ``layer_type``, or None (no catalog yet, or an unknown type)."""
        if self.catalog is None or layer_type not in self.catalog:
            return None
        return self.catalog.get(layer_type)

    def output_shape(self, node_id: str, port: int = 0) -> Shape | None:
        """The shape node ``node_id`` outputs at ``port``, as far as the last check knows."""
        shape = self._result.shapes.get(node_id) if self._result else None
        if shape is None or port >= len(shape.outputs):
            return None
        return shape.outputs[port]

    def node_item(self, node_id: str) -> NodeItem | None:
        """The item drawing node ``node_id``."""
        return self._nodes.get(node_id)

    def edge_item(self, edge: Edge) -> EdgeItem | None:
        """The item drawing ``edge``."""
        return self._edges.get(edge)

    def node_items(self) -> list[NodeItem]:
        """Every node item, in graph order."""
        return list(self._nodes.values())

    def edge_items(self) -> list[EdgeItem]:
        """Every wire item."""
        return list(self._edges.values())

    def selected_node_ids(self) -> list[str]:
        """Ids of the selected nodes, in graph order."""
        return [node_id for node_id, item in self._nodes.items() if item.isSelected()]

    def selected_edges(self) -> list[Edge]:
        """The selected wires' edges."""
        return [edge for edge, item in self._edges.items() if item.isSelected()]

    def select_nodes(self, node_ids: Iterable[str]) -> None:
        """Select exactly these nodes."""
        self.clearSelection()
        for node_id in node_ids:
            item = self._nodes.get(node_id)
            if item is not None:
                item.setSelected(True)

    def try_push(self, edit: Edit) -> bool:
        """Hand ``edit`` to ``push``; a refusal becomes a ``message`` instead of an exception."""
        try:
            self.push(edit)
        except (GraphError, ValueError, KeyError) as error:
            self.message.emit(str(error))
            return False
        return True

    def snap_point(self, point: QPointF) -> QPointF:
        """``point`` on the grid when snapping is on."""
        if not self.snap:
            return point
        return QPointF(round(point.x() / GRID) * GRID, round(point.y() / GRID) * GRID)

    # ------------------------------------------------------ graph events
    def _build(self) -> None:
        for node in self.graph:
            self._add_node_item(node)
        for edge in self.graph.edges:
            self._add_edge_item(edge)

    def _add_node_item(self, node: Node) -> NodeItem:
        item = NodeItem(node, self.fonts)
        self._nodes[node.id] = item
        self._refresh(node)
        self.addItem(item)
        return item

    def _refresh(self, node: Node) -> None:
        item = self._nodes[node.id]
        used_in = max((e.target_port + 1 for e in self.graph.incoming(node.id)), default=0)
        used_out = max((e.source_port + 1 for e in self.graph.outgoing(node.id)), default=1)
        item.refresh(node, self.spec(node.type), used_in, used_out)
        for port in item.inputs:
            port.connected = False
        for edge in self.graph.incoming(node.id):
            if edge.target_port < len(item.inputs):
                item.inputs[edge.target_port].connected = True
        for port in item.outputs:
            port.connected = bool(self.graph.outgoing(node.id))
        self._check_node(node.id, item)

    def _check_node(self, node_id: str, item: NodeItem) -> None:
        shape = self._result.shapes.get(node_id) if self._result else None
        item.set_check(shape, self._node_problems.get(node_id, ()))

    def _check_edge(self, edge: Edge, item: EdgeItem) -> None:
        shape = self.output_shape(edge.source, edge.source_port)
        item.set_check(format_shape(shape) if shape is not None else "", self._edge_problems.get(edge, ()))

    def _add_edge_item(self, edge: Edge) -> None:
        source, target = self._nodes[edge.source], self._nodes[edge.target]
        item = EdgeItem(edge, source, target, self.fonts)
        self._edges[edge] = item
        source.edges.append(item)
        target.edges.append(item)
        self.addItem(item)
        self._check_edge(edge, item)

    def _on_node_added(self, node: Node) -> None:
        self._add_node_item(node)
        self.node_count_changed.emit(len(self._nodes))

    def _on_node_removed(self, node: Node) -> None:
        item = self._nodes.pop(node.id, None)
        if item is not None:
            self.removeItem(item)
        self.node_count_changed.emit(len(self._nodes))

    def _on_edge_added(self, edge: Edge) -> None:
        self._add_edge_item(edge)
        self._refresh(self.graph.node(edge.source))
        self._refresh(self.graph.node(edge.target))

    def _on_edge_removed(self, edge: Edge) -> None:
        item = self._edges.pop(edge, None)
        if item is None:
            return
        for end in (item.source, item.target):
            if item in end.edges:
                end.edges.remove(item)
        self.removeItem(item)
        for node_id in (edge.source, edge.target):
            if node_id in self.graph:
                self._refresh(self.graph.node(node_id))

    def _on_node_changed(self, node: Node, *_: Any) -> None:
        self._refresh(node)

    def _on_node_moved(self, node: Node, _old: Any) -> None:
        item = self._nodes[node.id]
        target = QPointF(*node.position)
        if item.pos() != target:
            item.setPos(target)

    # ---------------------------------------------------------- gestures
    def port_at(self, scene_pos: QPointF, want_output: bool | None = None) -> PortItem | None:
        """The port under ``scene_pos`` (or within a few pixels of it)."""
        near = self.items(
            scene_pos.x() - PORT_GRAB, scene_pos.y() - PORT_GRAB, 2 * PORT_GRAB, 2 * PORT_GRAB,
            Qt.ItemSelectionMode.IntersectsItemShape, Qt.SortOrder.DescendingOrder, QTransform(),
        )
        best: PortItem | None = None
        best_distance = PORT_GRAB * PORT_GRAB * 2
        for item in near:
            if not isinstance(item, PortItem) or (want_output is not None and item.is_output != want_output):
                continue
            delta = item.scenePos() - scene_pos
            distance = delta.x() ** 2 + delta.y() ** 2
            if distance < best_distance:
                best, best_distance = item, distance
        return best

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Start a wire from a port, or let Qt select and start moving nodes."""
        if event.button() == Qt.MouseButton.LeftButton:
            port = self.port_at(event.scenePos())
            if port is not None and self._start_wire(port):
                event.accept()
                return
        super().mousePressEvent(event)
        grabber = self.mouseGrabberItem()
        self._dragging_nodes = isinstance(grabber, NodeItem) and event.button() == Qt.MouseButton.LeftButton
        if self._dragging_nodes:
            self._grabbed = grabber  # type: ignore[assignment]
            for item in self._moving_items():
                item.snap_to = GRID if self.snap else None

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Drag the loose wire, lighting up the port it would land on."""
        if self._wire is None:
            super().mouseMoveEvent(event)
            return
        self._wire.set_end(event.scenePos())
        port = self.port_at(event.scenePos(), want_output=False)
        if port is not None and port.node_id == self._wire_source[0]:  # type: ignore[index]
            port = None
        if port is not self._hot_port:
            if self._hot_port is not None:
                self._hot_port.set_hot(False)
            if port is not None:
                port.set_hot(True)
            self._hot_port = port
        event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Finish a wire (connect, reconnect, disconnect or offer layers) or a move (one undo step)."""
        if self._wire is not None and event.button() == Qt.MouseButton.LeftButton:
            self._finish_wire(event.scenePos())
            event.accept()
            return
        super().mouseReleaseEvent(event)
        if self._dragging_nodes and event.button() == Qt.MouseButton.LeftButton:
            self._dragging_nodes = False
            self._commit_moves()

    def _moving_items(self) -> list[NodeItem]:
        """The nodes a drag moves: the selected ones and the one grabbed."""
        items = [item for item in self.selectedItems() if isinstance(item, NodeItem)]
        if self._grabbed is not None and self._grabbed not in items:
            items.append(self._grabbed)
        return items

    def _commit_moves(self) -> None:
        moves: list[Edit] = []
        items, self._grabbed = self._moving_items(), None
        for item in items:
            item.snap_to = None
            if item.node_id not in self.graph:
                continue
            node = self.graph.node(item.node_id)
            new = (item.pos().x(), item.pos().y())
            if new != node.position:
                moves.append(Move(item.node_id, new, old=node.position))
        if moves:
            count = len(moves)
            if not self.try_push(Compound(moves, f"Move {count} node{'s' if count > 1 else ''}")):
                for move in moves:  # put the items back where the graph says they are
                    self._on_node_moved(self.graph.node(move.node_id), None)  # type: ignore[attr-defined]

    def _start_wire(self, port: PortItem) -> bool:
        if port.is_output:
            self._wire_source = (port.node_id, port.index)
        else:
            edge = next((e for e in self.graph.incoming(port.node_id) if e.target_port == port.index), None)
            if edge is None:
                return False
            self._detached = edge
            self._wire_source = (edge.source, edge.source_port)
            self._edges[edge].hide()
        source = self._nodes[self._wire_source[0]]
        start = source.output_pos(self._wire_source[1])
        self._wire = DragWireItem(start, self.palette().color(QPalette.ColorRole.Highlight))
        self.addItem(self._wire)
        return True

    def _finish_wire(self, scene_pos: QPointF) -> None:
        assert self._wire is not None and self._wire_source is not None
        source_id, source_port = self._wire_source
        detached = self._detached
        self.removeItem(self._wire)
        self._wire, self._wire_source, self._detached = None, None, None
        if self._hot_port is not None:
            self._hot_port.set_hot(False)
            self._hot_port = None
        if detached is not None and detached in self._edges:
            self._edges[detached].show()
        target = self.port_at(scene_pos, want_output=False) or self._free_input_at(scene_pos)
        if target is not None:
            if target.node_id != source_id:  # let go on its own node: nothing to do
                self.connect_ports(source_id, source_port, target.node_id, target.index, detached)
        elif detached is not None:
            self.try_push(Disconnect(detached))
        else:
            self.wire_dropped.emit(source_id, source_port, scene_pos)

    def _free_input_at(self, scene_pos: QPointF) -> PortItem | None:
        """A wire let go over a node's body goes to its first free input (else its first input)."""
        node = next((i for i in self.items(scene_pos) if isinstance(i, NodeItem)), None)
        if node is None or not node.inputs:
            return None
        taken = {e.target_port for e in self.graph.incoming(node.node_id)}
        return next((port for port in node.inputs if port.index not in taken), node.inputs[0])

    def connect_ports(
        self,
        source_id: str,
        source_port: int,
        target_id: str,
        target_port: int,
        replacing: Edge | None = None,
    ) -> bool:
        """Connect an output to an input as one undo step, replacing what fed that input."""
        edge = Edge(source_id, target_id, target_port, source_port)
        if edge == replacing or edge in self._edges:
            return False
        edits: list[Edit] = []
        if replacing is not None:
            edits.append(Disconnect(replacing))
        occupant = next((e for e in self.graph.incoming(target_id) if e.target_port == target_port), None)
        if occupant is not None and occupant != replacing:
            edits.append(Disconnect(occupant))
        edits.append(Connect(edge))
        return self.try_push(edits[0] if len(edits) == 1 else Compound(edits, "Reconnect"))

    # ------------------------------------------------------------ events
    def event(self, event: QEvent) -> bool:
        """Redraw every node when the palette changes (light and dark themes)."""
        if event.type() == QEvent.Type.PaletteChange:
            for item in self._nodes.values():
                item.update()
        return super().event(event)
