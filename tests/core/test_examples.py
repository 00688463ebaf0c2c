"""The bundled example projects: findable, well formed, and each one a model that builds and trains."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.core import examples
from app.core.examples import DEFAULT_EXAMPLE, UnknownExample, example_path, list_examples
from app.core.project import load_project

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "digits-cnn", "digits-mlp", "celsius-to-fahrenheit", "xor", "iris-mlp", "residual-block",
    "inception-module", "sine-lstm", "transfer-mobilenet",
}
PRETRAINED = {"transfer-mobilenet"}
TRAINING_KEYS = {"optimizer", "learning_rate", "loss", "metrics", "batch_size", "epochs"}


def _names(*, pretrained: bool) -> list[Any]:
    """Example names as pytest params; the pretrained ones are marked slow."""
    names = sorted(EXPECTED)
    if not pretrained:
        return [n for n in names if n not in PRETRAINED]
    return [pytest.param(n, marks=pytest.mark.slow) if n in PRETRAINED else n for n in names]


def test_every_expected_example_is_listed_with_the_default_first() -> None:
    infos = list_examples()
    names = [info.name for info in infos]
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED
    assert names[0] == DEFAULT_EXAMPLE
    for info in infos:
        assert info.path == example_path(info.name)
        assert info.title and info.description


def test_an_unknown_example_names_the_available_ones() -> None:
    with pytest.raises(UnknownExample, match=r"digits-cnn.*xor") as caught:
        example_path("no-such-example")
    assert isinstance(caught.value, KeyError)
    assert str(caught.value).startswith("No example called 'no-such-example'")
    with pytest.raises(UnknownExample):
        example_path("../examples/digits-cnn")


def test_the_resources_folder_can_be_given_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "examples").mkdir()
    source = example_path("xor").read_text(encoding="utf-8")
    copy = tmp_path / "examples" / "only-one.netloom"
    copy.write_text(source.replace('"xor"', '"only-one"'), encoding="utf-8")
    monkeypatch.setenv(examples.RESOURCES_ENV, str(tmp_path))
    assert [info.name for info in list_examples()] == ["only-one"]
    assert examples.resource_candidates()[0] == tmp_path


def test_missing_resources_say_where_they_were_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(examples, "resource_candidates", lambda: [tmp_path / "nowhere"])
    with pytest.raises(FileNotFoundError, match="nowhere"):
        list_examples()


def test_the_lookup_includes_the_installed_data_folder() -> None:
    assert Path(sys.prefix) / "share" / "netloom" / "resources" in examples.resource_candidates()
    assert REPO_ROOT / "resources" in examples.resource_candidates()


def test_listing_examples_needs_neither_keras_nor_qt() -> None:
    code = (
        "import sys\n"
        "from app.core.examples import list_examples\n"
        "list_examples()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'keras', 'tensorflow', 'PySide6'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_file_has_every_required_key(name: str) -> None:
    data = json.loads(example_path(name).read_text(encoding="utf-8"))
    assert data["format_version"] == 1
    assert data["app"] == "netloom"
    assert data["name"] == name
    assert isinstance(data["title"], str) and data["title"]
    assert isinstance(data["description"], str) and 20 <= len(data["description"]) <= 400
    assert set(data["graph"]) == {"nodes", "edges"}
    assert isinstance(data["data"].get("source"), str)
    assert set(data["training"]) == TRAINING_KEYS
    assert data["export"] == {}
    for node in data["graph"]["nodes"]:
        assert set(node) == {"id", "type", "name", "params", "position"}
    for edge in data["graph"]["edges"]:
        assert set(edge) == {"source", "source_port", "target", "target_port"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_loads_as_a_project_with_a_tidy_graph(name: str) -> None:
    project = load_project(example_path(name))
    graph = project.graph
    assert project.name == name
    names = [node.name for node in graph]
    assert len(names) == len(set(names))
    assert all(name.isidentifier() for name in names)  # readable in summaries and generated code
    assert len(graph.inputs()) == 1 and len(graph.outputs()) == 1
    for edge in graph.edges:  # laid out left to right
        assert graph.node(edge.source).position[0] < graph.node(edge.target).position[0]
    positions = [node.position for node in graph]
    assert len(positions) == len(set(positions))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_graph_is_valid(name: str) -> None:
    from app.core.validation import validate

    result = validate(load_project(example_path(name)).graph)
    assert result.valid, [problem.message for problem in result.problems]


@pytest.mark.parametrize("name", _names(pretrained=True))
def test_example_builds_a_keras_model(name: str) -> None:
    from app.build.keras_builder import to_keras

    project = load_project(example_path(name))
    model = to_keras(project.graph)
    assert sorted(layer.name for layer in model.layers) == sorted(node.name for node in project.graph)
    assert model.count_params() > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", _names(pretrained=False))
def test_example_trains_one_epoch_with_its_settings(name: str) -> None:
    import keras

    from app.build.keras_builder import to_keras

    project = load_project(example_path(name))
    settings = project.training
    model = to_keras(project.graph)
    optimizer = keras.optimizers.get(settings["optimizer"])
    optimizer.learning_rate = settings["learning_rate"]
    model.compile(optimizer=optimizer, loss=settings["loss"], metrics=settings["metrics"])
    rng = np.random.default_rng(0)
    x = rng.random((16, *model.input_shape[1:]), dtype=np.float32)
    units = model.output_shape[-1]
    if settings["loss"] == "sparse_categorical_crossentropy":
        y = rng.integers(0, units, size=16)
    elif settings["loss"] == "binary_crossentropy":
        y = rng.integers(0, 2, size=(16, units)).astype("float32")
    else:
        y = rng.random((16, units), dtype=np.float32)
    history = model.fit(x, y, batch_size=settings["batch_size"], epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])


def test_transfer_example_keeps_weights_local() -> None:
    project = load_project(example_path("transfer-mobilenet"))
    backbone = next(node for node in project.graph if node.type == "MobileNetV2")
    assert backbone.params["weights"] is None  # never "imagenet": that would download
    assert backbone.params["trainable"] is False
    assert "weights" in project.description
    # No folder is bundled: the person picks one; the size and colours match the Input.
    assert project.data == {
        "source": "image_folder", "path": None, "image_size": [96, 96], "color_mode": "rgb"
    }
