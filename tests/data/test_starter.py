"""Start from data: starter projects that fit each kind of data, and fitting an existing model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.build.keras_builder import to_keras
from app.core.examples import example_path
from app.core.graph import Graph
from app.core.project import load_project, save_project
from app.core.validation import validate
from app.data.bundled import load_digits
from app.data.dataset import DataError, Dataset
from app.data.sources import load_source
from app.data.starter import fit_model_to_data, input_mismatch, project_from_data
from app.ui.undo import GraphUndoStack

TABLE = """size,rooms,city,kind
50.5,2,oslo,flat
120.0,5,bergen,house
65.2,3,oslo,flat
200.1,6,bergen,house
45.7,1,oslo,flat
150.3,4,oslo,house
"""


def _png_folder(
    root: Path, size: tuple[int, int], channels: int, classes: int = 3, per_class: int = 4
) -> Path:
    import tensorflow as tf

    rng = np.random.default_rng(0)
    for label in range(classes):
        folder = root / f"class_{label}"
        folder.mkdir(parents=True)
        for index in range(per_class):
            pixels = rng.integers(0, 255, (*size, channels), dtype=np.uint8)
            (folder / f"{index}.png").write_bytes(tf.io.encode_png(pixels).numpy())
    return root


def _check_builds(project, sample_shape, units) -> None:
    result = validate(project.graph)
    assert result.valid, [p.message for p in result.problems]
    model = to_keras(project.graph)
    assert tuple(model.input_shape[1:]) == tuple(sample_shape)
    assert model.output_shape[-1] == units
    assert project.graph.inputs()[0].params["shape"] == list(sample_shape)


def _reloads(project, tmp_path: Path):
    """The saved project's data section loads the same data again."""
    saved = save_project(project, tmp_path / "starter.netloom")
    again = load_project(saved)
    return load_source(again.data, saved.parent)


def test_csv_with_a_target_gets_an_mlp_and_softmax(tmp_path: Path) -> None:
    (tmp_path / "homes.csv").write_text(TABLE)
    project = project_from_data(tmp_path / "homes.csv", target="kind", project_dir=tmp_path)
    # size, rooms and the one-hot city (2 values) are the features; flat/house the classes
    _check_builds(project, (4,), 2)
    assert project.data == {"source": "csv", "path": "homes.csv", "target": "kind"}
    assert [n.type for n in project.graph] == ["Input", "Dense", "Dense", "Dense"]
    assert project.graph.outputs()[0].params["activation"] == "softmax"
    assert project.training["loss"] == "sparse_categorical_crossentropy"
    assert project.training["metrics"] == ["accuracy"]
    assert _reloads(project, tmp_path).input_shape == (4,)


def test_csv_numeric_target_means_regression_with_a_linear_output(tmp_path: Path) -> None:
    (tmp_path / "homes.csv").write_text(TABLE)
    project = project_from_data(tmp_path / "homes.csv", target="size", project_dir=tmp_path)
    _check_builds(project, (5,), 1)  # rooms, city (2 values), kind (2 values)
    assert project.graph.outputs()[0].params["activation"] == "linear"
    assert project.training["loss"] == "mean_squared_error"


def test_csv_without_target_records_the_last_column(tmp_path: Path) -> None:
    (tmp_path / "homes.csv").write_text(TABLE)
    project = project_from_data(str(tmp_path / "homes.csv"))
    assert project.data["target"] == "kind" and Path(project.data["path"]).is_absolute()


def test_npz_images_get_a_cnn(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "pics.npz", x=rng.random((40, 16, 16, 1)).astype("float32"),
             y=np.arange(40) % 4)
    project = project_from_data(tmp_path / "pics.npz", project_dir=tmp_path)
    _check_builds(project, (16, 16, 1), 4)
    types = [n.type for n in project.graph]
    assert "Conv2D" in types and "MaxPooling2D" in types and "Rescaling" not in types
    assert project.data == {"source": "npz", "path": "pics.npz"}


def test_image_folder_gets_a_cnn_with_rescaling_and_its_image_size(tmp_path: Path) -> None:
    folder = _png_folder(tmp_path / "photos", (20, 24), 3)
    project = project_from_data(folder, project_dir=tmp_path)
    _check_builds(project, (20, 24, 3), 3)
    assert project.data == {"source": "image_folder", "path": "photos", "image_size": [20, 24],
                            "color_mode": "rgb"}
    assert [n.type for n in project.graph][:2] == ["Input", "Rescaling"]
    assert _reloads(project, tmp_path).input_shape == (20, 24, 3)


def test_grayscale_image_folder(tmp_path: Path) -> None:
    folder = _png_folder(tmp_path / "scans", (12, 12), 1, classes=2)
    project = project_from_data(folder, project_dir=tmp_path)
    _check_builds(project, (12, 12, 1), 2)
    assert project.data["color_mode"] == "grayscale"


@pytest.mark.parametrize(("name", "shape", "units"), [("iris", (4,), 3), ("digits", (8, 8, 1), 10)])
def test_bundled_names(name: str, shape: tuple[int, ...], units: int) -> None:
    project = project_from_data(name)
    _check_builds(project, shape, units)
    assert project.data == {"source": name} and project.name == name


def test_sine_sequence_gets_an_lstm_and_regression() -> None:
    project = project_from_data("sine")
    _check_builds(project, (20, 1), 1)
    assert [n.type for n in project.graph] == ["Input", "LSTM", "Dense"]
    assert project.training["loss"] == "mean_squared_error"
    assert project.training["metrics"] == ["mean_absolute_error"]


def test_xor_gets_one_sigmoid_unit_and_binary_crossentropy() -> None:
    project = project_from_data("xor")
    assert project.graph.outputs()[0].params == {"units": 1, "activation": "sigmoid"}
    assert project.training["loss"] == "binary_crossentropy"


def test_nodes_are_laid_out_left_to_right() -> None:
    xs = [node.position[0] for node in project_from_data("iris").graph]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)


def test_bad_sources_name_the_file_or_column(tmp_path: Path) -> None:
    (tmp_path / "homes.csv").write_text(TABLE)
    with pytest.raises(DataError, match=r"homes\.csv.*'price' does not exist"):
        project_from_data(tmp_path / "homes.csv", target="price")
    with pytest.raises(DataError, match=r"nowhere\.csv: no such file"):
        project_from_data(tmp_path / "nowhere.csv")
    with pytest.raises(DataError, match=r"nothing: no such file or folder, and not a bundled dataset.*mnist"):
        project_from_data("nothing")
    (tmp_path / "notes.docx").write_text("hello")
    with pytest.raises(DataError, match=r"notes\.docx: not a data file"):
        project_from_data(tmp_path / "notes.docx")
    with pytest.raises(DataError, match="--target names a CSV column"):
        project_from_data("iris", target="species")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty"):
        project_from_data(tmp_path / "empty")


def _digits_mlp() -> Graph:
    return load_project(example_path("digits-mlp")).graph


def test_input_mismatch_names_both_shapes(tmp_path: Path) -> None:
    graph = load_project(example_path("digits-cnn")).graph
    images = Dataset(np.zeros((4, 64, 64, 3), "float32"), np.arange(4), class_names=list("abcd"))
    assert input_mismatch(graph, images) == "the images are 64x64x3 but the Input 'image' expects (8, 8, 1)"
    table = Dataset(np.zeros((4, 5), "float32"), np.arange(4), class_names=list("abcd"))
    assert input_mismatch(graph, table) == (
        "the samples have 5 features but the Input 'image' expects (8, 8, 1)")
    sine = load_source({"source": "sine"})
    assert input_mismatch(graph, sine) == (
        "the sequences are 20 steps of 1 feature but the Input 'image' expects (8, 8, 1)")
    assert input_mismatch(graph, load_source({"source": "digits"})) is None
    # digits' 8x8x1 samples feed the MLP's Input of (64,) once reshaped
    assert input_mismatch(_digits_mlp(), load_source({"source": "digits"})) is None


def test_input_mismatch_for_a_streamed_image_folder(tmp_path: Path) -> None:
    folder = _png_folder(tmp_path / "photos", (8, 8), 3, classes=2, per_class=3)
    data = load_source({"source": "image_folder", "path": str(folder), "image_size": [64, 64]})
    graph = load_project(example_path("digits-cnn")).graph
    assert input_mismatch(graph, data) == "the images are 64x64x3 but the Input 'image' expects (8, 8, 1)"


def test_fit_model_to_data_is_one_undoable_step() -> None:
    graph = load_project(example_path("digits-cnn")).graph
    before = json.dumps(graph.to_dict(), sort_keys=True)
    rng = np.random.default_rng(0)
    photos = Dataset(rng.random((6, 32, 32, 3)).astype("float32"), np.arange(6) % 3,
                     class_names=["cat", "dog", "fox"])
    edit = fit_model_to_data(graph, photos)
    assert edit is not None
    stack = GraphUndoStack(graph)
    stack.push_edit(edit)
    assert graph.inputs()[0].params["shape"] == [32, 32, 3]
    assert graph.outputs()[0].params["units"] == 3 and graph.outputs()[0].params["activation"] == "softmax"
    assert validate(graph).valid and input_mismatch(graph, photos) is None
    assert fit_model_to_data(graph, photos) is None  # already fits
    stack.undo()
    assert json.dumps(graph.to_dict(), sort_keys=True) == before


def test_fit_model_to_regression_sets_a_linear_unit() -> None:
    graph = load_project(example_path("iris-mlp")).graph
    edit = fit_model_to_data(graph, load_source({"source": "celsius"}))
    assert edit is not None
    edit.apply(graph)
    assert graph.inputs()[0].params["shape"] == [1]
    assert graph.outputs()[0].params == {"units": 1, "activation": "linear"}


def test_fit_model_sets_an_activation_layer_after_the_dense() -> None:
    graph = Graph()
    source = graph.add_node("Input", "x", {"shape": [4]})
    dense = graph.add_node("Dense", "logits", {"units": 3})
    act = graph.add_node("Activation", "probabilities", {"activation": "softmax"})
    graph.connect(source.id, dense.id)
    graph.connect(dense.id, act.id)
    edit = fit_model_to_data(graph, load_digits())
    assert edit is not None
    edit.apply(graph)
    assert graph.node(dense.id).params == {"units": 10}
    assert graph.node(act.id).params == {"activation": "softmax"}
    assert graph.inputs()[0].params["shape"] == [8, 8, 1]


def test_keras_dataset_name_from_the_local_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(DataError, match=r"mnist\.npz"):
        project_from_data("mnist")  # not in the cache: the message says which file to place where
    (tmp_path / "datasets").mkdir()
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "datasets" / "mnist.npz",
             x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), y_train=np.arange(30) % 10,
             x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), y_test=np.arange(10) % 10)
    project = project_from_data("mnist")
    _check_builds(project, (28, 28, 1), 10)
    assert project.data == {"source": "keras", "name": "mnist"}


def test_large_images_get_the_default_size_and_a_corrupt_first_file_is_passed_over(tmp_path: Path) -> None:
    folder = _png_folder(tmp_path / "big", (300, 260), 3, classes=2, per_class=2)
    (folder / "class_0" / "0000.png").write_bytes(b"broken")  # sorts first
    project = project_from_data(folder)
    assert project.data["image_size"] == [96, 96] and project.data["color_mode"] == "rgb"
    _check_builds(project, (96, 96, 3), 2)
