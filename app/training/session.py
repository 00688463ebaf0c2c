"""``TrainingSession``: train a project's model on a worker thread and publish plain events.

A UI drains the events on a timer (``drain()``); headless code can pass a
``listener`` that is called with each event on the training thread, or
call ``run()`` to train in the calling thread. ``stop()``, ``pause()``,
``resume()`` and ``set_learning_rate()`` act at the next batch boundary
and never block the caller. ``continue_from(run_dir)`` starts from a
previous run's exact state: weights, optimizer variables (moments,
iteration count and so the place in the schedule), epoch and the
early-stopping and plateau counters.

    session = TrainingSession(project)
    session.start()
    ...                       # every ~30 ms in the UI: for event in session.drain(): ...
    session.stop()            # ends after the current batch, weights kept
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.core.catalog import Catalog
from app.core.project import Project
from app.training.background import RUNNING, BackgroundJob
from app.training.events import Event
from app.training.runner import Control, Runner
from app.training.runs import runs_root
from app.training.schedules import has_variable_rate
from app.training.settings import TrainingSettings

PAUSED, STOPPING, FINISHED, STOPPED, FAILED = "paused", "stopping", "finished", "stopped", "failed"


class TrainingSession(BackgroundJob):
    """One training run of a project: build, compile and fit on a worker thread, with events.

    ``start``, ``run``, ``wait``, ``drain``, ``state`` and ``result`` come
    from ``BackgroundJob``; its state is also paused or stopping.

    ``settings`` defaults to the project's ``training`` section (checked
    now: a bad value raises ``ValueError`` naming the field); ``epochs``
    overrides its epoch count; ``dataset`` (a ``Dataset`` or an
    ``ImageFolderData``) replaces loading the project's ``data`` section;
    ``runs_dir`` is where run folders go (default: ``<project>.runs`` beside
    the project file, or ``./netloom.runs`` for an unsaved project).
    """

    THREAD_NAME = "netloom-training"
    NOUN = "session"

    def __init__(
        self,
        project: Project,
        *,
        settings: TrainingSettings | None = None,
        epochs: int | None = None,
        dataset: Any = None,
        runs_dir: str | os.PathLike[str] | None = None,
        listener: Callable[[Event], None] | None = None,
        catalog: Catalog | None = None,
        extra_callbacks: Callable[[Path, Any], list[Any]] | None = None,
    ) -> None:
        super().__init__()
        self.project = project
        self.settings = settings or TrainingSettings.from_dict(project.training)
        if epochs is not None:
            self.settings.epochs = int(epochs)
            self.settings.check()
        self.dataset = dataset
        self.runs_dir = Path(runs_dir) if runs_dir else _default_runs_dir(project)
        self.listener = listener
        self.catalog = catalog
        self.extra_callbacks = extra_callbacks
        self._control = Control()
        self._continue_from: Path | None = None
        self._runner: Runner | None = None
        self._lock = threading.Lock()

    # -------------------------------------------------------------- control
    def continue_from(self, run_dir: str | os.PathLike[str]) -> None:
        """Start (when started) from the state a previous run saved in ``run_dir``."""
        self._require_idle("continue_from")
        path = Path(run_dir)
        if not path.is_dir():
            raise FileNotFoundError(f"{path}: no such run folder")
        self._continue_from = path

    def stop(self) -> None:
        """End training after the current batch; the weights reached are kept and saved."""
        with self._lock:
            if self._state in (RUNNING, PAUSED):
                self._state = STOPPING
        self._control.stop_requested.set()
        self._control.running.set()

    def pause(self) -> None:
        """Hold training at the next batch boundary, keeping all its state; ``resume`` goes on."""
        with self._lock:
            if self._state == RUNNING:
                self._state = PAUSED
                self._control.running.clear()

    def resume(self) -> None:
        """Go on after ``pause``."""
        with self._lock:
            if self._state == PAUSED:
                self._state = RUNNING
                self._control.running.set()

    def set_learning_rate(self, rate: float) -> None:
        """Use ``rate`` from the next batch on (at once while paused).

        Only a constant or plateau schedule holds the rate in a variable;
        for the others this raises ``ValueError``.
        """
        if not (isinstance(rate, (int, float)) and rate > 0):
            raise ValueError(f"learning rate: expected a number above 0, received {rate!r}")
        if not has_variable_rate(self.settings):
            raise ValueError(
                f"The learning rate follows the {self.settings.lr_schedule.kind} schedule; choose the "
                "constant or plateau schedule to change it during training."
            )
        self._control.request_rate(float(rate))

    # ----------------------------------------------------------- reading
    @property
    def run_dir(self) -> Path | None:
        """The run's folder once created."""
        runner = self._runner
        return runner.folder.path if runner is not None and runner.folder is not None else None

    @property
    def model(self) -> Any:
        """The Keras model once built (trained weights after the run)."""
        return self._runner.model if self._runner is not None else None

    # ------------------------------------------------------------- private
    def _publish(self, event: Event) -> None:
        if event.terminal:
            self._result = event
            self._state = {"finished": FINISHED, "stopped": STOPPED, "failed": FAILED}[event.kind]
        self._queue.put(event)
        if self.listener is not None:
            self.listener(event)

    def _work(self) -> None:
        self._runner = Runner(
            self.project, self.settings, self._control, self._publish, self.runs_dir,
            dataset=self.dataset, continue_from=self._continue_from, catalog=self.catalog,
            extra_callbacks=self.extra_callbacks,
        )
        self._runner.run()


def _default_runs_dir(project: Project) -> Path:
    if project.path is not None:
        return runs_root(project.path)
    return Path.cwd() / "netloom.runs"
