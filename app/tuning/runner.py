"""``TuningSession``: run a hyperparameter search, one training run per trial, with plain events.

It works like ``app.training.TrainingSession``: ``start()`` searches on a
worker thread and ``drain()`` hands the UI what happened since the last
call; ``run()`` searches in the calling thread (the command line, tests);
``stop()`` ends the trial in progress after its current batch and the
search with it, and never blocks. The trial cut short is marked stopped and
queued to run again, so resuming (running the same search again: same
storage and study) continues exactly where it stopped.

    settings = SearchSettings(SearchSpace.parse(["training.learning_rate=log:1e-4:1"]),
                              strategy="bayes", trials=30)
    session = TuningSession(project, settings)
    session.start()
    ...                    # every ~30 ms in the UI: for event in session.drain(): ...
    session.results()      # a SearchResults: the table, the best trial, border warnings

Each trial trains a copy of the project with the trial's values
(``app.tuning.targets.apply_values``) through a ``TrainingSession`` in the
worker's own thread; its run folder goes under
``PROJECT.runs/tuning/STUDY/``. After every epoch the objective metric is
reported to Optuna, whose pruner may stop a poor trial there.

Several at once: with ``devices=["gpu:0", "gpu:1"]`` one worker thread per
device runs trials side by side, each trial on its worker's device
(``training.device``, without distribution), all sharing the study.
Without devices (or with one) trials run one after another.
For several machines, start one ``netloom tune`` per machine with the same
``--storage`` URL: Optuna's own distributed mode.

Events (``app.training.events.Event``; ``data`` holds plain values):

- ``search_started``: study, storage, strategy, trials (the target count), existing (trials already there)
- ``trial_started``: number, params, device
- ``trial_epoch``: number, epoch, logs, value (the objective this epoch, None when not finite)
- ``trial_ended``: row (``TrialRow.to_dict()``)
- ``finished`` / ``stopped`` / ``failed``: message, study, trials (rows so far), best (row dict or None)
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from app.core.catalog import Catalog
from app.core.project import Project
from app.core.runs import runs_root
from app.training import events as training_events
from app.training.background import RUNNING, BackgroundJob
from app.training.events import Event
from app.training.session import TrainingSession
from app.tuning import strategies
from app.tuning.results import STUDY_ATTR, SURPLUS, SearchResults, results_of, row_from_trial
from app.tuning.settings import AUTO, DEFAULT_TRIALS, MEMORY, Objective, SearchSettings
from app.tuning.targets import check_space
from app.tuning.trial import (
    TRIAL_EPOCH,
    TRIAL_STARTED,
    TrialFailed,
    TrialInterrupted,
    TrialObjective,
    TrialSurplus,
    counts,
)

# Re-exported: a caller needs only this module to run a search.
__all__ = [
    "AUTO", "DEFAULT_TRIALS", "MEMORY", "TRIAL_ENDED", "TRIAL_EPOCH", "TRIAL_STARTED", "Objective",
    "SearchSettings", "TuningSession",
]

SEARCH_STARTED, TRIAL_ENDED = "search_started", "trial_ended"
FINISHED, STOPPED, FAILED = training_events.FINISHED, training_events.STOPPED, training_events.FAILED
STOPPING = "stopping"


class TuningSession(BackgroundJob):
    """One hyperparameter search over a project; see the module docstring.

    The constructor checks the settings and the space against the project
    (``ValueError`` names the bad parameter); a space with node params loads
    the layer catalog (Keras) when no ``catalog`` is given, so a GUI builds
    the session off its main thread or passes its catalog. ``dataset``
    replaces loading the project's data (loaded once, shared by all trials).
    """

    THREAD_NAME = "netloom-tuning"
    NOUN = "search"

    def __init__(
        self,
        project: Project,
        settings: SearchSettings,
        *,
        listener: Callable[[Event], None] | None = None,
        catalog: Catalog | None = None,
        dataset: Any = None,
        runs_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        settings.check()
        check_space(project, settings.space, catalog)
        super().__init__()
        self.project = project
        self.settings = settings
        self.listener = listener
        self.catalog = catalog
        self.dataset = dataset
        self.storage_url = _storage_url(settings.storage, project)
        self.study_name = settings.study_name or strategies.default_study_name(
            _safe_name(project.name), settings.strategy, settings.space, settings.objective.metric)
        self.runs_dir = Path(runs_dir) if runs_dir else _default_runs_dir(project, self.study_name)
        self._storage: optuna.storages.BaseStorage | None = None
        self._storage_lock = threading.Lock()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sessions: set[TrainingSession] = set()

    # -------------------------------------------------------------- control
    def stop(self) -> None:
        """End the search: trials in progress stop after their current batch and are queued again."""
        self._stop.set()
        if self._state == RUNNING:
            self._state = STOPPING
        with self._lock:
            sessions = list(self._sessions)
        for session in sessions:
            session.stop()

    # ----------------------------------------------------------- reading
    def results(self) -> SearchResults:
        """The trials of the study so far (safe to call while the search runs; empty before it began)."""
        try:
            study = self._open_study()
        except KeyError:  # no such study yet
            settings = self.settings
            return SearchResults(self.study_name, settings.space, settings.objective.resolved_direction,
                                 settings.objective.metric, settings.strategy)
        return results_of(study, self.settings.space)

    # ------------------------------------------------------------- private
    def _publish(self, kind: str, **data: Any) -> None:
        event = Event(kind, data)
        if event.terminal:
            self._result = event
            self._state = kind
        self._queue.put(event)
        if self.listener is not None:
            self.listener(event)

    def _open_study(self, create: bool = False) -> optuna.Study:
        """The study with this search's sampler and pruner (``create``: made when missing)."""
        with self._storage_lock:  # one storage per search: an in-memory one must not be made twice
            if self._storage is None:
                self._storage = strategies.open_storage(self.storage_url)
        settings = self.settings
        sampler = strategies.make_sampler(settings.strategy, settings.space, settings.seed,
                                          settings.grid_points)
        pruner = strategies.make_pruner(settings.pruning, settings.startup_trials, settings.warmup_epochs)
        if create:
            return optuna.create_study(storage=self._storage, study_name=self.study_name, load_if_exists=True,
                                       direction=settings.objective.resolved_direction, sampler=sampler,
                                       pruner=pruner)
        return optuna.load_study(study_name=self.study_name, storage=self._storage, sampler=sampler,
                                 pruner=pruner)

    def _work(self) -> None:
        try:
            study = self._open_study(create=True)
            self._describe(study)
            dataset = self.dataset if self.dataset is not None else self._load_data()
            self._publish(SEARCH_STARTED, study=self.study_name, storage=self.storage_url,
                          strategy=self.settings.strategy, trials=self.settings.target_trials(),
                          existing=len(study.get_trials(deepcopy=False)))
            devices = list(self.settings.devices or [None])
            if len(devices) == 1:
                self._worker(study, devices[0], dataset)
            else:
                self._run_workers(devices, dataset)
        except Exception as error:  # the search must end with a reason, whatever broke
            self._finish(FAILED, f"The search failed: {error}")
            return
        stopped = self._stop.is_set()
        self._finish(STOPPED if stopped else FINISHED,
                     "Stopped; run the same search again to resume it." if stopped else "Search finished.")

    def _describe(self, study: optuna.Study) -> None:
        """Keep the search's settings in the study, so its results can be read back on their own."""
        if STUDY_ATTR in study.user_attrs:
            return
        settings = self.settings
        study.set_user_attr(STUDY_ATTR, {
            "space": settings.space.specs(), "strategy": settings.strategy,
            "metric": settings.objective.metric, "seed": settings.seed, "grid_points": settings.grid_points,
            "project": str(self.project.path) if self.project.path else self.project.name,
        })

    def _load_data(self) -> Any:
        from app.data.sources import load_source

        base = self.project.path.parent if self.project.path else Path.cwd()
        return load_source(self.project.data, base)

    def _run_workers(self, devices: list[str | None], dataset: Any) -> None:
        errors: list[BaseException] = []

        def work(device: str | None) -> None:
            try:
                self._worker(self._open_study(), device, dataset)
            except BaseException as error:  # reported by the search, not lost with the thread
                errors.append(error)
                self.stop()

        threads = [threading.Thread(target=work, args=(device,), name=f"netloom-tuning-{device}",
                                    daemon=True) for device in devices]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _worker(self, study: optuna.Study, device: str | None, dataset: Any) -> None:
        """Run trials until the study holds enough, the grid is done or a stop is asked for."""
        target = self.settings.target_trials()
        objective = TrialObjective(self.project, self.settings, runs_dir=self.runs_dir, device=device,
                                   dataset=dataset, catalog=self.catalog, publish=self._publish,
                                   track=self._track)
        while not self._stop.is_set() and not self._done(study, target):
            study.optimize(objective, n_trials=1, catch=(TrialFailed, TrialInterrupted, TrialSurplus),
                           callbacks=[self._trial_ended])

    def _done(self, study: optuna.Study, target: int) -> bool:
        trials = study.get_trials(deepcopy=False)
        if any(t.state == TrialState.WAITING for t in trials):
            return False  # a trial cut short (or left by a dead process) waits to run again
        if sum(1 for t in trials if counts(t)) >= target:
            return True
        sampler = study.sampler
        return isinstance(sampler, optuna.samplers.GridSampler) and sampler.is_exhausted(study)

    def _trial_ended(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        if trial.user_attrs.get(SURPLUS):
            return
        self._publish(TRIAL_ENDED, row=row_from_trial(trial, self.settings.space).to_dict())

    def _finish(self, kind: str, message: str) -> None:
        try:
            results = self.results()
            best = results.best.to_dict() if results.best else None
            count = len(results.rows)
        except Exception:  # the storage itself may be what failed
            best, count = None, 0
        self._publish(kind, message=message, study=self.study_name, trials=count, best=best)

    def _track(self, session: TrainingSession, active: bool) -> None:
        with self._lock:
            if active:
                self._sessions.add(session)
            else:
                self._sessions.discard(session)
        if active and self._stop.is_set():
            session.stop()


def _storage_url(storage: str | None, project: Project) -> str | None:
    if storage == MEMORY:
        return None
    return storage if storage is not None else strategies.default_storage(project.path)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "project"


def _default_runs_dir(project: Project, study_name: str) -> Path:
    root = runs_root(project.path) if project.path is not None else Path.cwd() / "netloom.runs"
    return root / "tuning" / _safe_name(study_name)
