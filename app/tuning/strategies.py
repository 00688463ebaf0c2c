"""Search strategies (grid, random, Bayesian) as Optuna samplers and pruners, and where studies live.

All three run through Optuna, so every search is an Optuna study kept in
one storage: a SQLite file beside the project by default
(``digits.netloom`` -> ``digits.tuning.db``), or any Optuna storage URL
(``postgresql://...``) that several ``netloom tune`` processes, on one
machine or many, share. A stopped search resumes from its storage.

- ``grid``: ``GridSampler`` over every parameter's grid (``grid_points``
  values per numeric parameter, every option of a choice).
- ``random``: ``RandomSampler``.
- ``bayes``: ``TPESampler``; its poor trials are stopped early by a
  ``MedianPruner`` fed each epoch's objective value.

Seeds: a seeded random or Bayesian sampler is reseeded before each trial
from (seed, trial number), so a search gives the same trials whether it
ran in one go or was stopped and resumed, and two processes sharing a
study with the same seed still draw different points. The grid is
shuffled once by the seed; every process of one grid study must use the
same seed (the default, none, is the same everywhere).
"""

from __future__ import annotations

import os
import random
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import optuna

from app.tuning.space import SearchSpace

GRID, RANDOM, BAYES = "grid", "random", "bayes"
STRATEGIES = (GRID, RANDOM, BAYES)
DB_SUFFIX = ".tuning.db"
OPEN_ATTEMPTS = 4
HEARTBEAT_SECONDS = 60  # a trial whose process died is failed (and retried) after twice this


def make_sampler(strategy: str, space: SearchSpace, seed: int | None = None,
                 grid_points: int = 5) -> optuna.samplers.BaseSampler:
    """The Optuna sampler of ``strategy`` (grid, random or bayes) for ``space``."""
    if strategy == GRID:
        return optuna.samplers.GridSampler(space.grid(grid_points), seed=seed)
    if strategy == RANDOM:
        return _TrialSeededRandom(seed)
    if strategy == BAYES:
        return _TrialSeededTPE(seed)
    raise ValueError(f"strategy: expected one of {', '.join(STRATEGIES)}; received {strategy!r}")


def make_pruner(prune: bool, startup_trials: int = 3, warmup_epochs: int = 1) -> optuna.pruners.BasePruner:
    """A ``MedianPruner`` (no pruning before ``startup_trials`` trials ended or within ``warmup_epochs``).

    Without ``prune``: a pruner that never prunes.
    """
    if not prune:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=startup_trials, n_warmup_steps=warmup_epochs)


def default_storage(project_path: str | os.PathLike[str] | None) -> str | None:
    """The SQLite URL beside a saved project (``PROJECT.tuning.db``); None for an unsaved one."""
    if project_path is None:
        return None
    path = Path(project_path).resolve()
    return f"sqlite:///{path.with_name(path.stem + DB_SUFFIX)}"


def open_storage(url: str | None) -> optuna.storages.BaseStorage:
    """The storage at ``url`` (None: in memory, gone with the process).

    A database URL gets a heartbeat, so a trial left running by a process
    that died is marked failed and tried again by the next process.
    """
    if url is None:
        return optuna.storages.InMemoryStorage()
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"storage: expected a database URL such as sqlite:///search.db; received {url!r}")
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(OPEN_ATTEMPTS):
        try:
            return _rdb_storage(url)
        except SQLAlchemyError:
            # Processes started together race to create the tables of a new database; the loser
            # finds them made a moment later.
            if attempt == OPEN_ATTEMPTS - 1:
                raise
            time.sleep(0.2 + random.random())
    raise AssertionError("unreachable")


def _rdb_storage(url: str) -> optuna.storages.RDBStorage:
    with warnings.catch_warnings():  # the heartbeat is marked experimental; we rely on it knowingly
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            url, heartbeat_interval=HEARTBEAT_SECONDS, grace_period=2 * HEARTBEAT_SECONDS,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=2),
            engine_kwargs=_engine_options(url),
        )


def default_study_name(project_name: str, strategy: str, space: SearchSpace, metric: str) -> str:
    """``PROJECT-STRATEGY-HASH``: the same search gets the same study, so running it again resumes it."""
    return f"{project_name}-{strategy}-{space.fingerprint()}" + ("" if metric == "auto" else f"-{metric}")


def study_names(storage: str) -> list[str]:
    """The names of the studies kept in ``storage`` (a URL)."""
    return [summary.study_name for summary in optuna.get_all_study_summaries(storage)]


def _engine_options(url: str) -> dict[str, Any]:
    # SQLite: wait for another process's write instead of failing at once with "database is locked".
    return {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}


class _ReseedPerTrial:
    """Mixin: reseed the sampler's generators from (seed, trial number) before each trial."""

    _base_seed: int | None

    def before_trial(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if self._base_seed is not None:
            seed = int(np.random.SeedSequence([self._base_seed, trial.number]).generate_state(1)[0])
            for holder in (self, getattr(self, "_random_sampler", None)):
                rng = getattr(holder, "_rng", None)
                if rng is not None:
                    rng.rng.seed(seed)
        super().before_trial(study, trial)  # type: ignore[misc]


class _TrialSeededRandom(_ReseedPerTrial, optuna.samplers.RandomSampler):
    def __init__(self, seed: int | None) -> None:
        super().__init__(seed=seed)
        self._base_seed = seed


class _TrialSeededTPE(_ReseedPerTrial, optuna.samplers.TPESampler):
    def __init__(self, seed: int | None) -> None:
        super().__init__(seed=seed)
        self._base_seed = seed
