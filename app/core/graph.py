"""The model document: a directed graph of layer nodes joined by edges.

A ``Node`` is one Keras layer (or an ``Input``): its ``type`` names a catalog
entry, its ``params`` are the non-default entries of the layer's Keras config,
and its ``position`` is where it sits on the canvas (model state, so a move
undoes like any other edit).

An ``Edge`` joins an output port of one node to an input port of another.
An input port takes at most one edge; an output port feeds any number.
Nodes with several input ports (``Add``, ``Concatenate``, attention) number
them from 0. Every node without outgoing edges is a model output.

The graph may hold states that are not a valid model (a missing input, a
cycle): editing must be possible through them. ``app.core.validation`` says
what is wrong. Structural nonsense (an edge to an unknown node, a port taken
twice, a duplicate name) is refused here with ``GraphError``.

A ``Group`` (a block on the canvas) names a set of nodes; the graph itself
stays flat, so building, checking and code generation see every layer. A
node belongs to at most one group, a group is never empty (removing its last
node removes it), and its ``collapsed`` flag only tells views how to draw it.

Every change is announced through the ``Event`` attributes, so views redraw
from the graph instead of keeping their own copy.
"""

from __future__ import annotations

import copy
import heapq
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from app.core.events import Event


class GraphError(ValueError):
    """An edit that would make the graph structurally inconsistent."""


@dataclass
class Node:
    """One layer of the model."""

    id: str
    type: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)
    position: tuple[float, float] = (0.0, 0.0)

    def to_dict(self) -> dict[str, Any]:
        """This node as plain JSON-ready data."""
        return {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "params": copy.deepcopy(self.params),
            "position": [float(self.position[0]), float(self.position[1])],
        }


@dataclass(frozen=True)
class Edge:
    """A connection from ``source``'s output port to ``target``'s input port."""

    source: str
    target: str
    target_port: int = 0
    source_port: int = 0

    def to_dict(self) -> dict[str, Any]:
        """This edge as plain JSON-ready data."""
        return {
            "source": self.source,
            "source_port": self.source_port,
            "target": self.target,
            "target_port": self.target_port,
        }

    def __str__(self) -> str:
        return f"{self.source}[{self.source_port}] -> {self.target}[{self.target_port}]"


@dataclass
class Group:
    """A named set of nodes that views may draw collapsed into one block node.

    ``node_ids`` follow the graph's node order, so a removed node that comes
    back lands where it was.
    """

    id: str
    name: str
    node_ids: tuple[str, ...]
    collapsed: bool = False

    def to_dict(self) -> dict[str, Any]:
        """This group as plain JSON-ready data."""
        return {
            "id": self.id,
            "name": self.name,
            "node_ids": list(self.node_ids),
            "collapsed": self.collapsed,
        }


_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def is_valid_name(name: object) -> bool:
    """True for a usable node, group or block name: letters, digits, '_', '.' or '-', no leading digit."""
    return isinstance(name, str) and _NAME_RE.fullmatch(name) is not None


def default_name_stem(layer_type: str) -> str:
    """The stem Keras would use for a layer's automatic name: ``Conv2D`` -> ``conv2d``."""
    stem = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", layer_type).lower()
    return stem.replace("2_d", "2d").replace("1_d", "1d").replace("3_d", "3d")


class Graph:
    """A directed graph of layers; the single source of truth for a model.

    Events (each called with the arguments shown):

    - ``node_added(node)``, ``node_removed(node)``
    - ``edge_added(edge)``, ``edge_removed(edge)``
    - ``param_changed(node, key)`` after a param is set or reset
    - ``node_renamed(node, old_name)``, ``node_moved(node, old_position)``
    - ``group_changed(group)`` after a group is added, removed, renamed,
      collapsed or expanded, or gains or loses a node (a removed group is no
      longer in ``groups``)
    - ``changed()`` after any of the above
    """

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}
        self._edges: dict[Edge, None] = {}  # an ordered set
        self._in: dict[str, list[Edge]] = {}
        self._out: dict[str, list[Edge]] = {}
        self._next_id = 1
        self._groups: dict[str, Group] = {}
        self._group_of: dict[str, str] = {}  # node id -> group id
        self._next_group_id = 1
        self.node_added = Event()
        self.node_removed = Event()
        self.edge_added = Event()
        self.edge_removed = Event()
        self.param_changed = Event()
        self.node_renamed = Event()
        self.node_moved = Event()
        self.group_changed = Event()
        self.changed = Event()

    # ----------------------------------------------------------------- queries
    @property
    def nodes(self) -> list[Node]:
        """All nodes, in the order they were added."""
        return list(self._nodes.values())

    @property
    def edges(self) -> list[Edge]:
        """All edges, in the order they were added."""
        return list(self._edges)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self._nodes.values()))

    def index_of(self, node_id: str) -> int:
        """The place of ``node_id`` in the node order."""
        return list(self._nodes).index(node_id)

    def edge_index(self, edge: Edge) -> int:
        """The place of ``edge`` in the edge order."""
        return list(self._edges).index(edge)

    def node(self, node_id: str) -> Node:
        """The node with ``node_id``; ``GraphError`` if there is none."""
        try:
            return self._nodes[node_id]
        except KeyError:
            raise GraphError(f"No node with id {node_id!r}.") from None

    def find(self, name: str) -> Node | None:
        """The node called ``name``, or None."""
        for node in self._nodes.values():
            if node.name == name:
                return node
        return None

    def incoming(self, node_id: str) -> list[Edge]:
        """Edges into ``node_id``, ordered by input port."""
        return sorted(self._in.get(node_id, ()), key=lambda e: e.target_port)

    def outgoing(self, node_id: str) -> list[Edge]:
        """Edges out of ``node_id``, in the order they were added."""
        return list(self._out.get(node_id, ()))

    def predecessors(self, node_id: str) -> list[str]:
        """Ids of the nodes feeding ``node_id``, by input port."""
        return [e.source for e in self.incoming(node_id)]

    def successors(self, node_id: str) -> list[str]:
        """Ids of the nodes fed by ``node_id`` (without repeats)."""
        return list(dict.fromkeys(e.target for e in self.outgoing(node_id)))

    def inputs(self) -> list[Node]:
        """The ``Input`` nodes, in the order they were added."""
        return [n for n in self._nodes.values() if n.type == "Input"]

    def outputs(self) -> list[Node]:
        """Nodes whose output feeds nothing: the model's outputs."""
        return [n for n in self._nodes.values() if not self._out.get(n.id) and n.type != "Input"]

    def topological_order(self) -> list[str] | None:
        """Node ids so that every edge points forward, or None if there is a cycle.

        Among nodes that are ready at the same time, insertion order wins, so
        the order is stable across saves and loads.
        """
        indegree = {node_id: len(self._in.get(node_id, ())) for node_id in self._nodes}
        rank = {node_id: i for i, node_id in enumerate(self._nodes)}
        ready = [(rank[i], i) for i, degree in indegree.items() if degree == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, node_id = heapq.heappop(ready)
            order.append(node_id)
            for edge in self._out.get(node_id, ()):
                indegree[edge.target] -= 1
                if indegree[edge.target] == 0:
                    heapq.heappush(ready, (rank[edge.target], edge.target))
        return order if len(order) == len(self._nodes) else None

    def find_cycle(self) -> list[str]:
        """The ids along one cycle (first id repeated at the end), or []."""
        children = {node_id: self.successors(node_id) for node_id in self._nodes}
        state: dict[str, int] = {}
        for start in self._nodes:
            if start in state:
                continue
            stack: list[tuple[str, Iterator[str]]] = [(start, iter(children[start]))]
            path = [start]
            state[start] = 1
            while stack:
                node_id, it = stack[-1]
                child = next(it, None)
                if child is None:
                    stack.pop()
                    path.pop()
                    state[node_id] = 2
                elif state.get(child) == 1:
                    return path[path.index(child) :] + [child]
                elif child not in state:
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(children[child])))
        return []

    def downstream(self, node_id: str) -> set[str]:
        """``node_id`` and every node reachable from it."""
        seen = {node_id}
        todo = [node_id]
        while todo:
            for child in self.successors(todo.pop()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    @property
    def groups(self) -> list[Group]:
        """All groups, in their order."""
        return list(self._groups.values())

    def group(self, group_id: str) -> Group:
        """The group with ``group_id``; ``GraphError`` if there is none."""
        try:
            return self._groups[group_id]
        except KeyError:
            raise GraphError(f"No group with id {group_id!r}.") from None

    def has_group(self, group_id: str) -> bool:
        """True when the graph has a group with ``group_id``."""
        return group_id in self._groups

    def group_index(self, group_id: str) -> int:
        """The place of ``group_id`` in the group order."""
        return list(self._groups).index(group_id)

    def group_of(self, node_id: str) -> Group | None:
        """The group that holds ``node_id``, or None (also for an unknown node)."""
        group_id = self._group_of.get(node_id)
        return self._groups[group_id] if group_id is not None else None

    def find_group(self, name: str) -> Group | None:
        """The group called ``name``, or None."""
        for group in self._groups.values():
            if group.name == name:
                return group
        return None

    # ----------------------------------------------------------------- edits
    def new_id(self) -> str:
        """An id no node of this graph has."""
        while f"n{self._next_id}" in self._nodes:
            self._next_id += 1
        return f"n{self._next_id}"

    def new_group_id(self) -> str:
        """An id no group of this graph has: ``g1``, ``g2``, ..."""
        while f"g{self._next_group_id}" in self._groups:
            self._next_group_id += 1
        return f"g{self._next_group_id}"

    def unique_group_name(self, stem: str) -> str:
        """``stem`` if no group has it, else ``stem_2``, ``stem_3``, ..."""
        return unique_stem(stem, {g.name for g in self._groups.values()})

    def unique_name(self, stem: str) -> str:
        """``stem`` if free, else ``stem_2``, ``stem_3``, ..."""
        return unique_stem(stem, {n.name for n in self._nodes.values()})

    def add_node(
        self,
        layer_type: str,
        name: str | None = None,
        params: dict[str, Any] | None = None,
        position: tuple[float, float] = (0.0, 0.0),
        node_id: str | None = None,
        index: int | None = None,
    ) -> Node:
        """Add a node and return it; name and id are made unique when not given.

        ``index`` puts the node at that place in the node order (undo uses it
        to restore a deleted node exactly); by default it goes last.
        """
        node_id = node_id or self.new_id()
        if node_id in self._nodes:
            raise GraphError(f"A node with id {node_id!r} already exists.")
        name = name or self.unique_name(default_name_stem(layer_type))
        self._check_name(name)
        node = Node(node_id, layer_type, name, copy.deepcopy(params or {}), _point(position))
        self._nodes[node_id] = node
        if index is not None and index < len(self._nodes) - 1:
            items = list(self._nodes.items())
            items.insert(index, items.pop())
            self._nodes = dict(items)
        self.node_added.emit(node)
        self.changed.emit()
        return node

    def remove_node(self, node_id: str) -> Node:
        """Remove a node and every edge touching it; return the node.

        The node leaves its group, and a group left empty is removed.
        """
        node = self.node(node_id)
        for edge in self._in.get(node_id, []) + self._out.get(node_id, []):
            self._remove_edge(edge)
        if node_id in self._group_of:
            self._leave_group(node_id)
        del self._nodes[node_id]
        self._in.pop(node_id, None)
        self._out.pop(node_id, None)
        self.node_removed.emit(node)
        self.changed.emit()
        return node

    def connect(self, source: str, target: str, target_port: int = 0, source_port: int = 0) -> Edge:
        """Join ``source``'s output port to ``target``'s input port and return the edge."""
        edge = Edge(source, target, target_port, source_port)
        self.add_edge(edge)
        return edge

    def add_edge(self, edge: Edge, index: int | None = None) -> None:
        """Add an edge; the target port must be free. ``index`` as for ``add_node``."""
        self.node(edge.source)
        self.node(edge.target)
        if edge.source == edge.target:
            raise GraphError(f"Node {edge.source!r} cannot feed itself.")
        if edge.target_port < 0 or edge.source_port < 0:
            raise GraphError(f"Port numbers start at 0; received {edge}.")
        for existing in self._in.get(edge.target, ()):
            if existing.target_port == edge.target_port and existing.target_port == edge.target_port:
                raise GraphError(
                    f"Input port {edge.target_port} of {self.node(edge.target).name!r} "
                    f"is already fed by {self.node(existing.source).name!r}."
                )
        self._edges[edge] = None
        if index is not None and index < len(self._edges) - 1:
            edges = list(self._edges)
            edges.insert(index, edges.pop())
            self._edges = dict.fromkeys(edges)
        self._in.setdefault(edge.target, []).append(edge)
        self._out.setdefault(edge.source, []).append(edge)
        self.edge_added.emit(edge)
        self.changed.emit()

    def disconnect(self, edge: Edge) -> None:
        """Remove ``edge``; ``GraphError`` if the graph does not have it."""
        if edge not in self._in.get(edge.target, ()):
            raise GraphError(f"No edge {edge}.")
        self._remove_edge(edge)
        self.changed.emit()

    def set_param(self, node_id: str, key: str, value: Any) -> None:
        """Set one param of a node (stored as given; validation judges it)."""
        node = self.node(node_id)
        node.params[key] = copy.deepcopy(value)
        self.param_changed.emit(node, key)
        self.changed.emit()

    def reset_param(self, node_id: str, key: str) -> None:
        """Return a param to its default by removing it from the node."""
        node = self.node(node_id)
        if key in node.params:
            del node.params[key]
            self.param_changed.emit(node, key)
            self.changed.emit()

    def rename(self, node_id: str, name: str) -> None:
        """Give a node a new, unique name (it becomes the Keras layer name)."""
        node = self.node(node_id)
        if name == node.name:
            return
        self._check_name(name)
        old = node.name
        node.name = name
        self.node_renamed.emit(node, old)
        self.changed.emit()

    def move(self, node_id: str, position: tuple[float, float]) -> None:
        """Place a node at ``position`` on the canvas."""
        node = self.node(node_id)
        old = node.position
        node.position = _point(position)
        self.node_moved.emit(node, old)
        self.changed.emit()

    def clear(self) -> None:
        """Remove every node and edge (and so every group)."""
        for node_id in list(self._nodes):
            self.remove_node(node_id)

    def add_group(
        self,
        name: str,
        node_ids: Iterable[str],
        group_id: str | None = None,
        collapsed: bool = False,
        index: int | None = None,
    ) -> Group:
        """Group ``node_ids`` under ``name`` and return the group.

        The nodes must exist and belong to no group yet; the name must be
        free. ``index`` puts the group at that place in the group order
        (undo uses it); by default it goes last.
        """
        group_id = group_id or self.new_group_id()
        if group_id in self._groups:
            raise GraphError(f"A group with id {group_id!r} already exists.")
        self._check_group_name(name)
        members = self._ordered_members(list(node_ids), name)
        if not members:
            raise GraphError(f"The group {name!r} needs at least one node.")
        group = Group(group_id, name, members, bool(collapsed))
        self._groups[group_id] = group
        if index is not None and index < len(self._groups) - 1:
            items = list(self._groups.items())
            items.insert(index, items.pop())
            self._groups = dict(items)
        for node_id in members:
            self._group_of[node_id] = group_id
        self.group_changed.emit(group)
        self.changed.emit()
        return group

    def remove_group(self, group_id: str) -> Group:
        """Dissolve a group (its nodes stay) and return it."""
        group = self.group(group_id)
        del self._groups[group_id]
        for node_id in group.node_ids:
            del self._group_of[node_id]
        self.group_changed.emit(group)
        self.changed.emit()
        return group

    def add_to_group(self, group_id: str, node_id: str) -> None:
        """Put one more node, which belongs to no group yet, into a group."""
        group = self.group(group_id)
        self._ordered_members([node_id], group.name)
        group.node_ids = self._in_node_order([*group.node_ids, node_id])
        self._group_of[node_id] = group_id
        self.group_changed.emit(group)
        self.changed.emit()

    def remove_from_group(self, node_id: str) -> None:
        """Take a node out of its group; a group left empty is removed."""
        if node_id not in self._group_of:
            raise GraphError(f"The node {self.node(node_id).name!r} belongs to no group.")
        self._leave_group(node_id)
        self.changed.emit()

    def set_group_collapsed(self, group_id: str, collapsed: bool) -> None:
        """Collapse a group into one block node, or expand it in place (views only)."""
        group = self.group(group_id)
        if group.collapsed == bool(collapsed):
            return
        group.collapsed = bool(collapsed)
        self.group_changed.emit(group)
        self.changed.emit()

    def rename_group(self, group_id: str, name: str) -> None:
        """Give a group a new, unique name."""
        group = self.group(group_id)
        if name == group.name:
            return
        self._check_group_name(name)
        group.name = name
        self.group_changed.emit(group)
        self.changed.emit()

    # --------------------------------------------------------- serialization
    def to_dict(self) -> dict[str, Any]:
        """The graph as plain JSON-ready data (``groups`` only when there are any)."""
        data: dict[str, Any] = {
            "nodes": [n.to_dict() for n in self._nodes.values()],
            "edges": [e.to_dict() for e in self._edges],
        }
        if self._groups:
            data["groups"] = [g.to_dict() for g in self._groups.values()]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Graph:
        """Rebuild a graph written by ``to_dict`` (input assumed well formed)."""
        graph = cls()
        for item in data.get("nodes", []):
            graph.add_node(
                item["type"],
                item["name"],
                item.get("params", {}),
                tuple(item.get("position", (0.0, 0.0))),
                node_id=item["id"],
            )
        for item in data.get("edges", []):
            graph.connect(
                item["source"], item["target"], item.get("target_port", 0), item.get("source_port", 0)
            )
        for item in data.get("groups", []):
            graph.add_group(item["name"], item["node_ids"], item["id"], item.get("collapsed", False))
        return graph

    def copy(self) -> Graph:
        """An independent copy with the same ids (listeners are not copied)."""
        return Graph.from_dict(self.to_dict())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Graph):
            return NotImplemented
        return _canonical(self) == _canonical(other)

    __hash__ = None  # type: ignore[assignment]

    # ---------------------------------------------------------------- private
    def _remove_edge(self, edge: Edge) -> None:
        del self._edges[edge]
        self._in[edge.target].remove(edge)
        self._out[edge.source].remove(edge)
        self.edge_removed.emit(edge)

    def _leave_group(self, node_id: str) -> None:
        group = self._groups[self._group_of.pop(node_id)]
        group.node_ids = tuple(i for i in group.node_ids if i != node_id)
        if not group.node_ids:
            del self._groups[group.id]
        self.group_changed.emit(group)

    def _ordered_members(self, node_ids: list[str], name: str) -> tuple[str, ...]:
        """``node_ids`` checked (known, in no group, no repeats) and put in node order."""
        for node_id in node_ids:
            node = self.node(node_id)
            owner = self._group_of.get(node_id)
            if owner is not None:
                raise GraphError(
                    f"The node {node.name!r} already belongs to the group {self._groups[owner].name!r}; "
                    "a node can be in one group only."
                )
            if node_ids.count(node_id) > 1:
                raise GraphError(f"The node {node.name!r} is listed twice for the group {name!r}.")
        return self._in_node_order(node_ids)

    def _in_node_order(self, node_ids: Iterable[str]) -> tuple[str, ...]:
        rank = {node_id: i for i, node_id in enumerate(self._nodes)}
        return tuple(sorted(node_ids, key=rank.__getitem__))

    def _check_group_name(self, name: str) -> None:
        if not is_valid_name(name):
            raise GraphError(
                f"Invalid group name {name!r}: use letters, digits, '_', '.' or '-', "
                "starting with a letter or '_'."
            )
        if self.find_group(name) is not None:
            raise GraphError(f"The name {name!r} is already used by another group.")

    def _check_name(self, name: str) -> None:
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise GraphError(
                f"Invalid node name {name!r}: use letters, digits, '_', '.' or '-', "
                "starting with a letter or '_'."
            )
        if self.find(name) is not None:
            raise GraphError(f"The name {name!r} is already used by another node.")


def unique_stem(stem: str, taken: set[str]) -> str:
    """``stem`` if it is not in ``taken``, else the first free ``stem_2``, ``stem_3``, ..."""
    if stem not in taken:
        return stem
    index = 2
    while f"{stem}_{index}" in taken:
        index += 1
    return f"{stem}_{index}"


def _point(position: Iterable[float]) -> tuple[float, float]:
    x, y = position
    return (float(x), float(y))


def _canonical(graph: Graph) -> tuple[Any, Any, Any]:
    """Order matters: it decides the model's input and output order."""
    nodes = [(n.id, n.type, n.name, n.params, n.position) for n in graph]
    groups = [(g.id, g.name, g.node_ids, g.collapsed) for g in graph.groups]
    return nodes, graph.edges, groups
