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
device runs trials side by side, each under ``keras.device``, all sharing
the study. Without devices (or with one) trials run one after another.
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

import contextlib
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from app.core.catalog import Catalog
from app.core.project import Project
from app.core.runs import runs_root
from app.training import events as training_events
from app.training.events import Event, EventQueue
from app.training.session import TrainingSession
from app.training.settings import mode_for
from app.tuning import strategies
from app.tuning.results import STUDY_ATTR, SearchResults, results_of, row_from_trial
from app.tuning.space import SearchSpace
from app.tuning.targets import apply_values, check_space

AUTO = "auto"
MEMORY = "memory"  # the storage setting for a study kept in memory only
DEFAULT_TRIALS = 20
SEARCH_STARTED, TRIAL_STARTED, TRIAL_EPOCH, TRIAL_ENDED = (
    "search_started", "trial_started", "trial_epoch", "trial_ended",
)
FINISHED, STOPPED, FAILED = training_events.FINISHED, training_events.STOPPED, training_events.FAILED
IDLE, RUNNING, STOPPING = "idle", "running", "stopping"


@dataclass(frozen=True)
class Objective:
    """What a search optimizes: a metric of the epoch logs and a direction.

    ``metric`` ``"auto"``: ``val_loss`` when the data has a validation split,
    else ``loss``. ``direction`` None: ``maximize`` for accuracy-like metrics,
    ``minimize`` otherwise. A trial's value is the best epoch's value.
    """

    metric: str = AUTO
    direction: str | None = None

    @property
    def resolved_direction(self) -> str:
        """``minimize`` or ``maximize``."""
        if self.direction is not None:
            if self.direction not in ("minimize", "maximize"):
                raise ValueError(f"objective direction: expected minimize or maximize, received "
                                 f"{self.direction!r}")
            return self.direction
        metric = "loss" if self.metric == AUTO else self.metric
        return "maximize" if mode_for(metric) == "max" else "minimize"

    def metric_in(self, logs: dict[str, Any]) -> str:
        """The metric to read from ``logs`` (``auto`` decided by what the logs hold)."""
        if self.metric == AUTO:
            return "val_loss" if "val_loss" in logs else "loss"
        return self.metric


@dataclass
class SearchSettings:
    """How to search: the space, the strategy and everything around it.

    ``trials``: how many trials the study should hold when done (finished,
    pruned, failed or running, counted over every process sharing it; a
    resumed search runs only the rest); None: the whole grid for ``grid``,
    else ``DEFAULT_TRIALS``. ``epochs``: each trial's epochs unless
    ``training.epochs`` is searched (None: the project's). ``seed``: the
    samplers' seed, and each trial's training seed when the project sets
    none. ``prune``: stop poor trials early (None: only for ``bayes``).
    ``storage``: an Optuna storage URL; None: ``PROJECT.tuning.db`` beside a
    saved project (in memory for an unsaved one); ``"memory"``: in memory.
    ``study_name`` None: ``PROJECT-STRATEGY-HASH`` of the space, so the same
    search resumes. ``devices``: Keras device names, one worker each
    (``["gpu:0", "gpu:1"]``); None: one worker on the default device.
    """

    space: SearchSpace
    strategy: str = strategies.RANDOM
    trials: int | None = None
    objective: Objective = field(default_factory=Objective)
    seed: int | None = None
    grid_points: int = 5
    epochs: int | None = None
    prune: bool | None = None
    startup_trials: int = 3
    warmup_epochs: int = 1
    storage: str | None = None
    study_name: str | None = None
    devices: Sequence[str] | None = None

    def check(self) -> None:
        """Raise ``ValueError`` naming the first bad setting."""
        if self.strategy not in strategies.STRATEGIES:
            raise ValueError(f"strategy: expected one of {', '.join(strategies.STRATEGIES)}; received "
                             f"{self.strategy!r}")
        if not len(self.space):
            raise ValueError("the search space is empty: name at least one parameter (--param NAME=SPEC)")
        for name in ("trials", "epochs"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name}: expected a whole number of at least 1, received {value!r}")
        if self.grid_points < 1:
            raise ValueError(f"grid_points: expected at least 1, received {self.grid_points!r}")
        self.objective.resolved_direction  # noqa: B018  (checks the direction)

    @property
    def pruning(self) -> bool:
        """Whether poor trials are stopped early."""
        return self.strategy == strategies.BAYES if self.prune is None else self.prune

    def target_trials(self) -> int:
        """The number of trials the study should reach."""
        if self.strategy == strategies.GRID:
            size = self.space.grid_size(self.grid_points)
            return min(self.trials, size) if self.trials else size
        return self.trials or DEFAULT_TRIALS


class TrialFailed(Exception):
    """A trial that could not give a value (a refused value, a failed or diverged run)."""


class TrialInterrupted(Exception):
    """A trial cut short by ``TuningSession.stop``; it is queued to run again."""


class TuningSession:
    """One hyperparameter search over a project; see the module docstring.

    The constructor checks the settings and the space against the project
    (``ValueError`` names the bad parameter); a space with node params loads
    the layer catalog (Keras) when no ``catalog`` is given, so a GUI builds
    the session off its main thread or passes its catalog. ``dataset``
    replaces loading the project's data (loaded once, shared by all trials).
    """

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
        self._queue = EventQueue()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._sessions: set[TrainingSession] = set()
        self._thread: threading.Thread | None = None
        self._state = IDLE
        self._result: Event | None = None

    # -------------------------------------------------------------- control
    def start(self) -> None:
        """Search on a new worker thread; returns at once."""
        self._require_idle("start")
        self._state = RUNNING
        self._thread = threading.Thread(target=self._work, name="netloom-tuning", daemon=True)
        self._thread.start()

    def run(self) -> Event:
        """Search in the calling thread; return the last event (finished, stopped or failed)."""
        self._require_idle("run")
        self._state = RUNNING
        self._work()
        return self._result

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker thread ends (or ``timeout`` seconds pass); True when it ended."""
        if self._thread is None:
            return self._result is not None
        self._thread.join(timeout)
        return not self._thread.is_alive()

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
    def drain(self, limit: int | None = None) -> list[Event]:
        """The events published since the last call, oldest first; never blocks."""
        return self._queue.drain(limit)

    @property
    def state(self) -> str:
        """idle, running, stopping, finished, stopped or failed."""
        return self._state

    @property
    def result(self) -> Event | None:
        """The search's last event once it ended, else None."""
        return self._result

    def results(self) -> SearchResults:
        """The trials of the study so far (safe to call while the search runs)."""
        return results_of(self._open_study(), self.settings.space)

    # ------------------------------------------------------------- private
    def _require_idle(self, what: str) -> None:
        if self._state != IDLE:
            raise RuntimeError(f"{what}: this search has already started; make a new TuningSession")

    def _publish(self, kind: str, **data: Any) -> None:
        event = Event(kind, data)
        if event.terminal:
            self._result = event
            self._state = kind
        self._queue.put(event)
        if self.listener is not None:
            self.listener(event)

    def _open_study(self) -> optuna.Study:
        if self._storage is None:
            self._storage = strategies.open_storage(self.storage_url)
        settings = self.settings
        return optuna.create_study(
            storage=self._storage, study_name=self.study_name, load_if_exists=True,
            direction=settings.objective.resolved_direction,
            sampler=strategies.make_sampler(settings.strategy, settings.space, settings.seed,
                                            settings.grid_points),
            pruner=strategies.make_pruner(settings.pruning, settings.startup_trials, settings.warmup_epochs),
        )

    def _work(self) -> None:
        try:
            study = self._open_study()
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
        objective = _TrialObjective(self, device, dataset)
        while not self._stop.is_set() and not self._done(study, target):
            study.optimize(objective, n_trials=1, catch=(TrialFailed, TrialInterrupted),
                           callbacks=[self._trial_ended])

    def _done(self, study: optuna.Study, target: int) -> bool:
        trials = study.get_trials(deepcopy=False)
        if any(t.state == TrialState.WAITING for t in trials):
            return False  # a trial cut short (or left by a dead process) waits to run again
        counted = sum(1 for t in trials if not t.user_attrs.get("interrupted"))
        if counted >= target:
            return True
        sampler = study.sampler
        return isinstance(sampler, optuna.samplers.GridSampler) and sampler.is_exhausted(study)

    def _trial_ended(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
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


class _TrialObjective:
    """The Optuna objective of one worker: train the project with the trial's values, return the value."""

    def __init__(self, search: TuningSession, device: str | None, dataset: Any) -> None:
        self.search = search
        self.device = device
        self.dataset = dataset

    def __call__(self, trial: optuna.Trial) -> float:
        search, settings = self.search, self.search.settings
        values = settings.space.suggest(trial)
        trial.set_user_attr("values", values)
        trial.set_user_attr("device", self.device)
        try:
            project = apply_values(search.project, values, search.catalog)
        except ValueError as error:
            trial.set_user_attr("message", str(error))
            raise TrialFailed(str(error)) from None
        if settings.seed is not None and project.training.get("seed") is None:
            project.training["seed"] = settings.seed
        tuned_epochs = "training.epochs" in settings.space.names
        search._publish(TRIAL_STARTED, number=trial.number, params=values, device=self.device)
        return self._train(trial, project, None if tuned_epochs else settings.epochs)

    def _train(self, trial: optuna.Trial, project: Project, epochs: int | None) -> float:
        search = self.search
        watcher = _EpochWatcher(search, trial)
        session = TrainingSession(project, epochs=epochs, dataset=self.dataset, runs_dir=search.runs_dir,
                                  listener=watcher, catalog=search.catalog)
        watcher.session = session
        started = time.monotonic()
        search._track(session, True)
        try:
            with _device_scope(self.device):
                result = session.run()
        finally:
            search._track(session, False)
        return watcher.conclude(result, time.monotonic() - started)


class _EpochWatcher:
    """Listens to one trial's training: reports each epoch's objective, prunes, then gives the value."""

    def __init__(self, search: TuningSession, trial: optuna.Trial) -> None:
        self.search = search
        self.trial = trial
        self.objective = search.settings.objective
        self.session: TrainingSession | None = None
        self.metric: str | None = None
        self.values: list[float] = []
        self.pruned = False

    def __call__(self, event: Event) -> None:
        if event.kind != training_events.EPOCH_END:
            return
        logs = event.data["logs"]
        self.metric = self.metric or self.objective.metric_in(logs)
        value = logs.get(self.metric)
        finite = isinstance(value, (int, float)) and math.isfinite(value)
        epoch = int(event.data["epoch"])
        self.search._publish(TRIAL_EPOCH, number=self.trial.number, epoch=epoch, logs=dict(logs),
                             value=float(value) if finite else None)
        if not finite:
            return
        self.values.append(float(value))
        self.trial.report(float(value), epoch)
        if self.trial.should_prune() and not self.pruned:
            self.pruned = True
            self.session.stop()

    def conclude(self, result: Event, seconds: float) -> float:
        """Record the run on the trial and return its value, or raise what it came to."""
        trial, data = self.trial, result.data
        final = {k: float(v) for k, v in (data.get("final") or {}).items()
                 if isinstance(v, (int, float)) and math.isfinite(v)}
        for key, value in (("metrics", final), ("seconds", seconds), ("run_dir", data.get("run_dir")),
                           ("epochs", int(data.get("epochs_done", 0))), ("metric", self.metric),
                           ("message", data.get("message", ""))):
            trial.set_user_attr(key, value)
        if self.pruned:
            raise optuna.TrialPruned(f"pruned after epoch {len(self.values)}")
        if result.kind == training_events.STOPPED and data.get("reason") == "user":
            self._requeue()
            raise TrialInterrupted(data.get("message", "stopped"))
        if result.kind == training_events.FAILED:
            raise TrialFailed(data.get("message", "the training failed"))
        if not self.values:
            raise TrialFailed(f"no finite value of {self.metric or self.objective.metric}: "
                              f"{data.get('message', '')}")
        pick = max if self.objective.resolved_direction == "maximize" else min
        return pick(self.values)

    def _requeue(self) -> None:
        trial = self.trial
        trial.set_user_attr("interrupted", True)
        trial.study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
        trial.study.stop()


@contextlib.contextmanager
def _device_scope(device: str | None) -> Iterator[None]:
    if device is None:
        yield
        return
    import keras

    with keras.device(device):
        yield


def available_devices() -> list[str]:
    """The Keras names of this machine's GPUs (``["gpu:0", "gpu:1"]``); empty without any. Imports Keras."""
    import keras

    try:
        return [name.lower() for name in keras.distribution.list_devices("gpu")]
    except Exception:  # a backend without GPU support raises instead of returning nothing
        return []


def _storage_url(storage: str | None, project: Project) -> str | None:
    if storage == MEMORY:
        return None
    return storage if storage is not None else strategies.default_storage(project.path)


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "project"


def _default_runs_dir(project: Project, study_name: str) -> Path:
    root = runs_root(project.path) if project.path is not None else Path.cwd() / "netloom.runs"
    return root / "tuning" / _safe_name(study_name)
