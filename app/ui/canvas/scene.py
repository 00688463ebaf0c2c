"""``GraphScene``: the graph drawn as node and wire items, and the gestures on them.

The scene mirrors the graph through its events, touching only the items an
event names: adding a node adds one item, a param change refreshes one node,
so a 500-node graph stays quick to edit. It keeps no copy of the truth: every
gesture (connecting ports, dropping a wire, finishing a drag) becomes an
``Edit`` handed to ``push``, and the graph's events then update the items.

During a drag only the items move; the graph hears of it once, at mouse
release, as one ``Compound`` of ``Move`` edits.

Groups (blocks) are drawn by ``app.ui.canvas.blocks``: a frame around an
expanded group, one block node for a collapsed one. Wires crossing a
collapsed group's border are rerouted to the block's ports; wires inside it
are hidden. A group is redrawn whenever an event touches it (its
``group_changed``, an edge or move of a member), and only then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QImage, QPalette, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene, QGraphicsSceneMouseEvent

from app.core.blocks import block_boundary
from app.core.catalog import Catalog, LayerSpec
from app.core.edits import Compound, Connect, Disconnect, Edit, Move, SetGroupCollapsed
from app.core.graph import Edge, Graph, GraphError, Group, Node
from app.core.shapes import NodeShape, Shape, format_shape
from app.core.validation import CheckResult, Problem
from app.ui.canvas.blocks import BlockNodeItem, GroupFrameItem
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
        self._wire_target: tuple[str, int] | None = None  # a wire drawn backwards, from a free input
        self._hot_port: PortItem | None = None
        self._dragging_nodes = False
        self._grabbed: NodeItem | None = None
        self._wire_from: NodeItem | None = None  # the item the loose wire starts at
        self._frames: dict[str, GroupFrameItem] = {}  # expanded groups
        self._blocks: dict[str, BlockNodeItem] = {}  # collapsed groups
        self._members: dict[str, tuple[str, ...]] = {}  # each group's members as last drawn
        self._frame_drag: tuple[QPointF, dict[NodeItem, QPointF]] | None = None
        self._handlers = {
            graph.node_added: self._on_node_added,
            graph.node_removed: self._on_node_removed,
            graph.edge_added: self._on_edge_added,
            graph.edge_removed: self._on_edge_removed,
            graph.param_changed: self._on_node_changed,
            graph.node_renamed: self._on_node_changed,
            graph.node_moved: self._on_node_moved,
            graph.group_changed: self._on_group_changed,
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
        for group_id, block in self._blocks.items():
            self._check_block(group_id, block)

    def set_previews(self, previews: dict[str, QImage]) -> None:
        """Show each node's preview thumbnail (nodes left out of ``previews`` show none)."""
        for node_id, item in self._nodes.items():
            item.set_preview(previews.get(node_id))

    def result(self) -> CheckResult | None:
        """The check result shown, or None before the first."""
        return self._result

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

    def set_badges(self, badges: dict[str, tuple[str, Any, str]], kind: str = "health") -> None:
        """Badges of ``kind`` by node id (``(text, colour or None, tooltip)``); other nodes lose theirs."""
        for node_id, item in self._nodes.items():
            item.set_badge(*badges.get(node_id, ("", None, "")), kind=kind)

    def edge_item(self, edge: Edge) -> EdgeItem | None:
        """The item drawing ``edge``."""
        return self._edges.get(edge)

    def node_items(self) -> list[NodeItem]:
        """Every node item, in graph order."""
        return list(self._nodes.values())

    def edge_items(self) -> list[EdgeItem]:
        """Every wire item."""
        return list(self._edges.values())

    def block_item(self, group_id: str) -> BlockNodeItem | None:
        """The block node drawing collapsed group ``group_id``."""
        return self._blocks.get(group_id)

    def frame_item(self, group_id: str) -> GroupFrameItem | None:
        """The frame drawn around expanded group ``group_id``."""
        return self._frames.get(group_id)

    def block_items(self) -> list[BlockNodeItem]:
        """Every block node (one per collapsed group)."""
        return list(self._blocks.values())

    def frame_items(self) -> list[GroupFrameItem]:
        """Every group frame (one per expanded group)."""
        return list(self._frames.values())

    def selected_node_ids(self) -> list[str]:
        """Ids of the selected nodes, in graph order; a selected block counts as all its members."""
        blocks = {group_id for group_id, block in self._blocks.items() if block.isSelected()}
        if not blocks:
            return [node_id for node_id, item in self._nodes.items() if item.isSelected()]
        group_of = self.graph.group_of
        return [
            node_id for node_id, item in self._nodes.items()
            if item.isSelected() or getattr(group_of(node_id), "id", None) in blocks
        ]

    def selected_groups(self) -> list[str]:
        """Ids of the groups that hold a selected node (or are a selected block), in group order."""
        chosen = {getattr(self.graph.group_of(node_id), "id", None) for node_id in self.selected_node_ids()}
        return [group.id for group in self.graph.groups if group.id in chosen]

    def selected_edges(self) -> list[Edge]:
        """The selected wires' edges."""
        return [edge for edge, item in self._edges.items() if item.isSelected()]

    def select_nodes(self, node_ids: Iterable[str]) -> None:
        """Select exactly these nodes."""
        self.clearSelection()
        for node_id in node_ids:
            item = self.drawn_item(node_id)
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
        for group in self.graph.groups:
            self._sync_group(group.id)

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
        if self._blocks:
            self._route_edge(edge)

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
        self._sync_collapsed_groups_of(edge)

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
        self._sync_collapsed_groups_of(edge)

    def _on_node_changed(self, node: Node, *_: Any) -> None:
        self._refresh(node)

    def _on_node_moved(self, node: Node, _old: Any) -> None:
        item = self._nodes[node.id]
        target = QPointF(*node.position)
        if item.pos() != target:
            item.setPos(target)
        group = self.graph.group_of(node.id)
        if group is not None and group.id in self._blocks:
            self._blocks[group.id].place(self._centroid(group))

    def _on_group_changed(self, group: Group) -> None:
        self._sync_group(group.id)

    # ------------------------------------------------------------ groups
    def drawn_item(self, node_id: str) -> NodeItem | None:
        """The item node ``node_id`` is seen as: its own, or its collapsed group's block node."""
        group = self.graph.group_of(node_id)
        if group is not None and group.id in self._blocks:
            return self._blocks[group.id]
        return self._nodes.get(node_id)

    def _drawn_end(self, node_id: str, port: int, is_output: bool) -> tuple[NodeItem, int]:
        """The item and port index where a wire to ``(node_id, port)`` is drawn."""
        group = self.graph.group_of(node_id) if self._blocks else None
        block = self._blocks.get(group.id) if group is not None else None
        if block is None:
            return self._nodes[node_id], port
        ends = block.output_ends if is_output else block.input_ends
        return block, ends.index((node_id, port)) if (node_id, port) in ends else 0

    def _route_edge(self, edge: Edge) -> None:
        """Draw ``edge`` between the items its ends are seen as; hide it inside a collapsed block."""
        item = self._edges.get(edge)
        if item is None:
            return
        source, source_index = self._drawn_end(edge.source, edge.source_port, True)
        target, target_index = self._drawn_end(edge.target, edge.target_port, False)
        for old, new in ((item.source, source), (item.target, target)):
            if old is not new:
                if item in old.edges:
                    old.edges.remove(item)
                new.edges.append(item)
        item.source, item.target = source, target
        item.source_index, item.target_index = source_index, target_index
        item.twin = False
        item.setVisible(source is not target)
        item.update_path()

    def _sync_collapsed_groups_of(self, edge: Edge) -> None:
        """An edge at a collapsed group's member changes the block's ports: redraw the block."""
        if not self._blocks:
            return
        for node_id in (edge.source, edge.target):
            group = self.graph.group_of(node_id)
            if group is not None and group.collapsed:
                self._sync_group(group.id)

    def _sync_group(self, group_id: str) -> None:
        """Redraw group ``group_id`` as the graph has it now: a frame, a block, or (gone) nothing."""
        old = self._members.pop(group_id, ())
        group = self.graph.group(group_id) if self.graph.has_group(group_id) else None
        members = group.node_ids if group is not None else ()
        for node_id in old:
            item = self._nodes.get(node_id)
            if item is not None and node_id not in members:
                item.frame = None
                item.show()
        frame = self._frames.pop(group_id, None)
        if frame is not None and (group is None or group.collapsed):
            for item in frame.members:
                if item.frame is frame:
                    item.frame = None
            self.removeItem(frame)
            frame = None
        block = self._blocks.pop(group_id, None)
        if block is not None and (group is None or not group.collapsed):
            if self._grabbed is block:
                self._grabbed = None
            self.removeItem(block)
            block = None
        if group is not None:
            self._members[group_id] = members
            items = [self._nodes[node_id] for node_id in members if node_id in self._nodes]
            if group.collapsed:
                self._blocks[group_id] = self._draw_block(group, items, block)
            else:
                self._frames[group_id] = self._draw_frame(group, items, frame)
        for node_id in dict.fromkeys((*old, *members)):
            if node_id in self.graph:
                for edge in self.graph.incoming(node_id) + self.graph.outgoing(node_id):
                    self._route_edge(edge)
        if group_id in self._blocks:
            self._mark_twins(self._blocks[group_id])

    def _mark_twins(self, block: BlockNodeItem) -> None:
        """Wires bringing the same tensor into a block show its shape once."""
        seen: set[tuple[int, int]] = set()
        for wire in block.edges:
            if wire.target is block:
                key = (id(wire.source), wire.source_index)
                if key in seen:
                    wire.twin = True
                    wire.update_path()
                seen.add(key)

    def _draw_frame(
        self, group: Group, items: list[NodeItem], frame: GroupFrameItem | None
    ) -> GroupFrameItem:
        if frame is None:
            frame = GroupFrameItem(group.id, self.fonts)
            self.addItem(frame)
        for item in frame.members:
            if item.frame is frame and item not in items:
                item.frame = None
        for item in items:
            item.frame = frame
            item.show()
        frame.set_group(group.name, items)
        return frame

    def _draw_block(self, group: Group, items: list[NodeItem], block: BlockNodeItem | None) -> BlockNodeItem:
        if block is None:
            block = BlockNodeItem(group, self.fonts)
            self.addItem(block)
        for item in items:
            item.frame = None
            item.setSelected(False)
            item.hide()
        graph = self.graph
        entering, leaving = block_boundary(graph, group.id)
        input_ends = [(e.target, e.target_port) for e in entering]
        output_ends = list(dict.fromkeys((e.source, e.source_port) for e in leaving))
        if not output_ends:  # the model's last layers: offer the block's sink to wire on from
            sinks = [node_id for node_id in group.node_ids if not graph.outgoing(node_id)]
            output_ends = [((sinks or list(group.node_ids))[-1], 0)]
        name = graph.node
        input_tips = [f"input {i}: into {name(n).name} (port {p})" for i, (n, p) in enumerate(input_ends)]
        output_tips = [f"output {i}: from {name(n).name}" for i, (n, p) in enumerate(output_ends)]
        members = [name(node_id).name for node_id in group.node_ids]
        block.set_block(group.name, members, input_ends, output_ends, (input_tips, output_tips))
        for port in block.inputs:
            port.connected = True
        for port, (node_id, index) in zip(block.outputs, output_ends):
            port.connected = any(e.source_port == index for e in graph.outgoing(node_id))
        block.place(self._centroid(group))
        self._check_block(group.id, block)
        return block

    def _centroid(self, group: Group) -> QPointF:
        positions = [self.graph.node(node_id).position for node_id in group.node_ids]
        count = max(1, len(positions))
        return QPointF(sum(p[0] for p in positions) / count, sum(p[1] for p in positions) / count)

    def _check_block(self, group_id: str, block: BlockNodeItem) -> None:
        """The block's output shapes and its members' params and problems, from the last check."""
        if self._result is None:
            block.set_block_check(None, ())
            return
        group = self.graph.group(group_id)
        shapes = [self._result.shapes.get(node_id) for node_id in group.node_ids]
        outputs = [self.output_shape(node_id, port) for node_id, port in block.output_ends]
        problems = [p for node_id in group.node_ids for p in self._node_problems.get(node_id, ())]
        if any(shape is None for shape in outputs) or any(s is None or s.error for s in shapes):
            summary = NodeShape(error="unknown")
        else:
            summary = NodeShape(
                outputs=tuple(outputs),  # type: ignore[arg-type]
                trainable_params=sum(s.trainable_params for s in shapes),  # type: ignore[union-attr]
                non_trainable_params=sum(s.non_trainable_params for s in shapes),  # type: ignore[union-attr]
            )
        block.set_block_check(summary, problems)

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
        """Start a wire from a port, grab a block's frame, or let Qt select and start moving nodes."""
        if event.button() == Qt.MouseButton.LeftButton:
            port = self.port_at(event.scenePos())
            if port is not None and self._start_wire(port):
                event.accept()
                return
            frame = self.frame_at(event.scenePos())
            if frame is not None:
                self._press_frame(frame, event)
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
        """Drag the loose wire, lighting up the port it would land on, or a block by its frame."""
        if self._frame_drag is not None:
            self._drag_frame(event.scenePos())
            event.accept()
            return
        if self._wire is None:
            super().mouseMoveEvent(event)
            return
        self._wire.set_end(event.scenePos())
        port = self.port_at(event.scenePos(), want_output=self._wire_target is not None)
        if port is not None and port.node_item is self._wire_from:
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
        if self._frame_drag is not None and event.button() == Qt.MouseButton.LeftButton:
            items = list(self._frame_drag[1])
            self._frame_drag = None
            self._commit_item_moves(items)
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
        items, self._grabbed = self._moving_items(), None
        self._commit_item_moves(items)

    def _commit_item_moves(self, items: list[NodeItem]) -> None:
        """Tell the graph where dragged items went, as one step (a block moves all its members)."""
        moves: list[Edit] = []
        blocks: list[BlockNodeItem] = []
        for item in items:
            item.snap_to = None
            if isinstance(item, BlockNodeItem):
                blocks.append(item)
                moves += self._block_moves(item)
                continue
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
        for block in blocks:
            if block.scene() is self:
                block.place(block.home)

    def _block_moves(self, block: BlockNodeItem) -> list[Edit]:
        delta = block.pos() - block.home
        if delta.isNull() or not self.graph.has_group(block.group_id):
            return []
        moves: list[Edit] = []
        for node_id in self.graph.group(block.group_id).node_ids:
            x, y = self.graph.node(node_id).position
            moves.append(Move(node_id, (x + delta.x(), y + delta.y()), old=(x, y)))
        return moves

    def frame_at(self, scene_pos: QPointF) -> GroupFrameItem | None:
        """The group frame whose header is the top item at ``scene_pos``."""
        top = next((item for item in self.items(scene_pos) if item.isVisible()), None)
        return top if isinstance(top, GroupFrameItem) else None

    def _press_frame(self, frame: GroupFrameItem, event: QGraphicsSceneMouseEvent) -> None:
        """The collapse button collapses; elsewhere the header selects the members and drags them."""
        if frame.button_rect().contains(event.scenePos()):
            self.try_push(SetGroupCollapsed(frame.group_id, True))
            return
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.clearSelection()
        for item in frame.members:
            item.setSelected(True)
        self._frame_drag = (event.scenePos(), {item: item.pos() for item in frame.members})

    def _drag_frame(self, scene_pos: QPointF) -> None:
        start, items = self._frame_drag  # type: ignore[misc]
        delta = scene_pos - start
        if self.snap:
            delta = QPointF(round(delta.x() / GRID) * GRID, round(delta.y() / GRID) * GRID)
        for item, origin in items.items():
            item.setPos(origin + delta)

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        """Double-click a block to expand it, or a block's frame header to collapse it."""
        if event.button() == Qt.MouseButton.LeftButton:
            top = next((item for item in self.items(event.scenePos()) if item.isVisible()), None)
            while isinstance(top, QGraphicsItem) and top.parentItem() is not None:
                top = top.parentItem()
            if isinstance(top, BlockNodeItem):
                self.try_push(SetGroupCollapsed(top.group_id, False))
                event.accept()
                return
            if isinstance(top, GroupFrameItem):
                self.try_push(SetGroupCollapsed(top.group_id, True))
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def _start_wire(self, port: PortItem) -> bool:
        node_id, index = port.endpoint
        if port.is_output:
            self._wire_source = (node_id, index)
        else:
            edge = next((e for e in self.graph.incoming(node_id) if e.target_port == index), None)
            if edge is None:
                return self._start_backward_wire(port)
            self._detached = edge
            self._wire_source = (edge.source, edge.source_port)
            self._edges[edge].hide()
        source, source_index = self._drawn_end(*self._wire_source, True)
        self._wire_from = source
        start = source.output_pos(source_index)
        self._wire = DragWireItem(start, self.palette().color(QPalette.ColorRole.Highlight))
        self.addItem(self._wire)
        return True

    def _start_backward_wire(self, port: PortItem) -> bool:
        """From a free input, a wire is drawn back to the output that should feed it."""
        self._wire_target = port.endpoint
        self._wire_from = port.node_item
        self._wire = DragWireItem(port.scenePos(), self.palette().color(QPalette.ColorRole.Highlight),
                                  backward=True)
        self.addItem(self._wire)
        return True

    def _finish_backward_wire(self, scene_pos: QPointF) -> None:
        assert self._wire is not None and self._wire_target is not None
        target_id, target_port = self._wire_target
        own = self._wire_from
        self.cancel_wire()
        source = self.port_at(scene_pos, want_output=True)
        if source is not None and source.node_item is not own:
            source_id, source_port = source.endpoint
            self.connect_ports(source_id, source_port, target_id, target_port)

    @property
    def wiring(self) -> bool:
        """True while a wire is being dragged."""
        return self._wire is not None

    def cancel_wire(self) -> bool:
        """Drop the wire being dragged without changing the graph (Escape); False when there is none."""
        if self._wire is None:
            return False
        self.removeItem(self._wire)
        if self._detached is not None and self._detached in self._edges:
            self._edges[self._detached].show()
        if self._hot_port is not None:
            self._hot_port.set_hot(False)
        self._wire, self._wire_source, self._detached = None, None, None
        self._wire_from, self._hot_port, self._wire_target = None, None, None
        return True

    def nudge_selection(self, dx: float, dy: float) -> bool:
        """Move the selected nodes by (dx, dy) as one undo step (arrow keys); False when none is selected."""
        moves = []
        for node_id in self.selected_node_ids():
            old = self.graph.node(node_id).position
            moves.append(Move(node_id, (old[0] + dx, old[1] + dy), old=old))
        if not moves:
            return False
        self.try_push(moves[0] if len(moves) == 1 else Compound(moves, "Move"))
        return True

    def _finish_wire(self, scene_pos: QPointF) -> None:
        if self._wire_target is not None:
            self._finish_backward_wire(scene_pos)
            return
        assert self._wire is not None and self._wire_source is not None
        source_id, source_port = self._wire_source
        detached = self._detached
        self.removeItem(self._wire)
        self._wire, self._wire_source, self._detached = None, None, None
        source_item, self._wire_from = self._wire_from, None
        if self._hot_port is not None:
            self._hot_port.set_hot(False)
            self._hot_port = None
        if detached is not None and detached in self._edges:
            self._edges[detached].show()
        target = self.port_at(scene_pos, want_output=False) or self._free_input_at(scene_pos)
        if target is not None:
            if target.node_item is not source_item:  # let go on its own node (or block): nothing to do
                target_id, target_port = target.endpoint
                self.connect_ports(source_id, source_port, target_id, target_port, detached)
        elif detached is not None:
            self.try_push(Disconnect(detached))
        else:
            self.wire_dropped.emit(source_id, source_port, scene_pos)

    def _free_input_at(self, scene_pos: QPointF) -> PortItem | None:
        """A wire let go over a node's body goes to its first free input (else its first input)."""
        node = next((i for i in self.items(scene_pos) if isinstance(i, NodeItem)), None)
        if node is None or not node.inputs or isinstance(node, BlockNodeItem):
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
            for item in [*self._nodes.values(), *self._blocks.values(), *self._frames.values()]:
                item.update()
        return super().event(event)
