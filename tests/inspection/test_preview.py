"""Live preview data: every node's output for the first sample, and what a thumbnail needs of it."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.examples import example_path
from app.core.graph import Graph
from app.core.project import Project, load_project
from app.core.validation import validate
from app.data.dataset import DataError
from app.inspection import preview
from app.inspection.preview import (
    EMPTY,
    IMAGE,
    MAX_BARS,
    MAX_CHANNELS,
    SCALAR,
    SEQUENCE,
    VECTOR,
    PreviewError,
    first_sample,
    fit_sample,
    node_outputs,
    pool_max_abs,
    structure_key,
    summarize_output,
)


@pytest.fixture(scope="module")
def digits_cnn() -> Project:
    return load_project(example_path("digits-cnn"))


# ------------------------------------------------------------------ samples
def test_first_sample_is_the_first_training_image_shaped_for_the_input(digits_cnn):
    sample = first_sample(digits_cnn)
    assert sample.shape == (8, 8, 1)
    assert sample.dtype == np.float32
    assert sample.min() >= 0.0 and sample.max() <= 1.0 and sample.max() > 0


def test_first_sample_is_reshaped_for_a_flat_input():
    sample = first_sample(load_project(example_path("digits-mlp")))
    assert sample.shape == (64,)


def test_no_data_section_means_no_sample():
    project = Project(graph=load_project(example_path("digits-cnn")).graph)
    assert first_sample(project) is None


def test_data_that_cannot_load_raises_a_clear_error(tmp_path):
    project = Project(data={"source": "npz", "path": "missing.npz"})
    with pytest.raises(DataError, match=r"missing\.npz"):
        first_sample(project, tmp_path)


def test_a_sample_that_cannot_feed_the_input_is_refused_saying_both_shapes():
    assert fit_sample(np.zeros((8, 8, 1)), [None, None, 1]).shape == (8, 8, 1)
    assert fit_sample(np.zeros((8, 8, 1)), [64]).shape == (64,)
    with pytest.raises(PreviewError, match=r"\[8, 8, 1\].*\[10\]"):
        fit_sample(np.zeros((8, 8, 1)), [10])


# ------------------------------------------------------------------ outputs
def test_every_node_has_an_output_of_its_inferred_shape(digits_cnn):
    graph = digits_cnn.graph
    sample = first_sample(digits_cnn)
    outputs = node_outputs(graph, sample)
    shapes = validate(graph).shapes
    assert list(outputs) == [node.id for node in graph]
    for node_id, array in outputs.items():
        assert array.shape == tuple(shapes[node_id].output[1:]), graph.node(node_id).name
    input_id = graph.inputs()[0].id
    np.testing.assert_array_equal(outputs[input_id], sample)
    softmax = outputs[graph.find("digit").id]
    assert softmax.sum() == pytest.approx(1.0, abs=1e-5)


def test_the_model_is_rebuilt_only_when_structure_or_params_change(digits_cnn):
    graph = digits_cnn.graph.copy()
    sample = first_sample(digits_cnn)
    node_outputs(graph, sample)
    built = preview._cache.probe
    graph.move(graph.find("conv_1").id, (500.0, 300.0))
    assert structure_key(graph) == structure_key(digits_cnn.graph)
    node_outputs(graph, sample)
    assert preview._cache.probe is built
    graph.set_param(graph.find("conv_1").id, "filters", 4)
    outputs = node_outputs(graph, sample)
    assert preview._cache.probe is not built
    assert outputs[graph.find("conv_1").id].shape == (8, 8, 4)


def test_a_graph_with_an_error_raises_naming_the_node(digits_cnn):
    graph = digits_cnn.graph.copy()
    dense = graph.find("digit")
    graph.set_param(dense.id, "units", -3)
    with pytest.raises(PreviewError) as raised:
        node_outputs(graph, first_sample(digits_cnn))
    assert raised.value.node_id == dense.id
    assert "digit" in str(raised.value)


def test_a_graph_without_one_input_is_refused():
    graph = Graph()
    graph.add_node("Dense", params={"units": 2})
    with pytest.raises(PreviewError, match="one Input"):
        node_outputs(graph, np.zeros(4, "float32"))


def test_weights_from_a_trained_model_are_used(digits_cnn):
    import keras

    from app.build.keras_builder import to_keras

    trained = to_keras(digits_cnn.graph)
    dense = trained.get_layer("digit")
    kernel, _bias = dense.get_weights()
    dense.set_weights([np.zeros_like(kernel), np.arange(10, dtype="float32")])
    outputs = node_outputs(digits_cnn.graph, first_sample(digits_cnn), weights_from=trained)
    expected = keras.ops.convert_to_numpy(keras.ops.softmax(np.arange(10, dtype="float32")))
    np.testing.assert_allclose(outputs[digits_cnn.graph.find("digit").id], expected, rtol=1e-5)


# ---------------------------------------------------------------- summaries
def test_feature_maps_become_normalised_tiles_of_the_liveliest_channels():
    maps = np.zeros((8, 8, 12), "float32")
    rng = np.random.default_rng(0)
    for channel in (1, 3, 4, 6, 7, 9, 10, 11):  # 8 live channels, 4 constant ones
        maps[:, :, channel] = rng.normal(size=(8, 8)) * channel
    data = summarize_output(maps)
    assert data.kind == IMAGE and data.shape == (8, 8, 12)
    assert data.channels == (1, 3, 4, 6, 7, 9, 10, 11)
    assert data.tiles.shape == (MAX_CHANNELS, 8, 8) and data.tiles.dtype == np.uint8
    assert all(tile.min() == 0 and tile.max() == 255 for tile in data.tiles)
    assert data.low == pytest.approx(maps.min()) and data.high == pytest.approx(maps.max())


def test_big_feature_maps_are_sampled_down_and_few_channels_all_shown():
    data = summarize_output(np.random.default_rng(1).random((224, 160, 3)))
    assert data.tiles.shape == (3, 64, 64)
    assert data.channels == (0, 1, 2)


def test_a_sequence_becomes_a_signed_heat_map_with_time_along_x():
    steps = np.linspace(-2.0, 4.0, 20)[:, None] * np.ones((1, 3))
    data = summarize_output(steps)
    assert data.kind == SEQUENCE and data.shape == (20, 3)
    assert data.values.shape == (3, 20)
    assert data.values.max() == pytest.approx(1.0) and data.values.min() == pytest.approx(-0.5)


def test_a_long_vector_is_pooled_to_its_largest_values_keeping_signs():
    values = np.zeros(640)
    values[5], values[100] = -9.0, 3.0
    data = summarize_output(values)
    assert data.kind == VECTOR and data.shape == (640,)
    assert len(data.values) == MAX_BARS
    assert data.values[0] == -9.0 and data.values[10] == 3.0
    assert np.count_nonzero(data.values) == 2
    np.testing.assert_array_equal(pool_max_abs(np.array([1.0, -2.0]), 64), [1.0, -2.0])


def test_scalars_and_empty_outputs():
    assert summarize_output(np.float32(2.5)).kind == SCALAR
    assert summarize_output(np.float32(2.5)).values[0] == 2.5
    assert summarize_output(np.zeros((0, 4))).kind == EMPTY


def test_nan_values_do_not_break_a_summary():
    data = summarize_output(np.array([np.nan, 1.0, -np.inf]))
    assert data.kind == VECTOR and np.isfinite(data.values).all()


def test_probabilities_keep_their_full_scale():
    assert summarize_output(np.full(10, 0.1)).full_scale == 1.0
    assert summarize_output(np.array([0.2, 0.3])).full_scale == 0.0
    assert summarize_output(np.array([2.0, -1.0])).full_scale == 0.0
