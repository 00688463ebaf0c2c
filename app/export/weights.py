"""Which weights an export carries, and loading a ``.weights.h5`` file into a graph's model.

The weights are those of the chosen run (its best or last checkpoint, read
through ``app.core.runs``), else the project's imported weights (the
``.weights.h5`` file ``netloom import`` writes beside the project), else a
fresh initialisation with a fixed seed. ``build_with_weights`` says which.

Keras keeps a model's weights in a ``.weights.h5`` file by position: each
layer's group is named after its class (``dense``, ``dense_1``, ...), not
after the layer. ``load_weights_checked`` compares the file with the model
layer by layer first, so a mismatch names the layer instead of failing
somewhere inside Keras.
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.build.keras_builder import to_keras
from app.core import runs
from app.core.catalog import Catalog
from app.core.graph import Graph
from app.core.project import Project
from app.export.results import ExportError

FRESH_SEED = 0
AUTOMATIC = None  # run choice: the latest run when there is one


class WeightsMismatch(ExportError):
    """A weights file that does not fit the model; ``layer`` names the layer at fault."""

    def __init__(self, message: str, layer: str | None = None) -> None:
        super().__init__(message)
        self.layer = layer


@dataclass
class WeightsSource:
    """Where the exported weights come from: ``kind`` is ``run``, ``imported`` or ``fresh``."""

    kind: str
    path: Path | None
    description: str


def choose_weights(project: Project, run: str | None = AUTOMATIC, which: str = "best") -> WeightsSource:
    """The weights to export: the run asked for, else the latest run, else imported, else fresh.

    A run that is asked for by name but missing, or that kept no weights,
    raises ``ValueError`` naming it; the automatic choice skips runs without
    weights.
    """
    if run not in (AUTOMATIC, "", "none") and project.path is None:
        raise ValueError("the project is not saved, so it has no runs; save and train it first")
    if run not in (AUTOMATIC, "", "none"):
        info = runs.find_run(project.path, run)
        return _run_source(info, runs.run_weights(info.path, which), which)
    if run is AUTOMATIC and project.path is not None:
        for info in reversed(runs.list_runs(project.path)):
            try:
                return _run_source(info, runs.run_weights(info.path, which), which)
            except ValueError:
                continue
    imported = project.weights_path()
    if imported is not None and imported.is_file():
        return WeightsSource("imported", imported, f"the project's imported weights ({imported.name})")
    return WeightsSource("fresh", None, f"freshly initialised weights (seed {FRESH_SEED}; not trained)")


def _run_source(info: runs.RunInfo, path: Path, which: str) -> WeightsSource:
    kept = "best" if path.name == runs.BEST_WEIGHTS else "last"
    fallback = " (the run kept no best weights)" if kept != which else ""
    return WeightsSource("run", path, f"run {info.name}, {kept} weights{fallback}")


def build_with_weights(graph: Graph, source: WeightsSource, catalog: Catalog | None = None) -> Any:
    """The graph's model holding the weights ``source`` names (seeded fresh ones for ``fresh``)."""
    import keras

    if source.path is None:
        keras.utils.set_random_seed(FRESH_SEED)
    model = to_keras(graph, catalog)
    if source.path is not None:
        load_weights_checked(model, source.path)
    return model


def load_weights_into_graph(
    graph: Graph, path: str | os.PathLike[str], catalog: Catalog | None = None
) -> Any:
    """Build ``graph``'s model and load the weights file ``path`` into it.

    Raises ``WeightsMismatch`` naming the first layer whose weights do not
    fit (a missing layer, a different count or shape of weights).
    """
    model = to_keras(graph, catalog)
    load_weights_checked(model, path)
    return model


def load_weights_checked(model: Any, path: str | os.PathLike[str]) -> None:
    """Load a ``.weights.h5`` file into ``model`` after checking that every layer's weights fit."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise ExportError(f"{path}: the weights file does not exist")
    try:
        with h5py.File(path, "r") as handle:
            check_weights_file(model, handle, path)
    except OSError as error:
        raise ExportError(f"{path}: not a readable weights file ({error})") from error
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the optimizer state a run keeps is of no use here
            model.load_weights(str(path))
    except Exception as error:  # Keras reports bad weights files with many exception types.
        raise ExportError(f"{path}: the weights did not load ({error})") from error


def check_weights_file(model: Any, handle: Any, path: Path) -> None:
    """Compare the file's weights with the model's, layer by layer; ``WeightsMismatch`` names the layer."""
    groups = handle.get("layers")
    if groups is None:
        raise WeightsMismatch(f"{path}: not a Keras 3 weights file (no 'layers' group)")
    keys = saving_keys(model.layers)
    for layer, key in zip(model.layers, keys, strict=True):
        expected = sorted(tuple(weight.shape) for weight in layer.weights)
        group = groups.get(key)
        if group is None:
            if expected:
                raise WeightsMismatch(
                    f"{path}: no weights for layer {layer.name!r} ({type(layer).__name__}); the file "
                    "belongs to another model", layer.name)
            continue
        found = sorted(tuple(shape) for shape in _dataset_shapes(group))
        if found != expected:
            raise WeightsMismatch(
                f"{path}: layer {layer.name!r} ({type(layer).__name__}) expects weights of shapes "
                f"{expected}; the file holds {found}", layer.name)
    extra = [key for key in groups if key not in keys and _dataset_shapes(groups[key])]
    if extra:
        raise WeightsMismatch(
            f"{path}: the file holds weights for layers the model does not have ({', '.join(extra)})")


def saving_keys(layers: list[Any]) -> list[str]:
    """The group names Keras gives ``layers`` in a weights file: the class in snake case, numbered."""
    used: dict[str, int] = {}
    keys = []
    for layer in layers:
        name = _snake_case(type(layer).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        keys.append(name)
    return keys


def _snake_case(name: str) -> str:
    """``Conv2D`` -> ``conv2d``, ``InputLayer`` -> ``input_layer``: Keras's own rule."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _dataset_shapes(group: Any) -> list[tuple[int, ...]]:
    import h5py

    shapes: list[tuple[int, ...]] = []
    group.visititems(lambda _, item: shapes.append(item.shape) if isinstance(item, h5py.Dataset) else None)
    return shapes
