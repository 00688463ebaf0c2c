"""Activations of every layer for one sample: the numbers a hand computation gives."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from app.inspection.activations import (
    FEATURE_MAPS,
    MAX_MAPS,
    SCALAR,
    SEQUENCE,
    VECTOR,
    activation_probe,
    layer_activations,
    summarize_activation,
)
from app.inspection.model_parts import InspectionError


def known_model():
    inputs = keras.Input((3, 3, 1), name="image")
    conv = keras.layers.Conv2D(2, 2, activation="relu", name="conv")
    flat = keras.layers.Flatten(name="flat")
    dense = keras.layers.Dense(3, activation="softmax", name="out")
    model = keras.Model(inputs, dense(flat(conv(inputs))))
    kernel = np.zeros((2, 2, 1, 2), "float32")
    kernel[:, :, 0, 0] = [[1, 0], [0, 1]]  # main diagonal sum
    kernel[:, :, 0, 1] = [[0, -1], [-1, 0]]  # minus the other diagonal
    conv.set_weights([kernel, np.array([0.5, 0.0], "float32")])
    dense.set_weights([np.arange(24, dtype="float32").reshape(8, 3) / 24, np.array([0, 1, -1], "float32")])
    return model


def test_a_layer_with_known_weights_gives_the_hand_computed_output():
    model = known_model()
    sample = np.arange(9, dtype="float32").reshape(3, 3, 1)
    found = layer_activations(model, sample, class_names=["a", "b", "c"])
    assert list(found) == ["image", "conv", "flat", "out"]
    image = sample[:, :, 0]
    expected = np.zeros((2, 2, 2))
    for r in range(2):
        for c in range(2):
            expected[r, c, 0] = max(image[r, c] + image[r + 1, c + 1] + 0.5, 0)
            expected[r, c, 1] = max(-image[r, c + 1] - image[r + 1, c], 0)
    conv = found["conv"]
    np.testing.assert_allclose(conv.values, expected, atol=1e-5)
    assert conv.kind == FEATURE_MAPS and conv.maps.shape == (2, 2, 2) and conv.grid_shape == (1, 2)
    assert (conv.low, conv.high) == pytest.approx((0.0, 12.5))
    np.testing.assert_allclose(conv.maps[0], expected[:, :, 0] / 12.5, atol=1e-6)
    logits = expected.reshape(-1) @ (np.arange(24).reshape(8, 3) / 24) + [0, 1, -1]
    probabilities = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
    out = found["out"]
    np.testing.assert_allclose(out.values, probabilities, rtol=1e-5)
    assert out.kind == VECTOR and out.is_output and out.labels == ("a", "b", "c")
    assert found["flat"].labels[:2] == ("0", "1") and not found["flat"].is_output
    np.testing.assert_allclose(found["image"].values, sample)


def test_the_probe_is_built_once_per_model_and_reshapes_a_flat_sample():
    model = known_model()
    probe = activation_probe(model)
    assert activation_probe(model) is probe
    assert activation_probe(known_model()) is not probe
    flat = np.arange(9, dtype="float32")
    np.testing.assert_allclose(probe.outputs(flat)["conv"], probe.outputs(flat.reshape(3, 3, 1))["conv"])
    with pytest.raises(InspectionError, match="cannot feed"):
        probe.outputs(np.zeros(5))


def test_summaries_of_sequences_scalars_and_many_channels():
    sequence = summarize_activation("lstm", "LSTM", np.arange(12, dtype="float32").reshape(4, 3))
    assert sequence.kind == SEQUENCE and sequence.maps.shape == (1, 3, 4)
    np.testing.assert_allclose(sequence.maps[0, 2, 1], 5 / 11)  # step 1, feature 2
    assert summarize_activation("one", "Dense", np.array([3.0])).kind == SCALAR
    wide = summarize_activation("c", "Conv2D", np.ones((4, 4, 100)))
    assert wide.maps.shape == (MAX_MAPS, 4, 4) and wide.grid_shape == (8, 8)
    assert np.all(wide.maps == 0)  # a constant output maps to 0
    cube = np.arange(5 * 2 * 2 * 3, dtype="float32").reshape(5, 2, 2, 3)
    volume = summarize_activation("c3", "Conv3D", cube)
    np.testing.assert_allclose(volume.maps[1] * volume.high, np.arange(60).reshape(5, 2, 2, 3)[2, :, :, 1])


def test_a_model_with_two_inputs_is_refused():
    a, b = keras.Input((2,)), keras.Input((2,))
    model = keras.Model([a, b], keras.layers.Add()([a, b]))
    with pytest.raises(InspectionError, match="one Input"):
        activation_probe(model)
