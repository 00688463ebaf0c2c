"""Blocks: named groups of nodes that collapse to one node, and a personal library of them.

On the canvas a block is a ``Group`` of the flat graph (see ``app.core.graph``):
Keras, validation and code generation see every layer, and only views draw a
collapsed group as one node whose inputs and outputs are the edges crossing
its border (``block_boundary``).

A block definition is the JSON of ``resources/blocks/*.json``::

    {"name": "residual-block", "description": "...", "graph": {"nodes": [...], "edges": [...]}}

Its ``Input`` nodes stand for the tensors the block is attached to: they
carry the shape the block was made for, and inserting the block
(``insert_block_edit``) adds only the other nodes, wiring the first
``Input``'s consumers to the layer it is attached to.

``BlockLibrary`` keeps the user's own blocks, one JSON file each, in the
``blocks`` folder of the config folder. The bundled blocks come from the
plugin registry, not from here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.edits import AddNode, Compound, Connect, Edit, GroupNodes
from app.core.graph import Edge, Graph, is_valid_name
from app.core.project import ProjectError, graph_from_data, write_atomic
from app.settings import config_dir

SUFFIX = ".json"
INPUT_GAP = 220.0  # how far left of its first consumer a block's new Input sits
INPUT_STEM = "block_input"

Shape = tuple[int | None, ...]


class BlockError(ValueError):
    """A block definition or library file that cannot be used; the message names file and field."""


@dataclass
class BlockInsertion(Compound):
    """The one undoable step that inserts a block; ``node_ids`` and ``group_id`` name what it adds."""

    node_ids: list[str] = field(default_factory=list)
    group_id: str = ""


# ------------------------------------------------------------------ on the canvas
def block_boundary(graph: Graph, group_id: str) -> tuple[list[Edge], list[Edge]]:
    """The edges entering and leaving a group: the inputs and outputs of its collapsed node.

    Entering edges are ordered by their target's place in the graph, then by
    input port; leaving edges by their source's place, then by output port.
    """
    group = graph.group(group_id)
    members = set(group.node_ids)
    entering: list[Edge] = []
    leaving: list[Edge] = []
    for node_id in group.node_ids:
        entering += [e for e in graph.incoming(node_id) if e.source not in members]
        leaving += sorted(
            (e for e in graph.outgoing(node_id) if e.target not in members), key=lambda e: e.source_port
        )
    return entering, leaving


def external_sources(graph: Graph, node_ids: Iterable[str]) -> list[tuple[str, int]]:
    """The distinct ``(node id, output port)`` pairs outside ``node_ids`` that feed them, in order."""
    members = _members(graph, node_ids)
    inside = set(members)
    sources: dict[tuple[str, int], None] = {}
    for node_id in members:
        for edge in graph.incoming(node_id):
            if edge.source not in inside:
                sources.setdefault((edge.source, edge.source_port), None)
    return list(sources)


def input_shapes_from(graph: Graph, node_ids: Iterable[str], shapes: Mapping[str, Any]) -> dict[Any, Shape]:
    """The ``input_shapes`` that ``block_from_nodes`` needs, taken from ``CheckResult.shapes``.

    Keys are source node ids (``(node id, port)`` for an output port other
    than 0); sources whose shape is unknown are left out.
    """
    result: dict[Any, Shape] = {}
    for source, port in external_sources(graph, node_ids):
        node_shape = shapes.get(source)
        outputs = getattr(node_shape, "outputs", ())
        if port < len(outputs):
            result[source if port == 0 else (source, port)] = tuple(outputs[port][1:])
    return result


# ------------------------------------------------------------------ definitions
def block_from_nodes(
    graph: Graph,
    node_ids: Iterable[str],
    name: str,
    description: str = "",
    input_shapes: Mapping[Any, Iterable[int | None]] | None = None,
) -> dict[str, Any]:
    """A block definition made of the nodes ``node_ids`` of ``graph`` and the edges between them.

    Each distinct tensor that feeds the selection from outside becomes an
    ``Input`` node of the block, shaped ``input_shapes[source node id]``
    (without the batch axis; see ``input_shapes_from``). ``ValueError`` when
    the name is unusable, the selection is empty, or a shape is unknown.
    """
    if not is_valid_name(name):
        raise BlockError(_bad_name(name))
    members = _members(graph, node_ids)
    block = Graph()
    ids = {}
    for node_id in members:
        node = graph.node(node_id)
        ids[node_id] = block.add_node(node.type, node.name, node.params, node.position).id
    input_ids = {}
    for index, (source, port) in enumerate(external_sources(graph, members)):
        shape = _shape_of(input_shapes or {}, source, port)
        if shape is None:
            raise BlockError(
                f"Block {name!r}: the shape of {graph.node(source).name!r}, which feeds the selection, "
                "is unknown; fix the problems before it and try again."
            )
        consumers = [graph.node(e.target) for e in graph.outgoing(source) if e.target in ids]
        position = (
            min(c.position[0] for c in consumers) - INPUT_GAP,
            sum(c.position[1] for c in consumers) / len(consumers),
        )
        params = {"shape": list(shape)}
        node = block.add_node("Input", block.unique_name(INPUT_STEM), params, position, index=index)
        input_ids[(source, port)] = node.id
    for edge in graph.edges:
        if edge.target not in ids:
            continue
        if edge.source in ids:
            block.connect(ids[edge.source], ids[edge.target], edge.target_port, edge.source_port)
        else:
            block.connect(input_ids[(edge.source, edge.source_port)], ids[edge.target], edge.target_port)
    return {"name": name, "description": description, "graph": _moved_to_origin(block).to_dict()}


def validate_block(data: Any, origin: str) -> dict[str, Any]:
    """Check a block definition and return a clean copy; ``BlockError`` names ``origin`` and the field."""
    if not isinstance(data, dict):
        raise BlockError(
            f"{origin}: expected an object with 'name', 'description' and 'graph', "
            f"received {type(data).__name__}"
        )
    name = data.get("name")
    if not isinstance(name, str):
        raise BlockError(f"{origin}: name: expected text, received {type(name).__name__}")
    if not is_valid_name(name):
        raise BlockError(f"{origin}: name: {_bad_name(name)}")
    description = data.get("description", "")
    if not isinstance(description, str):
        raise BlockError(f"{origin}: description: expected text, received {type(description).__name__}")
    try:
        graph = graph_from_data(data.get("graph"), origin)
    except ProjectError as error:
        raise BlockError(str(error)) from None
    if all(node.type == "Input" for node in graph.nodes):
        raise BlockError(f"{origin}: graph: the block has no layers besides its Input nodes")
    graph_data = graph.to_dict()
    graph_data.pop("groups", None)
    return {"name": name, "description": description, "graph": graph_data}


def insert_block_edit(
    graph: Graph,
    block: Mapping[str, Any],
    position: tuple[float, float] = (0.0, 0.0),
    attach_to: str | None = None,
) -> BlockInsertion:
    """An edit that adds a copy of ``block`` to ``graph`` as one group, in one undoable step.

    The block's layers (not its ``Input`` nodes) get fresh ids and unique
    names; their top-left corner lands at ``position``. With ``attach_to``,
    the consumers of the block's first ``Input`` are fed by that node's
    output; other ``Input``s are left for the user to wire.
    """
    definition = validate_block(dict(block), f"block {block.get('name')!r}")
    source = Graph.from_dict(definition["graph"])
    layers = [node for node in source.nodes if node.type != "Input"]
    inputs = source.inputs()
    if attach_to is not None:
        graph.node(attach_to)
        if not inputs:
            raise BlockError(f"Block {definition['name']!r} has no Input to attach to.")
    left = min(node.position[0] for node in layers)
    top = min(node.position[1] for node in layers)
    new_ids = _fresh_ids(graph, len(layers))
    names = _fresh_names(graph, [node.name for node in layers])
    mapping = {node.id: new_id for node, new_id in zip(layers, new_ids)}
    edits: list[Edit] = [
        AddNode(
            node.type,
            copy.deepcopy(node.params),
            (node.position[0] - left + position[0], node.position[1] - top + position[1]),
            name,
            mapping[node.id],
        )
        for node, name in zip(layers, names)
    ]
    for edge in source.edges:
        if edge.source in mapping:
            edge_copy = Edge(mapping[edge.source], mapping[edge.target], edge.target_port, edge.source_port)
            edits.append(Connect(edge_copy))
        elif attach_to is not None and edge.source == inputs[0].id:
            edits.append(Connect(Edge(attach_to, mapping[edge.target], edge.target_port)))
    group_id = graph.new_group_id()
    edits.append(GroupNodes(graph.unique_group_name(definition["name"]), new_ids, group_id=group_id))
    return BlockInsertion(edits, f"Insert {definition['name']}", node_ids=new_ids, group_id=group_id)


# ------------------------------------------------------------------ the library
class BlockLibrary:
    """The user's own blocks: one ``<name>.json`` file each in ``directory``.

    By default the folder is ``blocks`` in the config folder
    (``app.settings.config_dir``). Files that cannot be read are skipped by
    ``list`` and described, with their file name, in ``problems()``.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else config_dir() / "blocks"
        self._problems: list[str] = []

    def list(self) -> list[dict[str, Any]]:
        """Every readable block in the folder, by file name."""
        self._problems = []
        if not self.directory.is_dir():
            return []
        blocks = []
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            try:
                blocks.append(read_block(path))
            except BlockError as error:
                self._problems.append(str(error))
        return blocks

    def problems(self) -> list[str]:
        """What was wrong with the files the last ``list`` skipped, one line each."""
        return list(self._problems)

    def path_for(self, name: str) -> Path:
        """The file of the block called ``name``; ``BlockError`` for a name that cannot be one."""
        if not is_valid_name(name):
            raise BlockError(_bad_name(name))
        return self.directory / f"{name}{SUFFIX}"

    def save(self, block: Mapping[str, Any]) -> Path:
        """Write ``block`` (replacing one of the same name) atomically and return its file."""
        definition = validate_block(dict(block), f"block {block.get('name')!r}")
        path = self.path_for(definition["name"])
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(definition, indent=2) + "\n")
        except OSError as error:
            reason = error.strerror or error
            raise BlockError(f"{self.directory}: cannot create the folder: {reason}") from None
        except ProjectError as error:
            raise BlockError(str(error)) from None
        return path

    def load(self, name: str) -> dict[str, Any]:
        """The block called ``name``; ``BlockError`` when it is missing or damaged."""
        return read_block(self.path_for(name))

    def delete(self, name: str) -> None:
        """Remove the block called ``name`` from the library."""
        path = self.path_for(name)
        try:
            path.unlink()
        except FileNotFoundError:
            raise BlockError(f"{path}: no such block in the library") from None
        except OSError as error:
            raise BlockError(f"{path}: cannot delete: {error.strerror or error}") from None


def read_block(path: Path) -> dict[str, Any]:
    """Read and check one block file; its name must match the file name."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BlockError(f"{path}: no such block in the library") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BlockError(f"{path}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise BlockError(f"{path}: {where}: broken JSON: {error.msg}") from None
    except RecursionError:
        raise BlockError(f"{path}: the JSON is nested too deeply") from None
    block = validate_block(data, str(path))
    if block["name"] != path.stem:
        raise BlockError(
            f"{path}: name: the block is called {block['name']!r}; name the file {block['name']}{SUFFIX}"
        )
    return block


# ------------------------------------------------------------------ private
def _members(graph: Graph, node_ids: Iterable[str]) -> list[str]:
    """``node_ids`` checked and put in the graph's node order."""
    chosen = set(node_ids)
    for node_id in chosen:
        graph.node(node_id)
    if not chosen:
        raise BlockError("A block needs at least one node; select some first.")
    return [node.id for node in graph.nodes if node.id in chosen]


def _shape_of(input_shapes: Mapping[Any, Iterable[int | None]], source: str, port: int) -> Shape | None:
    shape = input_shapes.get((source, port))
    if shape is None and port == 0:
        shape = input_shapes.get(source)
    return tuple(shape) if shape is not None else None


def _moved_to_origin(block: Graph) -> Graph:
    """The block shifted so that its first node (its first Input) sits at (0, 0)."""
    x0, y0 = block.nodes[0].position
    for node in block.nodes:
        block.move(node.id, (node.position[0] - x0, node.position[1] - y0))
    return block


def _fresh_ids(graph: Graph, count: int) -> list[str]:
    taken = {node.id for node in graph.nodes}
    number = int(graph.new_id()[1:])
    ids: list[str] = []
    while len(ids) < count:
        if f"n{number}" not in taken:
            ids.append(f"n{number}")
        number += 1
    return ids


def _fresh_names(graph: Graph, names: list[str]) -> list[str]:
    taken = {node.name for node in graph.nodes}
    result = []
    for name in names:
        chosen, index = name, 2
        while chosen in taken:
            chosen, index = f"{name}_{index}", index + 1
        taken.add(chosen)
        result.append(chosen)
    return result


def _bad_name(name: object) -> str:
    return (
        f"{name!r} is not a usable block name: use letters, digits, '_', '.' or '-', "
        "starting with a letter or '_'."
    )
