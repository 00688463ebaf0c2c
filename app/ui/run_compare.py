"""What differs between two training runs: their settings and their architecture.

Reads each run folder's ``settings.json`` and ``project.netloom`` (plain
JSON, nothing is built) and returns rows ``(what, first, second)`` for a
side-by-side table: settings as dotted keys (``training.learning_rate``),
then nodes added or removed, a changed layer type, each changed parameter
(``conv1.filters``) and the number of wires when it changed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.training.runs import PROJECT_FILE, SETTINGS_FILE

ABSENT = "—"
Row = tuple[str, str, str]


def compare_runs(first: str | Path, second: str | Path) -> list[Row]:
    """The settings rows, then the architecture rows, where the two run folders differ."""
    return settings_differences(first, second) + architecture_differences(first, second)


def settings_differences(first: str | Path, second: str | Path) -> list[Row]:
    """``(dotted key, first value, second value)`` for every setting that differs."""
    a = flatten(_read_json(Path(first) / SETTINGS_FILE))
    b = flatten(_read_json(Path(second) / SETTINGS_FILE))
    return [(key, _text(a.get(key, ABSENT)), _text(b.get(key, ABSENT)))
            for key in sorted(set(a) | set(b)) if a.get(key, ABSENT) != b.get(key, ABSENT)]


def architecture_differences(first: str | Path, second: str | Path) -> list[Row]:
    """Nodes added, removed or changed (type, parameters) and the wire count, first run to second."""
    graph_a = _read_json(Path(first) / PROJECT_FILE).get("graph") or {}
    graph_b = _read_json(Path(second) / PROJECT_FILE).get("graph") or {}
    nodes_a = {node.get("id"): node for node in graph_a.get("nodes", [])}
    nodes_b = {node.get("id"): node for node in graph_b.get("nodes", [])}
    rows: list[Row] = []
    for node_id in sorted(set(nodes_a) - set(nodes_b), key=str):
        rows.append(("node removed", _describe(nodes_a[node_id]), ABSENT))
    for node_id in sorted(set(nodes_b) - set(nodes_a), key=str):
        rows.append(("node added", ABSENT, _describe(nodes_b[node_id])))
    for node_id in sorted(set(nodes_a) & set(nodes_b), key=str):
        a, b = nodes_a[node_id], nodes_b[node_id]
        name = b.get("name") or node_id
        if a.get("name") != b.get("name"):
            rows.append((f"{node_id} name", str(a.get("name")), str(b.get("name"))))
        if a.get("type") != b.get("type"):
            rows.append((f"{name} type", str(a.get("type")), str(b.get("type"))))
        params_a, params_b = a.get("params") or {}, b.get("params") or {}
        for key in sorted(set(params_a) | set(params_b)):
            if params_a.get(key, ABSENT) != params_b.get(key, ABSENT):
                rows.append((f"{name}.{key}", _text(params_a.get(key, ABSENT)),
                             _text(params_b.get(key, ABSENT))))
    wires_a, wires_b = len(graph_a.get("edges", [])), len(graph_b.get("edges", []))
    if wires_a != wires_b:
        rows.append(("wires", str(wires_a), str(wires_b)))
    return rows


def flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value
    return flat


def _describe(node: Mapping[str, Any]) -> str:
    return f"{node.get('name') or node.get('id')} ({node.get('type', '?')})"


def _text(value: Any) -> str:
    if value is ABSENT:
        return ABSENT
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
