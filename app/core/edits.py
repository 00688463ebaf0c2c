"""Undoable edits: the one gateway through which a user changes a graph.

Each ``Edit`` changes the graph through one or a few ``Graph`` methods and
knows how to revert exactly that. The editor wraps each in a
``QUndoCommand``; fixes offered by validation are edits too, so applying a
fix is one undoable step. ``Compound`` groups edits into one step (insert a
node into an edge = add node + disconnect + connect twice). Blocks are edits
of the graph's groups: ``GroupNodes``, ``Ungroup``, ``SetGroupCollapsed``,
``RenameGroup``, ``AddToGroup`` and ``RemoveFromGroup``.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from app.core.graph import Edge, Graph, Group, Node

_MISSING = object()


class Edit:
    """An undoable change of a graph."""

    description = "Edit"

    def apply(self, graph: Graph) -> None:
        """Make the change."""
        raise NotImplementedError

    def revert(self, graph: Graph) -> None:
        """Undo the change made by the last ``apply``."""
        raise NotImplementedError


@dataclass
class AddNode(Edit):
    """Add a node; its id and name are fixed on the first apply, so redo is exact."""

    layer_type: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)
    name: str | None = None
    node_id: str | None = None

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"Add {self.layer_type}"

    def apply(self, graph: Graph) -> None:
        node = graph.add_node(self.layer_type, self.name, self.params, self.position, self.node_id)
        self.node_id, self.name = node.id, node.name

    def revert(self, graph: Graph) -> None:
        assert self.node_id is not None
        graph.remove_node(self.node_id)


@dataclass
class RemoveNode(Edit):
    """Remove a node and its edges; revert restores both exactly, and its group membership."""

    node_id: str
    _node: Node | None = None
    _index: int = 0
    _edges: list[tuple[int, Edge]] = field(default_factory=list)
    _group: Group | None = None  # the node's group as it was, restored if removal emptied it
    _group_index: int = 0

    description = "Delete node"

    def apply(self, graph: Graph) -> None:
        touching = graph.incoming(self.node_id) + graph.outgoing(self.node_id)
        self._edges = sorted((graph.edge_index(e), e) for e in touching)
        self._node = copy.deepcopy(graph.node(self.node_id))
        self._index = graph.index_of(self.node_id)
        group = graph.group_of(self.node_id)
        self._group = dataclasses.replace(group) if group else None
        self._group_index = graph.group_index(group.id) if group else 0
        graph.remove_node(self.node_id)

    def revert(self, graph: Graph) -> None:
        node = self._node
        assert node is not None
        graph.add_node(node.type, node.name, node.params, node.position, node.id, index=self._index)
        for index, edge in self._edges:
            graph.add_edge(edge, index=index)
        if self._group is not None:
            _rejoin_group(graph, node.id, self._group, self._group_index)


@dataclass
class Connect(Edit):
    """Add one edge."""

    edge: Edge
    description = "Connect"

    def apply(self, graph: Graph) -> None:
        graph.add_edge(self.edge)

    def revert(self, graph: Graph) -> None:
        graph.disconnect(self.edge)


@dataclass
class Disconnect(Edit):
    """Remove one edge."""

    edge: Edge
    description = "Disconnect"

    _index: int | None = None

    def apply(self, graph: Graph) -> None:
        self._index = graph.edge_index(self.edge)
        graph.disconnect(self.edge)

    def revert(self, graph: Graph) -> None:
        graph.add_edge(self.edge, index=self._index)


@dataclass
class SetParam(Edit):
    """Set one param of a node; ``value=None`` with ``reset=True`` returns it to the default."""

    node_id: str
    key: str
    value: Any = None
    reset: bool = False
    _old: Any = _MISSING

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"Set {self.key}"

    def apply(self, graph: Graph) -> None:
        params = graph.node(self.node_id).params
        self._old = copy.deepcopy(params[self.key]) if self.key in params else _MISSING
        if self.reset:
            graph.reset_param(self.node_id, self.key)
        else:
            graph.set_param(self.node_id, self.key, self.value)

    def revert(self, graph: Graph) -> None:
        if self._old is _MISSING:
            graph.reset_param(self.node_id, self.key)
        else:
            graph.set_param(self.node_id, self.key, self._old)


@dataclass
class Rename(Edit):
    """Give a node a new name."""

    node_id: str
    name: str
    _old: str = ""
    description = "Rename"

    def apply(self, graph: Graph) -> None:
        self._old = graph.node(self.node_id).name
        graph.rename(self.node_id, self.name)

    def revert(self, graph: Graph) -> None:
        graph.rename(self.node_id, self._old)


@dataclass
class Move(Edit):
    """Move a node; ``old`` is taken from the graph on apply unless given (a finished drag)."""

    node_id: str
    position: tuple[float, float]
    old: tuple[float, float] | None = None
    description = "Move"

    def apply(self, graph: Graph) -> None:
        if self.old is None:
            self.old = graph.node(self.node_id).position
        graph.move(self.node_id, self.position)

    def revert(self, graph: Graph) -> None:
        assert self.old is not None
        graph.move(self.node_id, self.old)


@dataclass
class GroupNodes(Edit):
    """Group nodes into a named block; the group's id is fixed on the first apply, so redo is exact."""

    name: str
    node_ids: list[str]
    collapsed: bool = False
    group_id: str | None = None

    @property
    def description(self) -> str:  # type: ignore[override]
        return f"Group as {self.name}"

    def apply(self, graph: Graph) -> None:
        group = graph.add_group(self.name, self.node_ids, self.group_id, self.collapsed)
        self.group_id = group.id

    def revert(self, graph: Graph) -> None:
        assert self.group_id is not None
        graph.remove_group(self.group_id)


@dataclass
class AddToGroup(Edit):
    """Put a node that belongs to no group into a group."""

    group_id: str
    node_id: str
    description = "Add to block"

    def apply(self, graph: Graph) -> None:
        graph.add_to_group(self.group_id, self.node_id)

    def revert(self, graph: Graph) -> None:
        graph.remove_from_group(self.node_id)


@dataclass
class RemoveFromGroup(Edit):
    """Take a node out of its group (a group left empty goes); revert puts it back exactly."""

    node_id: str
    _group: Group | None = None
    _index: int = 0
    description = "Remove from block"

    def apply(self, graph: Graph) -> None:
        group = graph.group_of(self.node_id)
        self._group = dataclasses.replace(group) if group else None
        self._index = graph.group_index(group.id) if group else 0
        graph.remove_from_group(self.node_id)

    def revert(self, graph: Graph) -> None:
        assert self._group is not None
        _rejoin_group(graph, self.node_id, self._group, self._index)


@dataclass
class Ungroup(Edit):
    """Dissolve a group (its nodes stay); revert brings it back at its place in the group order."""

    group_id: str
    _group: Group | None = None
    _index: int = 0
    description = "Ungroup"

    def apply(self, graph: Graph) -> None:
        self._index = graph.group_index(self.group_id)
        self._group = graph.remove_group(self.group_id)

    def revert(self, graph: Graph) -> None:
        group = self._group
        assert group is not None
        graph.add_group(group.name, group.node_ids, group.id, group.collapsed, index=self._index)


@dataclass
class SetGroupCollapsed(Edit):
    """Collapse a group into one block node, or expand it in place."""

    group_id: str
    collapsed: bool
    _old: bool = False

    @property
    def description(self) -> str:  # type: ignore[override]
        return "Collapse block" if self.collapsed else "Expand block"

    def apply(self, graph: Graph) -> None:
        self._old = graph.group(self.group_id).collapsed
        graph.set_group_collapsed(self.group_id, self.collapsed)

    def revert(self, graph: Graph) -> None:
        graph.set_group_collapsed(self.group_id, self._old)


@dataclass
class RenameGroup(Edit):
    """Give a group a new name."""

    group_id: str
    name: str
    _old: str = ""
    description = "Rename block"

    def apply(self, graph: Graph) -> None:
        self._old = graph.group(self.group_id).name
        graph.rename_group(self.group_id, self.name)

    def revert(self, graph: Graph) -> None:
        graph.rename_group(self.group_id, self._old)


@dataclass
class Compound(Edit):
    """Several edits applied in order and reverted in reverse order, as one step."""

    edits: list[Edit]
    description: str = "Edit"  # type: ignore[assignment]

    def apply(self, graph: Graph) -> None:
        done: list[Edit] = []
        try:
            for edit in self.edits:
                edit.apply(graph)
                done.append(edit)
        except Exception:
            for edit in reversed(done):
                edit.revert(graph)
            raise

    def revert(self, graph: Graph) -> None:
        for edit in reversed(self.edits):
            edit.revert(graph)


def _rejoin_group(graph: Graph, node_id: str, group: Group, index: int) -> None:
    """Put ``node_id`` back into ``group``, bringing the group back at ``index`` if it went."""
    if graph.has_group(group.id):
        graph.add_to_group(group.id, node_id)
    else:
        graph.add_group(group.name, [node_id], group.id, group.collapsed, index=index)


def insert_on_edge(
    graph: Graph,
    edge: Edge,
    layer_type: str,
    params: dict[str, Any] | None = None,
) -> Compound:
    """An edit that puts a new node of ``layer_type`` in the middle of ``edge``."""
    source, target = graph.node(edge.source), graph.node(edge.target)
    position = ((source.position[0] + target.position[0]) / 2, (source.position[1] + target.position[1]) / 2)
    node_id = graph.new_id()
    add = AddNode(layer_type, params or {}, position, node_id=node_id)
    return Compound(
        [
            Disconnect(edge),
            add,
            Connect(Edge(edge.source, node_id, 0, edge.source_port)),
            Connect(Edge(node_id, edge.target, edge.target_port, 0)),
        ],
        f"Insert {layer_type}",
    )
