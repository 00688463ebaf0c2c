"""How fast is looking inside? Activations of every layer, and a confusion matrix over 10,000 samples.

Builds the digits CNN (``resources/examples/digits-cnn.netloom``) and times:

1. activations: ``layer_activations`` (every layer's output for one digit,
   summarised for drawing) after one warm-up call that builds the probe
   model; median of ``--repeats`` calls (target: under 100 ms);
2. confusion matrix: ``evaluate`` over 10,000 samples (the digits tiled):
   batched prediction, confusion matrix, per-class metrics and per-sample
   losses, median of 3 after a warm-up call (target: under 1 s); the
   warm-up call's time (tracing included) is printed too; and the confusion matrix
   and per-class metrics alone from the predictions.

    PYTHONPATH=. python bench/inspect_speed.py
    KERAS_BACKEND=jax PYTHONPATH=. python bench/inspect_speed.py --repeats 50

Exit status 1 when a target is missed.
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ACTIVATIONS_TARGET_MS = 100.0
CONFUSION_TARGET_S = 1.0
SAMPLES = 10_000


def main() -> int:
    """Time both and print the figures; 0 when both meet their targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="activation calls timed (default 30)")
    args = parser.parse_args()

    import keras

    from app.build.keras_builder import to_keras
    from app.core.examples import example_path
    from app.core.project import load_project
    from app.data.sources import load_source
    from app.inspection.activations import layer_activations
    from app.inspection.evaluation import classification_report, evaluate

    project = load_project(example_path("digits-cnn"))
    model = to_keras(project.graph)
    data = load_source(project.data)
    names = list(data.class_names)

    layer_activations(model, data.x_train[0], names)  # warm-up: builds and traces the probe model
    times = []
    for index in range(args.repeats):
        started = time.perf_counter()
        layer_activations(model, data.x_train[index % len(data.x_train)], names)
        times.append((time.perf_counter() - started) * 1000)
    activations_ms = statistics.median(times)

    repeat = -(-SAMPLES // len(data.x_train))
    x = np.concatenate([data.x_train] * repeat)[:SAMPLES]
    y = np.concatenate([data.y_train] * repeat)[:SAMPLES]
    loss = "sparse_categorical_crossentropy"
    started = time.perf_counter()
    evaluate(model, x, y, class_names=names, loss=loss)  # warm-up: traces / compiles the prediction
    cold_s = time.perf_counter() - started
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        evaluation = evaluate(model, x, y, class_names=names, loss=loss)
        runs.append(time.perf_counter() - started)
    evaluate_s = statistics.median(runs)
    started = time.perf_counter()
    classification_report(y, evaluation.predicted, names)
    report_ms = (time.perf_counter() - started) * 1000

    print(f"backend {keras.backend.backend()}, digits-cnn, {len(model.layers)} layers")
    print(f"activations of every layer, one sample: median {activations_ms:.1f} ms, "
          f"max {max(times):.1f} ms over {args.repeats} calls (target < {ACTIVATIONS_TARGET_MS:.0f} ms)")
    print(f"evaluate {SAMPLES} samples (predict + confusion matrix + metrics + losses): "
          f"median {evaluate_s:.3f} s "
          f"of 3 (target < {CONFUSION_TARGET_S:.0f} s); the first call, tracing included: {cold_s:.3f} s")
    print(f"confusion matrix and per-class metrics alone from {SAMPLES} predictions: {report_ms:.2f} ms")
    met = activations_ms < ACTIVATIONS_TARGET_MS and evaluate_s < CONFUSION_TARGET_S
    print("targets met" if met else "TARGET MISSED")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
