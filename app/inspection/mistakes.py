"""Worst mistakes: the samples a model gets most wrong, by their loss.

``worst_mistakes(evaluation, count)`` ranks the samples of an ``Evaluation``
by their own loss, highest first. Pure NumPy: the losses were computed when
the split was evaluated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.inspection.evaluation import Evaluation
from app.inspection.model_parts import InspectionError

DEFAULT_COUNT = 16


@dataclass(frozen=True)
class Mistake:
    """One sample with a high loss.

    ``index`` is its position in the evaluated split (feed
    ``x[index]`` to the activations view). For classification ``true`` and
    ``predicted`` are class indices with their names in ``true_name`` and
    ``predicted_name`` and ``confidence`` the probability of the predicted
    class; for regression they are values, the names empty, ``confidence`` NaN.
    """

    index: int
    loss: float
    true: float
    predicted: float
    confidence: float
    true_name: str = ""
    predicted_name: str = ""

    @property
    def wrong(self) -> bool:
        """True when the predicted class is not the true one (regression: always True)."""
        return not (self.true_name and self.true_name == self.predicted_name)


def worst_mistakes(
    evaluation: Evaluation, count: int = DEFAULT_COUNT, wrong_only: bool = False
) -> list[Mistake]:
    """The ``count`` samples with the highest loss, highest first (ties: lower index first).

    ``wrong_only`` keeps only misclassified samples. Raises
    ``InspectionError`` when the evaluation was made without a loss.
    """
    losses = evaluation.losses
    if len(losses) != len(evaluation.outputs):
        raise InspectionError("The evaluation has no per-sample losses: evaluate with the run's loss.")
    true = evaluation.true_values
    candidates = np.arange(len(losses))
    if wrong_only and evaluation.classification is not None:
        candidates = candidates[true != evaluation.predicted]
    ranked = candidates[np.argsort(-np.nan_to_num(losses[candidates], nan=np.inf), kind="stable")][:count]
    names = evaluation.classes
    found: list[Mistake] = []
    for index in ranked:
        t, p = true[index], evaluation.predicted[index]
        found.append(Mistake(
            index=int(index), loss=float(losses[index]), true=float(t), predicted=float(p),
            confidence=float(evaluation.confidence[index]),
            true_name=names[int(t)] if names and 0 <= int(t) < len(names) else "",
            predicted_name=names[int(p)] if names else "",
        ))
    return found
