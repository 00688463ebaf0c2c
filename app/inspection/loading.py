"""Opening a trained run for inspection: its model with the run's weights, and the project's data.

``load_run(project, run)`` finds the run (``app.core.runs``), builds the
model from the graph the run was trained with (the copy of the project the
run folder keeps, else the project's own graph), loads the best (or last)
weights, and loads the project's data with ``app.data`` as training did
(the same split, scaling and label encoding, samples reshaped to the
model's Input). The result, an ``InspectedRun``, hands out the splits and
evaluates them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.build.keras_builder import to_keras
from app.core.catalog import Catalog
from app.core.project import Project, load_project
from app.core.runs import PROJECT_FILE, RunInfo, find_run, run_weights
from app.data.dataset import CLASSIFICATION, REGRESSION, Dataset
from app.data.sources import load_source
from app.inspection.evaluation import Evaluation, evaluate, evaluate_outputs, predict_batches
from app.inspection.losses import training_loss
from app.inspection.model_parts import InspectionError

TRAIN, VALIDATION, TEST = "train", "validation", "test"
SPLITS = (TRAIN, VALIDATION, TEST)


@dataclass(frozen=True, eq=False)
class InspectedRun:
    """A trained run ready to look into.

    ``model`` is the built ``keras.Model`` with the run's weights (layer
    names are node names); ``data`` the project's prepared ``Dataset`` (an
    ``ImageFolderData`` of ``tf.data`` pipelines for an image folder);
    ``project`` the project as the run trained it; ``loss`` the loss name
    it was compiled with; ``task`` ``"classification"`` or ``"regression"``.
    """

    model: Any
    data: Any
    project: Project
    run: RunInfo
    weights_file: Path
    loss: str
    task: str
    class_names: tuple[str, ...]

    def split_names(self) -> list[str]:
        """The splits there are, of ``train``, ``validation`` and ``test``."""
        return [name for name in SPLITS if self._has(name)]

    def split(self, name: str = VALIDATION) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of split ``name``; ``InspectionError`` when the data has no such split.

        Without a validation split, ``validation`` is the part of the
        training split that ``training.validation_split`` held out (its
        end, as Keras takes it).
        """
        data = self.data
        if not isinstance(data, Dataset):
            raise InspectionError("An image folder is streamed: use evaluate() for its splits.")
        if name == TRAIN:
            return data.x_train, data.y_train
        if name == TEST and data.x_test is not None:
            return data.x_test, data.y_test
        if name == VALIDATION and data.x_val is not None:
            return data.x_val, data.y_val
        held = self._held_out()
        if name == VALIDATION and held:
            start = math.ceil(len(data.x_train) * (1.0 - held))
            return data.x_train[start:], data.y_train[start:]
        raise InspectionError(f"The data has no {name} split; it has {', '.join(self.split_names())}.")

    def evaluate(self, split: str = VALIDATION, batch_size: int = 256) -> Evaluation:
        """The ``Evaluation`` of the model on ``split`` (predicted in batches, with the run's loss)."""
        if not isinstance(self.data, Dataset):
            pipeline = {TRAIN: self.data.train, VALIDATION: self.data.validation}.get(split)
            if pipeline is None:
                raise InspectionError(f"The image folder has no {split} split.")
            outputs, targets = predict_batches(self.model, pipeline)
            return evaluate_outputs(outputs, targets, self.task, self.class_names, self.loss)
        x, y = self.split(split)
        return evaluate(self.model, x, y, self.task, self.class_names, self.loss, batch_size)

    def _has(self, name: str) -> bool:
        data = self.data
        if not isinstance(data, Dataset):
            return {TRAIN: True, VALIDATION: data.validation is not None}.get(name, False)
        if name == TEST:
            return data.x_test is not None
        if name == VALIDATION:
            return data.x_val is not None or bool(self._held_out())
        return True

    def _held_out(self) -> float:
        return float(self.project.training.get("validation_split", 0.0) or 0.0)


def load_run(
    project: Project,
    run: str | int | os.PathLike[str] = "latest",
    which: str = "best",
    catalog: Catalog | None = None,
    dataset: Any = None,
) -> InspectedRun:
    """The run ``run`` of ``project`` (number, folder name, ``"latest"`` or path) opened for inspection.

    ``which`` picks the ``"best"`` or ``"last"`` weights; ``dataset``
    replaces loading the project's data. Raises ``ValueError`` for a
    missing run or weights (the message lists what exists), ``DataError``
    for data that cannot load, ``BuildError`` for a graph that cannot build.
    """
    if project.path is None and not Path(str(run)).is_dir():
        raise ValueError("The project is not saved, so it has no runs; save it and train it first.")
    info = find_run(project.path or Path.cwd(), run)
    weights = run_weights(info.path, which)
    trained = _trained_project(project, info)
    base_dir = project.path.parent if project.path else Path.cwd()
    model = to_keras(trained.graph, catalog, name=_model_name(trained.name))
    model.load_weights(str(weights))
    data = dataset if dataset is not None else load_source(trained.data, base_dir)
    if isinstance(data, Dataset) and len(model.inputs) == 1:
        data = data.reshape_for(tuple(model.inputs[0].shape[1:]))
    task = data.task if isinstance(data, Dataset) else CLASSIFICATION
    one_hot = isinstance(data, Dataset) and data.labels_one_hot
    loss = training_loss(trained.training, model, one_hot, task == CLASSIFICATION)
    names = tuple(data.class_names) if task != REGRESSION else ()
    return InspectedRun(model, data, trained, info, weights, loss, task, names)


def _trained_project(project: Project, info: RunInfo) -> Project:
    """The copy of the project that the run keeps (what it trained), else ``project`` itself."""
    copy = info.path / PROJECT_FILE
    if not copy.is_file():
        return project
    trained = load_project(copy)
    trained.path = project.path
    return trained


def _model_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name).strip("_")
    return cleaned or "netloom_model"
