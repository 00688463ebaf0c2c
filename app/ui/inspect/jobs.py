"""One background queue for the Inspect panel's Keras work, one job at a time.

Keras work (loading a run, evaluating a split, activations, saliency) takes
far more than a frame, so it never runs on the GUI thread. The jobs share one
model and two CPU cores, so they run one after another, not side by side;
a job submitted under a ``key`` that already waits replaces the waiting one
(spinning through samples computes the last one asked for, not every one).
Callbacks run on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.ui.tasks import TaskRunner

Done = Callable[[Any], None]
Failed = Callable[[str, str], None]


@dataclass
class _Job:
    key: str
    function: Callable[[], Any]
    done: Done
    failed: Failed | None


class InspectJobs(QObject):
    """A queue of background jobs run one at a time through a ``TaskRunner``.

    ``submit(key, function, done, failed)``: ``done(result)`` or
    ``failed(message, details)`` is called on the GUI thread. ``idle``
    becomes True once nothing runs or waits; ``became_idle`` is emitted then.
    """

    became_idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = TaskRunner(self)
        self._waiting: list[_Job] = []
        self._current: _Job | None = None
        self._closed = False

    @property
    def idle(self) -> bool:
        """True when no job runs or waits."""
        return self._current is None and not self._waiting

    def submit(self, key: str, function: Callable[[], Any], done: Done, failed: Failed | None = None) -> None:
        """Queue ``function``; a job still waiting under the same ``key`` is dropped for it."""
        if self._closed:
            return
        self._waiting = [job for job in self._waiting if job.key != key]
        self._waiting.append(_Job(key, function, done, failed))
        self._next()

    def cancel(self, key_prefix: str = "") -> None:
        """Drop the waiting jobs whose key starts with ``key_prefix`` (all when empty); a running one ends."""
        self._waiting = [job for job in self._waiting if not job.key.startswith(key_prefix)]

    def shutdown(self) -> None:
        """Drop what waits and block until the running job has finished."""
        self._closed = True
        self._waiting.clear()
        self._runner.wait_all()

    def _next(self) -> None:
        if self._current is not None or not self._waiting:
            return
        self._current = self._waiting.pop(0)
        self._runner.start(f"inspect-{self._current.key}", self._current.function, self._on_done,
                           self._on_failed, tag=self._current)

    def _on_done(self, job: _Job, result: Any) -> None:
        self._finish(job)
        try:
            if not self._closed:
                job.done(result)
        finally:
            self._after()

    def _on_failed(self, job: _Job, message: str, details: str) -> None:
        self._finish(job)
        try:
            if not self._closed and job.failed is not None:
                job.failed(message, details)
        finally:
            self._after()

    def _finish(self, job: _Job) -> None:
        if self._current is job:
            self._current = None

    def _after(self) -> None:
        self._next()
        if self.idle:
            self.became_idle.emit()
