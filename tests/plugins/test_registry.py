"""The registry: what plugins add, names refused when taken, and a failing plugin adds nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.catalog import LayerSpec
from app.core.layer_specs import INPUT_SPEC
from app.plugins import FAILED, OK, DuplicateName, PluginRegistry

DENSE = LayerSpec("Dense", "keras.layers.Dense", "Core", "A fully connected layer.")
GRAPH = {
    "nodes": [
        {"id": "n1", "type": "Input", "name": "x", "params": {"shape": [4]}},
        {"id": "n2", "type": "Dense", "name": "y", "params": {"units": 2}},
    ],
    "edges": [{"source": "n1", "target": "n2"}],
}


def loader(**options):
    return {"x_train": [1]}


def export(graph, path, **options):
    return Path(path)


def test_additions_outside_a_plugin_land_at_once() -> None:
    registry = PluginRegistry()
    registry.add_layer(DENSE)
    registry.add_data_source("numbers", loader, "Some numbers.")
    registry.add_exporter("nothing", ".txt", export)
    assert registry.catalog.get("Dense") is DENSE
    assert registry.data_source("numbers").loader is loader
    assert registry.exporter("nothing").suffix == ".txt"


def test_a_plugin_records_what_it_registered() -> None:
    registry = PluginRegistry()

    def register(reg: PluginRegistry) -> None:
        reg.add_layer(INPUT_SPEC)
        reg.add_layer(DENSE)
        reg.add_data_source("numbers", loader)
        reg.add_block("tiny", GRAPH, "Two nodes.")

    record = registry.run_plugin("mine", "/somewhere", register)
    assert record.status == OK and record.ok and not record.error
    assert record.registered == {
        "layers": ["Input", "Dense"], "data sources": ["numbers"], "blocks": ["tiny"]
    }
    assert registry.data_source("numbers").plugin == "mine"
    assert registry.block("tiny").to_graph().find("y").params == {"units": 2}
    assert record.describe_registered() == "layers: Input, Dense; data sources: numbers; blocks: tiny"


def test_a_plugin_that_raises_half_way_adds_nothing() -> None:
    registry = PluginRegistry()

    def register(reg: PluginRegistry) -> None:
        reg.add_data_source("numbers", loader)
        raise RuntimeError("the second half broke")

    record = registry.run_plugin("half", "/somewhere", register)
    assert record.status == FAILED
    assert record.error == "register() failed: RuntimeError: the second half broke"
    assert "Traceback" in record.details and "the second half broke" in record.details
    assert registry.data_sources() == [] and record.registered == {}
    assert registry.failed() == [record]


def test_taken_names_are_refused_and_the_first_keeps_them() -> None:
    registry = PluginRegistry()
    registry.run_plugin(
        "first", "builtin", lambda reg: (reg.add_layer(DENSE), reg.add_exporter("x", ".x", export))
    )
    record = registry.run_plugin("second", "/elsewhere", lambda reg: reg.add_layer(
        LayerSpec("Dense", "keras.layers.Conv2D", "Core", "An impostor.")))
    assert record.status == FAILED and "DuplicateName" in record.error
    assert "'Dense' is already registered by 'first' (built-in)" in record.error
    assert registry.catalog.get("Dense").class_path == "keras.layers.Dense"
    with pytest.raises(DuplicateName, match="Exporter 'x'"):
        registry.add_exporter("x", ".y", export)


def test_a_plugin_cannot_register_one_name_twice() -> None:
    registry = PluginRegistry()
    record = registry.run_plugin("twice", "/x", lambda reg: (reg.add_data_source("a", loader),
                                                              reg.add_data_source("a", loader)))
    assert record.status == FAILED and "already registered by this plugin" in record.error


def test_a_second_plugin_of_the_same_name_is_skipped() -> None:
    registry = PluginRegistry()
    registry.run_plugin("same", "/one", lambda reg: None, source="/one/same.py")
    record = registry.run_plugin("same", "/two", lambda reg: reg.add_data_source("b", loader))
    assert record.status == FAILED and "already loaded (from /one/same.py)" in record.error
    assert registry.data_sources() == []


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda reg: reg.add_layer(LayerSpec("X", "keras.layers.Dense", "Nowhere", "")), "unknown category"),
        (lambda reg: reg.add_layer(LayerSpec("X", "no_such_module.X", "Core", "")), "cannot be imported"),
        (lambda reg: reg.add_layer(LayerSpec("X", "keras.layers.Dense", "Core", ""), dict), "not the class"),
        (lambda reg: reg.add_data_source("", loader), "non-empty name"),
        (lambda reg: reg.add_data_source("s", "not callable"), "must be callable"),
        (lambda reg: reg.add_exporter("e", "py", export), "suffix such as '.py'"),
        (lambda reg: reg.add_example("/no/such/file.netloom"), "does not exist"),
        (lambda reg: reg.add_block("b", {"nodes": [{"id": "n1"}]}), "not a readable graph"),
        (lambda reg: reg.add_block("b", GRAPH), "not registered: Dense"),
    ],
)
def test_bad_additions_say_what_is_wrong(call, message: str) -> None:
    record = PluginRegistry().run_plugin("bad", "/x", call)
    assert record.status == FAILED and message in record.error


def test_an_example_is_named_after_its_file(tmp_path: Path) -> None:
    path = tmp_path / "my-example.netloom"
    path.write_text(json.dumps({"title": "Mine", "description": "An example.", "graph": GRAPH}))
    registry = PluginRegistry()
    record = registry.run_plugin("examples", "/x", lambda reg: reg.add_example(path))
    assert record.ok, record.error
    assert registry.example("my-example").info.title == "Mine"
    with pytest.raises(KeyError, match="the examples are: my-example"):
        registry.example("nope")


def test_the_plugin_api_and_settings_load_without_qt_or_keras() -> None:
    from tests.test_architecture import HEAVY, _modules_after_import

    loaded = _modules_after_import("app.plugins", "app.plugins.builtin", "app.settings")
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
