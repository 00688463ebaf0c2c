"""``TrainingSettings``: a project's ``training`` section as a checked dataclass, and back.

The section is plain JSON; the examples write its first keys, every other
key is optional and falls back to the default below::

    {
      "optimizer": "adam", "learning_rate": 0.001,
      "optimizer_params": {"beta_1": 0.9},          (the optimizer's own parameters)
      "weight_decay": null, "clipnorm": null, "clipvalue": null, "global_clipnorm": null,
      "lr_schedule": {"kind": "cosine", "warmup_steps": 100},
      "loss": "sparse_categorical_crossentropy",     ("auto": proposed from output and labels;
                                                      or {"output_name": "loss", ...} per output)
      "metrics": ["accuracy"],
      "batch_size": 32, "epochs": 15,
      "validation_split": 0.0, "shuffle": true, "seed": null,
      "early_stopping": {"monitor": "val_loss", "patience": 5, "min_delta": 0.0,
                         "restore_best_weights": true},
      "checkpoint": {"best": true, "last": true, "monitor": "auto"},
      "log_batches": false, "tensorboard": false, "stop_on_nan": true,
      "record_health": false,                        (histograms, gradient norms: see app.inspection)
      "freeze": ["mobilenet"],
      "fine_tune": {"unfreeze": ["mobilenet"], "head_epochs": 3, "top_layers": null,
                    "learning_rate": 1e-5},
      "device": "auto",                              ("cpu", "gpu", "gpu:1", ...)
      "precision": "float32",                        (or "mixed_float16", "mixed_bfloat16")
      "jit_compile": "auto",                         (or true / false: XLA on TensorFlow, jit on JAX)
      "distribute": "none"                           ("all_gpus": MirroredStrategy on TensorFlow,
                                                      DataParallel on JAX; "multi_worker":
                                                      MultiWorkerMirroredStrategy from TF_CONFIG)
    }

Schedules (``lr_schedule.kind``), with steps counted in batches:
``constant``; ``piecewise`` (``boundaries``: steps, ``values``: one more
rate than boundaries); ``exponential`` (``decay_steps``, ``decay_rate``,
``staircase``); ``cosine`` (``decay_steps`` (default: the whole run),
``warmup_steps``, ``warmup_start``, ``alpha``); ``plateau`` (``monitor``,
``factor``, ``patience``, ``min_lr``, ``cooldown``, ``min_delta``).

Every run logs its epochs to ``history.csv`` (``log_batches`` adds
``batches.csv``). ``validation_split`` is used only when the data has no validation split of
its own. Keys this module does not know are kept and written back
unchanged. A bad value raises ``ValueError`` naming the field
(``training.lr_schedule.decay_rate: ...``). Nothing here imports Keras.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

OPTIMIZER_PARAMS: dict[str, dict[str, str]] = {
    # name -> {param: kind}; kinds: "unit" in [0, 1), "fraction" in [0, 1], "positive", "nonneg", "bool"
    "sgd": {"momentum": "fraction", "nesterov": "bool"},
    "adam": {"beta_1": "unit", "beta_2": "unit", "epsilon": "positive", "amsgrad": "bool"},
    "adamw": {"beta_1": "unit", "beta_2": "unit", "epsilon": "positive", "amsgrad": "bool"},
    "rmsprop": {"rho": "unit", "momentum": "fraction", "epsilon": "positive", "centered": "bool"},
    "adagrad": {"initial_accumulator_value": "nonneg", "epsilon": "positive"},
    "adadelta": {"rho": "unit", "epsilon": "positive"},
    "adamax": {"beta_1": "unit", "beta_2": "unit", "epsilon": "positive"},
    "nadam": {"beta_1": "unit", "beta_2": "unit", "epsilon": "positive"},
    "lion": {"beta_1": "unit", "beta_2": "unit"},
}
OPTIMIZER_CLASSES = {
    "sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad",
    "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam", "lion": "Lion",
}
SCHEDULE_KINDS = ("constant", "piecewise", "exponential", "cosine", "plateau")
LOSSES = (
    "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "huber", "log_cosh", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy",
    "categorical_focal_crossentropy", "hinge", "squared_hinge", "categorical_hinge", "kl_divergence",
    "poisson", "cosine_similarity",
)
AUTO = "auto"
METRICS = (
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_accuracy", "precision", "recall", "f1", "auc", "mean_absolute_error", "mean_squared_error",
    "root_mean_squared_error", "mean_absolute_percentage_error", "r2",
)
METRIC_ALIASES = {
    "acc": "accuracy", "mae": "mean_absolute_error", "mse": "mean_squared_error",
    "rmse": "root_mean_squared_error", "mape": "mean_absolute_percentage_error", "f1_score": "f1",
}
# Metrics where a larger value is better (checkpoint, early stopping and plateau follow this).
PRECISIONS = ("float32", "mixed_float16", "mixed_bfloat16")
DISTRIBUTIONS = ("none", "all_gpus", "multi_worker")
HIGHER_IS_BETTER = ("accuracy", "precision", "recall", "f1", "auc", "r2")


@dataclass
class Schedule:
    """The learning-rate schedule: ``kind`` and the parameters that kind uses (steps are batches)."""

    kind: str = "constant"
    boundaries: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    decay_steps: int | None = None
    decay_rate: float = 0.96
    staircase: bool = False
    warmup_steps: int = 0
    warmup_start: float = 0.0
    alpha: float = 0.0
    monitor: str = "val_loss"
    factor: float = 0.1
    patience: int = 10
    min_lr: float = 0.0
    cooldown: int = 0
    min_delta: float = 1e-4

    _KEYS = {
        "constant": (),
        "piecewise": ("boundaries", "values"),
        "exponential": ("decay_steps", "decay_rate", "staircase"),
        "cosine": ("decay_steps", "warmup_steps", "warmup_start", "alpha"),
        "plateau": ("monitor", "factor", "patience", "min_lr", "cooldown", "min_delta"),
    }

    def to_dict(self) -> dict[str, Any]:
        """The schedule as stored: ``kind`` and that kind's parameters only."""
        return {"kind": self.kind, **{key: copy.copy(getattr(self, key)) for key in self._KEYS[self.kind]}}

    @classmethod
    def from_dict(cls, data: Any, where: str = "training.lr_schedule") -> Schedule:
        """Check and read a stored schedule; ``ValueError`` names the field."""
        if data is None:
            return cls()
        if isinstance(data, str):
            data = {"kind": data}
        _require(isinstance(data, Mapping), where, f"expected an object, received {data!r}")
        kind = data.get("kind", "constant")
        _require(kind in SCHEDULE_KINDS, f"{where}.kind",
                 f"expected one of {', '.join(SCHEDULE_KINDS)}; received {kind!r}")
        schedule = cls(kind=kind)
        for key in cls._KEYS[kind]:
            if key in data and data[key] is not None:
                setattr(schedule, key, data[key])
        schedule._check(where)
        return schedule

    def _check(self, where: str) -> None:
        if self.kind == "piecewise":
            _require(isinstance(self.boundaries, list) and all(_is_int(b) and b > 0 for b in self.boundaries),
                     f"{where}.boundaries", f"expected a list of positive step numbers; received "
                     f"{self.boundaries!r}")
            _require(self.boundaries == sorted(set(self.boundaries)), f"{where}.boundaries",
                     "the steps must increase")
            _require(isinstance(self.values, list) and all(_is_number(v) and v >= 0 for v in self.values),
                     f"{where}.values", f"expected a list of learning rates; received {self.values!r}")
            _require(len(self.values) == len(self.boundaries) + 1, f"{where}.values",
                     f"expected {len(self.boundaries) + 1} rates (one more than the boundaries); "
                     f"received {len(self.values)}")
        if self.decay_steps is not None:
            _check_int(self.decay_steps, f"{where}.decay_steps", 1)
        _check_number(self.decay_rate, f"{where}.decay_rate", 0.0, 1.0, low_open=True)
        _check_bool(self.staircase, f"{where}.staircase")
        _check_int(self.warmup_steps, f"{where}.warmup_steps", 0)
        _check_number(self.warmup_start, f"{where}.warmup_start", 0.0)
        _check_number(self.alpha, f"{where}.alpha", 0.0, 1.0)
        _require(isinstance(self.monitor, str) and self.monitor, f"{where}.monitor", "expected a metric name")
        _check_number(self.factor, f"{where}.factor", 0.0, 1.0, low_open=True, high_open=True)
        _check_int(self.patience, f"{where}.patience", 0)
        _check_number(self.min_lr, f"{where}.min_lr", 0.0)
        _check_int(self.cooldown, f"{where}.cooldown", 0)
        _check_number(self.min_delta, f"{where}.min_delta", 0.0)


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs."""

    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0
    restore_best_weights: bool = True

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "training.early_stopping") -> EarlyStopping | None:
        """Read a stored early-stopping object (``null`` or ``false``: off)."""
        if data is None or data is False:
            return None
        if data is True:
            return cls()
        _require(isinstance(data, Mapping), where, f"expected an object or null, received {data!r}")
        item = cls(**{f.name: data[f.name] for f in fields(cls) if data.get(f.name) is not None})
        _require(isinstance(item.monitor, str) and item.monitor, f"{where}.monitor", "expected a metric name")
        _check_int(item.patience, f"{where}.patience", 0)
        _check_number(item.min_delta, f"{where}.min_delta", 0.0)
        _check_bool(item.restore_best_weights, f"{where}.restore_best_weights")
        return item


@dataclass
class Checkpoint:
    """Which weights a run keeps: the best epoch's (by ``monitor``) and the last."""

    best: bool = True
    last: bool = True
    monitor: str = AUTO  # "auto": val_loss with validation data, else loss

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "training.checkpoint") -> Checkpoint:
        """Read a stored checkpoint object (``null``: the defaults)."""
        if data is None:
            return cls()
        _require(isinstance(data, Mapping), where, f"expected an object, received {data!r}")
        item = cls(**{f.name: data[f.name] for f in fields(cls) if data.get(f.name) is not None})
        _check_bool(item.best, f"{where}.best")
        _check_bool(item.last, f"{where}.last")
        _require(isinstance(item.monitor, str) and item.monitor, f"{where}.monitor", "expected a metric name")
        return item


@dataclass
class FineTune:
    """Two-stage transfer learning: train the head ``head_epochs``, then unfreeze and go on slower.

    ``unfreeze`` names the backbone nodes (frozen in the first stage);
    ``top_layers`` unfreezes only the top N layers inside each (None: all);
    the second stage runs at ``learning_rate`` with a fresh optimizer.
    Batch normalization layers stay frozen, as the Keras guide recommends.
    """

    unfreeze: list[str] = field(default_factory=list)
    head_epochs: int = 1
    top_layers: int | None = None
    learning_rate: float = 1e-5

    def to_dict(self) -> dict[str, Any]:
        """The stored form."""
        return {f.name: copy.copy(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Any, where: str = "training.fine_tune") -> FineTune | None:
        """Read a stored fine-tune object (``null``: a single stage)."""
        if data is None or data is False:
            return None
        _require(isinstance(data, Mapping), where, f"expected an object or null, received {data!r}")
        item = cls(**{f.name: data[f.name] for f in fields(cls) if data.get(f.name) is not None})
        _check_names(item.unfreeze, f"{where}.unfreeze")
        _require(bool(item.unfreeze), f"{where}.unfreeze", "name the backbone node(s) to unfreeze")
        _check_int(item.head_epochs, f"{where}.head_epochs", 0)
        if item.top_layers is not None:
            _check_int(item.top_layers, f"{where}.top_layers", 1)
        _check_number(item.learning_rate, f"{where}.learning_rate", 0.0, low_open=True)
        return item


@dataclass
class TrainingSettings:
    """Everything ``fit`` needs besides the model and the data; see the module docstring."""

    optimizer: str = "adam"
    learning_rate: float = 0.001
    optimizer_params: dict[str, Any] = field(default_factory=dict)
    weight_decay: float | None = None
    clipnorm: float | None = None
    clipvalue: float | None = None
    global_clipnorm: float | None = None
    lr_schedule: Schedule = field(default_factory=Schedule)
    loss: str | dict[str, str] = AUTO
    metrics: list[str] = field(default_factory=list)
    batch_size: int = 32
    epochs: int = 10
    validation_split: float = 0.0
    shuffle: bool = True
    seed: int | None = None
    early_stopping: EarlyStopping | None = None
    checkpoint: Checkpoint = field(default_factory=Checkpoint)
    log_batches: bool = False
    tensorboard: bool = False
    stop_on_nan: bool = True
    record_health: bool = False
    freeze: list[str] = field(default_factory=list)
    fine_tune: FineTune | None = None
    device: str = AUTO
    precision: str = "float32"
    jit_compile: bool | str = AUTO
    distribute: str = "none"
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, written back unchanged

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TrainingSettings:
        """Check and read a project's ``training`` section; ``ValueError`` names the bad field."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)} - {"extra"}
        settings = cls(extra={k: copy.deepcopy(v) for k, v in data.items() if k not in known})
        simple = known - {"lr_schedule", "early_stopping", "checkpoint", "fine_tune"}
        for key in simple:
            if data.get(key) is not None:
                setattr(settings, key, copy.deepcopy(data[key]))
        settings.lr_schedule = Schedule.from_dict(data.get("lr_schedule"))
        settings.early_stopping = EarlyStopping.from_dict(data.get("early_stopping"))
        settings.checkpoint = Checkpoint.from_dict(data.get("checkpoint"))
        settings.fine_tune = FineTune.from_dict(data.get("fine_tune"))
        settings.check()
        return settings

    def to_dict(self) -> dict[str, Any]:
        """The section as stored in the project (unknown keys kept)."""
        data: dict[str, Any] = {
            "optimizer": self.optimizer,
            "learning_rate": self.learning_rate,
            "loss": copy.deepcopy(self.loss),
            "metrics": list(self.metrics),
            "batch_size": self.batch_size,
            "epochs": self.epochs,
            "optimizer_params": copy.deepcopy(self.optimizer_params),
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "clipvalue": self.clipvalue,
            "global_clipnorm": self.global_clipnorm,
            "lr_schedule": self.lr_schedule.to_dict(),
            "validation_split": self.validation_split,
            "shuffle": self.shuffle,
            "seed": self.seed,
            "early_stopping": self.early_stopping.to_dict() if self.early_stopping else None,
            "checkpoint": self.checkpoint.to_dict(),
            "log_batches": self.log_batches,
            "tensorboard": self.tensorboard,
            "stop_on_nan": self.stop_on_nan,
            "record_health": self.record_health,
            "freeze": list(self.freeze),
            "fine_tune": self.fine_tune.to_dict() if self.fine_tune else None,
            "device": self.device,
            "precision": self.precision,
            "jit_compile": self.jit_compile,
            "distribute": self.distribute,
        }
        return {**copy.deepcopy(self.extra), **data}

    def check(self) -> None:
        """Raise ``ValueError`` naming the first field with a bad value."""
        where = "training"
        _require(isinstance(self.optimizer, str) and self.optimizer.lower() in OPTIMIZER_PARAMS,
                 f"{where}.optimizer",
                 f"expected one of {', '.join(OPTIMIZER_CLASSES.values())}; received {self.optimizer!r}")
        self.optimizer = self.optimizer.lower()
        _check_number(self.learning_rate, f"{where}.learning_rate", 0.0, low_open=True)
        _require(isinstance(self.optimizer_params, Mapping), f"{where}.optimizer_params",
                 f"expected an object, received {self.optimizer_params!r}")
        allowed = OPTIMIZER_PARAMS[self.optimizer]
        for name, value in self.optimizer_params.items():
            place = f"{where}.optimizer_params.{name}"
            _require(name in allowed, place,
                     f"{OPTIMIZER_CLASSES[self.optimizer]} has no such parameter; it takes "
                     f"{', '.join(allowed) or 'none'}")
            _check_kind(value, allowed[name], place)
        for name in ("weight_decay", "clipnorm", "clipvalue", "global_clipnorm"):
            value = getattr(self, name)
            if value is not None:
                _check_number(value, f"{where}.{name}", 0.0, low_open=name != "weight_decay")
        _require(self.clipnorm is None or self.global_clipnorm is None, f"{where}.global_clipnorm",
                 "set clipnorm or global_clipnorm, not both")
        self._check_loss(where)
        _require(isinstance(self.metrics, list), f"{where}.metrics",
                 f"expected a list, received {self.metrics!r}")
        self.metrics = [canonical_metric(m, f"{where}.metrics[{i}]") for i, m in enumerate(self.metrics)]
        _check_int(self.batch_size, f"{where}.batch_size", 1)
        _check_int(self.epochs, f"{where}.epochs", 0)
        _check_number(self.validation_split, f"{where}.validation_split", 0.0, 1.0, high_open=True)
        for name in ("shuffle", "log_batches", "tensorboard", "stop_on_nan", "record_health"):
            _check_bool(getattr(self, name), f"{where}.{name}")
        if self.seed is not None:
            _check_int(self.seed, f"{where}.seed", 0)
        _check_names(self.freeze, f"{where}.freeze")
        self._check_scale(where)

    def _check_scale(self, where: str) -> None:
        _require(isinstance(self.device, str) and _is_device(self.device), f"{where}.device",
                 f"expected 'auto', 'cpu', 'gpu' or 'gpu:N'; received {self.device!r}")
        self.device = self.device.lower()
        _require(self.precision in PRECISIONS, f"{where}.precision",
                 f"expected one of {', '.join(PRECISIONS)}; received {self.precision!r}")
        _require(self.jit_compile == AUTO or isinstance(self.jit_compile, bool), f"{where}.jit_compile",
                 f"expected 'auto', true or false; received {self.jit_compile!r}")
        _require(self.distribute in DISTRIBUTIONS, f"{where}.distribute",
                 f"expected one of {', '.join(DISTRIBUTIONS)}; received {self.distribute!r}")

    def _check_loss(self, where: str) -> None:
        losses = self.loss.items() if isinstance(self.loss, Mapping) else [("", self.loss)]
        _require(isinstance(self.loss, (str, Mapping)), f"{where}.loss",
                 f"expected a loss name or an object of output name -> loss; received {self.loss!r}")
        for output, loss in losses:
            place = f"{where}.loss" + (f".{output}" if output else "")
            _require(loss == AUTO or loss in LOSSES, place,
                     f"expected {AUTO!r} or one of {', '.join(LOSSES)}; received {loss!r}")


def mode_for(monitor: str) -> str:
    """``"max"`` for metrics where larger is better, ``"min"`` for losses and errors."""
    name = monitor.removeprefix("val_").removeprefix("test_")
    return "max" if any(word in name for word in HIGHER_IS_BETTER) and "error" not in name else "min"


def canonical_metric(name: Any, where: str = "training.metrics") -> str:
    """The canonical name of a metric (``"mae"`` -> ``"mean_absolute_error"``; ``"top_5_accuracy"`` kept)."""
    _require(isinstance(name, str), where, f"expected a metric name, received {name!r}")
    name = METRIC_ALIASES.get(name, name)
    if name in METRICS or top_k_of(name) is not None:
        return name
    raise ValueError(f"{where}: unknown metric {name!r}; expected one of {', '.join(METRICS)} "
                     "or top_K_accuracy (K a number)")


def top_k_of(name: str) -> int | None:
    """K of ``"top_K_accuracy"`` (5 for ``"top_k_accuracy"``), or None for other metrics."""
    if name == "top_k_accuracy":
        return 5
    parts = name.split("_")
    if len(parts) == 3 and parts[0] == "top" and parts[1].isdigit() and parts[2] == "accuracy":
        return int(parts[1]) if int(parts[1]) > 0 else None
    return None


# ------------------------------------------------------------------ checks
def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise ValueError(f"{where}: {message}")


def _is_device(text: str) -> bool:
    kind, _, index = text.lower().partition(":")
    if kind in (AUTO, "cpu", "gpu") and not index:
        return True
    return kind in ("cpu", "gpu") and index.isdigit()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_number(value: Any, where: str, low: float | None = None, high: float | None = None,
                  low_open: bool = False, high_open: bool = False) -> None:
    _require(_is_number(value), where, f"expected a number, received {value!r}")
    if low is not None:
        _require(value > low if low_open else value >= low, where,
                 f"expected a number {'above' if low_open else 'of at least'} {low:g}, received {value!r}")
    if high is not None:
        _require(value < high if high_open else value <= high, where,
                 f"expected a number {'below' if high_open else 'of at most'} {high:g}, received {value!r}")


def _check_int(value: Any, where: str, low: int) -> None:
    _require(_is_int(value) and value >= low, where, f"expected a whole number of at least {low}, "
             f"received {value!r}")


def _check_bool(value: Any, where: str) -> None:
    _require(isinstance(value, bool), where, f"expected true or false, received {value!r}")


def _check_names(value: Any, where: str) -> None:
    _require(isinstance(value, list) and all(isinstance(v, str) and v for v in value), where,
             f"expected a list of node names, received {value!r}")


def _check_kind(value: Any, kind: str, where: str) -> None:
    if kind == "bool":
        _check_bool(value, where)
    elif kind == "unit":
        _check_number(value, where, 0.0, 1.0, high_open=True)
    elif kind == "fraction":
        _check_number(value, where, 0.0, 1.0)
    elif kind == "positive":
        _check_number(value, where, 0.0, low_open=True)
    else:
        _check_number(value, where, 0.0)
