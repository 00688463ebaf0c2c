"""``netloom train FILE``: train a project without a window, with a progress bar in the terminal.

The run folder is the same one the window writes. On a terminal the bar is
redrawn in place (``\\r``); otherwise one line is printed per epoch. With
``--json`` the progress goes to standard error and standard output holds
one line, a JSON object with the final metrics (``loss``, ``val_loss``,
each metric and its ``val_`` twin, ``test_`` ones when there is a test
set), ``status``, ``message`` and ``run_dir``. Ctrl+C stops after the
current batch and keeps the weights.

With ``TF_CONFIG`` naming several workers, each ``netloom train`` process
is one worker of ``MultiWorkerMirroredStrategy`` (TensorFlow backend): all
train the same model in step, each on its shard of every batch, and
worker 0 (the chief) keeps the run folder.

Exit status: 0 finished, 1 stopped (by Ctrl+C or a NaN loss), 2 failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from app.training import events as ev

EXIT_FINISHED, EXIT_STOPPED, EXIT_FAILED = 0, 1, 2
BAR_WIDTH = 24
DRAIN_INTERVAL = 0.1  # seconds between redraws


def add_train_command(
    subparsers: Any, health_callbacks: Callable[[Path, Any], list[Any]] | None = None
) -> argparse.ArgumentParser:
    """Add ``train`` to a ``netloom`` subparsers object; its ``run`` default is ``run_train``.

    ``health_callbacks(run_dir, data)`` gives the callbacks that record
    training health, used when the project's ``training.record_health`` is
    on (the recorder lives in ``app.inspection``, which this package cannot
    import: the caller hands it over).
    """
    help_text = "train a project's model headless and keep the run beside the project"
    sub = subparsers.add_parser("train", help=help_text, description=help_text)
    add_train_arguments(sub)
    sub.set_defaults(run=run_train, health_callbacks=health_callbacks)
    return sub


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``netloom train`` (shared by the CLI and tests)."""
    parser.add_argument("file", help="the project (.netloom) to train")
    parser.add_argument("--epochs", type=int, default=None, metavar="N", help="train N epochs")
    parser.add_argument(
        "--data", default=None, metavar="PATH",
        help="train on this data instead: a CSV or .npz file, an image folder or a bundled dataset name",
    )
    parser.add_argument("--target", default=None, metavar="COLUMN", help="the CSV column to predict")
    parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), default=argparse.SUPPRESS,
                        help="the Keras backend to use")
    parser.add_argument("--continue", dest="continue_from", default=None, metavar="RUN_DIR",
                        help="continue from a previous run's folder (weights, optimizer state, epoch)")
    parser.add_argument("--runs-dir", default=None, metavar="DIR",
                        help="where run folders go (default: PROJECT.runs beside the project)")
    parser.add_argument("--json", action="store_true",
                        help="print the final metrics and the run folder as one JSON line")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")


def run_train(args: argparse.Namespace) -> int:
    """Train ``args.file`` as the arguments say; return the exit status."""
    _choose_backend(getattr(args, "backend", None))
    from app.core.project import load_project
    from app.training.devices import cluster_from_env
    from app.training.session import TrainingSession

    project = load_project(args.file)
    _apply_data_arguments(project, args.data, args.target)
    cluster = cluster_from_env()
    runs_dir = args.runs_dir
    if cluster is not None:  # a worker of MultiWorkerMirroredStrategy; only the chief keeps the run
        project.training = {**project.training, "distribute": "multi_worker"}
        if not cluster.is_chief:
            scratch = tempfile.TemporaryDirectory(prefix="netloom-worker-")
            runs_dir = scratch.name
    session = TrainingSession(project, epochs=args.epochs, runs_dir=runs_dir)
    if session.settings.record_health:
        session.extra_callbacks = getattr(args, "health_callbacks", None)
    if args.continue_from:
        session.continue_from(args.continue_from)
    out = sys.stderr if args.json else sys.stdout
    progress = Progress(out, live=out.isatty())
    session.start()
    try:
        while not session.wait(DRAIN_INTERVAL):
            progress.show(session.drain())
    except KeyboardInterrupt:
        session.stop()
        print("\nstopping after the current batch…", file=out)
        session.wait()
    progress.show(session.drain())
    result = session.result
    if result is None:  # cannot happen: the runner always ends with a terminal event
        raise RuntimeError("training ended without a result")
    progress.close(result)
    if args.json:
        print(json.dumps(summary_object(result)))
    if result.kind == ev.FAILED:
        print(f"netloom: error: {result.data['message']}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FINISHED if result.kind == ev.FINISHED else EXIT_STOPPED


def summary_object(result: ev.Event) -> dict[str, Any]:
    """The ``--json`` object: status, message, run_dir, epochs and every final and test metric."""
    data = result.data
    summary: dict[str, Any] = {
        "status": result.kind, "reason": data.get("reason", "error"), "message": data.get("message", ""),
        "run_dir": data.get("run_dir"), "epochs": data.get("epochs_done", 0),
    }
    for key, value in {**data.get("final", {}), **data.get("test", {})}.items():
        summary[key] = value if isinstance(value, (int, float)) and math.isfinite(value) else None
    return summary


class Progress:
    """Draws training progress from events: a live bar on a terminal, a line per epoch elsewhere."""

    def __init__(self, out: TextIO, live: bool) -> None:
        self.out = out
        self.live = live
        self.epochs = 0
        self.steps = 0
        self.started = time.monotonic()
        self._width = 0

    def show(self, events: list[ev.Event]) -> None:
        """Take the events drained since the last call and draw them."""
        last_batch = None
        for event in events:
            if event.kind == ev.STARTED:
                self._started(event.data)
            elif event.kind == ev.BATCH_END:
                last_batch = event.data
            elif event.kind == ev.EPOCH_END:
                last_batch = None
                self._line(self._epoch_text(event.data))
            elif event.kind in (ev.STAGE, ev.LEARNING_RATE):
                self._line(_event_text(event))
        if last_batch is not None and self.live:
            self._redraw(self._batch_text(last_batch))

    def close(self, result: ev.Event) -> None:
        """Finish the display with the run's outcome."""
        self._line(f"{result.kind}: {result.data.get('message', '')}")
        if result.data.get("run_dir"):
            self._line(f"run folder: {result.data['run_dir']}")

    def _started(self, data: dict[str, Any]) -> None:
        self.epochs = int(data.get("epochs", 0))
        self.steps = int(data.get("steps_per_epoch", 0))
        self.started = time.monotonic()
        self._line(f"training {data.get('samples', 0)} samples, {self.epochs} epochs "
                   f"({data.get('backend')} backend) into {data.get('run_dir')}")
        for note in data.get("notes", []):
            self._line(f"note: {note}")

    def _batch_text(self, data: dict[str, Any]) -> str:
        done = data["batch"] / self.steps if self.steps else 0.0
        filled = min(int(done * BAR_WIDTH), BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return (f"epoch {data['epoch']}/{self.epochs} [{bar}] {data['batch']}/{self.steps} "
                f"{_metrics_text(data['logs'])}  {data['samples_per_s']:.0f} samples/s")

    def _epoch_text(self, data: dict[str, Any]) -> str:
        elapsed = time.monotonic() - self.started
        done = max(data["epoch"], 1)
        left = elapsed / done * max(self.epochs - data["epoch"], 0) if self.epochs else 0.0
        return (f"epoch {data['epoch']}/{self.epochs}  {_metrics_text(data['logs'])}  "
                f"lr {data['lr']:.3g}  {data['seconds']:.1f} s  (about {_duration(left)} left)")

    def _redraw(self, text: str) -> None:
        self.out.write("\r" + text.ljust(self._width))
        self.out.flush()
        self._width = len(text)

    def _line(self, text: str) -> None:
        if self.live and self._width:
            self.out.write("\r" + " " * self._width + "\r")
            self._width = 0
        self.out.write(text + "\n")
        self.out.flush()


def _metrics_text(logs: dict[str, Any]) -> str:
    return "  ".join(f"{name} {value:.4g}" for name, value in logs.items() if isinstance(value, (int, float)))


def _event_text(event: ev.Event) -> str:
    if event.kind == ev.STAGE:
        return f"stage 2: unfroze {', '.join(event.data['unfrozen'])}, learning rate {event.data['lr']:.3g}"
    return f"learning rate now {event.data['lr']:.3g} ({event.data['reason']})"


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


def _apply_data_arguments(project: Any, data: str | None, target: str | None) -> None:
    """Point the project's data section at ``--data`` (keeping its split and scaling) and ``--target``."""
    from pathlib import Path

    from app.data.sources import PREPARE_KEYS
    from app.data.starter import data_settings_for

    if data is None:
        if target is not None:
            project.data = {**project.data, "target": target}
        return
    folder = project.path.parent if project.path else Path.cwd()
    kept = {key: value for key, value in project.data.items() if key in PREPARE_KEYS}
    chosen = data_settings_for(str(Path(data).expanduser().resolve()) if Path(data).exists() else data,
                               target, project_dir=folder)
    project.data = {**chosen, **kept}


def _choose_backend(backend: str | None) -> None:
    if not backend:
        return
    if "keras" in sys.modules:
        import keras

        if keras.backend.backend() != backend:
            raise ValueError(
                f"--backend {backend}: Keras is already running on {keras.backend.backend()}; "
                "give --backend before the command (netloom --backend NAME train FILE)"
            )
        return
    os.environ["KERAS_BACKEND"] = backend
