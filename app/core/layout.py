"""Automatic layered layout of a graph (Sugiyama style).

The steps, each about linear in the size of the graph:

1. Order the nodes so that edges point forward (a cycle, which the editor
   allows, is broken by taking the waiting node that came first).
2. Longest-path layering: a node sits one layer after its latest input, and
   a source that joins late (a second input) just before its first use.
3. Edges that skip layers get invisible "dummy" points in the layers they
   cross, so long skip connections are routed around the other nodes
   instead of through them (capped, so a pathological graph stays fast).
4. A few barycenter sweeps reorder each layer by the mean position of its
   neighbours; the order with the fewest crossings wins.
5. Coordinates: in each layer, each node is pulled toward the mean of its
   neighbours while keeping the minimum distance from the next node
   (isotonic regression), so chains come out straight.

``spacing`` is (horizontal, vertical) distance between neighbouring
positions whatever the direction: nodes are wider than tall, so "TB" lays
siblings out farther apart than layers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from app.core.graph import Graph

DIRECTIONS = ("LR", "TB")
_SWEEPS = 3  # rounds of barycenter sweeps, each down then up
_MAX_DUMMIES_PER_NODE = 2


def layered_layout(
    graph: Graph, direction: str = "LR", spacing: tuple[float, float] = (220.0, 110.0)
) -> dict[str, tuple[float, float]]:
    """Positions for every node of ``graph``, by node id, in layered style.

    ``direction`` is "LR" (inputs on the left, every edge pointing right) or
    "TB" (inputs on top, every edge pointing down).
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"Unknown layout direction {direction!r}; expected one of {', '.join(DIRECTIONS)}.")
    ids = [node.id for node in graph]
    if not ids:
        return {}
    index = {node_id: i for i, node_id in enumerate(ids)}
    edges = [(index[e.source], index[e.target]) for e in graph.edges]
    layered = _Layering(len(ids), edges)
    layers = layered.orders()
    across = _coordinates(layers, layered.preds, layered.succs)
    layer_gap, node_gap = (spacing[0], spacing[1]) if direction == "LR" else (spacing[1], spacing[0])
    positions: dict[str, tuple[float, float]] = {}
    for depth, layer in enumerate(layers):
        for vertex in layer:
            if vertex < len(ids):
                along, side = depth * layer_gap, across[vertex] * node_gap
                positions[ids[vertex]] = (along, side) if direction == "LR" else (side, along)
    return positions


def apply_layout(
    graph: Graph, direction: str = "LR", spacing: tuple[float, float] = (220.0, 110.0)
) -> dict[str, tuple[float, float]]:
    """Move every node of ``graph`` to its ``layered_layout`` position; return the positions."""
    positions = layered_layout(graph, direction, spacing)
    for node_id, position in positions.items():
        graph.move(node_id, position)
    return positions


class _Layering:
    """Vertices 0..n-1 are the graph's nodes; dummies are numbered after them."""

    def __init__(self, count: int, edges: Sequence[tuple[int, int]]) -> None:
        self.count = count
        order = _forward_order(count, edges)
        rank = {v: i for i, v in enumerate(order)}
        forward = [(s, t) if rank[s] < rank[t] else (t, s) for s, t in edges if s != t]
        self.layer = _longest_path(order, forward)
        self.preds: list[list[int]] = [[] for _ in range(count)]
        self.succs: list[list[int]] = [[] for _ in range(count)]
        budget = _MAX_DUMMIES_PER_NODE * count
        for source, target in dict.fromkeys(forward):
            span = self.layer[target] - self.layer[source]
            if 1 < span <= budget:
                budget -= span - 1
                source = self._chain(source, span - 1)
            self._link(source, target)

    def _chain(self, source: int, length: int) -> int:
        for _ in range(length):
            dummy = len(self.layer)
            self.layer.append(self.layer[source] + 1)
            self.preds.append([])
            self.succs.append([])
            self._link(source, dummy)
            source = dummy
        return source

    def _link(self, source: int, target: int) -> None:
        self.succs[source].append(target)
        self.preds[target].append(source)

    def orders(self) -> list[list[int]]:
        """Each layer's vertices, ordered to keep edge crossings few."""
        layers: list[list[int]] = [[] for _ in range(max(self.layer) + 1)]
        for vertex in self._depth_first():
            layers[self.layer[vertex]].append(vertex)
        best, best_crossings = [list(layer) for layer in layers], _crossings(layers, self.succs, self.layer)
        for _ in range(_SWEEPS):
            # One round is a downward and an upward sweep; the order is judged after each round.
            _sweep(layers, self.preds, downward=True)
            _sweep(layers, self.succs, downward=False)
            crossings = _crossings(layers, self.succs, self.layer)
            if crossings >= best_crossings:
                break
            best, best_crossings = [list(layer) for layer in layers], crossings
        return best

    def _depth_first(self) -> list[int]:
        """Vertices in depth-first order from the sources: a good first order per layer."""
        seen = [False] * len(self.layer)
        visit: list[int] = []
        for root in range(len(self.layer)):
            if seen[root] or self.preds[root]:
                continue
            stack = [root]
            seen[root] = True
            while stack:
                vertex = stack.pop()
                visit.append(vertex)
                for child in reversed(self.succs[vertex]):
                    if not seen[child]:
                        seen[child] = True
                        stack.append(child)
        return visit


def _forward_order(count: int, edges: Sequence[tuple[int, int]]) -> list[int]:
    """A topological order; on a cycle the earliest waiting vertex goes first."""
    indegree = [0] * count
    succs: list[list[int]] = [[] for _ in range(count)]
    for source, target in edges:
        if source != target:
            indegree[target] += 1
            succs[source].append(target)
    ready = [v for v in range(count) if indegree[v] == 0]
    ready.reverse()
    placed = [False] * count
    order: list[int] = []
    next_unplaced = 0
    while len(order) < count:
        if not ready:
            while placed[next_unplaced]:
                next_unplaced += 1
            ready.append(next_unplaced)
        vertex = ready.pop()
        if placed[vertex]:
            continue
        placed[vertex] = True
        order.append(vertex)
        for child in succs[vertex]:
            indegree[child] -= 1
            if indegree[child] == 0 and not placed[child]:
                ready.append(child)
    return order


def _longest_path(order: Sequence[int], forward: Sequence[tuple[int, int]]) -> list[int]:
    preds: list[list[int]] = [[] for _ in order]
    for source, target in forward:
        preds[target].append(source)
    layer = [0] * len(order)
    for vertex in order:
        if preds[vertex]:
            layer[vertex] = 1 + max(layer[p] for p in preds[vertex])
    # A source that joins late (a second input) sits just before its first use.
    first_use: dict[int, int] = {}
    for source, target in forward:
        if not preds[source]:
            first_use[source] = min(first_use.get(source, layer[target]), layer[target])
    for source, use in first_use.items():
        layer[source] = use - 1
    return layer


def _sweep(layers: list[list[int]], neighbours: list[list[int]], downward: bool) -> None:
    """Reorder each layer by the barycenter of its neighbours' places in their layers."""
    place = _places(layers)
    for layer in layers[1:] if downward else layers[-2::-1]:
        keys = []
        for i, vertex in enumerate(layer):
            near = neighbours[vertex]
            if len(near) == 1:
                keys.append((place[near[0]], i))
            elif near:
                keys.append((sum(place[n] for n in near) / len(near), i))
            else:
                keys.append((i, i))
        keys.sort()
        layer[:] = [layer[i] for _, i in keys]
        for i, vertex in enumerate(layer):
            place[vertex] = i


def _places(layers: list[list[int]]) -> list[int]:
    """Each vertex's index within its layer."""
    place = [0] * sum(len(layer) for layer in layers)
    for layer in layers:
        for i, vertex in enumerate(layer):
            place[vertex] = i
    return place


def _crossings(layers: list[list[int]], succs: list[list[int]], layer_of: list[int]) -> int:
    """Edge crossings between adjacent layers (Fenwick-tree inversion count)."""
    place = _places(layers)
    total = 0
    for depth, upper in enumerate(layers[:-1]):
        ends: list[int] = []
        for vertex in upper:
            near = [place[t] for t in succs[vertex] if layer_of[t] == depth + 1]
            ends.extend(sorted(near) if len(near) > 1 else near)
        if ends == sorted(ends):
            continue  # the common case, checked at C speed
        size = len(layers[depth + 1])
        tree = [0] * (size + 1)
        for seen, end in enumerate(ends):
            i, not_greater = end + 1, 0
            while i > 0:
                not_greater += tree[i]
                i -= i & -i
            total += seen - not_greater
            i = end + 1
            while i <= size:
                tree[i] += 1
                i += i & -i
    return total


def _coordinates(layers: list[list[int]], preds: list[list[int]], succs: list[list[int]]) -> list[float]:
    """Across-layer coordinate of each vertex, in units of the node gap."""
    across = [0.0] * sum(len(layer) for layer in layers)
    for layer in layers:
        middle = (len(layer) - 1) / 2
        for i, vertex in enumerate(layer):
            across[vertex] = i - middle
    for neighbours, sequence in ((preds, layers[1:]), (succs, layers[-2::-1]), (preds, layers[1:])):
        for layer in sequence:
            wanted = []
            for vertex in layer:
                near = neighbours[vertex]
                if len(near) == 1:
                    wanted.append(across[near[0]])
                elif near:
                    wanted.append(sum(across[n] for n in near) / len(near))
                else:
                    wanted.append(across[vertex])
            for vertex, value in zip(layer, _spread(wanted)):
                across[vertex] = value
    return across


def _spread(wanted: Sequence[float]) -> list[float]:
    """Closest values (least squares) to ``wanted`` that stay in order and at least 1 apart.

    With z_i = y_i - i the constraint is "z never decreases": pool adjacent
    violators solves that in linear time.
    """
    if all(b - a >= 1 for a, b in itertools.pairwise(wanted)):
        return list(wanted)
    blocks: list[list[float]] = []  # [mean, weight]
    for i, value in enumerate(wanted):
        blocks.append([value - i, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight = blocks.pop()
            blocks[-1][0] = (blocks[-1][0] * blocks[-1][1] + mean * weight) / (blocks[-1][1] + weight)
            blocks[-1][1] += weight
    result: list[float] = []
    for mean, weight in blocks:
        start = len(result)
        result.extend(mean + start + k for k in range(int(weight)))
    return result
