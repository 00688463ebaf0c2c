"""``.npz`` files: both layouts load, and every bad file is refused naming the file and the array."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.data.dataset import DataError
from app.data.npz import load_npz
from app.data.sources import load_source


def _write(tmp_path: Path, name: str = "data.npz", **arrays: np.ndarray) -> Path:
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


def test_keras_layout_keeps_its_test_split(tmp_path: Path) -> None:
    path = _write(
        tmp_path, x_train=np.zeros((20, 4, 4), "uint8"), y_train=np.arange(20) % 3,
        x_test=np.ones((6, 4, 4), "uint8"), y_test=np.arange(6) % 3,
    )
    data = load_npz(path)
    assert data.x_train.dtype == np.float32
    assert data.task == "classification" and data.class_names == ["0", "1", "2"]
    assert data.sizes() == {"train": 20, "test": 6}
    ready = load_source({"source": "npz", "path": "data.npz", "validation_fraction": 0.25}, tmp_path)
    assert ready.sizes() == {"train": 15, "val": 5, "test": 6}


def test_plain_layout_with_float_targets_is_regression(tmp_path: Path) -> None:
    path = _write(tmp_path, x=np.random.default_rng(0).normal(size=(30, 3)), y=np.linspace(0, 1, 30))
    data = load_npz(path)
    assert data.task == "regression" and data.input_shape == (3,)


def test_one_hot_targets_become_class_ids(tmp_path: Path) -> None:
    path = _write(tmp_path, x=np.zeros((4, 2)), y=np.eye(3)[[0, 2, 1, 2]])
    data = load_npz(path)
    np.testing.assert_array_equal(data.y_train, [0, 2, 1, 2])


def test_sparse_labels_are_mapped_to_a_range(tmp_path: Path) -> None:
    data = load_npz(_write(tmp_path, x=np.zeros((3, 2)), y=np.array([3, 7, 3])))
    np.testing.assert_array_equal(data.y_train, [0, 1, 0])
    assert data.class_names == ["3", "7"]
    assert "mapped" in data.notes[0]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nothere\.npz: no such file"):
        load_npz(tmp_path / "nothere.npz")


def test_not_an_npz(tmp_path: Path) -> None:
    path = tmp_path / "junk.npz"
    path.write_text("hello")
    with pytest.raises(DataError, match=r"junk\.npz: not a"):
        load_npz(path)


def test_wrong_array_names_lists_those_present(tmp_path: Path) -> None:
    path = _write(tmp_path, features=np.zeros((2, 2)), labels=np.zeros(2))
    with pytest.raises(DataError, match=r"data\.npz: holds 'features', 'labels'; expected arrays 'x_train'"):
        load_npz(path)


def test_x_and_y_of_different_lengths(tmp_path: Path) -> None:
    path = _write(tmp_path, x_train=np.zeros((5, 2)), y_train=np.zeros(4, "int64"))
    with pytest.raises(DataError, match=r"data\.npz: array 'x_train' has 5 samples but 'y_train' has 4"):
        load_npz(path)


def test_x_test_without_y_test(tmp_path: Path) -> None:
    path = _write(tmp_path, x_train=np.zeros((5, 2)), y_train=np.zeros(5, "int64"), x_test=np.zeros((2, 2)))
    with pytest.raises(DataError, match="no array 'y_test'"):
        load_npz(path)


def test_test_samples_of_another_shape(tmp_path: Path) -> None:
    path = _write(
        tmp_path, x_train=np.zeros((5, 2)), y_train=np.zeros(5, "int64"),
        x_test=np.zeros((2, 3)), y_test=np.zeros(2, "int64"),
    )
    with pytest.raises(DataError, match=r"'x_test' has samples of shape \[3\] but 'x_train' has \[2\]"):
        load_npz(path)


def test_object_arrays_are_not_unpickled(tmp_path: Path) -> None:
    path = _write(tmp_path, x=np.array([{"a": 1}, None], dtype=object), y=np.zeros(2))
    with pytest.raises(DataError, match="array 'x' holds Python objects"):
        load_npz(path)


def test_text_array_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, x=np.array([["a"], ["b"]]), y=np.zeros(2))
    with pytest.raises(DataError, match="array 'x' is not numeric"):
        load_npz(path)


def test_nan_names_the_sample(tmp_path: Path) -> None:
    x = np.zeros((4, 2))
    x[2, 1] = np.nan
    with pytest.raises(DataError, match="array 'x' has NaN or infinite values, first in sample 2"):
        load_npz(_write(tmp_path, x=x, y=np.zeros(4)))


def test_shape_that_cannot_feed_the_input(tmp_path: Path) -> None:
    path = _write(tmp_path, x=np.zeros((10, 5)), y=np.zeros(10))
    data = load_source({"source": "npz", "path": str(path)})
    with pytest.raises(DataError, match=r"shape \[5\] cannot feed the model's Input of shape \[4\]"):
        data.reshape_for([4])


def test_npz_source_needs_a_path() -> None:
    with pytest.raises(DataError, match="npz source needs a path"):
        load_source({"source": "npz"})
