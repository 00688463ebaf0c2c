"""Splits, scaling and label encoding, and matching the crossentropy loss to the labels."""

from __future__ import annotations

import numpy as np
import pytest

from app.data.dataset import DataError, Dataset
from app.data.prepare import encode_labels, prepare, reconcile_loss, scale, split


def _imbalanced() -> Dataset:
    y = np.array([0] * 700 + [1] * 200 + [2] * 100)
    x = np.arange(len(y), dtype="float32").reshape(-1, 1)
    return Dataset(x, y, class_names=["a", "b", "c"], name="toy")


def test_stratified_split_keeps_class_proportions() -> None:
    data = split(_imbalanced(), validation_fraction=0.2, test_fraction=0.1, seed=1)
    assert data.sizes() == {"train": 700, "val": 200, "test": 100}
    for part in (data.y_train, data.y_val, data.y_test):
        shares = np.bincount(part, minlength=3) / len(part)
        np.testing.assert_allclose(shares, [0.7, 0.2, 0.1], atol=0.01)


def test_split_uses_every_sample_once() -> None:
    data = split(_imbalanced(), seed=5)
    together = np.concatenate([data.x_train, data.x_val, data.x_test])[:, 0]
    np.testing.assert_array_equal(np.sort(together), np.arange(1000))


def test_split_seed_reproduces() -> None:
    a, b = split(_imbalanced(), seed=9), split(_imbalanced(), seed=9)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, split(_imbalanced(), seed=10).x_train)


def test_unshuffled_split_keeps_file_order() -> None:
    data = split(_imbalanced(), validation_fraction=0.2, test_fraction=0.0, shuffle=False)
    np.testing.assert_array_equal(data.x_val[:, 0], np.arange(800, 1000))
    assert data.x_test is None


@pytest.mark.parametrize(("val", "test"), [(0.6, 0.4), (-0.1, 0.0), (1.0, 0.0)])
def test_split_refuses_bad_fractions(val: float, test: float) -> None:
    with pytest.raises(DataError, match="fraction"):
        split(_imbalanced(), validation_fraction=val, test_fraction=test)


def test_standardize_uses_training_statistics_only() -> None:
    x_train = np.array([[0.0], [2.0], [4.0]], dtype="float32")
    x_val = np.array([[100.0]], dtype="float32")
    data = Dataset(x_train, np.zeros(3), x_val=x_val, y_val=np.zeros(1), task="regression")
    scaled = scale(data, "standardize")
    assert scaled.x_train.mean() == pytest.approx(0.0)
    assert scaled.x_train.std() == pytest.approx(1.0)
    assert scaled.x_val[0, 0] == pytest.approx((100.0 - 2.0) / np.std([0.0, 2.0, 4.0]))
    assert x_val[0, 0] == 100.0  # the input is not changed in place


def test_unit_scaling_uses_training_range_and_survives_constant_features() -> None:
    x_train = np.array([[1.0, 5.0], [3.0, 5.0]], dtype="float32")
    data = Dataset(x_train, np.zeros(2), x_test=np.array([[5.0, 5.0]]), y_test=np.zeros(1), task="regression")
    scaled = scale(data, "unit")
    np.testing.assert_allclose(scaled.x_train, [[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(scaled.x_test, [[2.0, 0.0]])


def test_scale_refuses_an_unknown_method() -> None:
    with pytest.raises(DataError, match="scaling: expected one of none, unit, standardize"):
        scale(_imbalanced(), "minmax")


def test_one_hot_and_back() -> None:
    data = split(_imbalanced(), seed=0)
    hot = encode_labels(data, "one_hot")
    assert hot.y_train.shape == (700, 3) and hot.labels_one_hot
    np.testing.assert_array_equal(hot.y_val.argmax(axis=1), data.y_val)
    back = encode_labels(hot, "integer")
    np.testing.assert_array_equal(back.y_test, data.y_test)
    assert not back.labels_one_hot


def test_regression_targets_are_not_encoded() -> None:
    data = Dataset(np.zeros((3, 1)), np.array([0.5, 1.5, 2.5]), task="regression")
    assert encode_labels(data, "one_hot") is data


@pytest.mark.parametrize(
    ("loss", "one_hot", "expected", "noted"),
    [
        ("sparse_categorical_crossentropy", True, "categorical_crossentropy", True),
        ("categorical_crossentropy", False, "sparse_categorical_crossentropy", True),
        ("sparse_categorical_crossentropy", False, "sparse_categorical_crossentropy", False),
        ("categorical_crossentropy", True, "categorical_crossentropy", False),
        ("mean_squared_error", True, "mean_squared_error", False),
    ],
)
def test_reconcile_loss(loss: str, one_hot: bool, expected: str, noted: bool) -> None:
    chosen, note = reconcile_loss(loss, one_hot)
    assert chosen == expected
    assert bool(note) == noted
    if noted:
        assert loss in note and expected in note


def test_prepare_keeps_a_given_test_split() -> None:
    data = Dataset(
        np.zeros((10, 2)), np.arange(10) % 2, x_test=np.ones((4, 2)), y_test=np.zeros(4, dtype=int),
        class_names=["0", "1"],
    )
    ready = prepare(data, {"validation_fraction": 0.2})
    assert ready.sizes() == {"train": 8, "val": 2, "test": 4}
    np.testing.assert_array_equal(ready.x_test, np.ones((4, 2)))
