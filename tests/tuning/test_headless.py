"""``netloom tune``: arguments, progress, the --json line, bad parameters, two processes on one study."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from app.tuning.headless import EXIT_FAILED, EXIT_FINISHED, add_tune_command
from app.tuning.results import COMPLETE, load_results

REPO_ROOT = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="netloom")
    add_tune_command(parser.add_subparsers())
    return parser.parse_args(["tune", *argv])


def tune(capsys, *argv: str) -> tuple[int, str, str]:
    args = parse(*argv)
    status = args.run(args)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def celsius_file(copy_example) -> str:
    return str(copy_example("celsius-to-fahrenheit").path)


@pytest.mark.slow
def test_celsius_learning_rate_search_finds_a_loss_ten_times_below_the_worst(capsys, celsius_file):
    status, out, err = tune(capsys, celsius_file, "--trials", "5", "--epochs", "5", "--seed", "3",
                            "--param", "training.learning_rate=log:1e-4:1", "--storage", "memory", "--json")
    assert status == EXIT_FINISHED, err
    found = json.loads(out.strip().splitlines()[-1])
    assert len(found["trials"]) == 5
    assert all({"params", "value", "state"} <= set(trial) for trial in found["trials"])
    values = [t["value"] for t in found["trials"] if t["state"] == COMPLETE]
    best = found["best"]
    assert best["value"] == min(values) and best["params"]["training.learning_rate"] > 0
    assert best["value"] * 10 <= max(values), values
    assert "trial 0: training.learning_rate=" in err and "finished: Search finished." in err
    assert out.startswith("study celsius-to-fahrenheit-random-") and "best trial" in out


@pytest.mark.parametrize(("param", "message"), [
    ("training.learnig_rate=log:1e-4:1", "training.learnig_rate: the training section has no setting"),
    ("training.learning_rate=log:0:1", "training.learning_rate: a log scale needs LOW above 0"),
    ("training.batch_size=int:0:32", "training.batch_size=int:0:32: the value 0 is refused"),
    ("learning_rate=log:1e-4:1", "expected training.SETTING"),
])
def test_bad_parameters_fail_with_a_clear_message(capsys, celsius_file, param, message):
    status, out, err = tune(capsys, celsius_file, "--param", param, "--storage", "memory")
    assert status == EXIT_FAILED
    assert "netloom: error: " in err and message in err and out == ""


def test_the_arguments_become_search_settings(celsius_file):
    from app.tuning.headless import search_settings

    settings = search_settings(parse(celsius_file, "--strategy", "bayes", "--trials", "7", "--seed", "1",
                                     "--param", "training.learning_rate=log:1e-4:1", "--param",
                                     "training.batch_size=choice:16,32", "--no-prune", "--metric", "loss",
                                     "--devices", "gpu:0,gpu:1", "--grid-points", "3"))
    assert settings.space.names == ["training.learning_rate", "training.batch_size"]
    assert (settings.strategy, settings.trials, settings.seed, settings.pruning) == ("bayes", 7, 1, False)
    assert settings.objective.metric == "loss" and settings.devices == ["gpu:0", "gpu:1"]
    assert settings.grid_points == 3


WORKER = """
import argparse, sys
from app.tuning.headless import add_tune_command
parser = argparse.ArgumentParser()
add_tune_command(parser.add_subparsers())
args = parser.parse_args(["tune", *sys.argv[1:]])
sys.exit(args.run(args))
"""


@pytest.mark.slow
def test_two_processes_on_one_sqlite_study_share_the_trials_without_duplicates(celsius_file, tmp_path):
    storage = f"sqlite:///{tmp_path / 'shared.db'}"
    argv = [celsius_file, "--strategy", "grid", "--grid-points", "3", "--epochs", "2", "--storage", storage,
            "--study", "shared", "--param", "training.learning_rate=log:1e-3:1e-1",
            "--param", "training.batch_size=choice:16,32"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    workers = [subprocess.Popen([sys.executable, "-c", WORKER, *argv], cwd=tmp_path, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=300) for worker in workers]
    for worker, (_, err) in zip(workers, outputs):
        assert worker.returncode == EXIT_FINISHED, err[-2000:]
    found = load_results(storage, "shared")
    points = [(row.params["training.learning_rate"], row.params["training.batch_size"]) for row in found.rows]
    grid = {(rate, batch) for rate in (1e-3, 1e-2, 1e-1) for batch in (16, 32)}
    assert {(float(f"{r:.10g}"), b) for r, b in points} == grid  # the grid, exactly
    assert len(points) == len(grid)  # each point once
    assert all(row.state == COMPLETE for row in found.rows)
    assert len({row.worker for row in found.rows}) == 2  # both processes ran trials
    stored = optuna.load_study(study_name="shared", storage=storage).get_trials()
    assert len({t.number for t in stored}) == len(stored)


def test_an_unknown_device_is_refused_before_any_training(capsys, celsius_file):
    status, _, err = tune(capsys, celsius_file, "--param", "training.learning_rate=log:1e-4:1",
                          "--devices", "gpu:0,tpu", "--storage", "memory")
    assert status == EXIT_FAILED and "devices: expected names such as gpu:0 or cpu; received 'tpu'" in err
