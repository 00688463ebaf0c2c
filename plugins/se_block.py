"""A Netloom plugin: squeeze-and-excitation as one layer (Hu et al., 2018).

The layer reweighs the channels of a feature map: it averages each channel
over the whole map ("squeeze"), passes the averages through a small
bottleneck (Dense ``channels // ratio`` with ReLU, then Dense ``channels``
with a sigmoid: "excitation"), and multiplies each channel by its weight.
The output has the input's shape, so it fits after any convolution, 1D, 2D
or 3D, channels last.

``SqueezeExcite`` is registered as serializable, so a model that uses it
saves to ``.keras`` and loads back (with ``safe_mode=True``) once this module
is imported. The module needs only Keras, not Netloom, so the scripts that
Netloom exports (``import se_block``) run with it on the Python path.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="netloom_plugins")
class SqueezeExcite(keras.layers.Layer):
    """Scales each channel by a weight in (0, 1) learned from the average of all channels."""

    def __init__(self, ratio: int = 16, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(ratio, bool) or not isinstance(ratio, int) or ratio < 1:
            raise ValueError(
                f"Received an invalid value for ratio, expected a positive integer. Received: {ratio=}"
            )
        self.ratio = ratio

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        """Make the two bottleneck layers' weights for ``input_shape[-1]`` channels."""
        if len(input_shape) < 3 or input_shape[-1] is None:
            raise ValueError(
                "SqueezeExcite expects a feature map (batch, ..., channels) with a known number of "
                f"channels. Received: input_shape={input_shape}"
            )
        channels = int(input_shape[-1])
        if self.ratio > channels:
            raise ValueError(
                f"Received ratio={self.ratio} for {channels} channels; expected a ratio of at most "
                f"{channels}, so that the bottleneck keeps at least one unit."
            )
        hidden = channels // self.ratio
        self.squeeze_kernel = self.add_weight((channels, hidden), "glorot_uniform", name="squeeze_kernel")
        self.squeeze_bias = self.add_weight((hidden,), "zeros", name="squeeze_bias")
        self.excite_kernel = self.add_weight((hidden, channels), "glorot_uniform", name="excite_kernel")
        self.excite_bias = self.add_weight((channels,), "zeros", name="excite_bias")

    def call(self, inputs: Any) -> Any:
        """``inputs`` times each channel's excitation weight."""
        spatial_axes = tuple(range(1, len(inputs.shape) - 1))
        squeezed = ops.mean(inputs, axis=spatial_axes)
        hidden = ops.relu(ops.matmul(squeezed, self.squeeze_kernel) + self.squeeze_bias)
        weights = ops.sigmoid(ops.matmul(hidden, self.excite_kernel) + self.excite_bias)
        for _ in spatial_axes:
            weights = ops.expand_dims(weights, axis=1)
        return inputs * ops.cast(weights, inputs.dtype)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        """The input's shape: only the channels' scale changes."""
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        """The layer's config: Keras's own keys plus ``ratio``."""
        return {**super().get_config(), "ratio": self.ratio}


def layer_spec() -> Any:
    """How Netloom shows the layer: its palette category, documentation and params."""
    from app.core.catalog import INT, LayerSpec, ParamSpec

    return LayerSpec(
        type="SqueezeExcite",
        class_path="se_block.SqueezeExcite",
        category="Convolution",
        doc="Squeeze-and-excitation: learns a weight for each channel from the average of all channels "
            "and scales the channels by it. Place it after a convolution; the shape does not change.",
        params=(
            ParamSpec("ratio", INT, 16, "How much the bottleneck shrinks the channels: it has "
                      "channels // ratio units. 16 in the paper; at most the number of channels.",
                      minimum=1, key=True),
        ),
        example_input=((8, 8, 16),),
        tags=("attention", "channel attention", "SE"),
    )


def register(registry: Any) -> None:
    """Add the SqueezeExcite layer type to Netloom."""
    registry.add_layer(layer_spec(), SqueezeExcite)
