"""Copy and paste: part of a graph as plain JSON, and the edit that pastes it back.

A fragment holds some nodes and the edges among them (edges to nodes left
out are dropped)::

    {"format": "netloom-fragment", "version": 1,
     "nodes": [{"id", "type", "name", "params", "position"}, ...],
     "edges": [{"source", "source_port", "target", "target_port"}, ...],
     "groups": [{"name", "node_ids", "collapsed"}, ...]}

``groups`` (optional; fragments without it still load) holds the blocks
whose members were all copied; pasting re-creates them under names free in
the target graph.

It travels through the clipboard as text, so it may come from another
window, another process or anywhere else: ``check_fragment`` refuses
anything that is not a well-formed fragment with a ``ValueError`` that says
what is wrong. Pasting gives every node a fresh id and a name unique in the
target graph, as one undoable ``Compound``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.core.edits import AddNode, Compound, Connect, GroupNodes
from app.core.graph import Edge, Graph, is_valid_name

FRAGMENT_FORMAT = "netloom-fragment"
FRAGMENT_VERSION = 1
_NUMBERED = re.compile(r"^(.*)_(\d+)$")


def fragment_from(graph: Graph, node_ids: Iterable[str]) -> dict[str, Any]:
    """The nodes ``node_ids`` of ``graph`` (in graph order) and the edges among them, JSON-ready."""
    wanted = set(node_ids)
    nodes = [node.to_dict() for node in graph if node.id in wanted]
    edges = [edge.to_dict() for edge in graph.edges if edge.source in wanted and edge.target in wanted]
    fragment = {"format": FRAGMENT_FORMAT, "version": FRAGMENT_VERSION, "nodes": nodes, "edges": edges}
    groups = [
        {"name": group.name, "node_ids": list(group.node_ids), "collapsed": group.collapsed}
        for group in graph.groups
        if wanted.issuperset(group.node_ids)
    ]
    if groups:
        fragment["groups"] = groups
    return fragment


def fragment_to_text(fragment: dict[str, Any]) -> str:
    """A fragment as compact JSON text (what goes to the clipboard)."""
    return json.dumps(fragment, separators=(",", ":"))


def fragment_from_text(text: str | bytes) -> dict[str, Any]:
    """Parse and check clipboard text; ``ValueError`` says why it is not a fragment."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"Not a Netloom fragment: the text is not JSON ({error}).") from None
    check_fragment(data)
    return data


def check_fragment(data: Any) -> None:
    """Raise ``ValueError`` naming the first thing wrong with ``data`` as a fragment."""
    if not isinstance(data, dict):
        raise ValueError(f"Not a Netloom fragment: expected a JSON object, received {type(data).__name__}.")
    if data.get("format") != FRAGMENT_FORMAT:
        raise ValueError(
            f"Not a Netloom fragment: expected 'format': {FRAGMENT_FORMAT!r}, "
            f"received {data.get('format')!r}."
        )
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= FRAGMENT_VERSION:
        raise ValueError(
            f"Unsupported fragment version {version!r}: this Netloom reads version {FRAGMENT_VERSION}."
        )
    nodes, edges = data.get("nodes"), data.get("edges", [])
    if not isinstance(nodes, list):
        raise ValueError(f"Broken fragment: 'nodes' must be a list, received {type(nodes).__name__}.")
    if not isinstance(edges, list):
        raise ValueError(f"Broken fragment: 'edges' must be a list, received {type(edges).__name__}.")
    ids: set[str] = set()
    for index, node in enumerate(nodes):
        _check_node(node, f"nodes[{index}]", ids)
    for index, edge in enumerate(edges):
        _check_edge(edge, f"edges[{index}]", ids)
    groups = data.get("groups", [])
    if not isinstance(groups, list):
        raise ValueError(f"Broken fragment: 'groups' must be a list, received {type(groups).__name__}.")
    grouped: set[str] = set()
    for index, group in enumerate(groups):
        _check_group(group, f"groups[{index}]", ids, grouped)


def _check_node(node: Any, where: str, ids: set[str]) -> None:
    if not isinstance(node, dict):
        raise ValueError(f"Broken fragment: {where} must be an object, received {type(node).__name__}.")
    for key in ("id", "type", "name"):
        if not isinstance(node.get(key), str) or not node[key]:
            raise ValueError(
                f"Broken fragment: {where}.{key} must be a non-empty text, received {node.get(key)!r}."
            )
    if node["id"] in ids:
        raise ValueError(f"Broken fragment: {where}.id {node['id']!r} is used twice.")
    ids.add(node["id"])
    if not isinstance(node.get("params", {}), dict):
        raise ValueError(f"Broken fragment: {where}.params must be an object, received {node['params']!r}.")
    position = node.get("position", [0, 0])
    if not (
        isinstance(position, (list, tuple))
        and len(position) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)
    ):
        raise ValueError(f"Broken fragment: {where}.position must be two numbers, received {position!r}.")


def _check_edge(edge: Any, where: str, ids: set[str]) -> None:
    if not isinstance(edge, dict):
        raise ValueError(f"Broken fragment: {where} must be an object, received {type(edge).__name__}.")
    for key in ("source", "target"):
        if edge.get(key) not in ids:
            raise ValueError(
                f"Broken fragment: {where}.{key} {edge.get(key)!r} is not a node of the fragment."
            )
    for key in ("source_port", "target_port"):
        port = edge.get(key, 0)
        if not isinstance(port, int) or isinstance(port, bool) or port < 0:
            raise ValueError(f"Broken fragment: {where}.{key} must be a port number ≥ 0, received {port!r}.")


def _check_group(group: Any, where: str, ids: set[str], grouped: set[str]) -> None:
    if not isinstance(group, dict):
        raise ValueError(f"Broken fragment: {where} must be an object, received {type(group).__name__}.")
    if not is_valid_name(group.get("name")):
        raise ValueError(f"Broken fragment: {where}.name {group.get('name')!r} is not a usable block name.")
    members = group.get("node_ids")
    if not isinstance(members, list) or not members:
        raise ValueError(f"Broken fragment: {where}.node_ids must be a non-empty list, received {members!r}.")
    for node_id in members:
        if node_id not in ids:
            raise ValueError(f"Broken fragment: {where}.node_ids: {node_id!r} is not a node of the fragment.")
        if node_id in grouped:
            raise ValueError(f"Broken fragment: {where}.node_ids: {node_id!r} is in two groups.")
        grouped.add(node_id)
    if not isinstance(group.get("collapsed", False), bool):
        raise ValueError(f"Broken fragment: {where}.collapsed must be true or false.")


@dataclass
class PasteEdit(Compound):
    """The ``Compound`` that pastes a fragment.

    ``node_ids`` are the new nodes' ids, in fragment order; ``group_ids`` the
    ids of the groups it re-creates, in fragment order.
    """

    node_ids: list[str] = field(default_factory=list)
    group_ids: list[str] = field(default_factory=list)


def paste_edit(
    graph: Graph, fragment: dict[str, Any], offset: tuple[float, float] = (40.0, 40.0)
) -> PasteEdit:
    """An edit that adds copies of the fragment's nodes, moved by ``offset``, and their edges.

    Each copy gets a fresh id and a name free in ``graph`` and among the
    other copies. ``ValueError`` when ``fragment`` is not a well-formed fragment.
    """
    check_fragment(fragment)
    nodes = fragment["nodes"]
    new_ids = _fresh_ids(graph, len(nodes))
    taken = {node.name for node in graph}
    id_map: dict[str, str] = {}
    edits: list[Any] = []
    for node, new_id in zip(nodes, new_ids):
        id_map[node["id"]] = new_id
        name = _free_name(node["name"], taken)
        taken.add(name)
        x, y = node.get("position", (0.0, 0.0))
        position = (float(x) + offset[0], float(y) + offset[1])
        edits.append(AddNode(node["type"], copy.deepcopy(node.get("params", {})), position, name, new_id))
    for edge in fragment.get("edges", []):
        edits.append(
            Connect(
                Edge(
                    id_map[edge["source"]],
                    id_map[edge["target"]],
                    edge.get("target_port", 0),
                    edge.get("source_port", 0),
                )
            )
        )
    group_ids = _fresh_group_ids(graph, len(fragment.get("groups", [])))
    taken_groups = {group.name for group in graph.groups}
    for group, group_id in zip(fragment.get("groups", []), group_ids):
        name = _free_name(group["name"], taken_groups)
        taken_groups.add(name)
        members = [id_map[node_id] for node_id in group["node_ids"]]
        edits.append(GroupNodes(name, members, bool(group.get("collapsed", False)), group_id))
    count = len(nodes)
    description = f"Paste {count} node{'s' if count != 1 else ''}"
    return PasteEdit(edits, description, node_ids=new_ids, group_ids=group_ids)


def _fresh_ids(graph: Graph, count: int) -> list[str]:
    """``count`` ids that no node of ``graph`` has and that differ from each other."""
    first = graph.new_id()
    number = int(first[1:]) if first[1:].isdigit() else 1
    ids: list[str] = []
    while len(ids) < count:
        candidate = f"n{number}"
        if candidate not in graph:
            ids.append(candidate)
        number += 1
    return ids


def _fresh_group_ids(graph: Graph, count: int) -> list[str]:
    """``count`` group ids that no group of ``graph`` has and that differ from each other."""
    taken = {group.id for group in graph.groups}
    first = graph.new_group_id()
    number = int(first[1:]) if first[1:].isdigit() else 1
    ids: list[str] = []
    while len(ids) < count:
        if f"g{number}" not in taken:
            ids.append(f"g{number}")
        number += 1
    return ids


def _free_name(name: str, taken: set[str]) -> str:
    """``name`` if free, else its stem numbered ``_2``, ``_3``, ... (``dense_2`` gives ``dense_3``)."""
    if name not in taken:
        return name
    match = _NUMBERED.match(name)
    stem = match.group(1) if match and match.group(1) else name
    index = 2
    while f"{stem}_{index}" in taken:
        index += 1
    return f"{stem}_{index}"
