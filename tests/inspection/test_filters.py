"""Filters and weight matrices: tiles hold the kernel's own values on a stated colour scale."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from app.inspection.filters import FILTERS, MATRIX, conv_filters, dense_weights, inspectable_layers
from app.inspection.model_parts import InspectionError


def model_of(input_shape, *layers):
    inputs = keras.Input(input_shape)
    x = inputs
    for layer in layers:
        x = layer(x)
    return keras.Model(inputs, x)


def test_grey_tiles_are_each_filter_and_channel_on_a_symmetric_scale():
    conv = keras.layers.Conv2D(4, (3, 2), name="conv")
    model = model_of((6, 6, 2), keras.layers.Dense(2, name="mix"), conv)  # not the first layer: grey
    kernel = np.arange(3 * 2 * 2 * 4, dtype="float32").reshape(3, 2, 2, 4) - 20.0
    conv.set_weights([kernel, np.zeros(4)])
    grid = conv_filters(model, "conv")
    assert not grid.colour
    assert grid.grid_shape == (4, 2) and grid.tiles.shape == (8, 3, 2)
    assert (grid.low, grid.high) == (-27.0, 27.0)  # largest size |-20| vs |27|
    assert grid.labels[3] == "filter 1, channel 1"
    np.testing.assert_allclose(grid.tiles[3] * 54.0 - 27.0, kernel[:, :, 1, 1], atol=1e-5)
    assert grid.filters == 4 and grid.channels == 2 and grid.kernel_shape == (3, 2, 2, 4)
    mosaic = grid.mosaic(gap=1)
    assert mosaic.shape == (4 * 4 - 1, 2 * 3 - 1)
    np.testing.assert_allclose(mosaic[4:7, 3:5], grid.tiles[3])
    assert np.isnan(mosaic[3, 0])


def test_a_first_layer_on_rgb_input_gives_one_colour_tile_per_filter():
    conv = keras.layers.Conv2D(5, 3, name="rgb")
    model = model_of((8, 8, 3), keras.layers.Rescaling(1 / 255), conv)
    grid = conv_filters(model, "rgb")
    kernel = conv.get_weights()[0]
    assert grid.colour and grid.tiles.shape == (5, 3, 3, 3) and grid.grid_shape == (2, 3)
    assert (grid.low, grid.high) == pytest.approx((kernel.min(), kernel.max()))
    np.testing.assert_allclose(grid.tiles[2] * (grid.high - grid.low) + grid.low, kernel[..., 2], atol=1e-6)
    assert grid.mosaic().shape == (2 * 4 - 1, 3 * 4 - 1, 3)


@pytest.mark.parametrize(("layer", "input_shape", "tile_shape", "count"), [
    (keras.layers.Conv1D(3, 5, name="k"), (20, 2), (1, 5), 6),
    (keras.layers.Conv3D(2, (2, 3, 3), name="k"), (4, 6, 6, 1), (3, 6), 2),
    (keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="k"), (6, 6, 4), (3, 3), 8),
    (keras.layers.SeparableConv2D(7, 3, name="k"), (6, 6, 4), (3, 3), 4),
    (keras.layers.Conv2DTranspose(6, 2, name="k"), (4, 4, 2), (2, 2), 12),
])
def test_every_kind_of_convolution_gives_tiles(layer, input_shape, tile_shape, count):
    model = model_of(input_shape, keras.layers.Dense(input_shape[-1]), layer)
    grid = conv_filters(model, "k")
    assert grid.tiles.shape == (count, *tile_shape)
    assert grid.tiles.min() >= 0.0 and grid.tiles.max() <= 1.0
    assert inspectable_layers(model)["k"] == FILTERS


def test_conv3d_tiles_show_depth_slices_side_by_side():
    conv = keras.layers.Conv3D(1, (2, 2, 2), name="k")
    model = model_of((3, 3, 3, 1), keras.layers.Dense(1), conv)
    kernel = np.arange(8, dtype="float32").reshape(2, 2, 2, 1, 1)
    conv.set_weights([kernel, np.zeros(1)])
    tile = conv_filters(model, "k").tiles[0] * 14.0 - 7.0
    np.testing.assert_allclose(tile, np.concatenate([kernel[0, :, :, 0, 0], kernel[1, :, :, 0, 0]], axis=1))


def test_a_grid_is_capped_at_max_tiles():
    model = model_of((5, 5, 8), keras.layers.Dense(8), keras.layers.Conv2D(64, 3, name="big"))
    grid = conv_filters(model, "big", max_tiles=32)
    assert grid.tiles.shape[0] == 32 and grid.grid_shape == (4, 8) and grid.filters == 64


def test_dense_weights_as_an_image_with_its_range():
    dense = keras.layers.Dense(3, name="dense")
    model = model_of((4,), dense)
    kernel = np.array([[1, -2, 0], [0.5, 0, 0], [0, 0, 0], [0, 0, 4]], dtype="float32")
    dense.set_weights([kernel, np.array([1, 2, 3], dtype="float32")])
    matrix = dense_weights(model, "dense")
    assert (matrix.low, matrix.high) == (-4.0, 4.0)
    np.testing.assert_allclose(matrix.values, kernel)
    np.testing.assert_allclose(matrix.image, (kernel + 4) / 8)
    np.testing.assert_allclose(matrix.bias, [1, 2, 3])
    assert inspectable_layers(model) == {"dense": MATRIX}


def test_asking_the_wrong_layer_says_what_there_is():
    model = model_of((4,), keras.layers.Dense(3, name="dense"))
    with pytest.raises(InspectionError, match="no convolution kernel"):
        conv_filters(model, "dense")
    with pytest.raises(InspectionError, match=r"its layers are .*dense"):
        dense_weights(model, "nothing")
