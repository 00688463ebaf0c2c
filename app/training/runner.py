"""One training run, start to end, on the session's worker thread.

``Runner.run`` loads the data, builds and compiles the model, restores a
previous run's state when continuing, calls ``fit`` (twice for a two-stage
fine-tune), writes the run folder as it goes and returns the last event.
It never raises: any failure becomes a ``failed`` event naming the phase
and the cause, and the run folder is completed all the same.
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.build.keras_builder import to_keras
from app.core.catalog import Catalog
from app.core.layer_factory import clean_keras_message
from app.core.project import Project
from app.data.augment import AugmentSettings, augmented_model
from app.data.dataset import CLASSIFICATION, DataError, Dataset
from app.data.sources import load_source
from app.training import events as ev
from app.training import runs
from app.training.compiling import make_metrics, make_optimizer, resolve_losses
from app.training.devices import batch_replicas, even_for_replicas, placement
from app.training.schedules import has_variable_rate, learning_rate_at
from app.training.settings import AUTO, TrainingSettings, mode_for

# Checkpoint files (and history.csv) are written at most once per this many times the time writing
# them took (0.5% of training), and at least every MAX_WRITE_INTERVAL_S, so a fast model is not slowed
# down by saving after every short epoch, and a slow one never goes long unsaved.
WRITE_COST_FACTOR = 200
MAX_WRITE_INTERVAL_S = 60.0


class Control:
    """What the caller's thread asks of the training thread: stop, pause, a new learning rate."""

    def __init__(self) -> None:
        self.stop_requested = threading.Event()
        self.running = threading.Event()  # cleared while paused
        self.running.set()
        self._lock = threading.Lock()
        self._pending_rate: float | None = None

    def request_rate(self, rate: float) -> None:
        """Ask for ``rate`` from the next batch boundary on (at once while paused)."""
        with self._lock:
            self._pending_rate = float(rate)

    def take_rate(self) -> float | None:
        """The rate asked for since the last call, if any."""
        if self._pending_rate is None:  # asked at every batch: no lock while nothing is asked
            return None
        with self._lock:
            rate, self._pending_rate = self._pending_rate, None
        return rate


class Runner:
    """Does one run; ``publish`` receives each event as it happens (on this thread)."""

    def __init__(
        self,
        project: Project,
        settings: TrainingSettings,
        control: Control,
        publish: Callable[[ev.Event], None],
        runs_root: Path,
        dataset: Any = None,
        continue_from: Path | None = None,
        catalog: Catalog | None = None,
        extra_callbacks: Callable[[Path, Any], list[Any]] | None = None,
    ) -> None:
        self.project = project
        self.settings = settings
        self.control = control
        self._publish = publish
        self.runs_root = runs_root
        self.dataset = dataset
        self.continue_from = continue_from
        self.catalog = catalog
        self.extra_callbacks = extra_callbacks
        self.folder: runs.RunFolder | None = None
        self.model: Any = None
        self.fit_model: Any = None  # what ``fit`` trains: the model, or the model behind augmentation
        self.phase = "starting"
        self.notes: list[str] = []
        self.epoch = 0  # 0-based Keras index of the current epoch
        self.epochs_done = 0
        self.stage = 1
        self.iterations = 0  # the optimizer's step count (the schedule's position)
        self.total_steps = 1
        self.rate = settings.learning_rate  # the current rate when it is a variable
        self.best: dict[str, Any] = {}
        self.nan_at: tuple[int, int, float] | None = None
        self.good: Snapshot | None = None  # the state at the last good epoch end
        self.best_weights: list[Any] | None = None  # the best epoch's weights until written
        self._last_write = time.perf_counter()
        self._write_cost = 0.0
        self._epoch_start = time.perf_counter()
        self._early_stopping: Any = None
        self._plateau: Any = None

    # ------------------------------------------------------------------ run
    def publish(self, kind: str, **data: Any) -> None:
        """Publish one event of ``kind``."""
        self._publish(ev.Event(kind, data))

    def run(self) -> ev.Event:
        """Train and return the terminal event; never raises."""
        started = time.time()
        try:
            self.folder = runs.RunFolder.create(self.runs_root)
            self._write_start(started)
            self.phase = "choosing the device"
            with placement(self.settings, self.notes):
                event = self._train(started)
        except Exception as error:  # The run must end as failed with the reason, whatever broke.
            event = self._fail(error, started)
        self._publish(event)
        return event

    def _write_start(self, started: float) -> None:
        folder = self.folder
        settings = {"training": self.settings.to_dict(), "data": self.project.data}
        folder.write_json(runs.SETTINGS_FILE, settings)
        folder.write_json(runs.PROJECT_FILE, self.project.to_dict())
        folder.write_history()
        folder.update_info(
            status=runs.RUNNING, reason="", message="", started=_iso(started), ended="",
            project=str(self.project.path) if self.project.path else None,
            continued_from=str(self.continue_from) if self.continue_from else None,
            epochs_planned=self.settings.epochs, epochs_done=0,
        )

    def _train(self, started: float) -> ev.Event:
        import keras

        from app.training.callbacks import BatchLogsAsTheyCome

        settings = self.settings
        if settings.seed is not None:
            keras.utils.set_random_seed(settings.seed)
        self.phase = "loading the data"
        data = self.dataset if self.dataset is not None else load_source(self.project.data, self._base_dir())
        self.phase = "building the model"
        model = self.model = to_keras(self.project.graph, self.catalog, name=_model_name(self.project.name))
        if self.continue_from is None:
            self._load_project_weights(model)
        data = self._fit_data_to_model(data, model)
        data, cut_notes = even_for_replicas(data, batch_replicas(), settings.batch_size,
                                            settings.validation_split)
        self.notes += cut_notes
        resume = self._resume_state()
        self.epochs_done = initial_epoch = int(resume.get("epoch", 0))
        self.stage = int(resume.get("stage", 1))
        total_epochs = initial_epoch + settings.epochs
        steps = self._steps_per_epoch(data)
        self.total_steps = int(resume.get("total_steps") or max(steps * total_epochs, 1))
        self.best = dict(resume.get("best") or {})
        self.phase = "compiling the model"
        classification = _is_classification(data)
        one_hot = isinstance(data, Dataset) and data.labels_one_hot
        self.loss, notes = resolve_losses(settings, self.project.graph, one_hot, classification)
        self.notes += notes
        self._freeze(model)
        if self.stage == 2:
            self._unfreeze(model)
        self._compile(model, data)
        if self.continue_from is not None:
            self._restore(model, resume)
        self.good = Snapshot(model.get_weights(), _optimizer_values(model.optimizer), self._state())
        callbacks = self._callbacks(resume)
        if self.extra_callbacks is not None:
            callbacks = [*self.extra_callbacks(self.folder.path, data), *callbacks]
        self.publish(
            ev.STARTED, run_dir=str(self.folder.path), epochs=total_epochs, initial_epoch=initial_epoch,
            steps_per_epoch=steps, samples=self._train_samples(data), batch_size=settings.batch_size,
            metrics=list(settings.metrics), validation=self._validates(data), loss=self.loss,
            notes=list(self.notes),
            backend=keras.backend.backend(), device=settings.device, precision=settings.precision,
            continued_from=str(self.continue_from) if self.continue_from else None,
        )
        self.phase = "training"
        for first, last, stage in self._stages(initial_epoch, total_epochs):
            if self.control.stop_requested.is_set():  # stopped before this stage began
                break
            if stage == 2 and self.stage == 1:
                self._start_second_stage(model, data)
            hooks = BatchLogsAsTheyCome(callbacks, add_history=True, model=self.fit_model)
            self.fit_model.fit(**self._fit_arguments(data), epochs=last, initial_epoch=first, verbose=0,
                               callbacks=hooks)
            if self.fit_model.stop_training and (self.nan_at or self.control.stop_requested.is_set()):
                break
            if self._early_stopping is not None and self._early_stopping.stopped_epoch > 0:
                break
        return self._finish(model, data, started)

    # ------------------------------------------------------------ preparing
    def _base_dir(self) -> Path:
        return self.project.path.parent if self.project.path else Path.cwd()

    def _load_project_weights(self, model: Any) -> None:
        """Start from the project's own weights (an imported model's), where it has some."""
        path = self.project.weights_path()
        if path is None:
            return
        if not path.is_file():
            raise DataError(f"{path}: the project's weights file is missing (it is named in the project)")
        self.phase = "loading the project's weights"
        model.load_weights(str(path), skip_mismatch=True)  # layers added since the import start fresh
        self.notes.append(f"Started from the project's weights ({path.name}).")

    def _fit_data_to_model(self, data: Any, model: Any) -> Any:
        if isinstance(data, Dataset) and len(model.inputs) == 1:
            data = data.reshape_for(tuple(model.inputs[0].shape[1:]))
            self.notes += [note for note in data.notes if "reshaped" in note]
        return data

    def _resume_state(self) -> dict[str, Any]:
        if self.continue_from is None:
            return {}
        path = self.continue_from / runs.STATE_FILE
        if not path.is_file():
            raise DataError(f"{self.continue_from}: no {runs.STATE_FILE}; this run cannot be continued")
        return json.loads(path.read_text(encoding="utf-8"))

    def _steps_per_epoch(self, data: Any) -> int:
        if isinstance(data, Dataset):
            return max(math.ceil(self._train_samples(data) / self.settings.batch_size), 1)
        try:
            return max(len(data.train), 1)
        except TypeError:
            return 1

    def _train_samples(self, data: Any) -> int:
        if not isinstance(data, Dataset):
            return 0
        count = len(data.x_train)
        if data.x_val is None and self.settings.validation_split:
            count = math.ceil(count * (1.0 - self.settings.validation_split))
        return count

    def _stages(self, first: int, last: int) -> list[tuple[int, int, int]]:
        tune = self.settings.fine_tune
        if tune is None or self.stage == 2:
            return [(first, last, self.stage)]
        split = min(max(tune.head_epochs, first), last)
        stages = [(first, split, 1)] if split > first else []
        return stages + ([(split, last, 2)] if last > split else [])

    def _freeze(self, model: Any) -> None:
        names = list(self.settings.freeze)
        if self.settings.fine_tune is not None:
            names += self.settings.fine_tune.unfreeze
        for name in names:
            self._layer(model, name).trainable = False

    def _unfreeze(self, model: Any) -> None:
        import keras

        tune = self.settings.fine_tune
        for name in tune.unfreeze:
            layer = self._layer(model, name)
            layer.trainable = True
            inner = list(getattr(layer, "layers", []))
            if tune.top_layers is not None:
                for item in inner[: max(len(inner) - tune.top_layers, 0)]:
                    item.trainable = False
            for item in inner:
                if isinstance(item, keras.layers.BatchNormalization):
                    item.trainable = False

    @staticmethod
    def _layer(model: Any, name: str) -> Any:
        try:
            return model.get_layer(name)
        except ValueError:
            names = ", ".join(layer.name for layer in model.layers)
            raise ValueError(f"training.freeze / fine_tune.unfreeze: the model has no node named {name!r}; "
                             f"its nodes are {names}") from None

    def _compile(self, model: Any, data: Any) -> None:
        settings = self.settings
        rate = settings.fine_tune.learning_rate if self.stage == 2 and settings.fine_tune else None
        optimizer = make_optimizer(settings, self.total_steps, rate)
        metrics: Any = make_metrics(settings.metrics, self.loss, _num_classes(data))
        if len(model.outputs) > 1:
            metrics = {name: make_metrics(settings.metrics, self.loss, _num_classes(data))
                       for name in model.output_names}
        model.compile(optimizer=optimizer, loss=self.loss, metrics=metrics, jit_compile=settings.jit_compile)
        self.fit_model = self._with_augmentation(model, data)
        self.rate = float(settings.learning_rate if rate is None else rate)
        self.iterations = 0

    def _with_augmentation(self, model: Any, data: Any) -> Any:
        """The model ``fit`` trains: ``model`` behind the project's augmentation layers, when any are on.

        The wrapper shares the model's layers and its optimizer, so training it
        trains ``model``; the random layers act only in training, so
        validation, the test set and the saved weights are those of ``model``.
        """
        raw = self.project.data.get("augmentation")
        if not raw:
            return model
        augment = AugmentSettings.from_dict(raw)
        if not augment.active:
            return model
        if len(model.inputs) != 1 or len(model.inputs[0].shape) != 4:
            if "augmentation" not in " ".join(self.notes):
                self.notes.append("Augmentation skipped: it applies to models with one image Input.")
            return model
        wrapper = augmented_model(model, augment, _value_range(data), seed=self.settings.seed)
        metrics = make_metrics(self.settings.metrics, self.loss, _num_classes(data))
        wrapper.compile(optimizer=model.optimizer, loss=self.loss, metrics=metrics,
                        jit_compile=self.settings.jit_compile)
        if not any(note.startswith("Augmentation:") for note in self.notes):
            names = ", ".join(type(layer).__name__ for layer in wrapper.layers[1:-1])  # input, ..., model
            self.notes.append(f"Augmentation: {names}, in training only.")
        return wrapper

    def _restore(self, model: Any, resume: dict[str, Any]) -> None:

        self.phase = "restoring the run to continue"
        source = self.continue_from
        optimizer_file = source / runs.OPTIMIZER_FILE
        if optimizer_file.is_file():
            model.optimizer.build(model.trainable_variables)  # so the weights file's optimizer part loads too
        model.load_weights(str(source / runs.LAST_WEIGHTS))
        if optimizer_file.is_file():
            runs.load_optimizer_state(model.optimizer, model.trainable_variables, optimizer_file)
            self.iterations = int(_value(model.optimizer.iterations))
            if has_variable_rate(self.settings):
                self.rate = float(_value(model.optimizer.learning_rate))
        else:
            self.notes.append(f"{source.name} kept no optimizer state; the optimizer starts afresh")
        self.notes.append(f"continued from run {source.name} after epoch {self.epochs_done}")

    def _callbacks(self, resume: dict[str, Any]) -> list[Any]:
        import keras

        from app.training.callbacks import LOG_LAG_S, Bridge, ResumableEarlyStopping, ResumablePlateau

        settings = self.settings
        items: list[Any] = []
        schedule = settings.lr_schedule
        if schedule.kind == "plateau":
            self._plateau = ResumablePlateau(
                resume.get("plateau"), monitor=schedule.monitor, factor=schedule.factor,
                patience=schedule.patience, min_lr=schedule.min_lr, cooldown=schedule.cooldown,
                min_delta=schedule.min_delta, mode=mode_for(schedule.monitor),
            )
            items.append(self._plateau)
        if settings.early_stopping is not None:
            stop = settings.early_stopping
            self._early_stopping = ResumableEarlyStopping(
                resume.get("early_stopping"), monitor=stop.monitor, patience=stop.patience,
                min_delta=stop.min_delta, restore_best_weights=stop.restore_best_weights,
                mode=mode_for(stop.monitor),
            )
            items.append(self._early_stopping)
        missing = [name for name in ("tensorflow", "tensorboard") if importlib.util.find_spec(name) is None]
        if settings.tensorboard and missing:  # Keras writes TensorBoard logs through tf.summary
            self.notes.append(f"TensorBoard logs skipped: the {' and '.join(missing)} package is not "
                              f"installed (pip install {' '.join(missing)})")
        elif settings.tensorboard:
            items.append(keras.callbacks.TensorBoard(log_dir=str(self.folder.file(runs.TENSORBOARD_DIR))))
        lag = 0.0 if settings.distribute == "multi_worker" else LOG_LAG_S
        items.append(Bridge(self._on_epoch_begin, self._on_batch, self._on_epoch, lag_s=lag))
        return items

    def _fit_arguments(self, data: Any) -> dict[str, Any]:
        settings = self.settings
        if not isinstance(data, Dataset):  # an image folder: batched tf.data pipelines
            return {"x": data.train, "validation_data": data.validation}
        arguments: dict[str, Any] = {
            "x": data.x_train, "y": data.y_train, "batch_size": settings.batch_size,
            "shuffle": settings.shuffle,
        }
        if data.x_val is not None:
            arguments["validation_data"] = (data.x_val, data.y_val)
        elif settings.validation_split:
            arguments["validation_split"] = settings.validation_split
        return arguments

    def _validates(self, data: Any) -> bool:
        """True when every epoch ends with a validation pass (so its logs hold ``val_`` values)."""
        arguments = self._fit_arguments(data)
        return arguments.get("validation_data") is not None or bool(arguments.get("validation_split"))

    def _start_second_stage(self, model: Any, data: Any) -> None:
        self.stage = 2
        self._unfreeze(model)
        self._compile(model, data)
        self.publish(ev.STAGE, stage=2, unfrozen=list(self.settings.fine_tune.unfreeze), lr=self.rate)

    # ------------------------------------------------------------ callbacks
    def _on_epoch_begin(self, epoch: int) -> None:
        self.epoch = epoch
        self._epoch_start = time.perf_counter()

    def _on_batch(self, batch: int, logs: dict[str, Any]) -> None:
        self.iterations += 1
        size = self.settings.batch_size
        elapsed = time.perf_counter() - self._epoch_start
        rate = self._current_rate()
        self.publish(ev.BATCH_END, epoch=self.epoch + 1, batch=batch + 1, step=self.iterations, logs=logs,
                     lr=rate, samples_per_s=(batch + 1) * size / elapsed if elapsed > 0 else 0.0)
        if self.settings.log_batches:
            self.folder.add_batch({"epoch": self.epoch + 1, "batch": batch + 1, "step": self.iterations,
                                   **logs, "lr": rate})
        loss = logs.get("loss")
        if self.settings.stop_on_nan and loss is not None and not math.isfinite(loss):
            self.nan_at = (self.epoch + 1, batch + 1, loss)
            self.fit_model.stop_training = True
            return
        self._apply_requested_rate()
        if not self.control.running.is_set() and not self.control.stop_requested.is_set():
            self._pause(batch)
        if self.control.stop_requested.is_set():
            self.fit_model.stop_training = True

    def _pause(self, batch: int) -> None:
        self.publish(ev.PAUSED, epoch=self.epoch + 1, batch=batch + 1)
        paused = time.perf_counter()
        while not self.control.running.wait(0.05):
            self._apply_requested_rate()
        self._apply_requested_rate()
        self._epoch_start += time.perf_counter() - paused  # samples/s counts training time only
        self.publish(ev.RESUMED, epoch=self.epoch + 1, batch=batch + 1)

    def _apply_requested_rate(self) -> None:
        rate = self.control.take_rate()
        if rate is None:
            return
        sync = getattr(self.fit_model, "jax_state_sync", None)
        if callable(sync):
            sync()  # on JAX the step state lives outside the variables until synced
        self.model.optimizer.learning_rate = rate
        self.rate = rate
        self.publish(ev.LEARNING_RATE, lr=rate, reason="set")

    def _current_rate(self) -> float:
        if has_variable_rate(self.settings):
            return self.rate
        second = self.stage == 2 and self.settings.fine_tune is not None
        return learning_rate_at(self.settings, self.iterations, self.total_steps,
                                self.settings.fine_tune.learning_rate if second else None)

    def _on_epoch(self, epoch: int, logs: dict[str, Any]) -> None:
        if self.nan_at is not None:
            return
        seconds = time.perf_counter() - self._epoch_start
        rate = self._current_rate()  # the rate this epoch ended with, before a plateau lowers it
        self._read_rate()
        self.epochs_done = epoch + 1
        self.folder.add_epoch({"epoch": epoch + 1, **logs, "lr": rate, "seconds": seconds})
        self._checkpoint(epoch, logs)
        self.folder.flush_batches()
        self.publish(ev.EPOCH_END, epoch=epoch + 1, logs=dict(logs), lr=rate, seconds=seconds)

    def _read_rate(self) -> None:
        if not has_variable_rate(self.settings):
            return

        rate = float(_value(self.model.optimizer.learning_rate))
        if not math.isclose(rate, self.rate, rel_tol=1e-6):
            self.rate = rate
            self.publish(ev.LEARNING_RATE, lr=rate, reason="plateau")

    def _monitor(self, logs: dict[str, Any]) -> str:
        monitor = self.settings.checkpoint.monitor
        if monitor == AUTO:
            return "val_loss" if "val_loss" in logs else "loss"
        return monitor

    def _checkpoint(self, epoch: int, logs: dict[str, Any]) -> None:
        """Remember this epoch as the last good one (and the best, if it is); write files when due.

        Files (weights, optimizer, state, history) are written at most as often
        as keeps their cost near 0.5% of the training time, at least every
        ``MAX_WRITE_INTERVAL_S``, and always at the end.
        """
        model = self.model
        weights = model.get_weights()
        monitor = self._monitor(logs)
        value = logs.get(monitor)
        improved = False
        if value is not None and math.isfinite(value):
            previous = self.best.get("value") if self.best.get("monitor") == monitor else None
            higher = mode_for(monitor) == "max"
            improved = previous is None or (value > previous if higher else value < previous)
            if improved:
                self.best = {"monitor": monitor, "value": float(value), "epoch": epoch + 1}
                self.best_weights = weights if self.settings.checkpoint.best else None
        self.good = Snapshot(weights, _optimizer_values(model.optimizer), self._state())
        now = time.perf_counter()
        # The workers of a multi-worker run must take the same steps (setting weights is a collective
        # broadcast there), so they write every epoch instead of when the clock says.
        wait = min(WRITE_COST_FACTOR * self._write_cost, MAX_WRITE_INTERVAL_S)
        if self.settings.distribute == "multi_worker" or now - self._last_write >= wait:
            if self.settings.checkpoint.last:
                self._write_checkpoint(best_is_current=improved)
            else:
                self.folder.write_history()
            self._last_write = time.perf_counter()
            self._write_cost = self._last_write - now

    def _write_checkpoint(self, best_is_current: bool = False) -> None:
        """Write the good snapshot (the model holds it now), the best weights still unwritten, and
        the history so far."""
        good = self.good
        self.folder.write_history()
        self._save_weights(runs.LAST_WEIGHTS)
        if len(good.optimizer) == len(self.model.optimizer.variables):
            runs.save_optimizer_values(self.model.optimizer, good.optimizer,
                                       self.folder.file(runs.OPTIMIZER_FILE))
        self.folder.write_json(runs.STATE_FILE, good.state)
        if self.best_weights is not None:
            if best_is_current:  # the same weights as the last ones, just written: a copy is cheaper
                runs.copy_atomic(self.folder.file(runs.LAST_WEIGHTS), self.folder.file(runs.BEST_WEIGHTS))
            else:
                current = self.model.get_weights()
                self.model.set_weights(self.best_weights)
                self._save_weights(runs.BEST_WEIGHTS)
                self.model.set_weights(current)
            self.best_weights = None

    def _state(self) -> dict[str, Any]:
        return {
            "epoch": self.epochs_done, "stage": self.stage, "total_steps": self.total_steps,
            "iterations": self.iterations, "lr": self.rate, "best": self.best,
            "early_stopping": self._early_stopping.state() if self._early_stopping is not None else None,
            "plateau": self._plateau.state() if self._plateau is not None else None,
        }

    def _restore_good(self) -> None:
        """Give the model (and the optimizer, when built alike) the last good epoch's state."""
        self.model.set_weights(self.good.weights)
        variables = self.model.optimizer.variables
        if len(self.good.optimizer) == len(variables):
            for variable, value in zip(variables, self.good.optimizer, strict=True):
                variable.assign(value)

    def _save_weights(self, name: str) -> None:
        """Save the model's weights as ``name``, atomically."""
        runs.write_through_twin(self.folder.file(name), lambda temp: self.model.save_weights(str(temp)))

    # -------------------------------------------------------------- ending
    def _finish(self, model: Any, data: Any, started: float) -> ev.Event:
        folder = self.folder
        if self.nan_at is not None:
            kind, reason, message = ev.STOPPED, "nan_loss", self._nan_message()
            self._restore_good()
        else:
            kind, reason, message = self._ending()
            self.good = Snapshot(model.get_weights(), _optimizer_values(model.optimizer), self._state())
        self._write_checkpoint()
        folder.flush_batches()
        self.phase = "evaluating the test set"
        test = self._evaluate_test(model, data)
        final = {k: v for k, v in (folder.history[-1] if folder.history else {}).items()
                 if k not in ("epoch", "lr", "seconds")}
        ended = time.time()
        folder.update_info(
            status=kind, reason=reason, message=message, ended=_iso(ended), seconds=ended - started,
            epochs_done=self.epochs_done, best=self.best, final=final, test=test, notes=self.notes,
            stage=self.stage,
        )
        best = folder.file(runs.BEST_WEIGHTS)
        return ev.Event(kind, {
            "run_dir": str(folder.path), "reason": reason, "message": message,
            "history": runs.history_columns(folder.history), "final": final, "test": test,
            "best_weights": str(best) if best.is_file() else None,
            "last_weights": str(folder.file(runs.LAST_WEIGHTS)), "epochs_done": self.epochs_done,
        })

    def _ending(self) -> tuple[str, str, str]:
        if self.control.stop_requested.is_set():
            return ev.STOPPED, "user", (
                f"Stopped during epoch {self.epoch + 1}; the weights at that point were kept."
            )
        stop = self._early_stopping
        if stop is not None and stop.stopped_epoch > 0:
            restored = " and the best epoch's weights restored" if stop.restore_best_weights else ""
            return ev.FINISHED, "early_stopping", (
                f"Stopped early after epoch {self.epochs_done}: {stop.monitor} did not improve for "
                f"{stop.patience} epochs{restored}."
            )
        return ev.FINISHED, "completed", f"Finished {self.epochs_done} epochs."

    def _nan_message(self) -> str:
        epoch, batch, loss = self.nan_at
        what = "NaN" if math.isnan(loss) else "infinite"
        kept = f"the end of epoch {self.epochs_done}" if self.epochs_done else "before training"
        return (
            f"The loss became {what} at epoch {epoch}, batch {batch}; training stopped and the weights "
            f"from {kept} were kept. Try a lower learning rate, gradient clipping or scaled data."
        )

    def _evaluate_test(self, model: Any, data: Any) -> dict[str, float]:
        if not isinstance(data, Dataset) or data.x_test is None:
            return {}
        result = model.evaluate(data.x_test, data.y_test, batch_size=self.settings.batch_size, verbose=0,
                                return_dict=True)
        return {f"test_{name}": float(value) for name, value in result.items()}

    def _fail(self, error: Exception, started: float) -> ev.Event:
        message = f"Training failed while {self.phase}: {_describe(error)}"
        if self.phase == "training":
            message = f"Training failed in epoch {self.epoch + 1}: {_describe(error)}"
        details = traceback.format_exc()
        run_dir = None
        if self.folder is not None:
            run_dir = str(self.folder.path)
            try:
                if self.good is not None:
                    self._restore_good()
                    self._write_checkpoint()
            except Exception:  # The weights are a courtesy here; the failure is what must be reported.
                pass
            ended = time.time()
            self.folder.write_history()
            self.folder.update_info(status=runs.FAILED, reason="error", message=message, ended=_iso(ended),
                                    seconds=ended - started, epochs_done=self.epochs_done, notes=self.notes,
                                    details=details)
        return ev.Event(ev.FAILED, {"run_dir": run_dir, "message": message, "details": details})


@dataclass
class Snapshot:
    """The state at the end of a good epoch, in memory: weights, optimizer values, ``state.json``."""

    weights: list[Any]
    optimizer: list[Any]
    state: dict[str, Any]


def _value(variable: Any) -> Any:
    """A Keras variable's (or tensor's) value as NumPy."""
    from keras import ops

    return ops.convert_to_numpy(ops.convert_to_tensor(variable))


def _optimizer_values(optimizer: Any) -> list[Any]:
    # Variable.numpy() reads a variable in about half the time of converting it to a tensor first.
    return [variable.numpy() for variable in optimizer.variables]


def _describe(error: BaseException) -> str:
    ours = not type(error).__module__.startswith(("keras", "tensorflow", "jax", "torch"))
    if isinstance(error, (DataError, ValueError)) and ours:
        return clean_keras_message(error)
    return f"{type(error).__name__}: {clean_keras_message(error)}"


def _is_classification(data: Any) -> bool:
    return data.task == CLASSIFICATION if isinstance(data, Dataset) else True


def _num_classes(data: Any) -> int:
    return int(data.num_classes)


def _model_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name).strip("_")
    return cleaned or "netloom_model"


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp))


def _value_range(data: Any) -> tuple[float, float]:
    """The range of the input values, which the augmentation layers need (image folders: 0-255)."""
    if isinstance(data, Dataset):
        return float(data.x_train.min()), float(data.x_train.max())
    return 0.0, 255.0
