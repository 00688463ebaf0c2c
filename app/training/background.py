"""``BackgroundJob``: the life-cycle a training session and a tuning search share.

A job runs ``_work`` once, on a worker thread (``start``) or in the calling
thread (``run``), publishes its events to a queue that a UI drains on a
timer, and ends with a terminal event (``result``). Subclasses set
``THREAD_NAME`` and ``NOUN`` and implement ``_work``, which must publish a
terminal event and set ``_result``.
"""

from __future__ import annotations

import threading

from app.training.events import Event, EventQueue

IDLE, RUNNING = "idle", "running"


class BackgroundJob:
    """Start once, run on a worker thread or in the caller's, drain events, wait, read the result."""

    THREAD_NAME = "netloom-job"
    NOUN = "job"  # for messages: "this search has already started"

    def __init__(self) -> None:
        self._queue = EventQueue()
        self._thread: threading.Thread | None = None
        self._state = IDLE
        self._result: Event | None = None

    def start(self) -> None:
        """Work on a new worker thread; returns at once."""
        self._require_idle("start")
        self._state = RUNNING
        self._thread = threading.Thread(target=self._work, name=self.THREAD_NAME, daemon=True)
        self._thread.start()

    def run(self) -> Event:
        """Work in the calling thread and return the last event (finished, stopped or failed)."""
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

    def drain(self, limit: int | None = None) -> list[Event]:
        """The events published since the last call, oldest first; never blocks."""
        return self._queue.drain(limit)

    @property
    def state(self) -> str:
        """idle, running, then what the job says (stopping, finished, stopped, failed, ...)."""
        return self._state

    @property
    def result(self) -> Event | None:
        """The last event once the job ended, else None."""
        return self._result

    def _require_idle(self, what: str) -> None:
        if self._state != IDLE:
            raise RuntimeError(f"{what}: this {self.NOUN} has already started; make a new "
                               f"{type(self).__name__}")

    def _work(self) -> None:
        raise NotImplementedError
