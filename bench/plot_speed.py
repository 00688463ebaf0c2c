"""How long does one redraw of the Training panel's curves take at 200,000 points each?

Fills the panel's batch-loss plot (raw and smoothed), learning-rate plot and
an epoch plot with ``--points`` points per curve, then times ``--frames``
frames: each frame adds one point to every curve (as a live run does),
hands the plots their new data (``refresh``) and repaints the whole panel
synchronously. Prints the median and 95th percentile in milliseconds and
``median_ms X`` last (target: under 16 ms per frame).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/plot_speed.py
    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/plot_speed.py --points 1000000 --frames 60
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    """Fill the curves, time the frames, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=200_000, help="points per curve")
    parser.add_argument("--frames", type=int, default=120, help="frames timed")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from app.ui.curves import FAINT, TRAINING, VALIDATION
    from app.ui.theme import light_palette
    from app.ui.training_panel import LIVE, TrainingPanel

    app = QApplication.instance() or QApplication([])
    app.setStyle("Fusion")
    app.setPalette(light_palette())
    panel = TrainingPanel()
    panel.resize(1400, 800)
    panel.show()

    rng = np.random.default_rng(0)
    x = np.arange(1, args.points + 1, dtype=np.float64)
    loss = 2.0 * np.exp(-x / args.points * 5) + rng.normal(0, 0.05, args.points)
    curves = [
        panel.batch_loss_plot.add_curve(LIVE + "raw", 0, FAINT),
        panel.batch_loss_plot.add_curve(LIVE + "smoothed", 0, TRAINING, "smoothed"),
        panel.lr_plot.add_curve(LIVE + "lr", 0, TRAINING, "used"),
        panel.epoch_loss_plot.add_curve(LIVE + "loss", 0, TRAINING, "training"),
        panel.epoch_loss_plot.add_curve(LIVE + "val_loss", 1, VALIDATION, "validation"),
    ]
    for index, series in enumerate(curves):
        series.extend(x, loss * (1 + 0.1 * index) if index != 2 else np.full(args.points, 1e-3))
    frame(panel, app)  # the first draw sizes the axes

    times = []
    for step in range(args.frames):
        for series in curves:
            series.append(args.points + step + 1, float(series.y[-1]))
        began = time.perf_counter()
        frame(panel, app)
        times.append((time.perf_counter() - began) * 1000)
    drawn = len(panel.batch_loss_plot.items[LIVE + "raw"].getData()[0])
    print(f"curves {len(curves)} x {args.points:,} points; drawn per curve after downsampling: {drawn:,}")
    print(f"p95_ms {np.percentile(times, 95):.2f}")
    print(f"median_ms {statistics.median(times):.2f}")
    panel.shutdown()


def frame(panel, app) -> None:
    """One frame: new data to the plots, then the paint Qt does for it (all plots, once)."""
    for plot in panel.plots:
        plot.refresh()
    app.processEvents()


if __name__ == "__main__":
    main()
