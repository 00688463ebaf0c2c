"""Training health recorded during a real training run, through the session's extra callbacks."""

from __future__ import annotations

import shutil

import numpy as np

from app.core.examples import example_path
from app.core.project import load_project
from app.inspection.health import HealthRecorder, read_health
from app.training.session import TrainingSession


def test_a_session_records_health_in_its_run_folder(tmp_path):
    target = tmp_path / "digits-cnn.netloom"
    shutil.copy(example_path("digits-cnn"), target)

    def health(folder, data):
        return [HealthRecorder(folder, data.x_val[:64], data.y_val[:64])]

    session = TrainingSession(load_project(target), epochs=2, extra_callbacks=health)
    result = session.run()
    assert result.kind == "finished", result.data.get("message")
    history = read_health(result.data["run_dir"])
    assert history is not None and len(history.epochs) == 2
    weights = np.array([layer.weights for layer in history.layers])
    assert weights.sum() == session.model.count_params()  # every trainable weight is in a histogram
    assert np.array_equal(history.weight_counts[-1].sum(axis=1), weights)
    assert np.isfinite(history.grad_norm[-1][weights > 0]).all()


def test_netloom_train_records_health_when_the_project_asks(tmp_path, capsys):
    import json

    from app.__main__ import main
    from app.core.project import save_project

    project = load_project(example_path("celsius-to-fahrenheit"))
    project.training = {**project.training, "record_health": True}
    target = save_project(project, tmp_path / "celsius.netloom")
    assert main(["train", str(target), "--epochs", "2", "--json"]) == 0
    run_dir = json.loads(capsys.readouterr().out.strip().splitlines()[-1])["run_dir"]
    history = read_health(run_dir)
    assert history is not None and len(history.epochs) == 2
