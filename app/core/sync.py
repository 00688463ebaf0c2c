"""Bring a mirror graph up to date with a snapshot, changing only what differs.

The editor checks the graph on a worker thread, which owns a mirror of the
document. After each edit the window sends a snapshot (``Graph.to_dict()``);
``sync_graph`` turns the difference into the few ``Graph`` calls that make the
mirror equal (groups aside: checks do not look at them), so the mirror's
``GraphChecker`` sees ordinary edit events and re-checks only the nodes the
edit touched. Positions are copied too, but they
do not make a checker re-check anything.
"""

from __future__ import annotations

from typing import Any

from app.core.graph import Edge, Graph


def sync_graph(mirror: Graph, snapshot: dict[str, Any]) -> bool:
    """Make ``mirror`` equal to the graph ``snapshot`` describes; False when it had to be rebuilt.

    A rebuild (clear, then add everything) happens when the node order differs
    in a way removals and appends cannot reproduce, such as after an undo put a
    node back in the middle: node order decides the model's inputs and outputs.
    Edge order is matched by re-adding the edges after the first one out of place.
    """
    wanted_nodes = {item["id"]: item for item in snapshot.get("nodes", [])}
    wanted_edges = {_edge(item): None for item in snapshot.get("edges", [])}

    for edge in mirror.edges:
        if edge not in wanted_edges:
            mirror.disconnect(edge)
    for node in mirror.nodes:
        item = wanted_nodes.get(node.id)
        if item is None or item["type"] != node.type:
            mirror.remove_node(node.id)

    present = [n.id for n in mirror.nodes]
    wanted_order = list(wanted_nodes)
    if wanted_order[: len(present)] != present:
        _rebuild(mirror, snapshot)
        return False

    # Names first, through temporary names, so a swap of two names never collides.
    renames = [(n, wanted_nodes[n.id]["name"]) for n in mirror.nodes if n.name != wanted_nodes[n.id]["name"]]
    for node, _name in renames:
        mirror.rename(node.id, f"__sync_{node.id}")
    for node, name in renames:
        mirror.rename(node.id, name)

    for node in mirror.nodes:
        item = wanted_nodes[node.id]
        params = item.get("params", {})
        for key in [k for k in node.params if k not in params]:
            mirror.reset_param(node.id, key)
        for key, value in params.items():
            if node.params.get(key, _ABSENT) != value:
                mirror.set_param(node.id, key, value)
        position = tuple(item.get("position", (0.0, 0.0)))
        if tuple(node.position) != position:
            mirror.move(node.id, position)

    for node_id in wanted_order[len(present):]:
        item = wanted_nodes[node_id]
        mirror.add_node(item["type"], item["name"], item.get("params", {}),
                        tuple(item.get("position", (0.0, 0.0))), node_id=node_id)

    have = set(mirror.edges)
    for edge in wanted_edges:
        if edge not in have:
            mirror.add_edge(edge)
    _match_edge_order(mirror, list(wanted_edges))
    return True


def _match_edge_order(mirror: Graph, wanted: list[Edge]) -> None:
    """Re-add the edges from the first one out of place (an undo may put an edge back in the middle)."""
    edges = mirror.edges
    first = next((i for i, (have, want) in enumerate(zip(edges, wanted, strict=True)) if have != want), None)
    if first is None:
        return
    for edge in edges[first:]:
        mirror.disconnect(edge)
    for edge in wanted[first:]:
        mirror.add_edge(edge)


_ABSENT = object()


def _edge(item: dict[str, Any]) -> Edge:
    return Edge(item["source"], item["target"], item.get("target_port", 0), item.get("source_port", 0))


def _rebuild(mirror: Graph, snapshot: dict[str, Any]) -> None:
    mirror.clear()
    for item in snapshot.get("nodes", []):
        mirror.add_node(item["type"], item["name"], item.get("params", {}),
                        tuple(item.get("position", (0.0, 0.0))), node_id=item["id"])
    for item in snapshot.get("edges", []):
        mirror.add_edge(_edge(item))
