"""The Keras datasets (MNIST, Fashion-MNIST, CIFAR-10, CIFAR-100), read from the local Keras cache.

Netloom never downloads: it reads the files ``keras.datasets`` would have
downloaded, where Keras keeps them (``$KERAS_HOME/datasets``, by default
``~/.keras/datasets``). When a file is not there, ``DataError`` says which
file to place where and the address to fetch it from by hand.

CIFAR's batches are Python pickles; they are read with an unpickler that
accepts NumPy arrays and plain values only, never other code.
"""

from __future__ import annotations

import gzip
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.data.dataset import DataError, Dataset
from app.data.npz import read_arrays

GOOGLE = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
TORONTO = "https://www.cs.toronto.edu/~kriz/"
FASHION_FILES = (
    "train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
)
FASHION_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def keras_cache() -> Path:
    """The folder Keras keeps downloaded datasets in: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


@dataclass(frozen=True)
class KerasDataset:
    """One Keras dataset: what to look for in the cache, where it comes from, how to read it."""

    name: str
    title: str
    wanted: str  # the file or folder to place, relative to the cache
    origin: str
    reader: Callable[[Path], Dataset]
    hint: str = ""


def load_keras_dataset(name: str = "mnist", **_: Any) -> Dataset:
    """Load Keras dataset ``name`` from the local cache, with its own train/test split, pixels in [0, 1]."""
    if name not in KERAS_DATASETS:
        raise DataError(f"Unknown Keras dataset {name!r}; expected one of {', '.join(KERAS_DATASETS)}.")
    spec = KERAS_DATASETS[name]
    location = keras_cache() / spec.wanted
    found = _find(spec)
    if found is None:
        raise DataError(
            f"{spec.title} is not in the local Keras cache: place {spec.wanted} at {location} "
            f"(download it yourself from {spec.origin}{spec.hint}). Netloom does not download datasets."
        )
    return spec.reader(found)


def _find(spec: KerasDataset) -> Path | None:
    for candidate in _candidates(spec):
        if candidate.exists():
            return candidate
    return None


def _candidates(spec: KerasDataset) -> list[Path]:
    cache = keras_cache()
    if spec.name.startswith("cifar"):
        inner = spec.wanted.split("/")[-1]
        return [cache / spec.wanted, cache / inner]  # Keras 3's folder, then older Keras's
    return [cache / spec.wanted]


def _images(x: np.ndarray) -> np.ndarray:
    return x.astype("float32") / 255.0


def _read_mnist(path: Path) -> Dataset:
    arrays = read_arrays(path)
    missing = [name for name in ("x_train", "y_train", "x_test", "y_test") if name not in arrays]
    if missing:
        raise DataError(f"{path}: has no array {missing[0]!r}; it is not the Keras mnist.npz.")
    return Dataset(
        _images(arrays["x_train"])[..., None], arrays["y_train"].astype("int64"),
        x_test=_images(arrays["x_test"])[..., None], y_test=arrays["y_test"].astype("int64"),
        class_names=[str(n) for n in range(10)], name="mnist",
    )


def _read_fashion(folder: Path) -> Dataset:
    arrays = []
    for file_name in FASHION_FILES:
        path = folder / file_name
        if not path.is_file():
            raise DataError(
                f"{path}: missing; Fashion-MNIST needs {', '.join(FASHION_FILES)} in {folder} "
                f"(from {GOOGLE}{file_name})."
            )
        offset = 8 if "labels" in file_name else 16
        try:
            with gzip.open(path, "rb") as stream:
                arrays.append(np.frombuffer(stream.read(), np.uint8, offset=offset))
        except (OSError, EOFError, ValueError) as error:
            raise DataError(f"{path}: not a readable gzip file ({error})") from None
    y_train, x_train, y_test, x_test = arrays
    return Dataset(
        _images(x_train.reshape(len(y_train), 28, 28, 1)), y_train.astype("int64"),
        x_test=_images(x_test.reshape(len(y_test), 28, 28, 1)), y_test=y_test.astype("int64"),
        class_names=FASHION_CLASSES, name="fashion_mnist",
    )


class _SafeUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain values; refuses every other class."""

    ALLOWED = {
        ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}")


def _unpickle(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise DataError(f"{path}: missing; the CIFAR folder is incomplete.")
    try:
        with path.open("rb") as stream:
            data = _SafeUnpickler(stream, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, OSError, ValueError, TypeError) as error:
        raise DataError(f"{path}: not a readable CIFAR batch ({error})") from None
    return {key.decode() if isinstance(key, bytes) else key: value for key, value in data.items()}


def _cifar_images(data: Any) -> np.ndarray:
    return _images(np.asarray(data, dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def _read_cifar10(folder: Path) -> Dataset:
    batches = [_unpickle(folder / f"data_batch_{i}") for i in range(1, 6)]
    test = _unpickle(folder / "test_batch")
    return Dataset(
        _cifar_images(np.concatenate([b["data"] for b in batches])),
        np.concatenate([b["labels"] for b in batches]).astype("int64"),
        x_test=_cifar_images(test["data"]), y_test=np.asarray(test["labels"], dtype="int64"),
        class_names=CIFAR10_CLASSES, name="cifar10",
    )


def _read_cifar100(folder: Path) -> Dataset:
    train, test = _unpickle(folder / "train"), _unpickle(folder / "test")
    names = [str(n) for n in range(100)]
    if (folder / "meta").is_file():
        labels = _unpickle(folder / "meta")["fine_label_names"]
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in labels]
    return Dataset(
        _cifar_images(train["data"]), np.asarray(train["fine_labels"], dtype="int64"),
        x_test=_cifar_images(test["data"]), y_test=np.asarray(test["fine_labels"], dtype="int64"),
        class_names=names, name="cifar100",
    )


KERAS_DATASETS: dict[str, KerasDataset] = {
    spec.name: spec
    for spec in (
        KerasDataset("mnist", "MNIST", "mnist.npz", f"{GOOGLE}mnist.npz", _read_mnist),
        KerasDataset("fashion_mnist", "Fashion-MNIST", "fashion-mnist", GOOGLE, _read_fashion,
                     f": the four files {', '.join(FASHION_FILES)}"),
        KerasDataset("cifar10", "CIFAR-10", "cifar-10-batches-py-target/cifar-10-batches-py",
                     f"{TORONTO}cifar-10-python.tar.gz", _read_cifar10, ", then extract it"),
        KerasDataset("cifar100", "CIFAR-100", "cifar-100-python-target/cifar-100-python",
                     f"{TORONTO}cifar-100-python.tar.gz", _read_cifar100, ", then extract it"),
    )
}
