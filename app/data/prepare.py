"""Preparing a loaded dataset for training: splits, scaling and label encoding.

Every step takes a ``Dataset`` and returns a new one (the arrays given are
never changed in place) with a note saying what was done. Statistics for
scaling come from the training split alone, so nothing of the validation
or test data leaks into training.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from app.data.dataset import CLASSIFICATION, SPLITS, DataError, Dataset

SCALINGS = ("none", "unit", "standardize")
LABEL_ENCODINGS = ("integer", "one_hot")
DEFAULT_SEED = 42
DEFAULT_VALIDATION_FRACTION = 0.2
DEFAULT_TEST_FRACTION = 0.1
SPARSE_LOSS = "sparse_categorical_crossentropy"
DENSE_LOSS = "categorical_crossentropy"


def split(
    dataset: Dataset,
    validation_fraction: float = DEFAULT_VALIDATION_FRACTION,
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: int | None = DEFAULT_SEED,
    shuffle: bool = True,
    stratify: bool | None = None,
) -> Dataset:
    """Split ``dataset``'s training arrays into train, validation and test by fractions.

    With ``shuffle`` the samples are shuffled with ``seed`` (the same seed
    gives the same split); without it the order is kept and validation and
    test are taken from the end. ``stratify`` (default: for classification)
    keeps each class's share the same in every split.
    """
    _check_fractions(validation_fraction, test_fraction)
    x, y = dataset.x_train, dataset.y_train
    rng = np.random.default_rng(seed)
    stratify = dataset.task == CLASSIFICATION if stratify is None else stratify
    if stratify and shuffle:
        parts = _stratified_indices(_label_ids(y), validation_fraction, test_fraction, rng)
    else:
        order = rng.permutation(len(x)) if shuffle else np.arange(len(x))
        parts = _cut(order, validation_fraction, test_fraction)
    if len(parts[0]) == 0:
        raise DataError(
            f"{dataset.name or 'dataset'}: {len(x)} samples leave none for training after taking "
            f"{validation_fraction:g} for validation and {test_fraction:g} for test."
        )
    changes: dict[str, Any] = {}
    for name, index in zip(SPLITS, parts, strict=True):
        keep = len(index) > 0 or name == "train"
        changes[f"x_{name}"] = x[index] if keep else None
        changes[f"y_{name}"] = y[index] if keep else None
    sizes = ", ".join(f"{name} {len(index)}" for name, index in zip(SPLITS, parts, strict=True))
    how = "stratified, " if stratify and shuffle else ""
    how += f"shuffled with seed {seed}" if shuffle else "in file order"
    return replace(dataset, **changes, notes=[*dataset.notes, f"split {sizes} ({how})"])


def _check_fractions(validation_fraction: float, test_fraction: float) -> None:
    for label, value in (("validation_fraction", validation_fraction), ("test_fraction", test_fraction)):
        if not 0.0 <= value < 1.0:
            raise DataError(
                f"{label}: expected a fraction from 0 up to (not including) 1; received {value!r}."
            )
    if validation_fraction + test_fraction >= 1.0:
        raise DataError(
            f"validation_fraction + test_fraction must be below 1 to leave data for training; "
            f"received {validation_fraction:g} + {test_fraction:g}."
        )


def _label_ids(y: np.ndarray) -> np.ndarray:
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    return y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y


def _cut(order: np.ndarray, validation_fraction: float, test_fraction: float) -> list[np.ndarray]:
    n = len(order)
    n_test = round(n * test_fraction)
    n_val = round(n * validation_fraction)
    n_train = n - n_val - n_test
    return [order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:]]


def _stratified_indices(
    labels: np.ndarray, validation_fraction: float, test_fraction: float, rng: np.random.Generator
) -> list[np.ndarray]:
    classes, counts = np.unique(labels, return_counts=True)
    n_val = _allocate(counts, round(len(labels) * validation_fraction))
    n_test = _allocate(counts, round(len(labels) * test_fraction))
    parts: list[list[np.ndarray]] = [[], [], []]
    for index, label in enumerate(classes):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_test[index] = min(n_test[index], len(members) - n_val[index])
        n_train = len(members) - n_val[index] - n_test[index]
        cuts = [members[:n_train], members[n_train:n_train + n_val[index]], members[n_train + n_val[index]:]]
        for part, chosen in zip(parts, cuts, strict=True):
            part.append(chosen)
    return [rng.permutation(np.concatenate(part)) for part in parts]


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Share ``total`` among classes in proportion to ``counts`` (largest remainders get the rest)."""
    quota = counts * (total / counts.sum())
    shares = np.floor(quota).astype(int)
    for index in np.argsort(-(quota - shares), kind="stable")[: total - shares.sum()]:
        shares[index] += 1
    return shares


def fill_missing(dataset: Dataset) -> Dataset:
    """Fill the missing features of ``dataset.fill_groups`` from the training split alone.

    A numeric column gets the mean of its training values; the one-hot
    columns of a text column get the training split's most frequent value.
    Validation and test rows are filled with the same values, so what they
    hold never leaks into training.
    """
    if not dataset.fill_groups:
        return dataset
    train = dataset.x_train
    fills: list[tuple[list[int], np.ndarray]] = []
    for group in dataset.fill_groups:
        block = train[:, group]
        present = block[~np.isnan(block).any(axis=1)]
        if len(present) == 0:
            column = dataset.feature_names[group[0]].split("=")[0] if dataset.feature_names else group[0]
            raise DataError(
                f"{dataset.name or 'dataset'}: column {column!r} has no values in the training split to "
                "fill its gaps with; drop those rows instead."
            )
        if len(group) == 1:
            value = present.mean(axis=0)
        else:
            value = np.eye(len(group), dtype="float32")[int(np.argmax(present.sum(axis=0)))]
        fills.append((group, value.astype("float32")))
    changes = {}
    for name in SPLITS:
        x = getattr(dataset, f"x_{name}")
        if x is None:
            continue
        x = x.copy()
        for group, value in fills:
            rows = np.isnan(x[:, group]).any(axis=1)
            x[np.ix_(rows, group)] = value
        changes[f"x_{name}"] = x
    note = "missing values filled with the training split's mean (numbers) or most frequent value (text)"
    return replace(dataset, **changes, fill_groups=[], notes=[*dataset.notes, note])


def scale(dataset: Dataset, method: str = "none") -> Dataset:
    """Scale the features: ``"none"``, ``"unit"`` (to [0, 1]) or ``"standardize"`` (mean 0, std 1).

    Minimum, maximum, mean and standard deviation are those of the training
    split, per feature; constant features are left at 0 instead of dividing
    by zero.
    """
    if method not in SCALINGS:
        raise DataError(f"scaling: expected one of {', '.join(SCALINGS)}; received {method!r}.")
    if method == "none":
        return dataset
    train = dataset.x_train.astype("float32")
    if method == "unit":
        offset, spread = train.min(axis=0), train.max(axis=0) - train.min(axis=0)
        note = "features scaled to [0, 1] with the training split's minimum and maximum"
    else:
        offset, spread = train.mean(axis=0), train.std(axis=0)
        note = "features standardized with the training split's mean and standard deviation"
    spread = np.where(spread == 0, 1.0, spread).astype("float32")
    changes = {}
    for name in SPLITS:
        x = getattr(dataset, f"x_{name}")
        if x is not None:
            changes[f"x_{name}"] = ((x.astype("float32") - offset) / spread).astype("float32")
    return replace(dataset, **changes, notes=[*dataset.notes, note])


def encode_labels(dataset: Dataset, encoding: str = "integer") -> Dataset:
    """Encode classification targets as integers (``"integer"``) or one-hot rows (``"one_hot"``).

    Regression targets and binary targets of one column are left as they are.
    """
    if encoding not in LABEL_ENCODINGS:
        raise DataError(f"labels: expected one of {', '.join(LABEL_ENCODINGS)}; received {encoding!r}.")
    if dataset.task != CLASSIFICATION or _is_binary_column(dataset):
        return dataset
    if encoding == "one_hot" and dataset.labels_one_hot:
        return dataset
    count = max(dataset.num_classes, 1)
    changes = {}
    for name in SPLITS:
        y = getattr(dataset, f"y_{name}")
        if y is None:
            continue
        ids = _label_ids(y).astype("int64")
        changes[f"y_{name}"] = np.eye(count, dtype="float32")[ids] if encoding == "one_hot" else ids
    if encoding == "integer" and not dataset.labels_one_hot:
        return replace(dataset, **changes)
    note = "labels one-hot encoded" if encoding == "one_hot" else "labels encoded as integers"
    return replace(dataset, **changes, notes=[*dataset.notes, note])


def _is_binary_column(dataset: Dataset) -> bool:
    y = dataset.y_train
    return dataset.num_classes == 2 and y.ndim == 2 and y.shape[1] == 1


def reconcile_loss(loss: str, labels_one_hot: bool) -> tuple[str, str]:
    """The crossentropy loss that matches the labels, and a note when it had to change.

    Integer labels need ``sparse_categorical_crossentropy``; one-hot labels
    need ``categorical_crossentropy``. Any other loss is returned as is
    with an empty note.
    """
    if loss == SPARSE_LOSS and labels_one_hot:
        return DENSE_LOSS, (
            f"loss changed from {SPARSE_LOSS} to {DENSE_LOSS} because the labels are one-hot encoded"
        )
    if loss == DENSE_LOSS and not labels_one_hot:
        return SPARSE_LOSS, (
            f"loss changed from {DENSE_LOSS} to {SPARSE_LOSS} because the labels are integers"
        )
    return loss, ""


def prepare(
    dataset: Dataset, settings: Mapping[str, Any], defaults: Mapping[str, Any] | None = None
) -> Dataset:
    """Split, scale and encode ``dataset`` as a project's data ``settings`` say.

    Keys (each falls back to ``defaults``, then to the module's default):
    ``validation_fraction``, ``test_fraction``, ``seed``, ``shuffle``,
    ``stratify``, ``scaling`` and ``labels``. A dataset that already has a
    test split (an ``.npz`` in the Keras layout) is not split for test again.
    Missing CSV values are filled after the split, from the training rows.
    """
    options = {**(defaults or {}), **settings}
    test_fraction = float(options.get("test_fraction", DEFAULT_TEST_FRACTION))
    if dataset.x_test is not None:
        held = (dataset.x_test, dataset.y_test)
        test_fraction = 0.0
    else:
        held = None
    dataset = split(
        dataset,
        validation_fraction=float(options.get("validation_fraction", DEFAULT_VALIDATION_FRACTION)),
        test_fraction=test_fraction,
        seed=options.get("seed", DEFAULT_SEED),
        shuffle=bool(options.get("shuffle", True)),
        stratify=options.get("stratify"),
    )
    if held is not None:
        dataset = replace(dataset, x_test=held[0], y_test=held[1])
    dataset = fill_missing(dataset)
    dataset = scale(dataset, str(options.get("scaling", "none")))
    return encode_labels(dataset, str(options.get("labels", "integer")))
