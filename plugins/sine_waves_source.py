"""A Netloom plugin: a dataset source of noisy sine waves, made with numpy.

Each sample is ``length`` points of ``amplitude * sin(2 pi f t + phase)``
plus Gaussian noise, shaped ``(length, 1)`` for Conv1D or LSTM layers.

- ``task="classification"`` (the default): the label is which of ``classes``
  frequencies the wave has (an integer, for sparse categorical cross-entropy).
- ``task="regression"``: the label is the frequency itself (cycles per sample
  window), a float.
"""

from __future__ import annotations

from typing import Any

import numpy as np

TASKS = ("classification", "regression")


def load_sine_waves(
    samples: int = 1000,
    length: int = 64,
    classes: int = 3,
    noise: float = 0.1,
    task: str = "classification",
    test_fraction: float = 0.2,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Noisy sine waves split into ``x_train``, ``y_train``, ``x_test`` and ``y_test``."""
    if task not in TASKS:
        raise ValueError(f"Received task={task!r}; expected one of {', '.join(TASKS)}.")
    if samples < 2 or length < 4 or classes < 2:
        raise ValueError(
            f"Received samples={samples}, length={length}, classes={classes}; "
            "expected at least 2 samples, 4 points and 2 classes."
        )
    if not 0 < test_fraction < 1:
        raise ValueError(f"Received test_fraction={test_fraction}; expected a number between 0 and 1.")
    rng = np.random.default_rng(seed)
    frequencies = np.linspace(1.0, length / 8, classes)  # cycles per window, well below Nyquist
    labels = rng.integers(0, classes, size=samples)
    if task == "regression":
        cycles = rng.uniform(frequencies[0], frequencies[-1], size=samples)
    else:
        cycles = frequencies[labels]
    t = np.arange(length) / length
    phase = rng.uniform(0, 2 * np.pi, size=(samples, 1))
    amplitude = rng.uniform(0.5, 1.5, size=(samples, 1))
    waves = amplitude * np.sin(2 * np.pi * cycles[:, None] * t + phase)
    x = (waves + rng.normal(0.0, noise, size=waves.shape)).astype("float32")[..., None]
    y = cycles.astype("float32") if task == "regression" else labels.astype("int64")
    split = samples - max(1, round(samples * test_fraction))
    return {"x_train": x[:split], "y_train": y[:split], "x_test": x[split:], "y_test": y[split:]}


def register(registry: Any) -> None:
    """Add the ``sine-waves`` dataset source to Netloom."""
    registry.add_data_source(
        "sine-waves", load_sine_waves,
        "Noisy sine waves of shape (64, 1): classify their frequency (3 classes) or regress it.",
    )
