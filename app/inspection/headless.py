"""``netloom evaluate FILE``: evaluate a trained run of a project without a window.

Prints accuracy and loss, the per-class table (precision, recall, F1,
support, with macro and weighted averages) and the confusion matrix (rows
true, columns predicted); for regression the errors. With ``--json``
standard output holds one line, the ``Evaluation.to_dict()`` object:
``task``, ``samples``, ``loss``, and ``accuracy``, ``classes``,
``confusion_matrix``, ``per_class``, ``macro``, ``weighted`` (classification)
or ``mae``, ``mse``, ``rmse``, ``r2`` (regression), plus ``run`` and ``split``.

Exit status: 0 evaluated, 2 failed (the message says why).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

EXIT_OK, EXIT_FAILED = 0, 2


def add_evaluate_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``evaluate`` to a ``netloom`` subparsers object; its ``run`` default is ``run_evaluate``."""
    help_text = "evaluate a trained run of a project on its validation or test split"
    sub = subparsers.add_parser("evaluate", help=help_text, description=help_text)
    sub.add_argument("file", help="the project (.netloom) whose run to evaluate")
    sub.add_argument("--run", dest="run_name", default="latest", metavar="RUN",
                     help="the run: its number, folder name or path (default: the latest)")
    sub.add_argument("--split", choices=("validation", "test", "train"), default="validation",
                     help="the data split to evaluate (default: validation)")
    sub.add_argument("--weights", choices=("best", "last"), default="best",
                     help="the run's best or last weights (default: best)")
    sub.add_argument("--json", action="store_true", help="print the evaluation as one JSON line")
    sub.set_defaults(run=run_evaluate)
    return sub


def run_evaluate(args: argparse.Namespace) -> int:
    """Evaluate as ``args`` say, print the result; return the exit status."""
    from app.core.project import ProjectError, load_project
    from app.data.dataset import DataError
    from app.inspection.loading import load_run
    from app.inspection.model_parts import InspectionError

    try:
        project = load_project(args.file)
        inspected = load_run(project, args.run_name, which=args.weights)
        evaluation = inspected.evaluate(args.split)
    except (ProjectError, DataError, InspectionError, ValueError) as error:
        print(f"netloom: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    result = {"run": inspected.run.name, "split": args.split, **evaluation.to_dict()}
    if args.json:
        print(json.dumps(result))
    else:
        print_evaluation(result, sys.stdout)
    return EXIT_OK


def print_evaluation(result: dict[str, Any], out: TextIO) -> None:
    """The evaluation object as readable text: summary, per-class table, confusion matrix."""
    out.write(f"run {result['run']}, {result['split']} split, {result['samples']} samples\n")
    loss = result.get("loss")
    out.write(f"loss ({result['loss_name']}) {loss:.4g}\n" if loss is not None else "")
    if result["task"] == "regression":
        r2 = result.get("r2")
        r2_text = "-" if r2 is None else f"{r2:.4f}"
        out.write(f"MAE {result['mae']:.4g}  RMSE {result['rmse']:.4g}  R² {r2_text}\n")
        return
    out.write(f"accuracy {result['accuracy']:.4f}\n\n")
    width = max([len(name) for name in result["classes"]] + [12])
    out.write(f"{'class':<{width}}  precision  recall      f1  support\n")
    for row in result["per_class"]:
        out.write(f"{row['class']:<{width}}  {row['precision']:9.4f}  {row['recall']:6.4f}  "
                  f"{row['f1']:6.4f}  {row['support']:7d}\n")
    total = sum(row["support"] for row in result["per_class"])
    for name in ("macro", "weighted"):
        average = result[name]
        out.write(f"{name + ' avg':<{width}}  {average['precision']:9.4f}  {average['recall']:6.4f}  "
                  f"{average['f1']:6.4f}  {total:7d}\n")
    out.write("\nconfusion matrix (rows true, columns predicted)\n")
    matrix = result["confusion_matrix"]
    cell = max(len(str(max((max(row) for row in matrix), default=0))), 3)
    labels = [name[:cell] for name in result["classes"]]
    out.write(" " * width + "  " + " ".join(f"{label:>{cell}}" for label in labels) + "\n")
    for name, row in zip(result["classes"], matrix, strict=True):
        out.write(f"{name:<{width}}  " + " ".join(f"{count:>{cell}}" for count in row) + "\n")
