"""``netloom evaluate``: parsed arguments, a trained run, text and JSON output."""

from __future__ import annotations

import argparse
import json

import numpy as np
import pytest
from sklearn import metrics

from app.core.project import load_project
from app.inspection.headless import add_evaluate_command, run_evaluate
from app.inspection.loading import load_run

pytestmark = pytest.mark.slow  # trains a model once


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="netloom")
    add_evaluate_command(parser.add_subparsers())
    return parser.parse_args(["evaluate", *argv])


def test_json_holds_the_confusion_matrix_and_per_class_metrics(trained_digits, capsys):
    args = parse(str(trained_digits), "--split", "test", "--json")
    assert args.run is run_evaluate and args.run_name == "latest"
    assert run_evaluate(args) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["split"] == "test" and result["classes"] == [str(i) for i in range(10)]
    inspected = load_run(load_project(trained_digits))
    x, y = inspected.split("test")
    predicted = np.argmax(inspected.model.predict(x, verbose=0), axis=1)
    assert result["confusion_matrix"] == metrics.confusion_matrix(y, predicted, labels=range(10)).tolist()
    precision, recall, f1, support = metrics.precision_recall_fscore_support(y, predicted, labels=range(10),
                                                                             zero_division=0)
    assert [row["precision"] for row in result["per_class"]] == pytest.approx(precision)
    assert [row["recall"] for row in result["per_class"]] == pytest.approx(recall)
    assert [row["f1"] for row in result["per_class"]] == pytest.approx(f1)
    assert [row["support"] for row in result["per_class"]] == support.tolist()
    assert result["accuracy"] == pytest.approx(metrics.accuracy_score(y, predicted))
    test_loss = inspected.run.test["test_loss"]
    assert result["loss"] == pytest.approx(test_loss, rel=1e-3)  # the loss training reported on the test set


def test_text_output_and_failures(trained_digits, tmp_path, capsys):
    assert run_evaluate(parse(str(trained_digits), "--run", "1")) == 0
    out = capsys.readouterr().out
    assert "validation split" in out and "accuracy" in out and "macro avg" in out
    assert "confusion matrix (rows true, columns predicted)" in out
    assert run_evaluate(parse(str(trained_digits), "--run", "9")) == 2
    assert "netloom: error:" in capsys.readouterr().err
    assert run_evaluate(parse(str(tmp_path / "missing.netloom"))) == 2
