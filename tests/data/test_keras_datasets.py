"""The Keras datasets come from the local Keras cache only; a missing file says where to put it."""

from __future__ import annotations

import gzip
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

from app.data.dataset import DataError
from app.data.keras_datasets import FASHION_FILES, keras_cache, load_keras_dataset
from app.data.sources import load_source


@pytest.fixture
def keras_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    return tmp_path


def _fake_mnist(folder: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(
        folder / "mnist.npz",
        x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8), y_train=np.arange(30) % 10,
        x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8), y_test=np.arange(10) % 10,
    )


def test_cache_honours_keras_home(keras_home: Path) -> None:
    assert keras_cache() == keras_home / "datasets"


def test_mnist_from_the_cache(keras_home: Path) -> None:
    _fake_mnist(keras_home / "datasets")
    data = load_keras_dataset("mnist")
    assert data.x_train.shape == (30, 28, 28, 1) and data.x_test.shape == (10, 28, 28, 1)
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0
    assert data.class_names == [str(n) for n in range(10)]
    ready = load_source({"source": "keras", "name": "mnist", "validation_fraction": 0.2})
    assert ready.sizes() == {"train": 24, "val": 6, "test": 10}


def test_missing_mnist_says_which_file_to_place_where(keras_home: Path) -> None:
    with pytest.raises(DataError) as caught:
        load_keras_dataset("mnist")
    message = str(caught.value)
    assert f"place mnist.npz at {keras_home / 'datasets' / 'mnist.npz'}" in message
    assert "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz" in message
    assert "does not download" in message


@pytest.mark.parametrize("name", ["fashion_mnist", "cifar10", "cifar100"])
def test_every_missing_dataset_says_where(keras_home: Path, name: str) -> None:
    with pytest.raises(DataError, match=rf"place .* at {re.escape(str(keras_home / 'datasets'))}"):
        load_keras_dataset(name)


def test_fashion_mnist_from_its_gz_files(keras_home: Path) -> None:
    folder = keras_home / "datasets" / "fashion-mnist"
    folder.mkdir()
    sizes = {"train": 12, "t10k": 4}
    for file_name in FASHION_FILES:
        count = sizes[file_name.split("-")[0]]
        if "labels" in file_name:
            body = bytes(8) + (np.arange(count) % 10).astype(np.uint8).tobytes()
        else:
            body = bytes(16) + np.full(count * 784, 255, np.uint8).tobytes()
        with gzip.open(folder / file_name, "wb") as stream:
            stream.write(body)
    data = load_keras_dataset("fashion_mnist")
    assert data.x_train.shape == (12, 28, 28, 1) and data.x_test.shape == (4, 28, 28, 1)
    assert data.class_names[9] == "Ankle boot"


def test_cifar10_batches_are_read_without_running_code(keras_home: Path) -> None:
    folder = keras_home / "datasets" / "cifar-10-batches-py"  # the older Keras layout
    folder.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"data": np.zeros((2, 3072), np.uint8), b"labels": [1, 2]}
        (folder / name).write_bytes(pickle.dumps(batch))
    data = load_keras_dataset("cifar10")
    assert data.x_train.shape == (10, 32, 32, 3) and data.sizes() == {"train": 10, "test": 2}


def test_cifar_pickle_with_code_is_refused(keras_home: Path) -> None:
    folder = keras_home / "datasets" / "cifar-10-batches-py"
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(pickle.dumps({b"data": Path("x")}))
    with pytest.raises(DataError, match=r"data_batch_1: not a readable CIFAR batch.*refused"):
        load_keras_dataset("cifar10")


def test_unknown_keras_dataset() -> None:
    with pytest.raises(DataError, match=r"Unknown Keras dataset 'imagenet'"):
        load_keras_dataset("imagenet")
