"""Undoable edits: the one gateway through which a user changes a graph.

Each ``Edit`` changes the graph through one or a few ``Graph`` methods and
knows how to revert exactly that. The editor wraps each in a
``QUndoCommand``; fixes offered by validation are edits too, so applying a
fix is one undoable step. ``Compound`` groups edits into one step (insert a
node into an edge = add node + disconnect + connect twice).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from app.core.graph import Edge, Graph, Node

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
    """Remove a node and its edges; revert restores both exactly."""

    node_id: str
    _node: Node | None = None
    _index: int = 0
    _edges: list[tuple[int, Edge]] = field(default_factory=list)

    description = "Delete node"

    def apply(self, graph: Graph) -> None:
        touching = graph.incoming(self.node_id) + graph.outgoing(self.node_id)
        self._edges = sorted((graph.edge_index(e), e) for e in touching)
        self._node = copy.deepcopy(graph.node(self.node_id))
        self._index = graph.index_of(self.node_id)
        graph.remove_node(self.node_id)

    def revert(self, graph: Graph) -> None:
        node = self._node
        assert node is not None
        graph.add_node(node.type, node.name, node.params, node.position, node.id, index=self._index)
        for index, edge in self._edges:
            graph.add_edge(edge, index=index)


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
