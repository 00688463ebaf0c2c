"""``SearchSettings``: how a search runs (space, strategy, trials, objective, storage, devices).

A plain dataclass the Tuning panel fills in and ``netloom tune`` builds from
its arguments; ``check()`` raises ``ValueError`` naming the bad setting.
Nothing here imports Keras.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.training.settings import TrainingSettings, mode_for
from app.tuning import strategies
from app.tuning.space import SearchSpace

AUTO = "auto"
MEMORY = "memory"  # the storage setting for a study kept in memory only
DEFAULT_TRIALS = 20


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
    search resumes. ``devices``: device names (as ``training.device`` takes
    them), one worker each, every trial on its worker's device alone
    (``["gpu:0", "gpu:1"]``); None: one worker, the project's own device setting.
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
        for device in self.devices or ():
            try:
                TrainingSettings.from_dict({"device": device})
            except ValueError:
                raise ValueError(f"devices: expected names such as gpu:0 or cpu; received "
                                 f"{device!r}") from None
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
