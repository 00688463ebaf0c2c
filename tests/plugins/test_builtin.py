"""The built-ins go through the plugin API: the same registry lists them, and they work."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import pytest

from app.core.catalog import default_catalog
from app.core.examples import example_path, list_examples
from app.core.layer_specs import build_catalog
from app.core.project import load_project
from app.core.validation import validate
from app.plugins import BUILTIN, OK, PluginRegistry, builtin, load_plugins


@pytest.fixture
def registry() -> PluginRegistry:
    return load_plugins(entry_points=False)


def test_the_builtins_are_plugin_records(registry: PluginRegistry) -> None:
    records = registry.records()
    assert [(r.name, r.origin, r.status) for r in records] == [
        (name, BUILTIN, OK) for name, _ in builtin.PARTS
    ]
    assert records[0].source == "app.plugins.builtin.register_layers"


def test_the_registry_catalog_holds_every_builtin_layer(registry: PluginRegistry) -> None:
    expected = build_catalog()
    assert registry.catalog.specs() == expected.specs()
    assert registry.record("netloom.layers").registered["layers"] == [s.type for s in expected.specs()]
    assert default_catalog() is registry.catalog


def test_examples_exporters_and_blocks_are_listed(registry: PluginRegistry) -> None:
    assert [e.name for e in registry.examples()] == [info.name for info in list_examples()]
    assert [e.name for e in registry.exporters()] == ["python", "keras-json"]
    assert [b.name for b in registry.blocks()] == ["inception-module", "residual-block"]
    assert [s.name for s in registry.data_sources()] == [
        "digits", "iris", "wine", "breast_cancer", "celsius", "xor", "moons", "circles", "spirals", "sine",
        "npz", "csv", "keras",
    ]


def test_register_adds_every_builtin_to_a_fresh_registry() -> None:
    registry = PluginRegistry()
    builtin.register(registry)
    assert len(registry.catalog) == len(build_catalog())
    assert len(registry.exporters()) == 2 and len(registry.blocks()) == 2 and registry.examples()


@pytest.mark.parametrize("name", ["inception-module", "residual-block"])
def test_each_block_is_a_valid_graph(registry: PluginRegistry, name: str) -> None:
    block = registry.block(name)
    result = validate(block.to_graph())
    assert result.valid, [p.message for p in result.problems]
    assert block.description


def test_the_python_exporter_writes_a_runnable_script(registry: PluginRegistry, tmp_path: Path) -> None:
    project = load_project(example_path("xor"))
    target = registry.exporter("python").export(project.graph, tmp_path / "xor.py", training=project.training)
    namespace: dict = {}
    exec(compile(target.read_text(), str(target), "exec"), namespace)
    model = namespace["build_model"]()
    assert [layer.name for layer in model.layers] == ["bits", "hidden", "xor"]


def test_the_keras_json_exporter_writes_the_architecture(registry: PluginRegistry, tmp_path: Path) -> None:
    project = load_project(example_path("xor"))
    exporter = registry.exporter("keras-json")
    assert exporter.suffix == ".json"
    target = exporter.export(project.graph, tmp_path / "xor.json")
    model = keras.models.model_from_json(target.read_text())
    assert model.count_params() == 2 * 8 + 8 + 8 + 1
    assert json.loads(target.read_text())["class_name"] == "Functional"


def test_a_failing_part_leaves_the_others(monkeypatch) -> None:
    def no_examples() -> list:
        raise FileNotFoundError("Netloom's example projects were not found")

    monkeypatch.setattr(builtin, "list_examples", no_examples)
    registry = load_plugins(entry_points=False)
    assert registry.record("netloom.examples").error.startswith("register() failed: FileNotFoundError")
    assert registry.record("netloom.layers").ok and "Dense" in registry.catalog
    assert default_catalog() is registry.catalog
