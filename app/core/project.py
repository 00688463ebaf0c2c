"""The project document and its file format (``*.netloom``).

A project file is human-readable JSON::

    {
      "format_version": 1,
      "app": "netloom",
      "name": "digits-cnn", "title": "...", "description": "...",
      "graph": {"nodes": [...], "edges": [...], "groups": [...]},
      "data": {...}, "training": {...}, "export": {...},
      "weights": "digits-cnn.weights.h5"      (optional, relative to the file)
    }

``graph.groups`` (the blocks: ``{"id", "name", "node_ids", "collapsed"}``)
is optional and written only when the graph has groups, so files without
blocks read and write exactly as before.

Loading never evaluates anything: the text is parsed and every field is
checked, and a damaged, truncated, foreign or newer file is refused with a
``ProjectError`` that names the file and the place (line and column for
broken JSON, a path such as ``graph.nodes[3].params`` for a bad field).
Saving is atomic: the text goes to a temporary file beside the target,
which is flushed to disk and then renamed over it, so a crash leaves either
the old file or the new one, never half of one.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.graph import Graph, GraphError

FORMAT_VERSION = 1
SUFFIX = ".netloom"
_SECTIONS = ("data", "training", "export")


class ProjectError(Exception):
    """A project file that cannot be read or written; the message names file and place."""


@dataclass
class Project:
    """A graph plus the data, training and export settings that go with it."""

    graph: Graph = field(default_factory=Graph)
    name: str = "untitled"
    title: str = ""
    description: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    export: dict[str, Any] = field(default_factory=dict)
    weights: str | None = None
    path: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        """The project as the JSON object written to disk."""
        data: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "app": "netloom",
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "graph": self.graph.to_dict(),
            "data": copy.deepcopy(self.data),
            "training": copy.deepcopy(self.training),
            "export": copy.deepcopy(self.export),
        }
        if self.weights:
            data["weights"] = self.weights
        return data

    def weights_path(self) -> Path | None:
        """The absolute path of the project's weights file, if it has one."""
        if not self.weights:
            return None
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.weights).resolve()


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    """Write ``project`` to ``path`` atomically and return the path."""
    target = Path(path)
    text = json.dumps(project.to_dict(), indent=2) + "\n"
    write_atomic(target, text)
    project.path = target
    return target


def write_atomic(target: Path, text: str) -> None:
    """Write ``text`` to ``target`` through a temporary file and a rename."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ProjectError(f"{target}: the folder {folder} does not exist")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        raise ProjectError(f"{target}: cannot write here: {error.strerror or error}") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, target)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise ProjectError(f"{target}: could not save: {error.strerror or error}") from error


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file; ``ProjectError`` says what is wrong and where."""
    source = Path(path)
    try:
        raw = source.read_bytes()
    except FileNotFoundError:
        raise ProjectError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise ProjectError(f"{source}: is a folder, not a project file") from None
    except OSError as error:
        raise ProjectError(f"{source}: cannot read: {error.strerror or error}") from error
    project = project_from_text(raw, str(source))
    project.path = source
    return project


def project_from_text(raw: bytes | str, origin: str = "<text>") -> Project:
    """Parse and check the text of a project file; ``origin`` names it in messages."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ProjectError(
                f"{origin}: not a Netloom project (not UTF-8 text; byte {error.start})"
            ) from None
    if not raw.strip():
        raise ProjectError(f"{origin}: the file is empty")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        hint = " (the file looks truncated)" if error.pos >= len(raw.rstrip()) else ""
        raise ProjectError(
            f"{origin}: line {error.lineno}, column {error.colno}: broken JSON: {error.msg}{hint}"
        ) from None
    except RecursionError:
        raise ProjectError(f"{origin}: the JSON is nested too deeply") from None
    return project_from_dict(data, origin)


def project_from_dict(data: Any, origin: str = "<data>") -> Project:
    """Check the parsed JSON of a project file and build the ``Project``."""
    _expect(data, dict, origin, "the top level")
    if data.get("app") != "netloom" and "graph" not in data:
        raise ProjectError(f"{origin}: not a Netloom project (no 'app': 'netloom' and no 'graph')")
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectError(f"{origin}: format_version: expected an integer, received {version!r}")
    if version > FORMAT_VERSION:
        raise ProjectError(
            f"{origin}: written by a newer Netloom (format {version}; this one reads up to "
            f"{FORMAT_VERSION}); update Netloom to open it"
        )
    if version < 1:
        raise ProjectError(f"{origin}: format_version: expected 1 or more, received {version}")
    data = migrate(data)
    graph = graph_from_data(data.get("graph"), origin)
    project = Project(graph=graph)
    for key in ("name", "title", "description"):
        value = data.get(key, "")
        _expect(value, str, origin, key)
        setattr(project, key, value)
    project.name = project.name or "untitled"
    for key in _SECTIONS:
        value = data.get(key, {})
        _expect(value, dict, origin, key)
        setattr(project, key, copy.deepcopy(value))
    weights = data.get("weights")
    if weights is not None:
        _expect(weights, str, origin, "weights")
        project.weights = weights
    return project


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older format up to ``FORMAT_VERSION`` (version 1 is the first)."""
    return data


def graph_from_data(data: Any, origin: str, where: str = "graph") -> Graph:
    """Check a graph as ``Graph.to_dict`` writes it and build it; ``ProjectError`` names the field.

    ``where`` is the path of the graph in the file, the start of every field path in messages.
    """
    _expect(data, dict, origin, where)
    nodes = data.get("nodes", [])
    edges = data.get("edges", [])
    _expect(nodes, list, origin, f"{where}.nodes")
    _expect(edges, list, origin, f"{where}.edges")
    graph = Graph()
    for index, item in enumerate(nodes):
        place = f"{where}.nodes[{index}]"
        _expect(item, dict, origin, place)
        for key, kind in (("id", str), ("type", str), ("name", str)):
            _expect(item.get(key), kind, origin, f"{place}.{key}")
        params = item.get("params", {})
        _expect(params, dict, origin, f"{place}.params")
        position = item.get("position", [0, 0])
        if (
            not isinstance(position, list)
            or len(position) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position)
        ):
            raise ProjectError(f"{origin}: {place}.position: expected [x, y] numbers, received {position!r}")
        try:
            graph.add_node(item["type"], item["name"], params, tuple(position), node_id=item["id"])
        except GraphError as error:
            raise ProjectError(f"{origin}: {place}: {error}") from None
    for index, item in enumerate(edges):
        place = f"{where}.edges[{index}]"
        _expect(item, dict, origin, place)
        _expect(item.get("source"), str, origin, f"{place}.source")
        _expect(item.get("target"), str, origin, f"{place}.target")
        ports = [item.get("source_port", 0), item.get("target_port", 0)]
        for key, value in zip(("source_port", "target_port"), ports, strict=True):
            if isinstance(value, bool) or not isinstance(value, int):
                raise ProjectError(f"{origin}: {place}.{key}: expected an integer, received {value!r}")
        try:
            graph.connect(item["source"], item["target"], ports[1], ports[0])
        except GraphError as error:
            raise ProjectError(f"{origin}: {place}: {error}") from None
    _add_groups(graph, data.get("groups", []), origin, where)
    return graph


def _add_groups(graph: Graph, groups: Any, origin: str, where: str) -> None:
    _expect(groups, list, origin, f"{where}.groups")
    for index, item in enumerate(groups):
        place = f"{where}.groups[{index}]"
        _expect(item, dict, origin, place)
        for key in ("id", "name"):
            _expect(item.get(key), str, origin, f"{place}.{key}")
        node_ids = item.get("node_ids")
        if not isinstance(node_ids, list) or not all(isinstance(i, str) for i in node_ids):
            raise ProjectError(
                f"{origin}: {place}.node_ids: expected a list of node ids, received {node_ids!r}"
            )
        collapsed = item.get("collapsed", False)
        _expect(collapsed, bool, origin, f"{place}.collapsed")
        try:
            graph.add_group(item["name"], node_ids, item["id"], collapsed)
        except GraphError as error:
            raise ProjectError(f"{origin}: {place}: {error}") from None


_KIND_NAMES = {dict: "an object", list: "a list", str: "text", bool: "true or false"}


def _expect(value: Any, kind: type, origin: str, where: str) -> None:
    if not isinstance(value, kind):
        expected = _KIND_NAMES.get(kind, kind.__name__)
        raise ProjectError(f"{origin}: {where}: expected {expected}, received {type(value).__name__}")
