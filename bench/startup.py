"""How long Netloom takes from process start to a painted window with the default example.

Run from the repository root:

    python bench/startup.py [--runs 5]

Each run starts a fresh Python process that opens the main window with the
default example (as ``netloom`` does) and reports when the canvas has been
painted for the first time; Keras keeps loading behind it. The parent measures
from just before it starts the process to that report, so interpreter start,
imports, building the window and the first paint all count. Then the child
waits for Keras and the first check, so the time to a checked graph is printed
too. Target: painted under 1.5 s (TensorFlow's import alone takes several
seconds here, which is why it must not be on this path).

Prints ``name value`` lines (seconds), the median over the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child() -> None:
    """Open the window, print "painted" at the first paint of the canvas and "checked" at the first check."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QObject, QTimer

    from app.ui.app import create_window

    app, window, error = create_window()
    if error:
        print(f"error {error}", flush=True)
        sys.exit(1)

    class PaintWatch(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not getattr(self, "seen", False):
                self.seen = True
                QTimer.singleShot(0, lambda: print("painted", flush=True))
            return False

    watch = PaintWatch()
    window.view.viewport().installEventFilter(watch)

    def checked() -> None:
        print("checked", flush=True)
        window.close_without_asking()
        app.quit()

    window.summary_updated.connect(checked)
    window.keras_failed.connect(lambda _message: checked())
    window.resize(1600, 1000)
    window.show()
    app.exec()


def one_run() -> tuple[float, float]:
    """Seconds to the first paint and to the first checked graph, in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, __file__, "--child"], stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "QT_QPA_PLATFORM": "offscreen"},
    )
    assert process.stdout is not None
    painted = checked = float("nan")
    for line in process.stdout:
        if line.startswith("painted"):
            painted = time.perf_counter() - start
        elif line.startswith("checked"):
            checked = time.perf_counter() - start
        elif line.startswith("error"):
            raise SystemExit(line.strip())
    process.wait()
    return painted, checked


def main() -> None:
    """Run the child a few times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
        return
    one_run()  # warm the disk cache, as a person's second start would be
    runs = [one_run() for _ in range(args.runs)]
    painted = statistics.median(r[0] for r in runs)
    checked = statistics.median(r[1] for r in runs)
    print(f"startup_to_painted_window_s {painted:.2f}   (target < 1.5)")
    print(f"startup_to_checked_graph_s {checked:.2f}   (Keras loads behind the window)")
    print(f"runs {args.runs}")


if __name__ == "__main__":
    main()
