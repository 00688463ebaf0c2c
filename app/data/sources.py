"""``load_source``: a project's ``data`` settings in, a prepared ``Dataset`` out.

The ``data`` section of a project names its source and that source's
options, plus the preparation (split, scaling, labels)::

    {"source": "digits"}
    {"source": "iris", "scaling": "none", "validation_fraction": 0.25, "seed": 7}
    {"source": "csv", "path": "houses.csv", "target": "price"}
    {"source": "npz", "path": "data/arrays.npz"}
    {"source": "keras", "name": "mnist"}
    {"source": "image_folder", "path": "photos", "image_size": [96, 96]}
    {"source": "digits", "augmentation": {"flip": "horizontal", "rotation": 0.1}}

Relative paths are taken from ``base_dir`` (the project's folder). An image
folder is streamed, not loaded: for it ``load_source`` returns an
``ImageFolderData`` holding ``tf.data`` pipelines instead of a ``Dataset``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from app.data.bundled import BUNDLED, DEFAULT_SOURCE
from app.data.dataset import DataError, Dataset
from app.data.prepare import prepare

FILE_SOURCES = ("npz", "csv", "keras", "image_folder")
PREPARE_KEYS = ("validation_fraction", "test_fraction", "seed", "shuffle", "stratify", "scaling", "labels")


def source_names() -> list[str]:
    """Every source ``load_source`` knows: the bundled sets, then the file sources."""
    return [*BUNDLED, *FILE_SOURCES]


def load_source(data_settings: Mapping[str, Any], base_dir: str | Path | None = None) -> Any:
    """Load and prepare the dataset that a project's ``data`` settings describe.

    Returns a ``Dataset`` (an ``ImageFolderData`` for ``"image_folder"``);
    raises ``DataError`` for an unknown source or bad data, naming the file
    and the line, array or item at fault.
    """
    settings = dict(data_settings)
    name = settings.pop("source", DEFAULT_SOURCE) or DEFAULT_SOURCE
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    preparation = {key: settings.pop(key) for key in PREPARE_KEYS if key in settings}
    settings.pop("augmentation", None)  # applied by the model in training (app.data.augment), not here
    if name in BUNDLED:
        source = BUNDLED[name]
        return prepare(source.loader(**settings), preparation, source.defaults)
    if name == "image_folder":
        from app.data.image_folder import load_image_folder

        return load_image_folder(_path(settings, base, name), **_without(settings, "path"), **preparation)
    if name == "keras":
        from app.data.keras_datasets import load_keras_dataset

        return prepare(load_keras_dataset(**settings), preparation)
    if name in ("npz", "csv"):
        return prepare(_load_file(name, _path(settings, base, name), _without(settings, "path")), preparation)
    raise DataError(f"Unknown data source {name!r}; expected one of {', '.join(source_names())}.")


def _load_file(kind: str, path: Path, options: dict[str, Any]) -> Dataset:
    if kind == "npz":
        from app.data.npz import load_npz

        return load_npz(path, **options)
    from app.data.csv_source import load_csv

    return load_csv(path, **options)


def _path(settings: Mapping[str, Any], base: Path, source: str) -> Path:
    value = settings.get("path")
    if not value:
        raise DataError(f"The {source} source needs a path: choose the file or folder to load.")
    path = Path(str(value)).expanduser()
    return path if path.is_absolute() else base / path


def _without(settings: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in settings.items() if key not in keys}


def source_descriptions() -> dict[str, str]:
    """A one-line description of every source that loads into arrays, by name."""
    files = {
        "npz": "A NumPy .npz file: x_train, y_train (x_test, y_test) or x, y.",
        "csv": "A CSV file: a target column, feature columns, text columns one-hot encoded.",
        "keras": "MNIST, Fashion-MNIST, CIFAR-10 or CIFAR-100 from the local Keras cache (no download).",
    }
    return {**{name: source.description for name, source in BUNDLED.items()}, **files}


def array_loader(name: str) -> Callable[..., dict[str, Any]]:
    """A plugin-registry loader for source ``name``: ``loader(**options)`` returns the arrays.

    The options are those of a project's ``data`` section (without
    ``source``); the result holds ``x_train``, ``y_train`` and the other
    splits there are, plus ``task``, ``class_names`` and ``notes``.
    """

    def load(**options: Any) -> dict[str, Any]:
        base_dir = options.pop("base_dir", None)
        dataset = load_source({**options, "source": name}, base_dir)
        return {**dataset.arrays(), "task": dataset.task, "class_names": list(dataset.class_names),
                "notes": list(dataset.notes)}

    load.__name__ = f"load_{name}"
    load.__doc__ = f"Load the {name!r} data source as arrays (see app.data.sources.load_source)."
    return load
