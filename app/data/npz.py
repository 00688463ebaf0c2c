"""NumPy ``.npz`` files: the Keras datasets layout or plain ``x`` and ``y``.

Accepted layouts:

- ``x_train``, ``y_train`` and optionally ``x_test``, ``y_test`` (what
  ``keras.datasets.mnist`` and friends use);
- ``x`` and ``y``, split later by the preparation settings.

The file is read without pickle (``.npz`` files from elsewhere are data,
never code). Every check runs before the ``Dataset`` is built; a failing
one raises ``DataError`` naming the file and the array.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from app.data.dataset import CLASSIFICATION, REGRESSION, TASKS, DataError, Dataset

KERAS_LAYOUT = ("x_train", "y_train", "x_test", "y_test")
PLAIN_LAYOUT = ("x", "y")
MAX_CLASSES = 1000  # integer targets with more distinct values than this are taken as regression


def load_npz(path: str | Path, task: str | None = None, class_names: list[str] | None = None,
             **_: Any) -> Dataset:
    """Read an ``.npz`` file into an unsplit (or train/test) ``Dataset``.

    ``task`` forces ``"classification"`` or ``"regression"``; by default
    integer (or one-hot) targets mean classification and float targets
    regression. ``class_names`` names the classes in label order.
    """
    path = Path(path)
    arrays = read_arrays(path)
    names = _layout(arrays, path)
    x, y = arrays[names[0]], arrays[names[1]]
    test = (arrays[names[2]], arrays[names[3]]) if len(names) == 4 else None
    _check_pair(path, names[0], x, names[1], y)
    if test is not None:
        _check_pair(path, names[2], test[0], names[3], test[1])
        if test[0].shape[1:] != x.shape[1:]:
            raise DataError(
                f"{path}: array 'x_test' has samples of shape {list(test[0].shape[1:])} but 'x_train' has "
                f"{list(x.shape[1:])}; they must match."
            )
    task = task or _guess_task(y)
    if task not in TASKS:
        raise DataError(f"{path}: task: expected one of {', '.join(TASKS)}; received {task!r}.")
    if task == REGRESSION:
        x_test, y_test = (_features(test[0]), test[1].astype("float32")) if test else (None, None)
        return Dataset(_features(x), y.astype("float32"), x_test=x_test, y_test=y_test,
                       task=REGRESSION, name=path.name)
    return _classification(path, x, y, test, class_names)


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array in the ``.npz`` at ``path``, read without pickle; ``DataError`` when it cannot be."""
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not an .npz file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise DataError(f"{path}: holds a single array (.npy), not named arrays (.npz)")
            return {name: _read(archive, name, path) for name in archive.files}
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DataError(f"{path}: not a readable NumPy .npz file ({error})") from None
    except ValueError as error:
        raise DataError(f"{path}: not a NumPy .npz file ({error})") from None


def _read(archive: Any, name: str, path: Path) -> np.ndarray:
    try:
        return np.asarray(archive[name])
    except ValueError:
        raise DataError(
            f"{path}: array {name!r} holds Python objects, which are not loaded (they could run code); "
            "save it as a numeric array"
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise DataError(f"{path}: array {name!r} cannot be read; the file is damaged ({error})") from None


def _layout(arrays: dict[str, np.ndarray], path: Path) -> tuple[str, ...]:
    if "x_train" in arrays and "y_train" in arrays:
        if ("x_test" in arrays) != ("y_test" in arrays):
            missing = "y_test" if "x_test" in arrays else "x_test"
            raise DataError(f"{path}: has {_other(missing)} but no array {missing!r}; give both or neither.")
        return KERAS_LAYOUT if "x_test" in arrays else KERAS_LAYOUT[:2]
    if "x" in arrays and "y" in arrays:
        return PLAIN_LAYOUT
    present = ", ".join(repr(name) for name in arrays) or "no arrays"
    raise DataError(
        f"{path}: holds {present}; expected arrays 'x_train' and 'y_train' (and optionally 'x_test', "
        "'y_test'), or 'x' and 'y'."
    )


def _other(name: str) -> str:
    return repr(name.replace("y_", "x_") if name.startswith("y_") else name.replace("x_", "y_"))


def _check_pair(path: Path, x_name: str, x: np.ndarray, y_name: str, y: np.ndarray) -> None:
    for name, array in ((x_name, x), (y_name, y)):
        if array.ndim == 0:
            raise DataError(f"{path}: array {name!r} is a single value, not one entry per sample.")
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
            raise DataError(f"{path}: array {name!r} is not numeric (dtype {array.dtype}).")
        if np.issubdtype(array.dtype, np.floating):
            bad = np.flatnonzero(~np.isfinite(array.reshape(len(array), -1)).all(axis=1))
            if len(bad):
                raise DataError(
                    f"{path}: array {name!r} has NaN or infinite values, first in sample {int(bad[0])} "
                    f"({len(bad)} samples in all)."
                )
    if len(x) != len(y):
        raise DataError(
            f"{path}: array {x_name!r} has {len(x)} samples but {y_name!r} has {len(y)}; "
            "they must have the same length."
        )
    if len(x) == 0:
        raise DataError(f"{path}: array {x_name!r} is empty.")


def _guess_task(y: np.ndarray) -> str:
    if _is_one_hot(y):
        return CLASSIFICATION
    if np.issubdtype(y.dtype, np.integer) or y.dtype == bool:
        return CLASSIFICATION if len(np.unique(y)) <= MAX_CLASSES else REGRESSION
    return REGRESSION


def _is_one_hot(y: np.ndarray) -> bool:
    if y.ndim != 2 or y.shape[1] < 2:
        return False
    return bool(np.all((y == 0) | (y == 1))) and bool(np.all(y.sum(axis=1) == 1))


def _features(x: np.ndarray) -> np.ndarray:
    return x.astype("float32")


def _classification(
    path: Path, x: np.ndarray, y: np.ndarray, test: tuple[np.ndarray, np.ndarray] | None,
    class_names: list[str] | None,
) -> Dataset:
    targets = [y] + ([test[1]] if test else [])
    if _is_one_hot(y):
        ids = [t.argmax(axis=1) if t.ndim == 2 else t.reshape(-1) for t in targets]
    else:
        for name, t in zip(("y_train", "y_test"), targets, strict=False):
            if t.ndim > 1 and t.shape[1:] != (1,):
                raise DataError(
                    f"{path}: array {name!r} has shape {list(t.shape)}; expected one label per sample."
                )
            if np.issubdtype(t.dtype, np.floating) and not np.all(t == np.round(t)):
                raise DataError(
                    f"{path}: array {name!r} holds fractional values; class labels must be whole numbers."
                )
        ids = [t.reshape(-1).astype("int64") for t in targets]
    values = np.unique(np.concatenate(ids))
    notes = []
    if not np.array_equal(values, np.arange(len(values))):
        notes.append(f"labels {', '.join(map(str, values[:10]))} mapped to 0..{len(values) - 1}")
        ids = [np.searchsorted(values, t) for t in ids]
    names = list(class_names) if class_names else [str(v) for v in values]
    if len(names) != len(values):
        raise DataError(f"{path}: {len(names)} class names given for {len(values)} classes.")
    x_test = _features(test[0]) if test else None
    return Dataset(_features(x), ids[0], x_test=x_test, y_test=ids[1] if test else None,
                   class_names=names, name=path.name, notes=notes)
