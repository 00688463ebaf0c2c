"""Search spaces: SPEC parsing, typed choices, scales, grids, and sampling uniform in the exponent."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest
from scipy import stats

from app.tuning.space import (
    CHOICE,
    INTEGER,
    LINEAR,
    LOG,
    ONE_MINUS_LOG,
    Parameter,
    SearchSpace,
    parse_param,
    parse_spec,
)
from app.tuning.strategies import make_sampler

SAMPLES = 1500


def sampled(space: SearchSpace, strategy: str = "random", count: int = SAMPLES, seed: int = 7) -> list[dict]:
    """``count`` trials' values drawn by the strategy's sampler (Optuna's ask, no training)."""
    study = optuna.create_study(sampler=make_sampler(strategy, space, seed))
    values = []
    for _ in range(count):
        trial = study.ask()
        values.append(space.suggest(trial))
        study.tell(trial, 0.0)
    return values


@pytest.fixture(autouse=True)
def quiet_optuna():
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    yield
    optuna.logging.set_verbosity(level)


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize(("text", "expected"), [
    ("training.learning_rate=log:1e-4:1e-1", Parameter("training.learning_rate", LOG, 1e-4, 1e-1)),
    ("dropout.rate=lin:0:0.5", Parameter("dropout.rate", LINEAR, 0.0, 0.5)),
    ("training.batch_size=int:16:128", Parameter("training.batch_size", INTEGER, 16, 128)),
    ("dense_1.units=int:16:512:log", Parameter("dense_1.units", INTEGER, 16, 512, log=True)),
    ("training.optimizer_params.momentum=one-minus-log:0.9:0.999",
     Parameter("training.optimizer_params.momentum", ONE_MINUS_LOG, 0.9, 0.999)),
    ("training.optimizer=choice:adam,sgd", Parameter("training.optimizer", CHOICE, choices=("adam", "sgd"))),
])
def test_each_spec_form_parses(text, expected):
    parameter = parse_param(text)
    assert parameter == expected
    assert parse_param(str(parameter)) == parameter  # the text round-trips


def test_choice_options_are_typed():
    parameter = parse_spec("x.p", "choice:1,0.5,true,False,none,relu,1e-3")
    assert parameter.choices == (1, 0.5, True, False, None, "relu", 0.001)
    assert [type(v) for v in parameter.choices[:4]] == [int, float, bool, bool]


@pytest.mark.parametrize(("name", "spec", "message"), [
    ("training.learning_rate", "log:0:1", "log scale needs LOW above 0"),
    ("training.learning_rate", "log:1:0.1", "LOW must be below HIGH"),
    ("training.batch_size", "int:1.5:4", "expected a whole number for the range, received '1.5'"),
    ("training.batch_size", "int:8", "expected int:LOW:HIGH or int:LOW:HIGH:log"),
    ("training.learning_rate", "cubic:1:2", "unknown scale 'cubic'"),
    ("training.optimizer", "choice:", "expected choice:A,B,C"),
    ("training.optimizer", "choice:adam,,sgd", "none empty"),
    ("training.optimizer", "choice:adam,adam", "the options of a choice must differ"),
    ("training.optimizer_params.momentum", "one-minus-log:0.9:1", "needs 0 <= LOW < HIGH < 1"),
    ("training.learning_rate", "lin:a:b", "expected a number for the range, received 'a'"),
    ("training.learning_rate", "lin:0:inf", "the range must be finite"),
    ("dense.units", "int:0:64:log", "log-spread integer needs LOW of at least 1"),
])
def test_bad_specs_name_the_parameter_and_the_problem(name, spec, message):
    with pytest.raises(ValueError) as caught:
        parse_spec(name, spec)
    assert str(caught.value).startswith(f"{name}:")
    assert message in str(caught.value)


@pytest.mark.parametrize(("text", "message"), [
    ("training.learning_rate", "expected NAME=SPEC"),
    ("=log:1:2", "expected NAME=SPEC"),
    ("learning_rate=log:1e-4:1", "expected training.SETTING"),
])
def test_bad_param_texts_say_the_form(text, message):
    with pytest.raises(ValueError, match=message):
        parse_param(text)


def test_a_space_refuses_a_name_given_twice():
    with pytest.raises(ValueError, match=r"training\.learning_rate: given twice"):
        SearchSpace.parse(["training.learning_rate=log:1e-4:1", "training.learning_rate=lin:0.1:1"])


# ------------------------------------------------------------------- scales
def test_positions_follow_each_scale():
    assert parse_spec("a.b", "log:1e-4:1").position(1e-2) == pytest.approx(0.5)
    assert parse_spec("a.b", "lin:0:10").position(2.5) == pytest.approx(0.25)
    assert parse_spec("a.b", "one-minus-log:0.9:0.999").position(0.99) == pytest.approx(0.5)
    assert parse_spec("a.b", "int:1:1000:log").position(10) == pytest.approx(1 / 3)
    momentum = parse_spec("a.b", "one-minus-log:0.9:0.999")
    assert momentum.value_at(momentum.position(0.995)) == pytest.approx(0.995)


def test_grids_are_even_on_each_scale_with_exact_ends():
    assert parse_spec("a.b", "log:1e-4:1").grid(5) == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1])
    assert parse_spec("a.b", "log:1e-4:1").grid(5)[0] == 1e-4
    assert parse_spec("a.b", "one-minus-log:0.9:0.999").grid(3) == [0.9, 0.99, 0.999]
    assert parse_spec("a.b", "lin:0:1").grid(3) == [0.0, 0.5, 1.0]
    assert parse_spec("a.b", "int:1:3").grid(5) == [1, 2, 3]  # a narrow integer range: each once
    assert parse_spec("a.b", "int:16:256:log").grid(5) == [16, 32, 64, 128, 256]
    assert parse_spec("a.b", "choice:adam,sgd").grid(5) == ["adam", "sgd"]


# ----------------------------------------------------------------- sampling
def exponent_ks(values: list[float], low: float, high: float) -> float:
    """The KS test's p-value for ``values`` being uniform on [low, high]."""
    return stats.kstest(values, stats.uniform(loc=low, scale=high - low).cdf).pvalue


@pytest.mark.parametrize("strategy", ["random", "bayes"])
def test_log_sampling_is_uniform_in_the_exponent(strategy):
    space = SearchSpace.parse(["training.learning_rate=log:1e-5:1e-1"])
    count = SAMPLES if strategy == "random" else 10  # TPE's first trials are random draws
    rates = [v["training.learning_rate"] for v in sampled(space, strategy, count)]
    assert all(1e-5 <= r <= 1e-1 for r in rates)
    if strategy == "random":
        assert exponent_ks([math.log10(r) for r in rates], -5, -1) > 0.01
        # the same test tells a linear spread apart: it is far from uniform in the exponent
        linear = sampled(SearchSpace.parse(["training.learning_rate=lin:1e-5:1e-1"]))
        assert exponent_ks([math.log10(v["training.learning_rate"]) for v in linear], -5, -1) < 1e-6


def test_one_minus_log_sampling_is_uniform_in_the_exponent():
    space = SearchSpace.parse(["training.optimizer_params.momentum=one-minus-log:0.9:0.9999"])
    momenta = [v["training.optimizer_params.momentum"] for v in sampled(space)]
    assert all(0.9 <= m <= 0.9999 for m in momenta)
    exponents = [-math.log10(1 - m) for m in momenta]
    assert exponent_ks(exponents, 1, 4) > 0.01
    # a binned count agrees: each of the three decades holds about a third
    counts = np.histogram(exponents, bins=[1, 2, 3, 4])[0]
    assert stats.chisquare(counts).pvalue > 0.01
    linear = sampled(SearchSpace.parse(["training.optimizer_params.momentum=lin:0.9:0.9999"]))
    linear_exponents = [-math.log10(1 - v["training.optimizer_params.momentum"]) for v in linear]
    assert exponent_ks(linear_exponents, 1, 4) < 1e-6


def test_log_integers_spread_over_exponents():
    space = SearchSpace.parse(["dense.units=int:1:1000:log"])
    units = [v["dense.units"] for v in sampled(space)]
    assert all(isinstance(u, int) and 1 <= u <= 1000 for u in units)
    below_32 = sum(u < 32 for u in units) / len(units)  # half the exponent range: log10(31.6) = 1.5
    assert below_32 == pytest.approx(0.5, abs=0.05)


def test_a_seed_reproduces_the_draws_and_another_seed_does_not():
    space = SearchSpace.parse(["training.learning_rate=log:1e-5:1",
                               "training.optimizer=choice:adam,sgd,rmsprop"])
    for strategy in ("random", "bayes"):
        first = sampled(space, strategy, 12, seed=3)
        assert sampled(space, strategy, 12, seed=3) == first
        assert sampled(space, strategy, 12, seed=4) != first


def test_grid_search_covers_the_grid_exactly():
    space = SearchSpace.parse([
        "training.learning_rate=log:1e-4:1e-1", "training.batch_size=choice:16,32",
        "training.optimizer_params.momentum=one-minus-log:0.9:0.999",
    ])
    study = optuna.create_study(sampler=make_sampler("grid", space, seed=5, grid_points=4))
    points = []

    def objective(trial):
        values = space.suggest(trial)
        points.append(tuple(values[name] for name in space.names))
        return 0.0

    study.optimize(objective, n_trials=100)  # the grid sampler stops the study when the grid is done
    expected = {(lr, batch, m) for lr in [1e-4, 1e-3, 1e-2, 1e-1] for batch in (16, 32)
                for m in space.get("training.optimizer_params.momentum").grid(4)}
    assert len(points) == space.grid_size(4) == 4 * 2 * 4
    assert len(set(points)) == len(points)
    rounded = {(float(f"{a:.10g}"), b, float(f"{c:.10g}")) for a, b, c in points}
    assert rounded == {(float(f"{a:.10g}"), b, float(f"{c:.10g}")) for a, b, c in expected}
