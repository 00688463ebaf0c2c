"""Image augmentation: settings kept in a project's ``data`` section, realised as Keras layers.

A project's ``data`` section may hold::

    "augmentation": {"flip": "horizontal", "rotation": 0.1, "zoom": 0.1,
                     "translation": 0.1, "contrast": 0.2, "noise": 0.05}

``augmentation_layers`` turns the settings into Keras preprocessing layers
(``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
``RandomContrast``, ``GaussianNoise``), which change images only when called
with ``training=True``: evaluation and prediction see the images as they are.
``augmented_model`` puts them in front of a model for training;
``augmented_samples`` shows what they do to one image (the Data panel's
preview).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from app.data.dataset import DataError

FLIPS = {"none": None, "horizontal": "horizontal", "vertical": "vertical", "both": "horizontal_and_vertical"}
FACTORS = ("rotation", "zoom", "translation", "contrast")  # fractions from 0 to 1


@dataclass(frozen=True)
class AugmentSettings:
    """How training images are changed at random; all zero / ``"none"`` means not at all.

    ``flip`` is ``"none"``, ``"horizontal"``, ``"vertical"`` or ``"both"``;
    ``rotation`` is the largest turn as a fraction of a full turn; ``zoom``
    and ``translation`` the largest zoom and shift as fractions of the
    image's size; ``contrast`` the largest contrast change as a fraction;
    ``noise`` the standard deviation of added Gaussian noise (in pixel units).
    """

    flip: str = "none"
    rotation: float = 0.0
    zoom: float = 0.0
    translation: float = 0.0
    contrast: float = 0.0
    noise: float = 0.0

    def __post_init__(self) -> None:
        if self.flip not in FLIPS:
            raise DataError(f"augmentation.flip: expected one of {', '.join(FLIPS)}; received {self.flip!r}.")
        for name in FACTORS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise DataError(f"augmentation.{name}: expected a fraction from 0 to 1; received {value!r}.")
        if isinstance(self.noise, bool) or not isinstance(self.noise, (int, float)) or self.noise < 0:
            raise DataError(f"augmentation.noise: expected a standard deviation of 0 or more; "
                            f"received {self.noise!r}.")

    @property
    def active(self) -> bool:
        """True when at least one augmentation is switched on."""
        return self != AugmentSettings()

    def to_dict(self) -> dict[str, Any]:
        """The settings as the project's ``data``/``augmentation`` object."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AugmentSettings:
        """Settings from a project's ``data``/``augmentation`` object (missing keys: off).

        Unknown keys are refused, naming them, so that a misspelt setting is
        not silently ignored.
        """
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise DataError(f"augmentation: expected an object; received {type(data).__name__}.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise DataError(
                f"augmentation: unknown setting(s) {', '.join(map(repr, unknown))}; "
                f"expected {', '.join(sorted(known))}."
            )
        return cls(**dict(data))

    def describe(self) -> str:
        """A short text: ``"flip horizontal, rotation 0.1, noise 0.05"`` (``"none"`` when off)."""
        parts = [f"flip {self.flip}"] if self.flip != "none" else []
        parts += [f"{name} {getattr(self, name):g}" for name in (*FACTORS, "noise") if getattr(self, name)]
        return ", ".join(parts) or "none"


def augmentation_layers(
    settings: AugmentSettings, value_range: Sequence[float] = (0.0, 1.0), seed: int | None = None
) -> list[Any]:
    """The Keras layers that apply ``settings``, in a sensible order (geometry, then contrast, noise).

    ``value_range`` is the pixel range of the images (``(0, 255)`` for an
    image folder); RandomContrast clips to it. Each layer changes its input
    only in training.
    """
    import keras

    layers: list[Any] = []

    def seeded(offset: int) -> dict[str, Any]:
        return {} if seed is None else {"seed": seed + offset}

    if FLIPS[settings.flip]:
        layers.append(keras.layers.RandomFlip(FLIPS[settings.flip], **seeded(0), name="augment_flip"))
    if settings.rotation:
        layers.append(keras.layers.RandomRotation(settings.rotation, fill_mode="reflect", **seeded(1),
                                                  name="augment_rotation"))
    if settings.zoom:
        layers.append(keras.layers.RandomZoom(settings.zoom, fill_mode="reflect", **seeded(2),
                                              name="augment_zoom"))
    if settings.translation:
        layers.append(keras.layers.RandomTranslation(
            settings.translation, settings.translation, fill_mode="reflect", **seeded(3),
            name="augment_translation",
        ))
    if settings.contrast:
        layers.append(keras.layers.RandomContrast(
            settings.contrast, value_range=tuple(value_range), **seeded(4), name="augment_contrast"
        ))
    if settings.noise:
        layers.append(keras.layers.GaussianNoise(settings.noise, **seeded(5), name="augment_noise"))
    return layers


def apply_augmentation(layers: Sequence[Any], images: Any, training: bool = True) -> Any:
    """Run ``images`` (a batch) through ``layers`` with the given ``training`` flag."""
    for layer in layers:
        images = layer(images, training=training)
    return images


def augmented_model(
    model: Any, settings: AugmentSettings, value_range: Sequence[float] = (0.0, 1.0), seed: int | None = None
) -> Any:
    """``model`` with the augmentation layers in front, for training; ``model`` itself when none are on.

    The wrapper shares ``model``'s layers and weights, so training it trains
    ``model``; evaluate, predict and export ``model`` itself. The layers act
    only in training, so the wrapper also predicts exactly as ``model``.
    """
    layers = augmentation_layers(settings, value_range, seed)
    if not layers:
        return model
    import keras

    inputs = keras.Input(shape=tuple(model.inputs[0].shape[1:]), name="augment_input")
    outputs = model(apply_augmentation(layers, inputs, training=None))
    return keras.Model(inputs, outputs, name=f"{model.name}_augmented")


def augmented_samples(
    settings: AugmentSettings, image: np.ndarray, count: int = 4, seed: int = 0,
    value_range: Sequence[float] = (0.0, 1.0),
) -> np.ndarray:
    """``count`` augmented copies of one ``image`` (``(h, w)`` or ``(h, w, c)``), as float32.

    The same ``seed`` gives the same copies. With no augmentation switched
    on, the copies equal the image.
    """
    import keras

    picture = np.asarray(image, dtype="float32")
    flat = picture.ndim == 2
    if flat:
        picture = picture[..., np.newaxis]
    if picture.ndim != 3:
        raise DataError(f"augmentation preview: expected one image of (height, width[, channels]); "
                        f"received shape {list(np.shape(image))}.")
    batch = np.repeat(picture[np.newaxis], count, axis=0)
    result = keras.ops.convert_to_numpy(
        apply_augmentation(augmentation_layers(settings, value_range, seed), batch, training=True)
    ).astype("float32")
    return result[..., 0] if flat else result
