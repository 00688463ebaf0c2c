"""Gradients on the running backend, gradient saliency and Grad-CAM."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from app.inspection.gradients import loss_gradients, value_and_gradients
from app.inspection.model_parts import InspectionError
from app.inspection.saliency import grad_cam, resize_bilinear, saliency_map


def linear_model(weights: np.ndarray, bias: np.ndarray):
    inputs = keras.Input((weights.shape[0],))
    dense = keras.layers.Dense(weights.shape[1], name="linear")
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([weights.astype("float32"), bias.astype("float32")])
    return model


def test_the_saliency_of_a_linear_model_is_its_weights():
    weights = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0], [-0.5, 4.0, 2.0], [0.0, 1.0, 0.0]])
    model = linear_model(weights, np.array([0.0, 0.1, -0.2]))
    sample = np.array([0.5, -1.0, 2.0, 1.0])
    result = saliency_map(model, sample, class_index=1)
    np.testing.assert_allclose(result.gradient, weights[:, 1], rtol=1e-6)
    assert result.score == pytest.approx(sample @ weights[:, 1] + 0.1, rel=1e-5)
    np.testing.assert_allclose(result.heatmap, np.abs(weights[:, 1]) / 4.0, rtol=1e-6)
    predicted = saliency_map(model, sample)
    assert predicted.class_index == int(np.argmax(sample @ weights + [0.0, 0.1, -0.2]))


def test_loss_gradients_of_a_linear_regression_equal_the_formula():
    weights, bias = np.array([[2.0], [-1.0]]), np.array([0.5])
    model = linear_model(weights, bias)
    x = np.array([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]], "float32")
    y = np.array([[1.0], [0.0], [2.0]], "float32")
    gradients = loss_gradients(model, x, y, "mean_squared_error")
    error = x @ weights + bias - y  # d mean(error²) / d W = 2 xᵀ error / n
    assert gradients.value == pytest.approx(float(np.mean(error ** 2)), rel=1e-5)
    np.testing.assert_allclose(gradients.weights["linear/kernel"], 2 * x.T @ error / 3, rtol=1e-5)
    np.testing.assert_allclose(gradients.weights["linear/bias"], 2 * error.sum(axis=0) / 3, rtol=1e-5)
    np.testing.assert_allclose(gradients.inputs, 2 * error @ weights.T / 3, rtol=1e-5)


def test_input_gradients_alone_leave_the_weights_out():
    model = linear_model(np.eye(2), np.zeros(2))
    result = value_and_gradients(model, np.ones((1, 2)), lambda out: keras.ops.sum(out * out), weights=False)
    assert result.weights == {} and result.value == pytest.approx(2.0)
    np.testing.assert_allclose(result.inputs, [[2.0, 2.0]])


def image_classifier():
    inputs = keras.Input((6, 6, 1))
    conv = keras.layers.Conv2D(1, 1, activation="relu", name="conv")
    pool = keras.layers.GlobalAveragePooling2D()
    dense = keras.layers.Dense(2, name="out")
    model = keras.Model(inputs, dense(pool(conv(inputs))))
    conv.set_weights([np.ones((1, 1, 1, 1), "float32"), np.zeros(1, "float32")])
    dense.set_weights([np.array([[1.0, -1.0]], "float32"), np.zeros(2, "float32")])
    return model


def test_grad_cam_points_at_the_bright_region_for_the_class_it_raises():
    model = image_classifier()
    sample = np.zeros((6, 6, 1), "float32")
    sample[1:3, 3:5] = 1.0
    cam = grad_cam(model, sample)
    assert cam.class_index == 0 and cam.layer_name == "conv"
    expected = np.zeros((6, 6))
    expected[1:3, 3:5] = 1.0
    np.testing.assert_allclose(cam.heatmap, expected, atol=1e-6)
    assert cam.overlay.shape == (6, 6)
    lowered = grad_cam(model, sample, class_index=1)
    assert np.all(lowered.heatmap == 0)  # nothing raises class 1's score
    saliency = saliency_map(model, sample, class_index=0)
    np.testing.assert_allclose(saliency.gradient[..., 0], expected / 36, atol=1e-7)  # relu passes where lit


def test_grad_cam_needs_feature_maps_and_a_valid_class():
    model = linear_model(np.eye(2), np.zeros(2))
    with pytest.raises(InspectionError, match="2-D feature maps"):
        grad_cam(model, np.ones(2))
    with pytest.raises(InspectionError, match="outside"):
        saliency_map(model, np.ones(2), class_index=5)


def test_bilinear_resize_keeps_constants_and_interpolates():
    np.testing.assert_allclose(resize_bilinear(np.full((2, 2), 3.0), (5, 7)), np.full((5, 7), 3.0))
    resized = resize_bilinear(np.array([[0.0, 1.0]]), (1, 4))
    np.testing.assert_allclose(resized, [[0.0, 0.25, 0.75, 1.0]])
