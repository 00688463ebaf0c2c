"""Reading run folders: where a project's runs live and what each one says.

Training (``app/training/runs.py``) writes the folders; anything may read them,
so export, inspection and tuning find a run's weights and history here. The
layout is described in ``app/training/runs.py``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUNS_SUFFIX = ".runs"
RUN_FILE, SETTINGS_FILE, PROJECT_FILE = "run.json", "settings.json", "project.netloom"
HISTORY_FILE, BATCHES_FILE, STATE_FILE = "history.csv", "batches.csv", "state.json"
BEST_WEIGHTS, LAST_WEIGHTS, OPTIMIZER_FILE = "best.weights.h5", "last.weights.h5", "optimizer.npz"
TENSORBOARD_DIR = "tensorboard"
RUNNING, FINISHED, STOPPED, FAILED = "running", "finished", "stopped", "failed"
RUN_NAME = re.compile(r"^(\d+)-")


def runs_root(project_path: str | os.PathLike[str]) -> Path:
    """The folder that holds a project's runs: ``digits.netloom`` -> ``digits.runs``."""
    path = Path(project_path)
    return path.with_name(path.stem + RUNS_SUFFIX)


@dataclass
class RunInfo:
    """What ``run.json`` says about one run."""

    path: Path
    number: int
    status: str
    reason: str = ""
    message: str = ""
    started: str = ""
    ended: str = ""
    epochs_done: int = 0
    final: dict[str, float] = field(default_factory=dict)
    test: dict[str, float] = field(default_factory=dict)
    continued_from: str | None = None
    best: dict[str, Any] = field(default_factory=dict)  # monitor, value, epoch (empty before one)

    @property
    def name(self) -> str:
        """The folder name, e.g. ``003-20261123-184501``."""
        return self.path.name


def list_runs(project_path: str | os.PathLike[str]) -> list[RunInfo]:
    """The runs of a project, oldest first; folders without a readable ``run.json`` are skipped."""
    root = runs_root(project_path)
    if not root.is_dir():
        return []
    runs = [read_run(folder) for folder in root.iterdir() if RUN_NAME.match(folder.name) and folder.is_dir()]
    return sorted((run for run in runs if run is not None), key=lambda run: (run.number, run.name))


def read_run(folder: str | os.PathLike[str]) -> RunInfo | None:
    """The ``RunInfo`` of a run folder, or None when its ``run.json`` is missing or damaged."""
    path = Path(folder)
    try:
        data = json.loads((path / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    match = RUN_NAME.match(path.name)
    return RunInfo(
        path=path, number=int(match.group(1)) if match else 0, status=str(data.get("status", "")),
        reason=str(data.get("reason", "")), message=str(data.get("message", "")),
        started=str(data.get("started", "")), ended=str(data.get("ended", "")),
        epochs_done=int(data.get("epochs_done", 0) or 0), final=dict(data.get("final") or {}),
        test=dict(data.get("test") or {}), continued_from=data.get("continued_from"),
        best=dict(data["best"]) if isinstance(data.get("best"), dict) else {},
    )


def find_run(project_path: str | os.PathLike[str], run: str | int | os.PathLike[str]) -> RunInfo:
    """A run of the project by number (``3``, ``"003"``), folder name, ``"latest"`` or path.

    Raises ``ValueError`` naming what was asked for and what exists.
    """
    text = str(run)
    candidate = Path(text)
    if candidate.is_dir() and (candidate / RUN_FILE).is_file():
        info = read_run(candidate)
        if info is not None:
            return info
    runs = list_runs(project_path)
    if not runs:
        raise ValueError(f"{project_path}: the project has no runs yet (train it first)")
    if text == "latest":
        return runs[-1]
    for info in runs:
        if text == info.name or (text.isdigit() and int(text) == info.number):
            return info
    names = ", ".join(info.name for info in runs)
    raise ValueError(f"{project_path}: no run {text!r}; the runs are {names}")


def run_weights(folder: str | os.PathLike[str], which: str = "best") -> Path:
    """The weights file of a run: ``which`` is ``"best"`` or ``"last"``; best falls back to last.

    Raises ``ValueError`` when the run kept no weights.
    """
    if which not in ("best", "last"):
        raise ValueError(f"weights: expected 'best' or 'last', received {which!r}")
    path = Path(folder)
    names = (BEST_WEIGHTS, LAST_WEIGHTS) if which == "best" else (LAST_WEIGHTS,)
    for name in names:
        if (path / name).is_file():
            return path / name
    raise ValueError(f"{path}: the run kept no {which} weights ({' or '.join(names)} missing)")


def history_columns(history: Sequence[Mapping[str, Any]]) -> dict[str, list[float]]:
    """Rows of epochs as columns: ``{"loss": [...], "val_loss": [...], ...}``."""
    columns = column_names(history, first=("epoch",))
    return {name: [row.get(name, math.nan) for row in history] for name in columns}


def read_history(folder: str | os.PathLike[str]) -> list[dict[str, float]]:
    """The rows of a run's ``history.csv`` as numbers (empty when there is none)."""
    path = Path(folder) / HISTORY_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as stream:
        return [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(stream)]


def column_names(rows: Sequence[Mapping[str, Any]], first: Sequence[str] = ()) -> list[str]:
    """Every key of ``rows`` once, ``first`` ones first, then in the order met."""
    columns = list(first)
    for row in rows:
        columns += [key for key in row if key not in columns]
    return columns


# ------------------------------------------------------------------ helpers
def _number(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan
