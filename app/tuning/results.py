"""What a search found: a table of trials, the best one, border warnings, data for plots.

``load_results(storage, study_name)`` reads a study as ``netloom tune`` or a
``TuningSession`` left it (the space, strategy and objective are kept in the
study, so a finished search can be read back later, from the GUI or another
process). ``SearchResults`` then answers:

- ``rows``: one ``TrialRow`` per trial (params in the settings' own terms,
  the objective value, final metrics, duration, state, run folder);
- ``best``: the best finished trial;
- ``border_warnings()``: parameters whose best value lies in the outer part
  of their range, measured on their own scale (a log scale in exponents),
  each with a refined range centred on the best value;
- ``refined_space()``: the space of a follow-up search around the best trial;
- ``param_series(name)`` and ``parallel_coordinates()``: the objective against
  each parameter, and every trial across all parameters, ready to plot.

Nothing here imports Keras.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from app.tuning.space import (
    INTEGER,
    LINEAR,
    ONE_MINUS_LOG,
    Parameter,
    SearchSpace,
    format_value,
    space_from_specs,
)

COMPLETE, PRUNED, FAILED, RUNNING, WAITING, STOPPED = (
    "complete", "pruned", "failed", "running", "waiting", "stopped",
)
BORDER_MARGIN = 0.1  # the outer tenth of a range, on the parameter's own scale
STUDY_ATTR = "netloom"  # the study's user attribute that holds the search settings
INTERRUPTED, SURPLUS = "interrupted", "surplus"  # trial user attributes: cut short by a stop; dropped
_STATES = {TrialState.COMPLETE: COMPLETE, TrialState.PRUNED: PRUNED, TrialState.FAIL: FAILED,
           TrialState.RUNNING: RUNNING, TrialState.WAITING: WAITING}


@dataclass
class TrialRow:
    """One trial as the table shows it.

    ``state``: complete, pruned (stopped early as poor), failed, stopped (by
    the user; it is tried again when the search resumes), running or waiting.
    ``value``: the objective (the best epoch's value of the objective metric;
    for a pruned trial the last value reported). ``intermediate``: the
    objective after each epoch (epoch -> value).
    """

    number: int
    state: str
    value: float | None
    params: dict[str, Any]
    metrics: dict[str, float] = field(default_factory=dict)
    duration: float | None = None
    epochs: int = 0
    run_dir: str | None = None
    message: str = ""
    device: str | None = None
    worker: str | None = None  # HOST-PID of the process that ran it
    intermediate: dict[int, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (``--json`` writes this)."""
        data = asdict(self)
        data["value"] = _finite(self.value)
        data["metrics"] = {k: _finite(v) for k, v in self.metrics.items()}
        data["intermediate"] = {str(k): _finite(v) for k, v in self.intermediate.items()}
        return data


@dataclass(frozen=True)
class BorderWarning:
    """The best value of ``name`` lies near one end (``side``: low or high) of its range."""

    name: str
    value: Any
    side: str
    position: float  # where the best value sits on the scale, 0..1
    refined: Parameter  # the same width, centred on the best value

    @property
    def message(self) -> str:
        """A sentence for the user."""
        end = "lower" if self.side == "low" else "upper"
        return (f"The best {self.name} ({format_value(self.value)}) lies at the {end} end of its range; "
                f"the best value may lie beyond it. Search again over {self.refined.spec}.")


@dataclass(frozen=True)
class ParamSeries:
    """The objective against one parameter, for a scatter plot on the parameter's own scale.

    ``values`` are the parameter's values (choices as they are), ``positions``
    the same on [0, 1] along the scale; only trials with a value are kept.
    """

    parameter: Parameter
    values: list[Any]
    positions: list[float]
    objective: list[float]
    numbers: list[int]
    states: list[str]

    @property
    def log_axis(self) -> bool:
        """True when the x axis should be logarithmic (log, log-spread int, one-minus-log)."""
        return self.parameter.log_axis


@dataclass(frozen=True)
class ParallelCoordinates:
    """Every trial with a value across all parameters: one line per trial.

    ``axes`` are the parameter names then ``"objective"``; each line holds the
    positions (0..1) on those axes, the objective scaled from worst (0) to best (1).
    """

    axes: list[str]
    lines: list[list[float]]
    numbers: list[int]
    values: list[float]


@dataclass
class SearchResults:
    """The trials of one study and what can be said about them."""

    study_name: str
    space: SearchSpace
    direction: str  # "minimize" or "maximize"
    metric: str
    strategy: str = ""
    rows: list[TrialRow] = field(default_factory=list)

    @property
    def finished(self) -> list[TrialRow]:
        """The complete trials that have a finite value."""
        return [r for r in self.rows if r.state == COMPLETE and _finite(r.value) is not None]

    @property
    def best(self) -> TrialRow | None:
        """The best complete trial (pruned trials never count), or None."""
        rows = self.finished
        if not rows:
            return None
        pick = min if self.direction == "minimize" else max
        return pick(rows, key=lambda r: r.value)

    def border_warnings(self, margin: float = BORDER_MARGIN,
                        limits: Mapping[str, tuple[float | None, float | None]] | None = None
                        ) -> list[BorderWarning]:
        """A warning for each numeric parameter whose best value lies within ``margin`` of an end."""
        best = self.best
        if best is None:
            return []
        warnings = []
        for parameter in self.space:
            if not parameter.numeric or parameter.name not in best.params:
                continue
            value = best.params[parameter.name]
            position = parameter.position(value)
            if margin < position < 1 - margin:
                continue
            refined = refine(parameter, value, 1.0, (limits or {}).get(parameter.name))
            warnings.append(BorderWarning(parameter.name, value, "low" if position <= margin else "high",
                                          position, refined))
        return warnings

    def refined_space(self, margin: float = BORDER_MARGIN, zoom: float = 0.5,
                      limits: Mapping[str, tuple[float | None, float | None]] | None = None
                      ) -> SearchSpace:
        """The space of a follow-up search around the best trial.

        A parameter at the border keeps its width and is centred on the best
        value (so the range now reaches past the old end); the other numeric
        parameters narrow to ``zoom`` of their width around the best value;
        choices stay. ``limits`` (name -> (low, high), see
        ``app.tuning.targets.limits``) keep ranges inside allowed values.
        """
        best = self.best
        if best is None:
            return self.space
        border = {w.name: w.refined for w in self.border_warnings(margin, limits)}
        refined = []
        for parameter in self.space:
            if parameter.name in border:
                refined.append(border[parameter.name])
            elif parameter.numeric and parameter.name in best.params:
                refined.append(refine(parameter, best.params[parameter.name], zoom,
                                      (limits or {}).get(parameter.name)))
            else:
                refined.append(parameter)
        return SearchSpace(tuple(refined))

    def param_series(self, name: str) -> ParamSeries:
        """The objective against parameter ``name`` over the trials with a value."""
        parameter = self.space.get(name)
        rows = [r for r in self.rows if _finite(r.value) is not None and name in r.params
                and r.state in (COMPLETE, PRUNED)]
        return ParamSeries(
            parameter, [r.params[name] for r in rows], [parameter.position(r.params[name]) for r in rows],
            [float(r.value) for r in rows], [r.number for r in rows], [r.state for r in rows],
        )

    def parallel_coordinates(self) -> ParallelCoordinates:
        """Every complete trial as a line across the parameters and the objective."""
        rows = [r for r in self.finished if all(n in r.params for n in self.space.names)]
        values = [float(r.value) for r in rows]
        low, high = (min(values), max(values)) if values else (0.0, 1.0)
        span = (high - low) or 1.0
        lines = []
        for row, value in zip(rows, values):
            score = (value - low) / span
            score = 1.0 - score if self.direction == "minimize" else score
            lines.append([p.position(row.params[p.name]) for p in self.space] + [score])
        return ParallelCoordinates([*self.space.names, "objective"], lines, [r.number for r in rows], values)

    def to_dict(self) -> dict[str, Any]:
        """``study``, ``metric``, ``direction``, ``trials`` (each a ``TrialRow.to_dict``) and ``best``."""
        best = self.best
        return {
            "study": self.study_name, "strategy": self.strategy, "metric": self.metric,
            "direction": self.direction, "space": self.space.specs(),
            "trials": [row.to_dict() for row in self.rows],
            "best": best.to_dict() if best else None,
            "border_warnings": [w.message for w in self.border_warnings()],
        }


def refine(parameter: Parameter, center: Any, width: float,
           limits: tuple[float | None, float | None] | None = None) -> Parameter:
    """``parameter`` over ``width`` of its range (on its scale) centred on ``center``, kept in ``limits``.

    Log and one-minus-log ranges stay valid by construction; linear and
    integer ranges are clipped to ``limits`` (low, high; None: unbounded).
    """
    if not parameter.numeric:
        return parameter
    position = parameter.position(center)
    low, high = parameter.value_at(position - width / 2), parameter.value_at(position + width / 2)
    minimum, maximum = limits or (None, None)
    if minimum is not None:
        low, high = max(low, minimum), max(high, minimum)
    if maximum is not None:
        low, high = min(low, maximum), min(high, maximum)
    if parameter.scale == INTEGER:
        low, high = math.floor(low), math.ceil(high)
        if parameter.log:
            low = max(low, 1)
    if parameter.scale in (LINEAR, ONE_MINUS_LOG) and minimum is None and parameter.low >= 0 > low:
        low = 0.0  # a range that started at 0 or above (a rate, a factor) does not turn negative
    if parameter.scale == ONE_MINUS_LOG and high >= 1.0:
        high = parameter.high
    if not low < high:
        return parameter
    return parameter.with_range(low, high)


def row_from_trial(trial: FrozenTrial, space: SearchSpace) -> TrialRow:
    """The table row of an Optuna trial (values converted back to the settings' own terms)."""
    attrs = trial.user_attrs
    state = _STATES.get(trial.state, str(trial.state.name).lower())
    if state == FAILED and attrs.get(INTERRUPTED):
        state = STOPPED
    duration = attrs.get("seconds")
    if duration is None and trial.datetime_start and trial.datetime_complete:
        duration = (trial.datetime_complete - trial.datetime_start).total_seconds()
    value = trial.value if trial.state in (TrialState.COMPLETE, TrialState.PRUNED) else None
    if value is None and state == PRUNED and trial.intermediate_values:
        value = trial.intermediate_values[max(trial.intermediate_values)]
    internal = trial.params or trial.system_attrs.get("fixed_params") or {}  # a queued trial: fixed ones
    params = dict(attrs.get("values") or space.values_of(internal))
    return TrialRow(
        number=trial.number, state=state, value=_finite(value), params=params,
        metrics={k: float(v) for k, v in (attrs.get("metrics") or {}).items() if v is not None},
        duration=duration, epochs=int(attrs.get("epochs", 0)), run_dir=attrs.get("run_dir"),
        message=str(attrs.get("message", "")), device=attrs.get("device"), worker=attrs.get("worker"),
        intermediate={int(k): float(v) for k, v in trial.intermediate_values.items()},
    )


def results_of(study: optuna.Study, space: SearchSpace | None = None) -> SearchResults:
    """The results of an open study; the space defaults to the one the study keeps."""
    settings = study.user_attrs.get(STUDY_ATTR) or {}
    if space is None:
        space = space_from_specs(settings.get("space") or [])
    direction = "maximize" if study.direction == optuna.study.StudyDirection.MAXIMIZE else "minimize"
    trials = [t for t in study.get_trials(deepcopy=False) if not t.user_attrs.get(SURPLUS)]
    metric = settings.get("metric", "auto")
    if metric == "auto":  # the metric the trials actually used (val_loss, or loss without validation)
        metric = next((t.user_attrs["metric"] for t in trials if t.user_attrs.get("metric")), metric)
    rows = [row_from_trial(t, space) for t in trials]
    return SearchResults(study.study_name, space, direction, metric, settings.get("strategy", ""), rows)


def load_results(storage: Any, study_name: str) -> SearchResults:
    """The results of study ``study_name`` in ``storage`` (a URL or an Optuna storage)."""
    study = optuna.load_study(study_name=study_name, storage=storage)
    return results_of(study)


def sort_rows(rows: Sequence[TrialRow], direction: str) -> list[TrialRow]:
    """Rows best first: trials with a value by value, then the rest by number."""
    sign = 1.0 if direction == "minimize" else -1.0
    return sorted(rows, key=lambda r: (r.value is None, sign * r.value if r.value is not None else 0.0,
                                       r.number))


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
