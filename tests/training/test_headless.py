"""``netloom train`` without a window: run_train with parsed arguments on the celsius example."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from app.core.examples import example_path
from app.training import runs
from app.training.headless import add_train_command, run_train

pytestmark = pytest.mark.slow  # each test trains a model


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="netloom")
    add_train_command(parser.add_subparsers())
    return parser.parse_args(["train", *argv])


def test_train_prints_a_line_per_epoch_and_a_json_summary(tmp_path: Path, capsys):
    project = tmp_path / "celsius.netloom"
    shutil.copy(example_path("celsius-to-fahrenheit"), project)
    args = parse(str(project), "--epochs", "3", "--json")
    assert args.run is run_train
    assert run_train(args) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "finished" and summary["epochs"] == 3
    assert {"loss", "val_loss", "run_dir"} <= set(summary)
    assert summary["loss"] > 0
    folder = Path(summary["run_dir"])
    assert folder.parent == tmp_path / "celsius.runs"
    assert len(runs.read_history(folder)) == 3
    assert [line for line in err.splitlines() if line.startswith("epoch ")][-1].startswith("epoch 3/3")
    assert "\r" not in err  # not a terminal: a line per epoch


def test_train_on_other_data_with_test_metrics_and_a_failure(tmp_path: Path, capsys):
    project = tmp_path / "iris.netloom"
    shutil.copy(example_path("iris-mlp"), project)
    assert run_train(parse(str(project), "--epochs", "2", "--data", "iris", "--json")) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"accuracy", "val_accuracy", "test_loss", "test_accuracy"} <= set(summary)
    assert run_train(parse(str(project), "--epochs", "1", "--data", "wine")) == 2  # 13 features, Input of 4
    out, err = capsys.readouterr()
    assert "failed" in out and "netloom: error: Training failed" in err
    assert [r.status for r in runs.list_runs(project)] == ["finished", "failed"]


def test_on_a_terminal_the_bar_is_redrawn_in_place():
    import io

    from app.training.events import Event
    from app.training.headless import Progress

    out = io.StringIO()
    progress = Progress(out, live=True)
    progress.show([Event("started", {"epochs": 2, "steps_per_epoch": 4, "samples": 128, "backend": "jax",
                                     "run_dir": "r", "notes": []})])
    for batch in (1, 2):
        progress.show([Event("batch_end", {"epoch": 1, "batch": batch, "step": batch, "logs": {"loss": 0.5},
                                           "lr": 0.1, "samples_per_s": 900.0})])
    progress.show([Event("epoch_end", {"epoch": 1, "logs": {"loss": 0.4, "val_loss": 0.45}, "lr": 0.1,
                                       "seconds": 1.0})])
    text = out.getvalue()
    assert "\repoch 1/2 [############------------] 2/4 loss 0.5  900 samples/s" in text
    assert "epoch 1/2  loss 0.4  val_loss 0.45  lr 0.1" in text.split("\r")[-1]
