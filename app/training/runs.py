"""Run folders: every training run keeps its own folder beside the project.

``<project folder>/<project stem>.runs/<NNN>-<YYYYmmdd-HHMMSS>/`` holds::

    run.json           status (running, finished, stopped, failed), reason, message, times,
                       epochs done, best epoch, final and test metrics, notes, continued_from
    settings.json      the training and data settings the run used
    project.netloom    the whole project as it was (graph included), to compare runs
    history.csv        one row per epoch: epoch, loss, metrics, val_ metrics, lr, seconds
    batches.csv        one row per batch (only with "log_batches": true)
    best.weights.h5    the weights of the best epoch (by the checkpoint's monitor)
    last.weights.h5    the weights at the end (at a NaN stop: the last good ones)
    optimizer.npz      the optimizer's variables (iterations, moments, ...) beside last.weights.h5
    state.json         where to continue from: epoch, stage, best, early-stopping and plateau state
    tensorboard/       TensorBoard logs (only with "tensorboard": true)

Every JSON, CSV and weights file is written atomically (``batches.csv`` is
appended to), so a crash leaves whole files. While a run trains, the
history, weights, optimizer and state are brought up to date together, as
often as costs about 0.5% of the training time (at least once a minute),
and always at its end.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from app.core.project import write_atomic
from app.core.runs import (  # noqa: F401  (re-exported: the reading side lives in app.core.runs)
    BATCHES_FILE,
    BEST_WEIGHTS,
    FAILED,
    FINISHED,
    HISTORY_FILE,
    LAST_WEIGHTS,
    OPTIMIZER_FILE,
    PROJECT_FILE,
    RUN_FILE,
    RUN_NAME,
    RUNNING,
    RUNS_SUFFIX,
    SETTINGS_FILE,
    STATE_FILE,
    STOPPED,
    TENSORBOARD_DIR,
    RunInfo,
    column_names,
    find_run,
    history_columns,
    list_runs,
    read_history,
    read_run,
    run_weights,
    runs_root,
)


class RunFolder:
    """One run's folder: creates it and writes its files as training goes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.history: list[dict[str, Any]] = []
        self._batch_rows: list[dict[str, Any]] = []
        self._batch_columns: list[str] | None = None
        self.info: dict[str, Any] = {}

    @classmethod
    def create(cls, root: str | os.PathLike[str]) -> RunFolder:
        """Make the next numbered run folder under ``root`` (created when missing)."""
        base = Path(root)
        base.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in base.iterdir() if (m := RUN_NAME.match(p.name))]
        number = max(numbers, default=0) + 1
        stamp = time.strftime("%Y%m%d-%H%M%S")
        while True:
            path = base / f"{number:03d}-{stamp}"
            try:
                path.mkdir()
                return cls(path)
            except FileExistsError:
                number += 1

    def file(self, name: str) -> Path:
        """The path of ``name`` inside the run folder."""
        return self.path / name

    def write_json(self, name: str, data: Any) -> None:
        """Write ``data`` as JSON to ``name``, atomically."""
        write_atomic(self.file(name), json.dumps(_plain(data), indent=2) + "\n")

    def update_info(self, **values: Any) -> None:
        """Merge ``values`` into ``run.json`` and write it."""
        self.info.update(values)
        self.write_json(RUN_FILE, self.info)

    def add_epoch(self, row: Mapping[str, Any]) -> None:
        """Keep one epoch's row for ``history.csv``; ``write_history`` writes them."""
        self.history.append(dict(row))

    def write_history(self) -> None:
        """Write ``history.csv`` from the rows so far, whole (columns may grow); a header only when
        there are none."""
        columns = column_names(self.history, first=("epoch",))
        write_atomic(self.file(HISTORY_FILE), _csv_text(columns, self.history))

    def add_batch(self, row: Mapping[str, Any]) -> None:
        """Keep one batch's row for ``batches.csv``; ``flush_batches`` writes them."""
        self._batch_rows.append(dict(row))

    def flush_batches(self) -> None:
        """Append the kept batch rows to ``batches.csv``."""
        if not self._batch_rows:
            return
        target = self.file(BATCHES_FILE)
        if self._batch_columns is None:
            self._batch_columns = list(self._batch_rows[0])
            header = True
        else:
            header = False
        text = _csv_text(self._batch_columns, self._batch_rows, header=header)
        with target.open("a", encoding="utf-8", newline="") as stream:
            stream.write(text)
        self._batch_rows.clear()


def temporary_twin(path: Path) -> Path:
    """A hidden name beside ``path`` with the same suffixes (Keras insists on ``.weights.h5``)."""
    stem, dot, suffixes = path.name.partition(".")
    return path.with_name(f".{stem}.tmp{dot}{suffixes}")


def write_through_twin(target: Path, write: Callable[[Path], object]) -> None:
    """Let ``write`` make ``target``'s temporary twin, then rename it over ``target``.

    A crash leaves the old file or the new one, whole; a failed write
    leaves no temporary file behind.
    """
    temp = temporary_twin(target)
    try:
        write(temp)
        temp.replace(target)
    finally:
        temp.unlink(missing_ok=True)


def copy_atomic(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a temporary file and a rename."""
    write_through_twin(target, lambda temp: shutil.copyfile(source, temp))


# --------------------------------------------------------------- optimizer
def save_optimizer_state(optimizer: Any, path: Path) -> None:
    """Write the optimizer's variables (iterations, learning rate, moments, ...) to an ``.npz``."""
    from keras import ops

    values = [ops.convert_to_numpy(ops.convert_to_tensor(v)) for v in optimizer.variables]
    save_optimizer_values(optimizer, values, path)


def save_optimizer_values(optimizer: Any, values: Sequence[Any], path: Path) -> None:
    """Write ``values`` (one array per variable of ``optimizer``, in order) to an ``.npz``."""
    arrays = {f"v{index:04d}": np.asarray(value) for index, value in enumerate(values)}
    names = np.array([str(getattr(v, "path", v.name)) for v in optimizer.variables])
    buffer = io.BytesIO()
    np.savez(buffer, names=names, **arrays)
    write_through_twin(path, lambda temp: temp.write_bytes(buffer.getvalue()))


def load_optimizer_state(optimizer: Any, trainable_variables: Sequence[Any], path: Path) -> None:
    """Give ``optimizer`` the variables saved in ``path``; ``ValueError`` when they do not fit."""
    if not optimizer.built:
        optimizer.build(list(trainable_variables))
    with np.load(path, allow_pickle=False) as saved:
        values = [saved[f"v{index:04d}"] for index in range(len(saved.files) - 1)]
    variables = list(optimizer.variables)
    if len(values) != len(variables):
        raise ValueError(
            f"{path}: the saved optimizer state has {len(values)} variables, this optimizer has "
            f"{len(variables)}; was the model or the optimizer changed?"
        )
    for variable, value in zip(variables, values, strict=True):
        if tuple(variable.shape) != tuple(value.shape):
            raise ValueError(
                f"{path}: {variable.path} has shape {tuple(variable.shape)} but the saved one "
                f"{tuple(value.shape)}; was the model changed?"
            )
        variable.assign(value.astype(variable.dtype))


# ------------------------------------------------------------------ helpers
def _csv_text(columns: Sequence[str], rows: Sequence[Mapping[str, Any]], header: bool = True) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), restval="", extrasaction="ignore",
                            lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _plain(value: Any) -> Any:
    """JSON-safe: NaN and infinity become null, NumPy numbers Python numbers, paths text."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
