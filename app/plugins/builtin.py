"""Netloom's own layers, example projects, exporters, blocks and data sources, registered as plugins are.

Each part registers through the same ``PluginRegistry`` API a third-party
plugin uses, so that API runs on every start. The parts are loaded as
separate plugins (``PARTS``), so that one that fails (say, the examples of
an install without its resources) leaves the others working.

The data sources are those of ``app.data.sources`` that load into arrays
(the bundled sets, ``.npz``, CSV, the Keras cache); image folders stream
through ``tf.data`` and are loaded with ``app.data.sources.load_source``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.examples import list_examples, resource_dir
from app.core.graph import Graph
from app.plugins.registry import PluginRegistry


def register(registry: PluginRegistry) -> None:
    """Register every built-in: layers, examples, exporters, blocks and data sources."""
    for _, part in PARTS:
        part(registry)


def register_layers(registry: PluginRegistry) -> None:
    """Every built-in layer type: Input, the curated and derived Keras layers, the backbones."""
    from app.core.layer_specs import builtin_specs

    for spec in builtin_specs():
        registry.add_layer(spec)


def register_examples(registry: PluginRegistry) -> None:
    """The bundled example projects (``resources/examples``)."""
    for info in list_examples():
        registry.add_example(info.path)


def register_exporters(registry: PluginRegistry) -> None:
    """The exporters that exist so far: a Python script and the Keras architecture JSON."""
    registry.add_exporter(
        "python", ".py", export_python_script,
        "A readable Python script that rebuilds the model with the Keras functional API.",
    )
    registry.add_exporter(
        "keras-json", ".json", export_keras_json,
        "The model's architecture as Keras JSON (model.to_json()), without weights.",
    )


def register_data_sources(registry: PluginRegistry) -> None:
    """The data sources of ``app.data``: the bundled sets, ``.npz``, CSV and the Keras cache."""
    from app.data.sources import array_loader, source_descriptions

    for name, description in source_descriptions().items():
        registry.add_data_source(name, array_loader(name), description)


def register_blocks(registry: PluginRegistry) -> None:
    """The bundled blocks (``resources/blocks/*.json``): a residual block, an inception module."""
    for path in sorted(blocks_dir().glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        registry.add_block(data["name"], data["graph"], data.get("description", ""))


PARTS: tuple[tuple[str, Callable[[PluginRegistry], None]], ...] = (
    ("netloom.layers", register_layers),
    ("netloom.examples", register_examples),
    ("netloom.exporters", register_exporters),
    ("netloom.blocks", register_blocks),
    ("netloom.data", register_data_sources),
)


# ----------------------------------------------------------------- exporters
def export_python_script(graph: Graph, path: str | Path, **options: Any) -> Path:
    """Write ``graph`` as a Python script; options: ``catalog``, ``training``, ``project_name``."""
    from app.build.codegen import graph_to_script
    from app.core.project import write_atomic

    script = graph_to_script(
        graph, options.get("catalog"), options.get("training"), project_name=options.get("project_name")
    )
    target = Path(path)
    write_atomic(target, script)
    return target


def export_keras_json(graph: Graph, path: str | Path, **options: Any) -> Path:
    """Write the Keras architecture JSON of ``graph`` (or of ``options["model"]`` when given)."""
    from app.build.keras_builder import to_keras
    from app.core.project import write_atomic

    model = options.get("model") or to_keras(graph, options.get("catalog"))
    target = Path(path)
    write_atomic(target, json.dumps(json.loads(model.to_json()), indent=2) + "\n")
    return target


def blocks_dir() -> Path:
    """The folder of bundled blocks (see ``app.core.examples.resource_dir``)."""
    return resource_dir("blocks")
