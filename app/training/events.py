"""The plain events a ``TrainingSession`` publishes, and the thread-safe queue that holds them.

Every event is an ``Event(kind, data, time)``; ``data`` holds plain
Python values only (numbers, text, lists, dicts). The kinds and their data:

- ``started``: run_dir, epochs, initial_epoch, steps_per_epoch, samples, batch_size,
  metrics (names), validation (whether epochs end with a validation pass), loss, notes,
  backend, device, precision, continued_from
- ``batch_end``: epoch, batch, step, logs (loss and metrics so far this epoch), lr, samples_per_s
- ``epoch_end``: epoch, logs (with ``val_`` metrics), lr, seconds
- ``learning_rate``: lr, reason (``plateau`` or ``set``)
- ``paused`` / ``resumed``: epoch, batch
- ``stage``: stage (2), unfrozen (node names), lr: the second stage of a fine-tune began
- ``finished`` / ``stopped``: run_dir, history, best_weights, last_weights, final, test, message, reason
- ``failed``: run_dir, message, details (the traceback)

A run ends with exactly one of ``finished``, ``stopped`` or ``failed``.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field
from typing import Any

STARTED, BATCH_END, EPOCH_END, LEARNING_RATE = "started", "batch_end", "epoch_end", "learning_rate"
PAUSED, RESUMED, STAGE = "paused", "resumed", "stage"
FINISHED, STOPPED, FAILED = "finished", "stopped", "failed"
TERMINAL = (FINISHED, STOPPED, FAILED)


@dataclass(frozen=True)
class Event:
    """One thing that happened in training: its ``kind``, plain ``data`` and a monotonic ``time``."""

    kind: str
    data: dict[str, Any] = field(default_factory=dict)
    time: float = field(default_factory=time.monotonic)

    @property
    def terminal(self) -> bool:
        """True for the run's last event: finished, stopped or failed."""
        return self.kind in TERMINAL


class EventQueue:
    """A thread-safe FIFO of events: the training thread puts, a UI timer drains."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Event] = queue.SimpleQueue()

    def put(self, event: Event) -> None:
        """Add ``event`` (never blocks)."""
        self._queue.put(event)

    def drain(self, limit: int | None = None) -> list[Event]:
        """Take every waiting event (at most ``limit``), oldest first; never blocks."""
        events: list[Event] = []
        while limit is None or len(events) < limit:
            try:
                events.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return events
