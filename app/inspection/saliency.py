"""Saliency for one prediction: which input values the class score depends on.

- ``saliency_map``: the gradient of the class score with respect to the
  input (Simonyan et al., 2013). ``gradient`` keeps its sign; ``heatmap`` is
  its size, the largest over colour channels for an image, in [0, 1].
- ``grad_cam``: the feature maps of a convolution weighted by the mean
  gradient of the class score over each map, summed, kept where positive
  (Selvaraju et al., 2017); ``heatmap`` at the layer's resolution and
  ``overlay`` resized to the input image, both in [0, 1].

The class score is the model's (first) output for that class, as the model
computes it: after the softmax when the last layer has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.inspection.gradients import value_and_gradients
from app.inspection.model_parts import InspectionError, batch_of_one, layer_named, to_numpy


@dataclass(frozen=True, eq=False)
class SaliencyMap:
    """The gradient of class ``class_index``'s ``score`` with respect to one sample.

    ``gradient`` has the sample's shape (as the model's Input takes it);
    ``heatmap`` is ``|gradient|`` scaled to [0, 1] (an image ``(h, w, c)``
    keeps the largest over its channels: ``(h, w)``).
    """

    class_index: int
    score: float
    gradient: np.ndarray
    heatmap: np.ndarray


@dataclass(frozen=True, eq=False)
class GradCam:
    """Grad-CAM of class ``class_index`` through convolution ``layer_name``.

    ``heatmap`` is ``(h, w)`` at the layer's resolution, ``overlay`` the
    same resized (bilinear) to the input's height and width; both in [0, 1],
    all 0 when no region raises the score.
    """

    class_index: int
    score: float
    layer_name: str
    heatmap: np.ndarray
    overlay: np.ndarray


def saliency_map(model: Any, sample: Any, class_index: int | None = None) -> SaliencyMap:
    """The gradient saliency of ``sample`` (no batch axis) for ``class_index`` (default: predicted)."""
    batch = batch_of_one(model, sample)
    index = _class_index(model, batch, class_index)
    gradients = value_and_gradients(model, batch, _class_score(index), weights=False)
    gradient = gradients.inputs[0]
    size = np.abs(gradient)
    if size.ndim == 3:
        size = size.max(axis=-1)
    return SaliencyMap(index, gradients.value, gradient, _unit(size))


def grad_cam(
    model: Any, sample: Any, class_index: int | None = None, layer_name: str | None = None
) -> GradCam:
    """Grad-CAM of ``sample`` for ``class_index`` (default: predicted) through ``layer_name``
    (default: the last layer with a 2-D feature-map output).

    Raises ``InspectionError`` when the model has no such layer, or when the
    layers after it also read something other than its output (a skip
    connection around it), so its output alone does not decide the score.
    """
    import keras

    batch = batch_of_one(model, sample)
    layer = layer_named(model, layer_name) if layer_name else last_feature_map_layer(model)
    features_tensor = layer.output[0] if isinstance(layer.output, (list, tuple)) else layer.output
    if len(features_tensor.shape) != 4:
        raise InspectionError(f"{layer.name!r} does not output 2-D feature maps; choose a convolution.")
    try:
        head = keras.Model(features_tensor, model.outputs[0])
    except ValueError as error:
        raise InspectionError(f"Grad-CAM through {layer.name!r} is not possible: the layers after it also "
                              f"read other inputs ({error}).") from error
    features = to_numpy(keras.Model(model.inputs[0], features_tensor)(batch, training=False))
    index = _class_index(model, batch, class_index)
    gradients = value_and_gradients(head, features, _class_score(index), weights=False)
    weights = gradients.inputs[0].mean(axis=(0, 1))
    cam = np.maximum((features[0] * weights).sum(axis=-1), 0.0)
    heatmap = _unit(cam)
    height, width = batch.shape[1:3]
    overlay = _unit(resize_bilinear(heatmap, (height, width)))
    return GradCam(index, gradients.value, layer.name, heatmap, overlay)


def last_feature_map_layer(model: Any) -> Any:
    """The last layer whose output is a batch of 2-D feature maps ``(batch, h, w, channels)``."""
    for layer in reversed(model.layers):
        output = layer.output[0] if isinstance(layer.output, (list, tuple)) else layer.output
        if len(output.shape) == 4 and type(layer).__name__ != "InputLayer":
            return layer
    raise InspectionError("Grad-CAM needs a layer with 2-D feature maps; this model has none.")


def resize_bilinear(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A 2-D array resized to ``size`` (height, width) by bilinear interpolation, pixel centres aligned."""
    image = np.asarray(image, dtype="float64")

    def axis(count: int, target: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        position = np.clip((np.arange(target) + 0.5) * count / target - 0.5, 0, count - 1)
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, count - 1)
        return low, high, position - low

    r0, r1, fr = axis(image.shape[0], size[0])
    c0, c1, fc = axis(image.shape[1], size[1])
    top = image[r0][:, c0] * (1 - fc) + image[r0][:, c1] * fc
    bottom = image[r1][:, c0] * (1 - fc) + image[r1][:, c1] * fc
    return top * (1 - fr[:, None]) + bottom * fr[:, None]


# ------------------------------------------------------------------ helpers
def _class_index(model: Any, batch: np.ndarray, wanted: int | None) -> int:
    outputs = model(batch, training=False)
    output = to_numpy(outputs[0] if isinstance(outputs, (list, tuple)) else outputs).reshape(-1)
    if wanted is None:
        return int(output.argmax())
    if not 0 <= wanted < len(output):
        raise InspectionError(f"class_index {wanted} is outside the model's {len(output)} outputs.")
    return int(wanted)


def _class_score(index: int) -> Any:
    def score(outputs: Any) -> Any:
        from keras import ops

        output = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
        return ops.sum(ops.reshape(output, (-1,))[index])

    return score


def _unit(values: np.ndarray) -> np.ndarray:
    """Non-negative ``values`` divided by their largest (all 0 stays 0), as ``float32``."""
    largest = float(np.max(values)) if np.size(values) else 0.0
    return (np.asarray(values) / largest if largest > 0 else np.zeros_like(values)).astype("float32")
