"""What a parameter name points at in a project, and how a trial's values are put there.

``training.SETTING`` names a field of the project's ``training`` section
(``training.learning_rate``, ``training.batch_size``, ``training.optimizer``),
and ``training.SECTION.KEY`` a key inside one of its objects
(``training.optimizer_params.momentum``, ``training.lr_schedule.decay_rate``,
``training.early_stopping.patience``). ``NODE.PARAM`` names a param of the
node called NODE (its name on the canvas, or its id), checked against the
layer catalog.

``apply_values`` never changes the project it is given: it returns a copy
with the values set and checked. When ``training.optimizer`` is among the
values, optimizer parameters that the chosen optimizer does not take are
left out (momentum means nothing to Adam), so one search can compare
optimizers while tuning each one's own parameters.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from app.core.catalog import FLOAT, INT, TUPLE, Catalog, LayerSpec, UnknownLayerType
from app.core.edits import Compound, SetParam
from app.core.graph import Node
from app.core.project import Project, project_from_dict
from app.training.settings import (
    OPTIMIZER_PARAMS,
    Checkpoint,
    EarlyStopping,
    FineTune,
    Schedule,
    TrainingSettings,
)
from app.tuning.space import CHOICE, INTEGER, TRAINING_PREFIX, Parameter, SearchSpace

OPTIMIZER = "optimizer"
OPTIMIZER_PARAMS_KEY = "optimizer_params"
_SECTIONS = {"lr_schedule": Schedule, "early_stopping": EarlyStopping, "checkpoint": Checkpoint,
             "fine_tune": FineTune}
_OPEN_ZERO = (1e-12, math.inf)  # above 0: the bound itself is refused, so the limit lies just inside
# The allowed range of numeric training settings, for refined ranges: (low, high); None: no limit.
_TRAINING_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "learning_rate": _OPEN_ZERO, "batch_size": (1, None), "epochs": (1, None),
    "validation_split": (0.0, 0.99), "weight_decay": (0.0, None), "clipnorm": _OPEN_ZERO,
    "clipvalue": _OPEN_ZERO, "global_clipnorm": _OPEN_ZERO,
}
_KIND_LIMITS: dict[str, tuple[float | None, float | None]] = {
    "unit": (0.0, 0.999999), "fraction": (0.0, 1.0), "positive": _OPEN_ZERO, "nonneg": (0.0, None),
}


@dataclass(frozen=True)
class Target:
    """Where a parameter's value goes: ``training`` keys, or a node's param (``node_id``, ``key``)."""

    name: str
    section: str  # "training" or "node"
    keys: tuple[str, ...]  # training: the path inside the section; node: (param,)
    node_id: str | None = None
    layer: LayerSpec | None = None

    @property
    def label(self) -> str:
        """A short readable label (``learning_rate``, ``dense_1.units``)."""
        return ".".join(self.keys) if self.section == "training" else self.name


def resolve(project: Project, name: str, catalog: Catalog | None = None) -> Target:
    """The target of parameter ``name`` in ``project``; ``ValueError`` names it and says what exists."""
    if name.startswith(TRAINING_PREFIX):
        return _training_target(name)
    return _node_target(project, name, catalog or _catalog())


def check_space(project: Project, space: SearchSpace, catalog: Catalog | None = None) -> None:
    """Refuse a space that names unknown settings or reaches values the project would refuse.

    Every parameter's range ends (or every option) is applied alone to a
    copy of the project and checked, so ``training.batch_size=int:0:64``
    fails now, naming the parameter, instead of in the first trial.
    """
    catalog = catalog or (_catalog() if any(not p.name.startswith(TRAINING_PREFIX) for p in space) else None)
    optimizers = _optimizer_choices(project, space)
    for parameter in space:
        target = resolve(project, parameter.name, catalog)
        _check_scale(parameter, target)
        for value in _probe_values(parameter):
            values = {parameter.name: value}
            if target.keys[0] == OPTIMIZER_PARAMS_KEY and len(target.keys) == 2:
                values.update(_optimizer_for(parameter, target.keys[1], optimizers))
            try:
                apply_values(project, values, catalog)
            except ValueError as error:
                raise ValueError(f"{parameter.name}={parameter.spec}: the value {value!r} is refused: "
                                 f"{error}") from None


def apply_values(project: Project, values: Mapping[str, Any], catalog: Catalog | None = None) -> Project:
    """A copy of ``project`` with ``values`` (parameter name -> value) set and checked.

    ``ValueError`` names the parameter when a value is refused. The copy
    keeps the project's path, so relative data paths still resolve.
    """
    copied = project_from_dict(project.to_dict(), str(project.path or "<project>"))
    copied.path = project.path
    training = copy.deepcopy(copied.training)
    needs_catalog = any(not name.startswith(TRAINING_PREFIX) for name in values)
    catalog = catalog or (_catalog() if needs_catalog else None)
    for name, value in values.items():
        target = resolve(copied, name, catalog)
        if target.section == "training":
            _set_nested(training, target.keys, value)
        else:
            _set_node_param(copied, target, value)
    if f"{TRAINING_PREFIX}{OPTIMIZER}" in values:
        _drop_foreign_optimizer_params(training)
    TrainingSettings.from_dict(training)  # raises ValueError naming the field
    copied.training = training
    return copied


@dataclass(frozen=True)
class ValueChanges:
    """What putting values into a project changes, as the window applies it in one undoable step.

    ``graph_edits``: one ``SetParam`` per node param (``graph_edit()`` joins
    them); ``training``: the whole new ``training`` section (None when no
    training setting changes).
    """

    graph_edits: tuple[SetParam, ...]
    training: dict[str, Any] | None

    def graph_edit(self, description: str = "Apply tuned values") -> Compound | None:
        """The node param changes as one edit, or None when there are none."""
        return Compound(list(self.graph_edits), description) if self.graph_edits else None


def value_changes(project: Project, values: Mapping[str, Any],
                  catalog: Catalog | None = None) -> ValueChanges:
    """The changes that put ``values`` (a trial's, say the best one's) into ``project``, checked first.

    ``ValueError`` names a refused value; ``project`` itself is not changed.
    """
    changed = apply_values(project, values, catalog)
    edits = []
    for name, value in values.items():
        target = resolve(changed, name, catalog)
        if target.section == "node":
            edits.append(SetParam(target.node_id, target.keys[0], copy.deepcopy(value)))
    training_changed = any(name.startswith(TRAINING_PREFIX) for name in values)
    return ValueChanges(tuple(edits), changed.training if training_changed else None)


def current_values(project: Project, space: SearchSpace, catalog: Catalog | None = None) -> dict[str, Any]:
    """The project's present value of each parameter of ``space`` (None where unset)."""
    return {parameter.name: current_value(project, parameter.name, catalog) for parameter in space}


def current_value(project: Project, name: str, catalog: Catalog | None = None) -> Any:
    """The project's present value of parameter ``name`` (the default where unset; None if none)."""
    target = resolve(project, name, catalog)
    if target.section == "node":
        spec = target.layer.param(target.keys[0])
        return project.graph.node(target.node_id).params.get(target.keys[0], spec.default)
    value: Any = TrainingSettings.from_dict(project.training).to_dict()
    for key in target.keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value


def limits(project: Project, name: str, catalog: Catalog | None = None) -> tuple[float | None, float | None]:
    """The values parameter ``name`` may take at all, as (low, high); None where unbounded.

    A refined range is kept inside these. An open bound (a learning rate
    must be above 0) is given as a value just inside it (1e-12).
    """
    target = resolve(project, name, catalog)
    if target.section == "node":
        spec = target.layer.param(target.keys[0])
        return (spec.minimum, spec.maximum) if spec else (None, None)
    if target.keys[0] == OPTIMIZER_PARAMS_KEY and len(target.keys) == 2:
        kinds = {kinds[target.keys[1]] for kinds in OPTIMIZER_PARAMS.values() if target.keys[1] in kinds}
        return _KIND_LIMITS.get(kinds.pop(), (None, None)) if len(kinds) == 1 else (0.0, None)
    return _TRAINING_LIMITS.get(target.keys[0], (None, None)) if len(target.keys) == 1 else (None, None)


# ------------------------------------------------------------------ training
def _training_target(name: str) -> Target:
    keys = tuple(name.removeprefix(TRAINING_PREFIX).split("."))
    settings = sorted(f.name for f in fields(TrainingSettings) if f.name != "extra")
    if keys[0] not in settings:
        raise ValueError(f"{name}: the training section has no setting {keys[0]!r}; it has "
                         f"{', '.join(settings)}")
    if len(keys) == 1:
        return Target(name, "training", keys)
    allowed = _sub_keys(keys[0])
    if len(keys) > 2 or allowed is None:
        raise ValueError(f"{name}: training.{keys[0]} is a single value; name it as training.{keys[0]}")
    if keys[1] not in allowed:
        raise ValueError(f"{name}: training.{keys[0]} has no key {keys[1]!r}; it has {', '.join(allowed)}")
    return Target(name, "training", keys)


def _sub_keys(setting: str) -> list[str] | None:
    if setting == OPTIMIZER_PARAMS_KEY:
        return sorted({key for kinds in OPTIMIZER_PARAMS.values() for key in kinds})
    section = _SECTIONS.get(setting)
    return sorted(f.name for f in fields(section) if not f.name.startswith("_")) if section else None


def _set_nested(training: dict[str, Any], keys: tuple[str, ...], value: Any) -> None:
    if len(keys) == 1:
        training[keys[0]] = value
        return
    section = training.get(keys[0])
    if keys[0] in _SECTIONS and isinstance(section, str):  # "lr_schedule": "cosine"
        section = {"kind": section}
    section = dict(section) if isinstance(section, Mapping) else {}
    section[keys[1]] = value
    training[keys[0]] = section


def _drop_foreign_optimizer_params(training: dict[str, Any]) -> None:
    optimizer = str(training.get(OPTIMIZER, "adam")).lower()
    params = training.get(OPTIMIZER_PARAMS_KEY)
    if isinstance(params, Mapping) and optimizer in OPTIMIZER_PARAMS:
        training[OPTIMIZER_PARAMS_KEY] = {k: v for k, v in params.items() if k in OPTIMIZER_PARAMS[optimizer]}


def _optimizer_choices(project: Project, space: SearchSpace) -> list[str]:
    name = f"{TRAINING_PREFIX}{OPTIMIZER}"
    if name in space.names and space.get(name).scale == CHOICE:
        return [str(choice).lower() for choice in space.get(name).choices]
    return [str(project.training.get(OPTIMIZER, "adam")).lower()]


def _optimizer_for(parameter: Parameter, key: str, optimizers: list[str]) -> dict[str, Any]:
    """An optimizer among the searched ones that takes ``key`` (so its range can be checked)."""
    if len(optimizers) == 1:
        return {}
    for optimizer in optimizers:
        if key in OPTIMIZER_PARAMS.get(optimizer, {}):
            return {f"{TRAINING_PREFIX}{OPTIMIZER}": optimizer}
    raise ValueError(f"{parameter.name}: none of the searched optimizers ({', '.join(optimizers)}) "
                     f"takes {key!r}")


# --------------------------------------------------------------------- nodes
def _node_target(project: Project, name: str, catalog: Catalog) -> Target:
    node_name, _, key = name.rpartition(".")
    node = project.graph.find(node_name) or _node_by_id(project, node_name)
    if node is None:
        names = ", ".join(n.name for n in project.graph.nodes) or "none"
        raise ValueError(f"{name}: the graph has no node called {node_name!r}; its nodes are {names} "
                         "(or name a training setting as training.SETTING)")
    try:
        layer = catalog.get(node.type)
    except UnknownLayerType:
        raise ValueError(f"{name}: node {node.name!r} is of type {node.type!r}, which the layer catalog "
                         "does not know") from None
    if layer.param(key) is None:
        params = ", ".join(p.name for p in layer.params) or "none"
        raise ValueError(f"{name}: a {node.type} layer has no param {key!r}; it has {params}")
    return Target(name, "node", (key,), node.id, layer)


def _node_by_id(project: Project, node_id: str) -> Node | None:
    return project.graph.node(node_id) if node_id in project.graph else None


def _set_node_param(project: Project, target: Target, value: Any) -> None:
    spec = target.layer.param(target.keys[0])
    problem = spec.check(value)
    if problem:
        raise ValueError(f"{target.name}: {problem}")
    project.graph.set_param(target.node_id, target.keys[0], value)


def _check_scale(parameter: Parameter, target: Target) -> None:
    if target.section != "node" or parameter.scale in (CHOICE, INTEGER):
        return
    spec = target.layer.param(target.keys[0])
    if spec.kind in (INT, TUPLE):
        raise ValueError(f"{parameter.name}: {target.keys[0]} takes whole numbers; use int:LOW:HIGH "
                         "(or int:LOW:HIGH:log)")
    if spec.kind != FLOAT and spec.kind != "any":
        raise ValueError(f"{parameter.name}: {target.keys[0]} is not a number ({spec.kind}); use "
                         "choice:A,B,C")


def _probe_values(parameter: Parameter) -> list[Any]:
    if parameter.scale == CHOICE:
        return list(parameter.choices)
    return [parameter.value_at(0.0), parameter.value_at(1.0)]


def _catalog() -> Catalog:
    from app.core.catalog import default_catalog

    return default_catalog()
