"""What does a TrainingSession cost over a bare ``model.fit``?

Trains the digits CNN (``resources/examples/digits-cnn.netloom``) on the
digits training split tiled to about 5,000 samples, alternating:

1. plain: ``to_keras`` + ``compile`` + ``model.fit(verbose=0)``;
2. session: a ``TrainingSession`` (events, run folder, checkpoints) with
   the dashboard attached: the real ``TrainingPanel`` (offscreen), whose
   timer drains the events and redraws the curves in this, the GUI thread.
   Where PySide6 is missing (the GPU machines), a second thread drains the
   events about 30 times a second and files them away instead
   (``--dashboard thread``).

Each run trains ``--epochs`` epochs; the first epoch (graph tracing) is the
warm-up and left out: the rate is the samples of epochs 2..N over the time
from the end of epoch 1 to the end of epoch N. It prints each round's
samples/s, then ``ratio R``: the median over rounds of session rate / plain
rate (target: R >= 0.97 on CPU), a 95% bootstrap interval of that median,
and the middle half of the rounds' ratios.
The two runs of a round are next to each other in time and take turns going
first. On a machine shared with other work, wall-clock rates swing by tens
of percent from run to run; ``cpu_ratio`` (the same with samples per second
of process CPU time, all threads counted) shows the work the session adds
regardless of what else runs.

    PYTHONPATH=. python bench/training_overhead.py               # 5 rounds of 4 epochs
    PYTHONPATH=. python bench/training_overhead.py --rounds 160  # R known to about +-1.5% on a 2-vCPU VM
    PYTHONPATH=. python bench/training_overhead.py --rounds 9 --epochs 5 --tile 8
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

DRAIN_HZ = 30


def load_data(tile: int):
    """The digits dataset with its training split repeated ``tile`` times."""
    from app.data.sources import load_source

    data = load_source({"source": "digits"})
    return replace(data, x_train=np.concatenate([data.x_train] * tile),
                   y_train=np.concatenate([data.y_train] * tile))


def rates(marks: list[tuple[float, float]], epochs: int, samples: int) -> tuple[float, float]:
    """Samples per wall second and per CPU second between the first and the last epoch end."""
    (wall_0, cpu_0), (wall_1, cpu_1) = marks[0], marks[-1]
    count = (epochs - 1) * samples
    return count / (wall_1 - wall_0), count / max(cpu_1 - cpu_0, 1e-9)


def spread(ratios: list[float]) -> str:
    """The first to the third quartile of ``ratios``: how much the rounds disagree."""
    if len(ratios) < 2:
        return "n/a"
    low, _, high = statistics.quantiles(ratios, n=4)
    return f"{low:.3f}-{high:.3f}"


def interval(ratios: list[float], draws: int = 2000) -> str:
    """A 95% bootstrap interval of the median of ``ratios``: how far the median itself may be off.

    On a shared 2-vCPU machine even plain ``fit`` against plain ``fit`` varies
    by 10% and more from round to round, so a 24-round median is only known to
    a few percent: a median alone cannot tell 0.96 from 0.98. This says how
    far it may be off, and so how many rounds a verdict needs.
    """
    if len(ratios) < 4:
        return "n/a"
    medians = np.median(np.random.default_rng(0).choice(ratios, size=(draws, len(ratios))), axis=1)
    low, high = np.percentile(medians, [2.5, 97.5])
    return f"{low:.3f}-{high:.3f}"


def clock() -> tuple[float, float]:
    """Now, in wall seconds and in process CPU seconds."""
    return time.perf_counter(), time.process_time()


def plain_rate(project, data, epochs: int) -> tuple[float, float]:
    """Samples/s (wall, CPU) of epochs 2..N of a bare ``model.fit``."""
    import keras

    from app.build.keras_builder import to_keras
    from app.training.compiling import make_metrics, make_optimizer
    from app.training.settings import TrainingSettings

    settings = TrainingSettings.from_dict(project.training)
    model = to_keras(project.graph)
    model.compile(optimizer=make_optimizer(settings, 1000), loss=settings.loss,
                  metrics=make_metrics(settings.metrics, settings.loss, data.num_classes))
    marks: list[tuple[float, float]] = []

    class EpochClock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            marks.append(clock())

    model.fit(data.x_train, data.y_train, batch_size=settings.batch_size, epochs=epochs, verbose=0,
              validation_data=(data.x_val, data.y_val), callbacks=[EpochClock()])
    return rates(marks, epochs, len(data.x_train))


def session_rate(project, data, epochs: int, runs_dir: Path, dashboard: str) -> tuple[float, float]:
    """Samples/s (wall, CPU) of epochs 2..N of a ``TrainingSession`` with the dashboard attached."""
    from app.training.session import TrainingSession

    marks: list[tuple[float, float]] = []

    def on_event(event) -> None:  # on the training thread, like the epoch clock of the plain run
        if event.kind == "epoch_end":
            marks.append(clock())

    session = TrainingSession(project, epochs=epochs, dataset=data, runs_dir=runs_dir, listener=on_event)
    if dashboard == "qt":
        return qt_dashboard(session, marks, epochs, len(data.x_train))
    curves: dict[str, list[float]] = {"batch_loss": [], "epoch_loss": []}
    done = threading.Event()

    def dashboard() -> None:
        while True:
            finished = done.is_set()
            for event in session.drain():
                if event.kind == "batch_end":
                    curves["batch_loss"].append(event.data["logs"].get("loss", float("nan")))
                elif event.kind == "epoch_end":
                    curves["epoch_loss"].append(event.data["logs"].get("loss", float("nan")))
            if finished:
                return
            time.sleep(1.0 / DRAIN_HZ)

    drainer = threading.Thread(target=dashboard)
    drainer.start()
    session.start()
    session.wait()
    done.set()
    drainer.join()
    if session.result.kind != "finished":
        raise RuntimeError(f"the session ended {session.result.kind}: {session.result.data.get('message')}")
    if len(curves["epoch_loss"]) != epochs:
        raise RuntimeError("the dashboard missed epochs")
    return rates(marks, epochs, len(data.x_train))


def qt_dashboard(session, marks, epochs: int, samples: int) -> tuple[float, float]:
    """Train ``session`` with a ``TrainingPanel`` (offscreen) draining it on its timer."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    from app.ui.training_panel import TrainingPanel

    _app = QApplication.instance() or QApplication([])  # kept alive while the panel lives
    panel = TrainingPanel()
    panel.resize(1200, 700)
    panel.show()
    ended: list[dict] = []
    loop = QEventLoop()  # the window's own way of waiting: an event loop, not a polling one
    panel.finished.connect(ended.append)
    panel.finished.connect(loop.quit)
    panel.watch(session, session.settings)
    session.start()
    loop.exec()
    panel.close()
    if ended[0]["kind"] != "finished":
        raise RuntimeError(f"the session ended {ended[0]['kind']}: {ended[0].get('message')}")
    if panel.epoch_loss_plot.point_count("live:loss") != epochs:
        raise RuntimeError("the dashboard missed epochs")
    return rates(marks, epochs, samples)


def main() -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--tile", type=int, default=4, help="repeat the digits training split this often")
    parser.add_argument("--dashboard", choices=("auto", "qt", "thread"), default="auto",
                        help="qt: the real TrainingPanel, offscreen; thread: a drain thread (auto: qt if "
                        "PySide6 is installed)")
    args = parser.parse_args()
    if args.dashboard == "auto":
        import importlib.util

        args.dashboard = "qt" if importlib.util.find_spec("PySide6") else "thread"
    if args.dashboard == "qt":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import keras

    from app.core.examples import example_path
    from app.core.project import load_project

    project = load_project(example_path("digits-cnn"))
    data = load_data(args.tile)
    print(f"backend {keras.backend.backend()}, {len(data.x_train)} training samples, "
          f"batch {project.training['batch_size']}, {args.epochs} epochs per run (the first is warm-up), "
          f"dashboard: {args.dashboard}")
    wall, cpu = [], []
    with tempfile.TemporaryDirectory(prefix="netloom-bench-") as folder:
        for round_number in range(1, args.rounds + 1):
            # Plain first in odd rounds, the session first in even ones: a machine (or a process)
            # that slows down or speeds up over the rounds favours neither.
            if round_number % 2:
                plain = plain_rate(project, data, args.epochs)
                session = session_rate(project, data, args.epochs, Path(folder), args.dashboard)
            else:
                session = session_rate(project, data, args.epochs, Path(folder), args.dashboard)
                plain = plain_rate(project, data, args.epochs)
            wall.append(session[0] / plain[0])
            cpu.append(session[1] / plain[1])
            print(f"round {round_number}: plain {plain[0]:.0f} samples/s ({plain[1]:.0f} per CPU s), "
                  f"session {session[0]:.0f} samples/s ({session[1]:.0f} per CPU s)")
    print(f"cpu_ratio {statistics.median(cpu):.3f}  (95% interval of the median {interval(cpu)}; "
          f"middle half of rounds {spread(cpu)})")
    print(f"ratio R {statistics.median(wall):.3f}  (target >= 0.97; 95% interval of the median "
          f"{interval(wall)}; middle half of rounds {spread(wall)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
