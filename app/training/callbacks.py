"""Keras callbacks of a training run: the bridge to the session, and resumable stock callbacks.

``Bridge`` forwards Keras's batch and epoch hooks to plain functions (the
run's logic lives in ``app.training.runner``). ``ResumableEarlyStopping``
and ``ResumablePlateau`` are Keras's own callbacks whose counters (best
value, epochs waited) can be saved and given back, so a continued run picks
up where the last one stopped instead of starting its patience anew.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import keras


class Bridge(keras.callbacks.Callback):
    """Forwards Keras's hooks: the start of each epoch, the end of each training batch and of each epoch."""

    def __init__(
        self,
        on_epoch_begin: Callable[[int], None],
        on_batch: Callable[[int, dict[str, Any]], None],
        on_epoch: Callable[[int, dict[str, Any]], None],
    ) -> None:
        super().__init__()
        self._on_epoch_begin = on_epoch_begin
        self._on_batch = on_batch
        self._on_epoch = on_epoch

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Forward the start of an epoch."""
        self._on_epoch_begin(epoch)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Forward the end of a training batch (logs are Python floats here)."""
        self._on_batch(batch, logs or {})

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Forward the end of an epoch (validation included)."""
        self._on_epoch(epoch, logs or {})


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


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if abs(number) != float("inf") else None
