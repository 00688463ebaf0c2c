"""The bundled datasets load offline with the right shapes, and every example's data fits its Input."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.examples import list_examples
from app.core.project import load_project
from app.data.bundled import BUNDLED
from app.data.dataset import DataError, Dataset
from app.data.sources import load_source

EXPECTED = {
    # name: (sample shape, number of classes or 0 for regression)
    "digits": ((8, 8, 1), 10),
    "iris": ((4,), 3),
    "wine": ((13,), 3),
    "breast_cancer": ((30,), 2),
    "celsius": ((1,), 0),
    "xor": ((2,), 2),
    "moons": ((2,), 2),
    "circles": ((2,), 2),
    "spirals": ((2,), 2),
    "sine": ((20, 1), 0),
}


def test_every_bundled_source_is_expected() -> None:
    assert set(BUNDLED) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_source_loads_with_its_shape_and_classes(name: str) -> None:
    shape, classes = EXPECTED[name]
    data = load_source({"source": name})
    assert data.input_shape == shape
    assert data.num_classes == classes
    assert data.task == ("classification" if classes else "regression")
    for split, size in data.sizes().items():
        assert size > 0
        assert len(getattr(data, f"y_{split}")) == size
    assert np.all(np.isfinite(data.x_train))


def test_digits_are_images_in_unit_range() -> None:
    data = BUNDLED["digits"].loader()
    assert data.x_train.shape == (1797, 8, 8, 1)
    assert data.x_train.dtype == np.float32
    assert data.x_train.min() >= 0.0 and data.x_train.max() <= 1.0


def test_celsius_is_fahrenheit() -> None:
    data = BUNDLED["celsius"].loader()
    assert np.all((data.x_train >= -50) & (data.x_train <= 100))
    np.testing.assert_allclose(data.y_train, 1.8 * data.x_train + 32, rtol=1e-6)


def test_xor_is_the_truth_table() -> None:
    data = load_source({"source": "xor"})
    assert data.sizes() == {"train": 4}
    np.testing.assert_array_equal(data.y_train[:, 0], np.logical_xor(*data.x_train.T.astype(bool)))


def test_sine_target_is_the_step_after_the_window() -> None:
    data = BUNDLED["sine"].loader(samples=50)
    np.testing.assert_array_equal(data.x_train[1, -1, 0], data.y_train[0, 0])
    np.testing.assert_array_equal(data.x_train[1, :-1, 0], data.x_train[0, 1:, 0])


@pytest.mark.parametrize("name", ["moons", "spirals", "sine", "digits"])
def test_seed_reproduces_and_another_seed_differs(name: str) -> None:
    first = load_source({"source": name, "seed": 3})
    again = load_source({"source": name, "seed": 3})
    other = load_source({"source": name, "seed": 4})
    np.testing.assert_array_equal(first.x_train, again.x_train)
    np.testing.assert_array_equal(first.y_val, again.y_val)
    assert not np.array_equal(first.x_train, other.x_train)


def test_generator_seed_changes_generated_data() -> None:
    a, b = BUNDLED["spirals"].loader(seed=1), BUNDLED["spirals"].loader(seed=2)
    assert not np.array_equal(a.x_train, b.x_train)


def test_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(DataError, match=r"Unknown data source 'nope'.*digits.*csv"):
        load_source({"source": "nope"})


def test_missing_source_means_digits() -> None:
    assert load_source({}).input_shape == (8, 8, 1)


def test_reshape_for_flattens_digits_and_refuses_a_misfit() -> None:
    data = load_source({"source": "digits"})
    flat = data.reshape_for([64])
    assert flat.input_shape == (64,)
    assert flat.x_val.shape == (len(data.x_val), 64)
    assert "reshaped" in flat.notes[-1]
    assert data.reshape_for([8, 8, 1]) is data
    assert data.reshape_for([None, None, 1]) is data
    with pytest.raises(DataError, match=r"\[8, 8, 1\] cannot feed the model's Input of shape \[4\]"):
        data.reshape_for([4])


def test_dataset_refuses_x_and_y_of_different_lengths() -> None:
    with pytest.raises(DataError, match="x_train has 3 samples but y_train has 2"):
        Dataset(np.zeros((3, 2)), np.zeros(2), name="toy")


def _input_shape(project) -> list[int | None]:
    node = next(node for node in project.graph.nodes if node.type == "Input")
    return list(node.params["shape"])


ARRAY_EXAMPLES = [
    info for info in list_examples() if load_project(info.path).data.get("source") != "image_folder"
]


@pytest.mark.parametrize("info", ARRAY_EXAMPLES, ids=lambda info: info.name)
def test_every_bundled_example_data_fits_its_input(info) -> None:
    project = load_project(info.path)
    data = load_source(project.data, info.path.parent).reshape_for(_input_shape(project))
    assert data.sizes()["train"] > 0
    loss = project.training.get("loss", "")
    if "crossentropy" in loss:
        assert data.task == "classification"
    if loss == "sparse_categorical_crossentropy":
        assert data.y_train.ndim == 1 and data.y_train.max() < data.num_classes
    if loss == "mean_squared_error":
        assert data.task == "regression"


def test_array_loader_returns_arrays_and_meaning() -> None:
    from app.data.sources import array_loader

    arrays = array_loader("iris")(seed=1)
    assert arrays["x_train"].shape[1] == 4 and arrays["class_names"][0] == "setosa"
    assert arrays["task"] == "classification" and "x_val" in arrays


def test_scikit_learn_tables_name_their_features() -> None:
    iris = load_source({"source": "iris"})
    assert iris.feature_names == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                                  "petal width (cm)"]
    assert len(load_source({"source": "wine"}).feature_names) == 13
