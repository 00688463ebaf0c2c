"""``netloom tune FILE``: a hyperparameter search without a window.

    netloom tune digits.netloom --trials 30 --strategy bayes \\
        --param training.learning_rate=log:1e-4:1e-1 --param dense_1.units=int:16:256:log

Progress (one line per trial, plus the epochs of a trial in progress on a
terminal) goes to standard error. Standard output gets a summary: the best
trial and any border warning; with ``--json`` its last line is one JSON
object with ``trials`` (each with ``params``, ``value``, ``state`` and more)
and ``best``. Trials are kept in ``--storage`` (default: ``FILE.tuning.db``
beside the project), so running the same command again resumes the search,
and several processes given the same ``--storage`` URL share one study.
Ctrl+C stops after the current batch; the trial cut short runs again on resume.

Exit status: 0 finished, 1 stopped, 2 failed (or bad arguments).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from app.training import events as training_events
from app.tuning import strategies

EXIT_FINISHED, EXIT_STOPPED, EXIT_FAILED = 0, 1, 2
DRAIN_INTERVAL = 0.1  # seconds between progress updates


def add_tune_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``tune`` to a ``netloom`` subparsers object; its ``run`` default is ``run_tune``."""
    help_text = "search hyperparameters (random, grid or Bayesian), one training run per trial"
    sub = subparsers.add_parser("tune", help=help_text, description=help_text)
    add_tune_arguments(sub)
    sub.set_defaults(run=run_tune)
    return sub


def add_tune_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``netloom tune`` (shared by the CLI and tests)."""
    parser.add_argument("file", help="the project (.netloom) to tune")
    parser.add_argument("--trials", type=int, default=None, metavar="N",
                        help="how many trials the study should hold (default: the whole grid, or 20)")
    parser.add_argument("--strategy", choices=strategies.STRATEGIES, default=strategies.RANDOM,
                        help="random (default), grid, or bayes (TPE with early stopping of poor trials)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=SPEC", required=True,
                        help="a parameter to search: NAME is training.SETTING or NODE.PARAM, SPEC is "
                             "log:LOW:HIGH, lin:LOW:HIGH, int:LOW:HIGH[:log], one-minus-log:LOW:HIGH "
                             "or choice:A,B,C (repeat for several)")
    parser.add_argument("--storage", default=None, metavar="URL",
                        help="an Optuna storage URL (default: sqlite beside the project; 'memory': none)")
    parser.add_argument("--study", default=None, metavar="NAME",
                        help="the study name (default: PROJECT-STRATEGY-HASH of the parameters)")
    parser.add_argument("--epochs", type=int, default=None, metavar="N", help="train each trial N epochs")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="reproduce a search")
    parser.add_argument("--grid-points", type=int, default=5, metavar="N",
                        help="values per numeric parameter in a grid search (default 5)")
    parser.add_argument("--metric", default="auto", metavar="NAME",
                        help="the objective (default: val_loss, or loss without validation data)")
    parser.add_argument("--direction", choices=("minimize", "maximize"), default=None,
                        help="default: maximize accuracy-like metrics, minimize the rest")
    parser.add_argument("--prune", action=argparse.BooleanOptionalAction, default=None,
                        help="stop poor trials early (default: only with --strategy bayes)")
    parser.add_argument("--devices", default=None, metavar="LIST",
                        help="run one trial per device at once: 'auto' (every GPU) or gpu:0,gpu:1")
    parser.add_argument("--runs-dir", default=None, metavar="DIR",
                        help="where the trials' run folders go (default: PROJECT.runs/tuning/STUDY)")
    parser.add_argument("--json", action="store_true",
                        help="end standard output with the trials and the best one as a JSON line")


def run_tune(args: argparse.Namespace) -> int:
    """Search as the arguments say; return the exit status."""
    import optuna

    from app.core.project import ProjectError, load_project
    from app.tuning.runner import TuningSession

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # our own lines report every trial
    try:
        project = load_project(args.file)
        session = TuningSession(project, search_settings(args))
    except (ValueError, ProjectError) as error:
        print(f"netloom: error: {error}", file=sys.stderr)
        return EXIT_FAILED
    progress = TuneProgress(sys.stderr, live=sys.stderr.isatty())
    session.start()
    try:
        while not session.wait(DRAIN_INTERVAL):
            progress.show(session.drain())
    except KeyboardInterrupt:
        session.stop()
        print("\nstopping after the current batch…", file=sys.stderr)
        session.wait()
    progress.show(session.drain())
    result = session.result
    try:
        results = session.results()
    except Exception as error:  # a storage that cannot be read; the error below says why
        print(f"netloom: cannot read the trials: {error}", file=sys.stderr)
    else:
        print_summary(results, sys.stdout)
        if args.json:
            print(json.dumps(results.to_dict()))
    if result is None or result.kind == training_events.FAILED:
        message = result.data["message"] if result else "the search ended without a result"
        print(f"netloom: error: {message}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FINISHED if result.kind == training_events.FINISHED else EXIT_STOPPED


def search_settings(args: argparse.Namespace) -> Any:
    """The ``SearchSettings`` the arguments describe; ``ValueError`` for a bad one."""
    from app.training.devices import gpus
    from app.tuning.runner import Objective, SearchSettings
    from app.tuning.space import SearchSpace

    devices = None
    if args.devices == "auto":
        devices = gpus() or None
    elif args.devices:
        devices = [name.strip() for name in args.devices.split(",") if name.strip()]
    return SearchSettings(
        space=SearchSpace.parse(args.param), strategy=args.strategy, trials=args.trials,
        objective=Objective(args.metric, args.direction), seed=args.seed, grid_points=args.grid_points,
        epochs=args.epochs, prune=args.prune, storage=args.storage, study_name=args.study, devices=devices,
    )


def print_summary(results: Any, out: TextIO) -> None:
    """The best trial, the trial count by state and any border warning, as text."""
    states: dict[str, int] = {}
    for row in results.rows:
        states[row.state] = states.get(row.state, 0) + 1
    counts = ", ".join(f"{count} {state}" for state, count in sorted(states.items())) or "no trials"
    print(f"study {results.study_name}: {counts}", file=out)
    best = results.best
    if best is None:
        print("no trial finished with a value", file=out)
        return
    print(f"best trial {best.number}: {results.metric} {best.value:.6g}  {_params_text(best.params)}",
          file=out)
    for warning in results.border_warnings():
        print(f"warning: {warning.message}", file=out)


class TuneProgress:
    """Writes a line per trial from a search's events; on a terminal (``live``) the epochs of the
    trial in progress are redrawn in place on one line."""

    def __init__(self, out: TextIO, live: bool = False) -> None:
        self.out = out
        self.live = live
        self._width = 0

    def show(self, events: list[Any]) -> None:
        """Take the events drained since the last call and write them."""
        for event in events:
            if event.kind == "trial_epoch":
                if self.live:
                    self._redraw(self._epoch_text(event.data))
                continue
            text = self._text(event)
            if text:
                self._line(text)
        self.out.flush()

    def _text(self, event: Any) -> str | None:
        data = event.data
        if event.kind == "search_started":
            return (f"study {data['study']} ({data['strategy']}, {data['trials']} trials, "
                    f"{data['existing']} already there) in {data['storage'] or 'memory'}")
        if event.kind == "trial_started":
            where = f" on {data['device']}" if data.get("device") else ""
            return f"trial {data['number']}{where}: {_params_text(data['params'])}"
        if event.kind == "trial_ended":
            row = data["row"]
            value = "" if row["value"] is None else f" value {row['value']:.6g}"
            seconds = f" ({row['duration']:.1f} s)" if row.get("duration") is not None else ""
            note = f": {row['message']}" if row["state"] == "failed" and row.get("message") else ""
            return f"trial {row['number']} {row['state']}{value}{seconds}{note}"
        if event.terminal:
            return f"{event.kind}: {data.get('message', '')}"
        return None

    @staticmethod
    def _epoch_text(data: dict[str, Any]) -> str:
        value = "n/a" if data["value"] is None else f"{data['value']:.6g}"
        return f"  trial {data['number']} epoch {data['epoch']}: objective {value}"

    def _redraw(self, text: str) -> None:
        self.out.write("\r" + text.ljust(self._width))
        self._width = len(text)

    def _line(self, text: str) -> None:
        if self._width:
            self.out.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.out.write(text + "\n")


def _params_text(params: dict[str, Any]) -> str:
    from app.tuning.space import format_value

    return "  ".join(f"{name}={format_value(value)}" for name, value in params.items())
