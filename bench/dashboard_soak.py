"""Soak: a million batch events through the training dashboard; how much does memory grow?

A producer thread publishes the events a long run would (``batch_end``
with loss, accuracy and learning rate, an ``epoch_end`` every 1,000
batches) as fast as the dashboard takes them; the ``TrainingPanel``
drains them on its own timer, offscreen, exactly as in the window, and
redraws its plots. Memory is the process's resident set, measured after
the first 20,000 events (plots built, buffers warm) and at the end.
Prints ``rss_growth_mb X`` (target: under 50), the events per second
the dashboard kept up with, and the longest timer tick.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=. python bench/dashboard_soak.py [--events 1000000]
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from app.training import events as ev
from app.training.events import Event, EventQueue
from app.training.settings import TrainingSettings
from app.ui.training_panel import TrainingPanel

BATCHES_PER_EPOCH = 1000
WARM_UP = 20_000
MAX_WAITING = 10_000  # the producer waits while this many events wait (a real run is never far ahead)


class Feed(EventQueue):
    """Stands in for a TrainingSession: the same events, made up, as fast as they are taken."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.state = "running"
        self.made = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._produce, daemon=True)

    def start(self) -> None:
        """Begin publishing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop publishing."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the producer to end."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _produce(self) -> None:
        self.put(Event(ev.STARTED, {
            "run_dir": "", "epochs": math.ceil(self.count / BATCHES_PER_EPOCH), "initial_epoch": 0,
            "steps_per_epoch": BATCHES_PER_EPOCH, "samples": BATCHES_PER_EPOCH * 32, "batch_size": 32,
            "metrics": ["accuracy"], "loss": "sparse_categorical_crossentropy", "notes": [],
            "backend": "none", "device": "auto", "precision": "float32", "continued_from": None}))
        started = time.perf_counter()
        for step in range(self.count):
            if self._stop.is_set():
                return
            while self._queue.qsize() > MAX_WAITING and not self._stop.is_set():
                time.sleep(0.002)
            epoch, batch = divmod(step, BATCHES_PER_EPOCH)
            loss = 2.0 / (1 + step / 5000) + 0.05 * math.sin(step)
            rate = 1e-3 * 0.5 ** (step // 200_000)
            self.put(Event(ev.BATCH_END, {
                "epoch": epoch + 1, "batch": batch + 1, "step": step + 1, "lr": rate,
                "samples_per_s": (step + 1) * 32 / max(time.perf_counter() - started, 1e-9),
                "logs": {"loss": loss, "accuracy": 1 - loss / 3}}))
            if batch + 1 == BATCHES_PER_EPOCH:
                self.put(Event(ev.EPOCH_END, {"epoch": epoch + 1, "logs": {
                    "loss": loss, "accuracy": 1 - loss / 3, "val_loss": loss * 1.1,
                    "val_accuracy": 1 - loss / 2.8}, "lr": rate, "seconds": 1.0}))
            self.made = step + 1
        self.put(Event(ev.FINISHED, {"reason": "completed", "message": "soak done", "final": {}}))


def rss_mb() -> float:
    """The resident set size of this process, in MiB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return math.nan


def main() -> None:
    """Run the soak and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    panel = TrainingPanel()
    panel.resize(1200, 700)
    panel.show()
    feed = Feed(args.events)
    panel.watch(feed, TrainingSettings.from_dict({"metrics": ["accuracy"]}))
    ticks: list[float] = []
    drain = panel.drain_events

    def timed_drain() -> int:
        begin = time.perf_counter()
        count = drain()
        ticks.append(time.perf_counter() - begin)
        return count

    panel._timer.timeout.disconnect()  # the same timer, timed
    panel._timer.timeout.connect(timed_drain)
    finished: list[dict] = []
    panel.finished.connect(finished.append)
    feed.start()
    baseline = None
    started = time.perf_counter()
    while not finished:
        app.processEvents()
        time.sleep(0.001)
        if baseline is None and feed.made >= WARM_UP:
            gc.collect()
            baseline = rss_mb()
            warm_at = time.perf_counter()
    seconds = time.perf_counter() - warm_at
    gc.collect()
    end = rss_mb()
    points = sum(plot.point_count(name) for plot in panel.plots for name in plot.series)
    print(f"events {args.events:,} in {time.perf_counter() - started:.1f} s "
          f"({(args.events - WARM_UP) / seconds:,.0f} events/s after the warm-up)")
    ticks.sort()
    median = ticks[len(ticks) // 2] * 1000
    print(f"curve points held {points:,}; {len(ticks):,} ticks: median {median:.1f} ms, "
          f"p99 {ticks[int(len(ticks) * 0.99)] * 1000:.1f} ms, longest {ticks[-1] * 1000:.1f} ms")
    print(f"rss after warm-up {baseline:.1f} MiB, at the end {end:.1f} MiB")
    print(f"rss_growth_mb {end - baseline:.1f}")
    panel.shutdown()


if __name__ == "__main__":
    main()
