"""Discovery: installed packages' entry points and chosen folders; failures recorded, never raised."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from app.core.catalog import default_catalog
from app.plugins import ENTRY_POINT, FAILED, OK, current_registry, load_plugins, loaded_registry, use_plugins
from tests.plugins.conftest import write_plugin

# A plugin layer the test package defines: doubles its input.
LAYER_CODE = """
import keras
from app.core.catalog import LayerSpec

class Doubling(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2

SPEC = LayerSpec("Doubling", "{module}.Doubling", "Other", "Doubles its input.", example_input=((4,),))

def register(registry):
    registry.add_layer(SPEC, Doubling)
"""


def source_plugin(name: str) -> str:
    """The code of a plugin that adds the data source ``name``."""
    return f"def register(registry):\n    registry.add_data_source({name!r}, dict)\n"


def install_package(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A distribution as pip installs it (package + .dist-info with entry points) on ``sys.path``."""
    package = site / "netloom_test_plugin"
    write_plugin(site, "netloom_test_plugin/", LAYER_CODE.format(module="netloom_test_plugin"))
    (package / "extra.py").write_text(textwrap.dedent("""
        def register(registry):
            registry.add_data_source("ones", lambda **options: {"x_train": [1, 1]}, "Ones.")
    """))
    (package / "broken.py").write_text("raise RuntimeError('broken at import')\n")
    info = site / "netloom_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: netloom-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""
        [netloom.plugins]
        doubling = netloom_test_plugin
        ones = netloom_test_plugin.extra:register
        broken = netloom_test_plugin.broken
    """))
    monkeypatch.syspath_prepend(str(site))


def test_entry_points_of_an_installed_package_are_loaded(tmp_path: Path, monkeypatch) -> None:
    install_package(tmp_path, monkeypatch)
    registry = load_plugins()
    doubling, ones, broken = (registry.record(n) for n in ("doubling", "ones", "broken"))
    assert doubling.origin == ones.origin == broken.origin == ENTRY_POINT
    assert doubling.status == OK and doubling.registered == {"layers": ["Doubling"]}
    assert doubling.source == "netloom_test_plugin in netloom-test-plugin 1.0"
    assert ones.status == OK and registry.data_source("ones").loader() == {"x_train": [1, 1]}
    assert broken.status == FAILED and broken.error == "import failed: RuntimeError: broken at import"
    assert default_catalog().get("Doubling").class_path == "netloom_test_plugin.Doubling"


def test_entry_points_can_be_left_out(tmp_path: Path, monkeypatch) -> None:
    install_package(tmp_path, monkeypatch)
    registry = load_plugins(entry_points=False)
    assert all(record.origin != ENTRY_POINT for record in registry.records())
    assert "netloom_test_plugin" not in sys.modules


def test_a_chosen_folder_loads_modules_and_packages(tmp_path: Path) -> None:
    write_plugin(tmp_path, "folder_layer", LAYER_CODE.format(module="folder_layer"))
    write_plugin(tmp_path, "folder_package/", """
        from folder_package.helpers import NAME  # a package imports its own modules

        def register(registry):
            registry.add_data_source(NAME, lambda **options: {})
    """)
    (tmp_path / "folder_package" / "helpers.py").write_text("NAME = 'from-a-package'\n")
    write_plugin(tmp_path, "_private", "raise RuntimeError('never imported')")
    (tmp_path / "notes.txt").write_text("not a plugin")
    (tmp_path / "empty_dir").mkdir()

    registry = load_plugins([tmp_path], entry_points=False)
    layer, package = registry.record("folder_layer"), registry.record("folder_package")
    assert layer.status == package.status == OK
    assert layer.origin == str(tmp_path) and layer.source == str(tmp_path / "folder_layer.py")
    assert registry.data_source("from-a-package").plugin == "folder_package"
    found = [r.name for r in registry.records() if r.origin == str(tmp_path)]
    assert found == ["folder_layer", "folder_package"]

    # The layer is a real Netloom layer: it validates and builds.
    import keras
    import numpy as np

    from app.build.keras_builder import to_keras
    from app.core.graph import Graph
    from app.core.validation import validate

    graph = Graph()
    graph.connect(graph.add_node("Input", "x", {"shape": [4]}).id, graph.add_node("Doubling", "twice").id)
    assert validate(graph).valid
    model = to_keras(graph)
    assert isinstance(model.get_layer("twice"), keras.layers.Layer)
    np.testing.assert_allclose(model.predict(np.ones((1, 4)), verbose=0), 2 * np.ones((1, 4)))


def test_plugins_that_fail_are_reported_and_the_others_load(tmp_path: Path) -> None:
    write_plugin(tmp_path, "raises_on_import", "x = 1 / 0\n")
    write_plugin(tmp_path, "register_raises", """
        def register(registry):
            registry.add_data_source("half-done", lambda **options: {})
            raise ValueError("no luck")
    """)
    write_plugin(tmp_path, "exits_on_import", "import sys\nsys.exit(3)\n")
    write_plugin(tmp_path, "no_register", "VALUE = 1\n")
    write_plugin(tmp_path, "takes_dense", """
        from app.core.catalog import LayerSpec

        def register(registry):
            registry.add_layer(LayerSpec("Dense", "keras.layers.Dense", "Core", "mine"))
    """)
    (tmp_path / "bad-name.py").write_text("def register(registry): pass\n")
    write_plugin(tmp_path, "works", source_plugin("fine"))

    registry = load_plugins([tmp_path], entry_points=False)
    status = {r.name: r.status for r in registry.records() if r.origin == str(tmp_path)}
    assert status == {
        "bad-name": FAILED, "exits_on_import": FAILED, "no_register": FAILED, "raises_on_import": FAILED,
        "register_raises": FAILED, "takes_dense": FAILED, "works": OK,
    }
    assert registry.record("raises_on_import").error == "import failed: ZeroDivisionError: division by zero"
    assert "raises_on_import.py" in registry.record("raises_on_import").details
    assert registry.record("register_raises").error == "register() failed: ValueError: no luck"
    assert "has no function register(registry)" in registry.record("no_register").error
    assert "'Dense' is already registered by 'netloom.layers' (built-in)" in registry.record(
        "takes_dense"
    ).error
    assert "not a valid Python module name" in registry.record("bad-name").error
    assert "SystemExit" in registry.record("exits_on_import").error
    assert [s.name for s in registry.data_sources() if s.plugin != "netloom.data"] == ["fine"]
    assert registry.catalog.get("Dense").class_path == "keras.layers.Dense"
    assert "raises_on_import" not in sys.modules


def test_a_missing_folder_is_reported(tmp_path: Path) -> None:
    registry = load_plugins([tmp_path / "nowhere"], entry_points=False)
    record = registry.records()[-1]
    assert record.status == FAILED and record.origin == str(tmp_path / "nowhere")
    assert "does not exist" in record.error


def test_nothing_is_imported_from_a_folder_not_chosen(tmp_path: Path, monkeypatch) -> None:
    chosen, other = tmp_path / "chosen", tmp_path / "other"
    marker = tmp_path / "marker.txt"
    write_plugin(other, "would_write_marker", f"""
        from pathlib import Path
        Path({str(marker)!r}).write_text("ran")

        def register(registry):
            pass
    """)
    write_plugin(chosen, "harmless", "def register(registry): pass\n")
    monkeypatch.chdir(other)  # not even the current folder counts as chosen
    registry = load_plugins([chosen], entry_points=False)
    assert registry.record("harmless").ok
    assert not marker.exists()
    assert "would_write_marker" not in sys.modules
    with pytest.raises(KeyError):
        registry.record("would_write_marker")
    assert str(other) not in sys.path

    load_plugins([other], entry_points=False)  # and choosing it does run it
    assert marker.read_text() == "ran"


def test_a_plugin_never_replaces_a_module_already_imported(tmp_path: Path) -> None:
    write_plugin(tmp_path, "json", "def register(registry): pass\n")
    registry = load_plugins([tmp_path], entry_points=False)
    assert "already imported" in registry.record("json").error
    assert sys.modules["json"] is json


def test_the_same_folder_twice_loads_once(tmp_path: Path) -> None:
    write_plugin(tmp_path, "only_once", source_plugin("once"))
    registry = load_plugins([tmp_path, tmp_path / "."], entry_points=False)
    assert [r.name for r in registry.records()].count("only_once") == 1


def test_current_registry_loads_what_was_chosen_on_first_use(tmp_path: Path) -> None:
    write_plugin(tmp_path, "chosen_later", source_plugin("later"))
    use_plugins([tmp_path], entry_points=False)
    assert loaded_registry() is None and "chosen_later" not in sys.modules
    registry = current_registry()
    assert registry is current_registry() is loaded_registry()
    assert registry.data_source("later").plugin == "chosen_later"
    assert default_catalog() is registry.catalog
