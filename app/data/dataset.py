"""The ``Dataset`` every source returns, and ``DataError``, the one error every source raises.

A ``Dataset`` holds plain NumPy arrays: the training split always, the
validation and test splits when there are any. Sources load everything
first and build the ``Dataset`` last, so a bad input never leaves half a
dataset behind: it raises ``DataError`` with a message that names the file
and the line, array or item at fault.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASKS = (CLASSIFICATION, REGRESSION)
SPLITS = ("train", "val", "test")


class DataError(Exception):
    """Data that cannot be loaded; the message names the file and the line, array or item."""


@dataclass
class Dataset:
    """Features and targets split into train, validation and test, plus what they mean.

    ``task`` is ``"classification"`` or ``"regression"``; ``class_names``
    names the classes of a classification task in label order;
    ``feature_names`` names the columns of tabular features. ``notes``
    are things the user should know (rows dropped, a loss corrected, ...).
    ``fill_groups`` lists feature columns whose missing values (NaN) wait to
    be filled from the training split (one column of numbers, or the
    one-hot columns of one text column); ``app.data.prepare`` fills them.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    task: str = CLASSIFICATION
    class_names: list[str] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    name: str = ""
    notes: list[str] = field(default_factory=list)
    fill_groups: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(f"Dataset task: expected one of {', '.join(TASKS)}; received {self.task!r}.")
        for split in SPLITS:
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if (x is None) != (y is None):
                raise ValueError(
                    f"Dataset {self.name!r}: x_{split} and y_{split} must both be given or neither."
                )
            if x is not None and len(x) != len(y):
                raise DataError(
                    f"{self.name or 'dataset'}: x_{split} has {len(x)} samples but y_{split} has {len(y)}; "
                    "they must have the same length."
                )

    @property
    def input_shape(self) -> tuple[int, ...]:
        """The shape of one sample, without the batch axis: ``(8, 8, 1)`` for digits."""
        return tuple(int(n) for n in self.x_train.shape[1:])

    @property
    def num_classes(self) -> int:
        """How many classes a classification task has (0 for regression)."""
        return len(self.class_names) if self.task == CLASSIFICATION else 0

    @property
    def labels_one_hot(self) -> bool:
        """True when the classification targets are one-hot rows rather than integers."""
        return (
            self.task == CLASSIFICATION and self.y_train.ndim == 2 and self.y_train.shape[1] > 1
        )

    def sizes(self) -> dict[str, int]:
        """The number of samples in each split there is: ``{"train": 1257, "val": 180, ...}``."""
        return {s: len(getattr(self, f"x_{s}")) for s in SPLITS if getattr(self, f"x_{s}") is not None}

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays that exist, by name (``x_train``, ``y_train``, ...): what a plugin loader returns."""
        names = [f"{axis}_{split}" for split in SPLITS for axis in ("x", "y")]
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}

    def reshape_for(self, input_shape: Sequence[int | None]) -> Dataset:
        """This dataset with its samples shaped to feed a model ``Input`` of ``input_shape``.

        Samples that fit already are returned unchanged; samples with the
        same number of values are reshaped (digits' ``(8, 8, 1)`` to
        ``(64,)``); anything else raises ``DataError`` saying both shapes.
        """
        wanted = tuple(input_shape)
        if fits(self.input_shape, wanted):
            return self
        if None in wanted or math.prod(wanted) != math.prod(self.input_shape):
            raise DataError(
                f"{self.name or 'dataset'}: samples of shape {list(self.input_shape)} cannot feed the "
                f"model's Input of shape {list(wanted)}; change the Input's shape to "
                f"{list(self.input_shape)} or choose other data."
            )
        changes: dict[str, np.ndarray] = {}
        for split in SPLITS:
            x = getattr(self, f"x_{split}")
            if x is not None:
                changes[f"x_{split}"] = x.reshape((len(x), *wanted))
        note = f"samples reshaped from {list(self.input_shape)} to {list(wanted)} to fit the model's Input"
        return replace(self, **changes, notes=[*self.notes, note])


def fits(sample_shape: Sequence[int], input_shape: Sequence[int | None]) -> bool:
    """True when samples of ``sample_shape`` feed an ``Input`` of ``input_shape`` (None: any size)."""
    if len(sample_shape) != len(input_shape):
        return False
    return all(want is None or want == have for have, want in zip(sample_shape, input_shape, strict=True))
