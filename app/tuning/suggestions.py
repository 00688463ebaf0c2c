"""Which settings can be tuned, and a sensible first range for each, so one click marks one tunable.

``tunable_params(layer)`` lists the params of a layer type that a search
can vary (numbers, choices, activations, booleans, integer kernel sizes);
``suggest_parameter(project, name)`` proposes a ``Parameter`` for a
setting, on the scale the craft recommends: the learning rate and
regularization factors on a log scale, momentum and Adam's betas on the
1 - 10^r scale, sizes (units, filters, batch size) as log-spread integers
around the present value, rates such as dropout linear in [0, 0.5].
The proposals are starting points; the user edits them.
"""

from __future__ import annotations

import math
from typing import Any

from app.core.catalog import ACTIVATION, BOOL, CHOICE, FLOAT, INT, TUPLE, Catalog, LayerSpec, ParamSpec
from app.core.project import Project
from app.training.settings import OPTIMIZER_PARAMS
from app.tuning.space import CHOICE as CHOICE_SCALE
from app.tuning.space import INTEGER, LINEAR, LOG, ONE_MINUS_LOG, Parameter
from app.tuning.targets import OPTIMIZER_PARAMS_KEY, current_value, limits, resolve

TUNABLE_KINDS = (INT, FLOAT, BOOL, CHOICE, ACTIVATION, TUPLE)
ACTIVATION_CHOICES = ("relu", "elu", "gelu", "tanh")
OPTIMIZER_CHOICES = ("adam", "sgd", "rmsprop")
KERNEL_CHOICES = (1, 3, 5, 7)


def tunable_params(layer: LayerSpec) -> list[ParamSpec]:
    """The params of ``layer`` a search can vary."""
    return [p for p in layer.params if p.kind in TUNABLE_KINDS]


def suggest_parameter(project: Project, name: str, catalog: Catalog | None = None) -> Parameter:
    """A first range for ``name`` around the project's present value; ``ValueError`` if it is not tunable."""
    target = resolve(project, name, catalog)
    value = current_value(project, name, catalog)
    if target.section == "node":
        return _node_parameter(name, target.layer.param(target.keys[0]), value)
    low_limit, high_limit = limits(project, name, catalog)
    setting = target.keys[-1]
    if target.keys[0] == OPTIMIZER_PARAMS_KEY:
        return _optimizer_parameter(name, setting, value)
    if setting == "optimizer":
        return Parameter(name, CHOICE_SCALE, choices=OPTIMIZER_CHOICES)
    if setting in ("learning_rate", "weight_decay", "decay_rate", "min_lr", "alpha", "factor"):
        return _log_around(name, value, 1e-3, low_limit, high_limit)
    if setting in ("batch_size", "epochs", "patience", "decay_steps", "warmup_steps"):
        return _integers_around(name, value, 32, low_limit)
    if isinstance(value, bool):
        return Parameter(name, CHOICE_SCALE, choices=(True, False))
    raise ValueError(f"{name}: no range to suggest; give one as NAME=SPEC")


def _node_parameter(name: str, spec: ParamSpec, value: Any) -> Parameter:
    if spec.kind == INT:
        return _integers_around(name, value, 32, spec.minimum, spec.maximum)
    if spec.kind == TUPLE:
        return Parameter(name, CHOICE_SCALE, choices=KERNEL_CHOICES)
    if spec.kind == FLOAT and spec.minimum == 0 and spec.maximum is not None and spec.maximum <= 1:
        return Parameter(name, LINEAR, 0.0, 0.5)  # a rate or a fraction (dropout)
    if spec.kind == FLOAT:
        return _log_around(name, value, 1e-3, spec.minimum, spec.maximum)
    if spec.kind == BOOL:
        return Parameter(name, CHOICE_SCALE, choices=(True, False))
    if spec.kind == ACTIVATION:
        return Parameter(name, CHOICE_SCALE, choices=ACTIVATION_CHOICES)
    if spec.kind == CHOICE and spec.choices:
        return Parameter(name, CHOICE_SCALE, choices=tuple(spec.choices))
    raise ValueError(f"{name}: {spec.name} ({spec.kind}) cannot be tuned")


def _optimizer_parameter(name: str, key: str, value: Any) -> Parameter:
    kinds = {kinds[key] for kinds in OPTIMIZER_PARAMS.values() if key in kinds}
    if kinds & {"unit", "fraction"}:
        return Parameter(name, ONE_MINUS_LOG, 0.9, 0.999)  # momentum, beta_1, beta_2, rho
    if "bool" in kinds:
        return Parameter(name, CHOICE_SCALE, choices=(True, False))
    return _log_around(name, value, 1e-7, None, None)  # epsilon, accumulator values


def _log_around(name: str, value: Any, fallback: float, low_limit: float | None,
                high_limit: float | None) -> Parameter:
    """Two decades below to one above the present value (``fallback`` when there is none)."""
    center = float(value) if isinstance(value, (int, float)) and value and value > 0 else fallback
    low, high = center / 100, center * 10
    if high_limit is not None and math.isfinite(high_limit):
        high = min(high, high_limit)
    if low_limit is not None and low_limit > 0:
        low = max(low, low_limit)
    return Parameter(name, LOG, float(f"{low:.3g}"), float(f"{high:.3g}"))


def _integers_around(name: str, value: Any, fallback: int, low_limit: float | None,
                     high_limit: float | None = None) -> Parameter:
    """A quarter to four times the present value, spread on a log scale."""
    center = int(value) if isinstance(value, int) and not isinstance(value, bool) and value > 0 else fallback
    low, high = max(1, center // 4), max(center * 4, 2)
    if low_limit is not None:
        low = max(low, math.ceil(low_limit))
    if high_limit is not None:
        high = min(high, math.floor(high_limit))
    return Parameter(name, INTEGER, low, high, log=low >= 1 and high / low >= 4)
