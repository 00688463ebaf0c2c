"""The bundled datasets: scikit-learn's small sets and a few generated ones, all offline.

Each ``load_*`` function returns the whole set, unsplit, as the training
arrays of a ``Dataset`` (``app.data.prepare`` splits and scales it).
scikit-learn's sets ship inside the package; the generated sets are made
from a seed, so the same seed gives the same data.

``BUNDLED`` lists them with a description and the preparation each one
gets by default (digits is already in [0, 1]; the tabular sets are
standardized; XOR's four points are all used for training).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.data.dataset import REGRESSION, Dataset

DEFAULT_SOURCE = "digits"
SINE_WINDOW = 20


@dataclass(frozen=True)
class BundledSource:
    """One bundled dataset: its loader, a one-line description and its default preparation."""

    name: str
    loader: Callable[..., Dataset]
    description: str
    defaults: dict[str, Any] = field(default_factory=dict)


def load_digits(**_: Any) -> Dataset:
    """scikit-learn's handwritten digits: 1,797 images of 8x8x1 in [0, 1], 10 classes."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = (bunch.images / 16.0).astype("float32")[..., np.newaxis]
    return Dataset(x, bunch.target.astype("int64"), class_names=[str(n) for n in bunch.target_names],
                   name="digits")


def load_iris(**_: Any) -> Dataset:
    """scikit-learn's iris: 150 flowers, 4 measurements, 3 species."""
    from sklearn.datasets import load_iris as sk_iris

    return _from_bunch(sk_iris(), "iris")


def load_wine(**_: Any) -> Dataset:
    """scikit-learn's wine: 178 wines, 13 chemical measurements, 3 cultivars."""
    from sklearn.datasets import load_wine as sk_wine

    return _from_bunch(sk_wine(), "wine")


def load_breast_cancer(**_: Any) -> Dataset:
    """scikit-learn's breast cancer (Wisconsin): 569 samples, 30 features, malignant or benign."""
    from sklearn.datasets import load_breast_cancer as sk_breast_cancer

    return _from_bunch(sk_breast_cancer(), "breast_cancer")


def _from_bunch(bunch: Any, name: str) -> Dataset:
    return Dataset(
        bunch.data.astype("float32"), bunch.target.astype("int64"),
        class_names=[str(n) for n in bunch.target_names], name=name,
        feature_names=[str(n) for n in getattr(bunch, "feature_names", [])],
    )


def load_celsius(samples: int = 200, seed: int = 0, **_: Any) -> Dataset:
    """Celsius (uniform in [-50, 100]) to Fahrenheit (1.8 c + 32): a one-weight regression."""
    rng = np.random.default_rng(seed)
    c = rng.uniform(-50.0, 100.0, size=(samples, 1)).astype("float32")
    return Dataset(c, (1.8 * c + 32.0).astype("float32"), task=REGRESSION, name="celsius")


def load_xor(**_: Any) -> Dataset:
    """The four points of XOR with a 0/1 target column (for a sigmoid and binary crossentropy)."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype="float32")
    y = np.array([[0], [1], [1], [0]], dtype="float32")
    return Dataset(x, y, class_names=["0", "1"], name="xor")


def load_moons(samples: int = 500, noise: float = 0.1, seed: int = 0, **_: Any) -> Dataset:
    """Two interleaving half circles in 2-D, two classes."""
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=samples, noise=noise, random_state=seed)
    return Dataset(x.astype("float32"), y.astype("int64"), class_names=["0", "1"], name="moons")


def load_circles(samples: int = 500, noise: float = 0.05, seed: int = 0, **_: Any) -> Dataset:
    """A small circle inside a large one in 2-D, two classes."""
    from sklearn.datasets import make_circles

    x, y = make_circles(n_samples=samples, noise=noise, factor=0.5, random_state=seed)
    return Dataset(x.astype("float32"), y.astype("int64"), class_names=["0", "1"], name="circles")


def load_spirals(
    samples: int = 600, classes: int = 2, noise: float = 0.2, seed: int = 0, **_: Any
) -> Dataset:
    """Interleaved spiral arms in 2-D, one class per arm (``classes`` arms)."""
    rng = np.random.default_rng(seed)
    per_class = samples // classes
    radius = np.linspace(0.2, 3.0, per_class)
    xs, ys = [], []
    for label in range(classes):
        angle = 1.5 * radius + 2 * np.pi * label / classes + rng.normal(0, noise, per_class)
        xs.append(np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1))
        ys.append(np.full(per_class, label))
    return Dataset(np.concatenate(xs).astype("float32"), np.concatenate(ys).astype("int64"),
                   class_names=[str(n) for n in range(classes)], name="spirals")


def load_sine(samples: int = 1000, window: int = SINE_WINDOW, noise: float = 0.05, seed: int = 0,
              **_: Any) -> Dataset:
    """A noisy sine wave cut into windows of ``window`` steps (shape ``(window, 1)``) -> the next value."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples + window) * 0.1
    series = (np.sin(t) + rng.normal(0.0, noise, t.shape)).astype("float32")
    steps = np.lib.stride_tricks.sliding_window_view(series[:-1], window)[:samples]
    x = steps.copy()[..., np.newaxis]
    y = series[window:window + samples].reshape(-1, 1)
    return Dataset(x, y, task=REGRESSION, name="sine")


BUNDLED: dict[str, BundledSource] = {
    source.name: source
    for source in (
        BundledSource("digits", load_digits, "Handwritten digits, 8x8 grayscale, 10 classes (scikit-learn)."),
        BundledSource("iris", load_iris, "Iris flowers: 4 measurements, 3 species (scikit-learn).",
                      {"scaling": "standardize"}),
        BundledSource("wine", load_wine, "Wines: 13 chemical measurements, 3 cultivars (scikit-learn).",
                      {"scaling": "standardize"}),
        BundledSource("breast_cancer", load_breast_cancer,
                      "Breast cancer (Wisconsin): 30 features, malignant or benign (scikit-learn).",
                      {"scaling": "standardize"}),
        BundledSource("celsius", load_celsius, "Celsius to Fahrenheit: f = 1.8 c + 32 (generated).",
                      {"test_fraction": 0.0}),
        BundledSource("xor", load_xor, "The four points of XOR (generated).",
                      {"validation_fraction": 0.0, "test_fraction": 0.0, "shuffle": False}),
        BundledSource("moons", load_moons, "Two interleaving half circles, 2 classes (generated)."),
        BundledSource("circles", load_circles, "A circle inside a circle, 2 classes (generated)."),
        BundledSource("spirals", load_spirals, "Interleaved spirals, one class per arm (generated)."),
        BundledSource("sine", load_sine,
                      f"A noisy sine wave: windows of {SINE_WINDOW} steps -> the next value (generated)."),
    )
}
