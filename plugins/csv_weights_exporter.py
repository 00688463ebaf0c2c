"""A Netloom plugin: export a model's weights as CSV files, one per weight, plus a summary.

The export is a folder::

    summary.csv                    one row per weight: layer, weight, shape, count, mean, std, min, max
    conv1__kernel.csv              the weight itself, flattened to rows x last axis
    conv1__bias.csv                (one row for a vector)
    ...

Handy for a spreadsheet, a report, or a look at how the weights are spread.
The weights are those of ``options["model"]`` (a trained ``keras.Model``)
when given, else those of a fresh model built from the graph.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np

SUMMARY_COLUMNS = ("layer", "weight", "file", "shape", "count", "mean", "std", "min", "max")


def export_weights_csv(graph: Any, path: str | Path, **options: Any) -> Path:
    """Write the weights of the model of ``graph`` to CSV files in the folder ``path``."""
    from app.build.keras_builder import to_keras

    model = options.get("model") or to_keras(graph, options.get("catalog"))
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for layer in model.layers:
        for variable in layer.weights:
            values = np.asarray(variable.numpy())
            weight = variable.name.rpartition("/")[2]
            file_name = f"{_safe(layer.name)}__{_safe(weight)}.csv"
            table = values.reshape(-1, values.shape[-1]) if values.ndim > 1 else values.reshape(1, -1)
            np.savetxt(folder / file_name, table, delimiter=",", fmt="%.9g")
            rows.append((layer.name, weight, file_name, "x".join(map(str, values.shape)), values.size,
                         *(f"{stat:.6g}" for stat in _stats(values))))
    with open(folder / "summary.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(SUMMARY_COLUMNS)
        writer.writerows(rows)
    return folder


def _stats(values: np.ndarray) -> tuple[float, float, float, float]:
    if values.size == 0:
        return (0.0, 0.0, 0.0, 0.0)
    values = values.astype("float64")
    return float(values.mean()), float(values.std()), float(values.min()), float(values.max())


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def register(registry: Any) -> None:
    """Add the ``csv-weights`` exporter to Netloom."""
    registry.add_exporter(
        "csv-weights", "", export_weights_csv,
        "Each weight as a CSV file, and summary.csv with each weight's shape and statistics, in a folder.",
    )
