"""One trial of a search: the Optuna objective that trains a copy of the project with the trial's values.

``TrialObjective`` is what each worker hands to ``study.optimize``: it asks
the space for values, puts them into a checked copy of the project, trains
it through a ``TrainingSession`` in the worker's own thread (on the
worker's device when it has one: ``training.device``), and returns the best
epoch's objective value. ``EpochWatcher`` reports each epoch's value to
Optuna, whose pruner may stop a poor trial there. A trial ends as one of:

- a value (complete), or ``TrialPruned`` (stopped early as poor);
- ``TrialFailed``: a refused value, a failed run, or no finite value at all;
- ``TrialInterrupted``: the search was stopped inside it; the same values
  are queued (``enqueue_trial``) so a resumed search runs them first;
- ``TrialSurplus``: begun when other processes had already brought the
  study to its target; dropped before training and hidden from results.
"""

from __future__ import annotations

import math
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import TrialState

from app.core.catalog import Catalog
from app.core.project import Project
from app.training import events as training_events
from app.training.events import Event
from app.training.session import TrainingSession
from app.tuning.results import INTERRUPTED, SURPLUS
from app.tuning.settings import Objective, SearchSettings
from app.tuning.targets import apply_values

TRIAL_STARTED, TRIAL_EPOCH = "trial_started", "trial_epoch"
WORKER = f"{socket.gethostname()}-{os.getpid()}"  # which process ran a trial (several may share a study)


class TrialFailed(Exception):
    """A trial that could not give a value (a refused value, a failed or diverged run)."""


class TrialInterrupted(Exception):
    """A trial cut short by ``TuningSession.stop``; it is queued to run again."""


class TrialSurplus(Exception):
    """A trial begun when the study already held its target (processes raced); dropped untrained."""


def counts(trial: optuna.trial.FrozenTrial) -> bool:
    """Whether ``trial`` counts towards a search's target (not waiting, cut short or surplus)."""
    attrs = trial.user_attrs
    return trial.state != TrialState.WAITING and not attrs.get(INTERRUPTED) and not attrs.get(SURPLUS)


class TrialObjective:
    """The Optuna objective of one worker: train the project with the trial's values, return the value."""

    def __init__(self, project: Project, settings: SearchSettings, *, runs_dir: Path, device: str | None,
                 dataset: Any, catalog: Catalog | None, publish: Callable[..., None],
                 track: Callable[[TrainingSession, bool], None]) -> None:
        self.project = project
        self.settings = settings
        self.runs_dir = runs_dir
        self.device = device
        self.dataset = dataset
        self.catalog = catalog
        self.publish = publish  # publish(kind, **data): an event of the search
        self.track = track  # track(session, active): the search can stop the sessions in progress

    def __call__(self, trial: optuna.Trial) -> float:
        settings = self.settings
        self._refuse_surplus(trial, settings.target_trials())
        values = settings.space.suggest(trial)
        trial.set_user_attr("values", values)
        trial.set_user_attr("device", self.device)
        trial.set_user_attr("worker", WORKER)
        try:
            project = apply_values(self.project, values, self.catalog)
        except ValueError as error:
            trial.set_user_attr("message", str(error))
            raise TrialFailed(str(error)) from None
        if settings.seed is not None and project.training.get("seed") is None:
            project.training["seed"] = settings.seed
        if self.device is not None:  # this worker's own device, and this trial on it alone
            project.training.update(device=self.device, distribute="none")
        tuned_epochs = "training.epochs" in settings.space.names
        self.publish(TRIAL_STARTED, number=trial.number, params=values, device=self.device)
        return self._train(trial, project, None if tuned_epochs else settings.epochs)

    @staticmethod
    def _refuse_surplus(trial: optuna.Trial, target: int) -> None:
        """Drop a trial begun after other processes brought the study to its target meanwhile."""
        earlier = trial.study.get_trials(deepcopy=False)
        if sum(1 for t in earlier if t.number < trial.number and counts(t)) >= target:
            trial.set_user_attr(SURPLUS, True)
            raise TrialSurplus(f"the study already holds {target} trials")

    def _train(self, trial: optuna.Trial, project: Project, epochs: int | None) -> float:
        watcher = EpochWatcher(trial, self.settings.objective, self.publish)
        session = TrainingSession(project, epochs=epochs, dataset=self.dataset, runs_dir=self.runs_dir,
                                  listener=watcher, catalog=self.catalog)
        watcher.session = session
        started = time.monotonic()
        self.track(session, True)
        try:
            result = session.run()
        finally:
            self.track(session, False)
        return watcher.conclude(result, time.monotonic() - started)


class EpochWatcher:
    """Listens to one trial's training: reports each epoch's objective, prunes, then gives the value."""

    def __init__(self, trial: optuna.Trial, objective: Objective, publish: Callable[..., None]) -> None:
        self.trial = trial
        self.objective = objective
        self.publish = publish
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
        self.publish(TRIAL_EPOCH, number=self.trial.number, epoch=epoch, logs=dict(logs),
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
        trial.set_user_attr(INTERRUPTED, True)
        trial.study.enqueue_trial(trial.params, user_attrs={"retry_of": trial.number})
        trial.study.stop()
