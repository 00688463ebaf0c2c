"""Search spaces: which settings a search varies, over which range, on which scale.

A ``Parameter`` is one tunable setting, named ``training.<setting>`` (for
example ``training.learning_rate`` or ``training.optimizer_params.momentum``)
or ``NODE.PARAM`` (a node's param, the node named as on the canvas). Its
scale says how values are spread over the range:

- ``lin``: uniform between LOW and HIGH;
- ``log``: uniform in the exponent (1e-4 is as likely as 1e-2): learning rates, decay factors;
- ``int``: whole numbers, uniform; ``int`` with ``log=True`` spreads them like ``log`` (units: 16..512);
- ``one-minus-log``: 1 - 10^r with r uniform, for averaging factors such as momentum or
  Adam's beta (0.9, 0.99 and 0.999 are equally likely);
- ``choice``: one of a few values.

On the command line a parameter is ``NAME=SPEC``, where SPEC is
``log:LOW:HIGH``, ``lin:LOW:HIGH``, ``int:LOW:HIGH`` (``int:LOW:HIGH:log``
for a log-spread integer), ``one-minus-log:LOW:HIGH`` or ``choice:A,B,C``;
the options of a choice are typed (``1`` an integer, ``0.5`` a number,
``true`` a boolean, ``none`` nothing, anything else text).

Every numeric scale maps its range onto [0, 1] (``position``, ``value_at``):
that is where a value sits "on its scale", used for grids, border warnings,
refined ranges and plots. Optuna sees each parameter through
``distribution()`` in an internal form (for ``one-minus-log`` the distance
from 1 on a log scale); ``to_internal`` and ``from_internal`` convert.
Nothing here imports Keras.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna.distributions as od

LINEAR, LOG, INTEGER, ONE_MINUS_LOG, CHOICE = "lin", "log", "int", "one-minus-log", "choice"
SCALES = (LINEAR, LOG, INTEGER, ONE_MINUS_LOG, CHOICE)
SPEC_FORMS = "log:LOW:HIGH, lin:LOW:HIGH, int:LOW:HIGH[:log], one-minus-log:LOW:HIGH or choice:A,B,C"
TRAINING_PREFIX = "training."


@dataclass(frozen=True)
class Parameter:
    """One tunable setting: its ``name``, ``scale`` and range (``low``..``high``) or ``choices``.

    Build one with ``parse_param("training.learning_rate=log:1e-4:1e-1")``,
    ``parse_spec(name, spec)`` or directly; the constructor checks the range
    and raises ``ValueError`` naming the parameter.
    """

    name: str
    scale: str
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] = ()
    log: bool = False  # integers only: spread them on a log scale

    def __post_init__(self) -> None:
        _check_parameter(self)

    # ------------------------------------------------------------ describing
    @property
    def numeric(self) -> bool:
        """True for every scale but ``choice``."""
        return self.scale != CHOICE

    @property
    def log_axis(self) -> bool:
        """True when plots should draw this parameter's values on a log axis."""
        return self.scale in (LOG, ONE_MINUS_LOG) or (self.scale == INTEGER and self.log)

    @property
    def spec(self) -> str:
        """The SPEC text that parses back to this parameter (``log:0.0001:0.1``)."""
        if self.scale == CHOICE:
            return "choice:" + ",".join(format_value(choice) for choice in self.choices)
        text = f"{self.scale}:{format_value(self.low)}:{format_value(self.high)}"
        return text + (":log" if self.log else "")

    def __str__(self) -> str:
        return f"{self.name}={self.spec}"

    # -------------------------------------------------------------- sampling
    def distribution(self) -> od.BaseDistribution:
        """The Optuna distribution of the internal value (see the module docstring)."""
        if self.scale == CHOICE:
            return od.CategoricalDistribution(self.choices)
        if self.scale == INTEGER:
            return od.IntDistribution(int(self.low), int(self.high), log=self.log)
        if self.scale == ONE_MINUS_LOG:
            return od.FloatDistribution(1.0 - self.high, 1.0 - self.low, log=True)
        return od.FloatDistribution(float(self.low), float(self.high), log=self.scale == LOG)

    def suggest(self, trial: Any) -> Any:
        """Ask an Optuna ``trial`` for this parameter and return the value in the setting's own terms."""
        dist = self.distribution()
        if isinstance(dist, od.CategoricalDistribution):
            internal = trial.suggest_categorical(self.name, dist.choices)
        elif isinstance(dist, od.IntDistribution):
            internal = trial.suggest_int(self.name, dist.low, dist.high, log=dist.log)
        else:
            internal = trial.suggest_float(self.name, dist.low, dist.high, log=dist.log)
        return self.from_internal(internal)

    def to_internal(self, value: Any) -> Any:
        """The value Optuna stores for ``value``."""
        if self.scale == ONE_MINUS_LOG:
            return 1.0 - float(value)
        if self.scale == INTEGER:
            return int(value)
        return value if self.scale == CHOICE else float(value)

    def from_internal(self, internal: Any) -> Any:
        """The setting's value for Optuna's stored ``internal`` value."""
        if self.scale == ONE_MINUS_LOG:
            return _tidy(1.0 - float(internal))
        if self.scale == INTEGER:
            return int(internal)
        return internal if self.scale == CHOICE else float(internal)

    # ----------------------------------------------------------- on its scale
    def position(self, value: Any) -> float:
        """Where ``value`` sits on this parameter's scale: 0 at ``low``, 1 at ``high``.

        For a choice: the option's index spread over [0, 1].
        """
        if self.scale == CHOICE:
            index = self.choices.index(value)
            return index / (len(self.choices) - 1) if len(self.choices) > 1 else 0.0
        low, high, point = (self._warp(v) for v in (self.low, self.high, value))
        return (point - low) / (high - low) if high != low else 0.0

    def value_at(self, position: float) -> Any:
        """The value at ``position`` on this scale (0: ``low``, 1: ``high``; outside extrapolates)."""
        if self.scale == CHOICE:
            index = round(position * (len(self.choices) - 1))
            return self.choices[min(max(index, 0), len(self.choices) - 1)]
        low, high = self._warp(self.low), self._warp(self.high)
        value = self._unwarp(low + position * (high - low))
        if self.scale == INTEGER:
            return round(value)
        return _tidy(value)

    def grid(self, points: int) -> list[Any]:
        """``points`` values evenly spread on this scale, ends included (every option of a choice).

        Integer grids drop repeated values, so a narrow range yields fewer points.
        """
        if self.scale == CHOICE:
            return list(self.choices)
        if points < 1:
            raise ValueError(f"{self.name}: a grid needs at least 1 point per parameter, received {points}")
        if points == 1:
            return [self.value_at(0.5)]
        values = [self.value_at(i / (points - 1)) for i in range(points)]
        values[0], values[-1] = self.low, self.high  # exact ends, without rounding errors
        if self.scale == INTEGER:
            values = [int(v) for v in values]
        return list(dict.fromkeys(values))

    def with_range(self, low: float, high: float) -> Parameter:
        """The same parameter over another range."""
        return Parameter(self.name, self.scale, low, high, self.choices, self.log)

    def _warp(self, value: Any) -> float:
        if self.scale == LOG or (self.scale == INTEGER and self.log):
            return math.log10(value)
        if self.scale == ONE_MINUS_LOG:
            return -math.log10(1.0 - value)  # 0.9 -> 1, 0.999 -> 3: increases with the value
        return float(value)

    def _unwarp(self, warped: float) -> float:
        if self.scale == LOG or (self.scale == INTEGER and self.log):
            return 10.0 ** warped
        if self.scale == ONE_MINUS_LOG:
            return 1.0 - 10.0 ** -warped
        return warped


@dataclass(frozen=True)
class SearchSpace:
    """The parameters of one search, in order; each name at most once."""

    parameters: tuple[Parameter, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for parameter in self.parameters:
            if parameter.name in seen:
                raise ValueError(f"{parameter.name}: given twice; a search varies each parameter once")
            seen.add(parameter.name)

    @classmethod
    def parse(cls, texts: Iterable[str]) -> SearchSpace:
        """A space from ``NAME=SPEC`` texts (the ``--param`` arguments)."""
        return cls(tuple(parse_param(text) for text in texts))

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self.parameters)

    def __len__(self) -> int:
        return len(self.parameters)

    @property
    def names(self) -> list[str]:
        """The parameter names, in order."""
        return [p.name for p in self.parameters]

    def get(self, name: str) -> Parameter:
        """The parameter called ``name``; ``KeyError`` if the space has none."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(f"{name}: not a parameter of this search; it has {', '.join(self.names)}")

    def specs(self) -> list[str]:
        """Each parameter as ``NAME=SPEC`` text (what ``parse`` reads back)."""
        return [str(p) for p in self.parameters]

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Ask an Optuna trial for every parameter; the values in the settings' own terms."""
        return {p.name: p.suggest(trial) for p in self.parameters}

    def values_of(self, internal: Mapping[str, Any]) -> dict[str, Any]:
        """The settings' values for Optuna's stored ``trial.params`` (names not in the space skipped)."""
        return {p.name: p.from_internal(internal[p.name]) for p in self.parameters if p.name in internal}

    def grid(self, points: int) -> dict[str, list[Any]]:
        """The grid of every parameter (``points`` values per numeric one), as Optuna's internal values."""
        return {p.name: [p.to_internal(v) for v in p.grid(points)] for p in self.parameters}

    def grid_size(self, points: int) -> int:
        """How many points the whole grid has."""
        return math.prod(len(p.grid(points)) for p in self.parameters)

    def fingerprint(self) -> str:
        """A short stable hash of the space (names, scales, ranges): same space, same text."""
        return hashlib.sha1("\n".join(self.specs()).encode()).hexdigest()[:8]

    def replace(self, parameter: Parameter) -> SearchSpace:
        """This space with the parameter of the same name replaced by ``parameter``."""
        return SearchSpace(tuple(parameter if p.name == parameter.name else p for p in self.parameters))


def parse_param(text: str) -> Parameter:
    """Read ``NAME=SPEC`` (``training.learning_rate=log:1e-4:1e-1``); ``ValueError`` says what is wrong."""
    name, equals, spec = str(text).partition("=")
    name = name.strip()
    if not equals or not name:
        raise ValueError(f"{text!r}: expected NAME=SPEC, for example training.learning_rate=log:1e-4:1e-1")
    return parse_spec(name, spec.strip())


def parse_spec(name: str, spec: str) -> Parameter:
    """Read one SPEC for the parameter ``name``; ``ValueError`` names the parameter and the problem."""
    check_name(name)
    scale, _, rest = spec.partition(":")
    scale = scale.strip().lower()
    if scale == CHOICE:
        options = [option.strip() for option in rest.split(",")]
        if not rest.strip() or any(not option for option in options):
            raise ValueError(f"{name}: expected choice:A,B,C (at least one option, none empty); "
                             f"received {spec!r}")
        return Parameter(name, CHOICE, choices=tuple(typed_value(option) for option in options))
    if scale not in SCALES:
        raise ValueError(f"{name}: unknown scale {scale!r} in {spec!r}; expected {SPEC_FORMS}")
    parts = rest.split(":")
    log = scale == INTEGER and len(parts) == 3 and parts[2].strip().lower() == "log"
    if len(parts) != (3 if log else 2):
        form = "int:LOW:HIGH or int:LOW:HIGH:log" if scale == INTEGER else f"{scale}:LOW:HIGH"
        raise ValueError(f"{name}: expected {form}; received {spec!r}")
    low, high = (_number(name, part.strip(), spec, integer=scale == INTEGER) for part in parts[:2])
    return Parameter(name, scale, low, high, log=log)


def check_name(name: str) -> None:
    """Refuse a name that is neither ``training.SETTING`` nor ``NODE.PARAM`` in form."""
    parts = name.split(".")
    if len(parts) < 2 or any(not part.strip() for part in parts):
        raise ValueError(f"{name!r}: expected training.SETTING (training.learning_rate) or NODE.PARAM "
                         "(dense_1.units)")


def typed_value(text: str) -> Any:
    """A choice option's value: an integer, a number, true/false, none, or the text itself."""
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            value = kind(text)
        except ValueError:
            continue
        if kind is float and not math.isfinite(value):
            break
        return value
    return text


def format_value(value: Any) -> str:
    """A value as SPEC text (``1e-05``, ``0.9``, ``true``, ``relu``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


def space_from_specs(specs: Sequence[str]) -> SearchSpace:
    """The space stored as ``NAME=SPEC`` texts (as ``SearchSpace.specs`` writes them)."""
    return SearchSpace.parse(specs)


# ------------------------------------------------------------------ checks
def _number(name: str, text: str, spec: str, integer: bool) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        what = "a whole number" if integer else "a number"
        raise ValueError(f"{name}: expected {what} for the range, received {text!r} in {spec!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name}: the range must be finite, received {text!r} in {spec!r}")
    return value


def _check_parameter(p: Parameter) -> None:
    if p.scale not in SCALES:
        raise ValueError(f"{p.name}: unknown scale {p.scale!r}; expected one of {', '.join(SCALES)}")
    if p.scale == CHOICE:
        if not p.choices:
            raise ValueError(f"{p.name}: a choice needs at least one option")
        if len(set(map(repr, p.choices))) != len(p.choices):
            raise ValueError(f"{p.name}: the options of a choice must differ; received {list(p.choices)}")
        return
    if p.low is None or p.high is None:
        raise ValueError(f"{p.name}: the {p.scale} scale needs a range LOW:HIGH")
    if not p.low < p.high:
        raise ValueError(f"{p.name}: LOW must be below HIGH; received {format_value(p.low)}:"
                         f"{format_value(p.high)}")
    if p.scale == LOG and p.low <= 0:
        raise ValueError(f"{p.name}: a log scale needs LOW above 0 (it spreads values over exponents); "
                         f"received {format_value(p.low)}")
    if p.scale == INTEGER and p.log and p.low < 1:
        raise ValueError(f"{p.name}: a log-spread integer needs LOW of at least 1; received {p.low}")
    if p.scale == ONE_MINUS_LOG and not (p.low >= 0 and p.high < 1):
        raise ValueError(f"{p.name}: one-minus-log spreads 1 - 10^r and needs 0 <= LOW < HIGH < 1 "
                         f"(for example 0.9:0.999); received {format_value(p.low)}:{format_value(p.high)}")


def _tidy(value: float) -> float:
    """``value`` rounded to 12 significant digits: 0.9989999999999999 -> 0.999."""
    return float(f"{value:.12g}")
