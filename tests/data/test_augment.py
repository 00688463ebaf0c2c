"""Augmentation settings: the project dict, Keras layers that act only in training, the preview."""

from __future__ import annotations

import numpy as np
import pytest

from app.data.augment import (
    AugmentSettings,
    apply_augmentation,
    augmentation_layers,
    augmented_model,
    augmented_samples,
)
from app.data.dataset import DataError
from app.data.sources import load_source

ALL_ON = AugmentSettings(flip="both", rotation=0.2, zoom=0.2, translation=0.1, contrast=0.3, noise=0.05)


def _images() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.random((4, 16, 16, 3)).astype("float32")


def test_settings_round_trip_through_the_project_dict() -> None:
    data = ALL_ON.to_dict()
    assert data == {"flip": "both", "rotation": 0.2, "zoom": 0.2, "translation": 0.1, "contrast": 0.3,
                    "noise": 0.05}
    assert AugmentSettings.from_dict(data) == ALL_ON
    assert AugmentSettings.from_dict(None) == AugmentSettings() and not AugmentSettings().active
    assert AugmentSettings.from_dict({"rotation": 0.1}).describe() == "rotation 0.1"
    assert ALL_ON.active and AugmentSettings().describe() == "none"


@pytest.mark.parametrize(("data", "message"), [
    ({"flip": "sideways"}, "augmentation.flip: expected one of none, horizontal, vertical, both"),
    ({"rotation": 1.5}, "augmentation.rotation: expected a fraction from 0 to 1; received 1.5"),
    ({"noise": -1}, "augmentation.noise"),
    ({"zoom": "big"}, "augmentation.zoom"),
    ({"shear": 0.1}, "unknown setting.*'shear'"),
])
def test_bad_settings_are_refused_by_name(data: dict, message: str) -> None:
    with pytest.raises(DataError, match=message):
        AugmentSettings.from_dict(data)


def test_one_layer_per_augmentation_switched_on() -> None:
    names = [type(layer).__name__ for layer in augmentation_layers(ALL_ON)]
    assert names == ["RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
                     "GaussianNoise"]
    assert augmentation_layers(AugmentSettings()) == []
    assert [type(x).__name__ for x in augmentation_layers(AugmentSettings(noise=0.1))] == ["GaussianNoise"]


def test_layers_change_images_only_in_training() -> None:
    import keras

    images = _images()
    layers = augmentation_layers(ALL_ON, seed=3)
    unchanged = keras.ops.convert_to_numpy(apply_augmentation(layers, images, training=False))
    np.testing.assert_allclose(unchanged, images, rtol=1e-6)
    changed = keras.ops.convert_to_numpy(apply_augmentation(layers, images, training=True))
    assert changed.shape == images.shape and not np.allclose(changed, images, atol=1e-3)


@pytest.mark.parametrize("settings", [
    AugmentSettings(flip="horizontal"), AugmentSettings(rotation=0.25), AugmentSettings(zoom=0.3),
    AugmentSettings(translation=0.3), AugmentSettings(contrast=0.5), AugmentSettings(noise=0.2),
])
def test_each_augmentation_alone_changes_a_training_batch(settings: AugmentSettings) -> None:
    import keras

    images = np.repeat(_images()[:1], 8, axis=0)
    layers = augmentation_layers(settings, seed=1)
    out = keras.ops.convert_to_numpy(apply_augmentation(layers, images, training=True))
    assert not np.allclose(out, images, atol=1e-4)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(apply_augmentation(layers, images, training=False)),
                               images, rtol=1e-6)


def test_preview_copies_are_seeded_and_differ() -> None:
    image = _images()[0]
    first = augmented_samples(ALL_ON, image, count=3, seed=5)
    assert first.shape == (3, 16, 16, 3) and first.dtype == np.float32
    assert not np.allclose(first[0], first[1])
    np.testing.assert_allclose(augmented_samples(ALL_ON, image, count=3, seed=5), first, rtol=1e-5)
    gray = augmented_samples(AugmentSettings(), image[..., 0], count=2)
    assert gray.shape == (2, 16, 16)
    np.testing.assert_allclose(gray[1], image[..., 0])
    with pytest.raises(DataError, match="one image"):
        augmented_samples(ALL_ON, np.zeros(5), count=2)


def test_augmentation_in_the_data_section_does_not_reach_the_loader() -> None:
    data = load_source({"source": "iris", "augmentation": {"noise": 0.1}})
    assert data.input_shape == (4,)


def test_augmented_model_trains_the_same_weights_and_predicts_as_the_model() -> None:
    import keras

    inputs = keras.Input((16, 16, 3))
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    assert augmented_model(model, AugmentSettings()) is model
    wrapped = augmented_model(model, ALL_ON, seed=0)
    images = _images()
    np.testing.assert_allclose(keras.ops.convert_to_numpy(wrapped(images, training=False)),
                               keras.ops.convert_to_numpy(model(images, training=False)), rtol=1e-5)
    before = [w.copy() for w in model.get_weights()]
    wrapped.compile(optimizer="sgd", loss="mse")
    wrapped.fit(images, np.zeros((4, 2), "float32"), epochs=1, verbose=0)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights(), strict=True))
