"""Keras callbacks of a training run: the bridge to the session, and resumable stock callbacks.

``Bridge`` forwards Keras's batch and epoch hooks to plain functions (the
run's logic lives in ``app.training.runner``). It reads each batch's logs
a little late (``LOG_LAG_S``), inside ``BatchLogsAsTheyCome``: Keras would
turn them into Python floats at once, which waits for the device to finish
that batch, so the host could not queue the next steps meanwhile and a GPU
would idle between them. Where a batch takes longer than the lag (a CPU,
a big model) each batch is read when the next one ends. ``ResumableEarlyStopping``
and ``ResumablePlateau`` are Keras's own callbacks whose counters (best
value, epochs waited) can be saved and given back, so a continued run picks
up where the last one stopped instead of starting its patience anew.
"""

from __future__ import annotations

import collections
import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

import keras

LOG_LAG_S = 0.025  # a batch's logs are read once they are this old (or once the next batch ended)
MOST_WAITING = 256  # ...or once this many batches wait


class BatchLogsAsTheyCome(keras.callbacks.CallbackList):
    """A ``CallbackList`` that hands batch-end logs on as the backend made them (device values).

    Its callbacks must not need Python floats at a batch end: ``Bridge``
    reads them a batch later; Keras's stock epoch-level callbacks ignore them.
    The batch hooks go only to the callbacks that have them: they are
    called hundreds of times a second, and most callbacks do nothing there.
    """

    def __init__(self, callbacks: Any = None, **options: Any) -> None:
        super().__init__(callbacks, **options)
        self._at_batch_begin = [c for c in self.callbacks if _has_hook(c, "on_train_batch_begin")]
        self._at_batch_end = [c for c in self.callbacks if _has_hook(c, "on_train_batch_end")]

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Tell the callbacks that act at a batch's start."""
        for callback in self._at_batch_begin:
            callback.on_train_batch_begin(batch, logs or {})

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Pass ``logs`` on unconverted, to the callbacks that act at a batch's end."""
        for callback in self._at_batch_end:
            callback.on_train_batch_end(batch, logs)


def _has_hook(callback: keras.callbacks.Callback, hook: str) -> bool:
    """True when ``callback`` does something at ``hook`` (Keras's base class calls the old-style
    ``on_batch_begin`` / ``on_batch_end`` from the training ones, so those count too)."""
    base = keras.callbacks.Callback
    for name in (hook, hook.replace("_train", "")):
        method = getattr(callback, name)
        if getattr(method, "__func__", method) is not getattr(base, name):  # a method or a function set
            return True
    return False


class Bridge(keras.callbacks.Callback):
    """Forwards Keras's hooks: the start of each epoch, the end of each training batch and of each epoch.

    A batch's end is forwarded at a later batch's end once ``lag_s`` has
    passed (or at the epoch's end, or training's), with its logs as Python
    floats by then. With ``lag_s`` 0 each batch is forwarded when the next
    one ends, the same batch on every machine (the workers of a multi-worker
    run must stop at the same batch).
    """

    def __init__(
        self,
        on_epoch_begin: Callable[[int], None],
        on_batch: Callable[[int, dict[str, Any]], None],
        on_epoch: Callable[[int, dict[str, Any]], None],
        lag_s: float = LOG_LAG_S,
    ) -> None:
        super().__init__()
        self.lag_s = lag_s
        self._on_epoch_begin = on_epoch_begin
        self._on_batch = on_batch
        self._on_epoch = on_epoch
        self._waiting: collections.deque[tuple[float, int, dict[str, Any]]] = collections.deque()

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Forward the start of an epoch."""
        self._on_epoch_begin(epoch)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keep this batch's logs; forward the earlier batches whose time has come."""
        now = time.perf_counter()
        waiting = self._waiting
        logs = dict(logs or {})
        _start_copies(logs)
        waiting.append((now, batch, logs))
        due = 0
        while due < len(waiting) - 1 and (
            now - waiting[due][0] >= self.lag_s or len(waiting) - due > MOST_WAITING
        ):
            due += 1
        if due:
            self._forward([waiting.popleft() for _ in range(due)])

    def flush(self) -> None:
        """Forward every batch still waiting."""
        if self._waiting:
            self._forward(list(self._waiting))
            self._waiting.clear()

    def _forward(self, entries: list[tuple[float, int, dict[str, Any]]]) -> None:
        for (_, batch, _), logs in zip(entries, _python_logs([logs for _, _, logs in entries]), strict=True):
            self._on_batch(batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Forward the epoch's last batch, then the end of the epoch (validation included)."""
        self.flush()
        self._on_epoch(epoch, logs or {})

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Forward a batch still waiting (training stopped inside an epoch)."""
        self.flush()


class ResumableEarlyStopping(keras.callbacks.EarlyStopping):
    """``EarlyStopping`` whose wait, best value and best epoch survive a continue."""

    def __init__(self, initial_state: Mapping[str, Any] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._initial_state = dict(initial_state or {})

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Reset as Keras does, then give back the saved counters."""
        super().on_train_begin(logs)
        for key in ("wait", "best", "best_epoch"):
            if self._initial_state.get(key) is not None:
                setattr(self, key, self._initial_state[key])
        self._initial_state = {}  # a later fit (the second stage of a fine-tune) starts afresh

    def state(self) -> dict[str, Any]:
        """The counters to save."""
        return {"wait": int(self.wait), "best": _number(self.best), "best_epoch": int(self.best_epoch),
                "stopped_epoch": int(self.stopped_epoch)}


class ResumablePlateau(keras.callbacks.ReduceLROnPlateau):
    """``ReduceLROnPlateau`` whose wait, best value and cooldown survive a continue."""

    def __init__(self, initial_state: Mapping[str, Any] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._initial_state = dict(initial_state or {})

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Reset as Keras does, then give back the saved counters."""
        super().on_train_begin(logs)
        for key in ("wait", "best", "cooldown_counter"):
            if self._initial_state.get(key) is not None:
                setattr(self, key, self._initial_state[key])
        self._initial_state = {}  # a later fit (the second stage of a fine-tune) starts afresh

    def state(self) -> dict[str, Any]:
        """The counters to save."""
        return {"wait": int(self.wait), "best": _number(self.best),
                "cooldown_counter": int(self.cooldown_counter)}


def _python_logs(batches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each batch's logs with Python floats (backend scalars converted; anything else as it is)."""
    return [{key: _float_or_same(value) for key, value in logs.items()} for logs in batches]


def _start_copies(logs: Mapping[str, Any]) -> None:
    """Start copying device values to the host now, so reading them later does not wait (JAX)."""
    for value in logs.values():
        if _copies_async(type(value)):
            value.copy_to_host_async()


@functools.cache
def _copies_async(kind: type) -> bool:
    # Asked of the type, once: on TensorFlow a missing attribute of a tensor costs ~10 us per batch.
    return callable(getattr(kind, "copy_to_host_async", None))


def _float_or_same(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) != float("inf") else None
