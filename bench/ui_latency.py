"""Does the window stay responsive while a CNN trains in the Training panel?

Trains the digits CNN (``resources/examples/digits-cnn.netloom``, copied to a
temporary folder) in a ``TrainingPanel`` on the offscreen platform, with the
panel draining events and redrawing its curves as in the app, while a 10 ms
``QTimer`` on the GUI thread records how late each of its ticks comes
(interval minus 10 ms). Ticks are counted from the ``started`` event (the
model built, Keras imported) to the end of the run. Prints the tick count,
the median and the maximum, then ``p99_ms X`` (target: under 25 ms).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/ui_latency.py
    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/ui_latency.py --epochs 30
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

TICK_MS = 10


def main() -> None:
    """Train in the panel, time the ticks, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=15, help="epochs trained (the example's own)")
    args = parser.parse_args()

    from PySide6.QtCore import QEventLoop, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from app.core.examples import example_path
    from app.core.project import load_project
    from app.ui.training_panel import TrainingPanel

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    folder = Path(tempfile.mkdtemp(prefix="netloom-latency-"))
    target = folder / "digits-cnn.netloom"
    shutil.copy(example_path("digits-cnn"), target)
    project = load_project(target)

    panel = TrainingPanel()
    panel.resize(1400, 800)
    panel.set_project(project, target)
    panel.show()

    lateness: list[float] = []
    last = [0.0]

    def tick() -> None:
        now = time.perf_counter()
        if panel.progress.value() > 0 and panel.busy:  # count from the first batch to the end
            lateness.append(max((now - last[0]) * 1000 - TICK_MS, 0.0))
        last[0] = now

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    panel.finished.connect(loop.quit)
    timer.start()
    began = time.perf_counter()
    panel.start(project, {"epochs": args.epochs})
    loop.exec()
    timer.stop()
    seconds = time.perf_counter() - began
    result = panel.session.result
    panel.shutdown()
    shutil.rmtree(folder, ignore_errors=True)

    points = panel.batch_loss_plot.point_count("live:raw")
    print(f"run {result.kind} in {seconds:.1f} s; {points} batches drawn; ticks {len(lateness)}")
    if not lateness:
        print("p99_ms nan")
        return
    print(f"median_ms {statistics.median(lateness):.2f} max_ms {max(lateness):.2f}")
    print(f"p99_ms {np.percentile(lateness, 99):.2f}")


if __name__ == "__main__":
    main()
