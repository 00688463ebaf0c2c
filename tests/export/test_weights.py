"""Which weights are exported (a run's, imported, fresh) and loading weights into a matching graph."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.build.keras_builder import to_keras
from app.core import runs
from app.core.project import Project
from app.export.engine import ExportOptions, export_project
from app.export.weights import WeightsMismatch, choose_weights, load_weights_into_graph


def _fake_run(project: Project, number: int, best: bool, seed: int) -> Path:
    """A run folder as training leaves it: run.json and the weights of a model seeded with ``seed``."""
    import keras

    folder = runs.runs_root(project.path) / f"{number:03d}-20261123-120000"
    folder.mkdir(parents=True)
    (folder / runs.RUN_FILE).write_text(json.dumps({"status": "finished", "epochs_done": 1}))
    keras.utils.set_random_seed(seed)
    model = to_keras(project.graph)
    model.save_weights(str(folder / runs.LAST_WEIGHTS))
    if best:
        keras.utils.set_random_seed(seed + 100)
        to_keras(project.graph).save_weights(str(folder / runs.BEST_WEIGHTS))
    return folder


def test_without_runs_or_imported_weights_they_are_fresh(iris_project: Project):
    source = choose_weights(iris_project)
    assert source.kind == "fresh" and source.path is None and "seed" in source.description


def test_latest_run_best_weights_by_default(iris_project: Project):
    _fake_run(iris_project, 1, best=True, seed=1)
    second = _fake_run(iris_project, 2, best=True, seed=2)
    source = choose_weights(iris_project)
    assert source.path == second / runs.BEST_WEIGHTS and "002-" in source.description
    assert choose_weights(iris_project, "1", "last").path.parent.name.startswith("001-")


def test_best_falls_back_to_last_and_says_so(iris_project: Project):
    folder = _fake_run(iris_project, 1, best=False, seed=1)
    source = choose_weights(iris_project, "latest", "best")
    assert source.path == folder / runs.LAST_WEIGHTS and "no best weights" in source.description


def test_unknown_run_is_named(iris_project: Project):
    _fake_run(iris_project, 1, best=False, seed=1)
    with pytest.raises(ValueError, match="no run '7'"):
        choose_weights(iris_project, "7")


def test_export_carries_the_runs_weights(iris_project: Project, tmp_path: Path):
    import keras

    folder = _fake_run(iris_project, 1, best=True, seed=5)
    out = tmp_path / "out"
    out.mkdir()
    report = export_project(iris_project, out, ExportOptions(formats=["keras"], run="1", weights="last",
                                                             preprocessing=False))
    assert report.ok and "run 001-" in report.weights_source and "last" in report.weights_source
    trained = load_weights_into_graph(iris_project.graph, folder / runs.LAST_WEIGHTS)
    exported = keras.saving.load_model(out / "iris.keras", compile=False)
    x = np.random.default_rng(0).random((6, 4), dtype=np.float32)
    assert np.max(np.abs(exported.predict(x, verbose=0) - trained.predict(x, verbose=0))) < 1e-6


def test_weights_load_into_a_matching_graph(iris_project: Project, tmp_path: Path):
    report = export_project(iris_project, tmp_path, ExportOptions(formats=["weights"]))
    assert report.ok, report.failed()
    model = load_weights_into_graph(iris_project.graph, tmp_path / "iris.weights.h5")
    assert len(model.get_weights()) == 4


def test_mismatched_weights_name_the_layer(iris_project: Project, tmp_path: Path):
    export_project(iris_project, tmp_path, ExportOptions(formats=["weights"]))
    graph = iris_project.graph
    first_dense = next(node for node in graph.nodes if node.type == "Dense")
    graph.set_param(first_dense.id, "units", 5)
    with pytest.raises(WeightsMismatch, match=first_dense.name) as caught:
        load_weights_into_graph(graph, tmp_path / "iris.weights.h5")
    assert caught.value.layer == first_dense.name and "(4, 8)" in str(caught.value)


def test_weights_of_another_model_are_refused(iris_project: Project, tmp_path: Path):
    import keras

    inputs = keras.Input((4,))
    other = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    other.save_weights(str(tmp_path / "other.weights.h5"))
    with pytest.raises(WeightsMismatch, match=r"layer 'dense_0' \(Dense\) expects weights of shapes"):
        load_weights_into_graph(iris_project.graph, tmp_path / "other.weights.h5")
