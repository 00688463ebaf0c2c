"""Search results: the best trial, border warnings on each parameter's scale, refined spaces, plot data."""

from __future__ import annotations

import optuna
import pytest

from app.tuning.results import COMPLETE, PRUNED, SearchResults, TrialRow, refine, results_of, sort_rows
from app.tuning.space import SearchSpace, parse_spec

SPACE = SearchSpace.parse([
    "training.learning_rate=log:1e-5:1e-1", "training.optimizer_params.momentum=one-minus-log:0.9:0.9999",
    "hidden.units=int:16:256", "training.optimizer=choice:adam,sgd",
])


def results(best: dict, worse_value: float = 5.0, direction: str = "minimize") -> SearchResults:
    """Results whose best complete trial has the values ``best`` (a middle one is worse; one is pruned)."""
    middle = {"training.learning_rate": 1e-3, "training.optimizer_params.momentum": 0.99, "hidden.units": 136,
              "training.optimizer": "adam"}
    rows = [
        TrialRow(0, COMPLETE, worse_value, middle),
        TrialRow(1, COMPLETE, 1.0, {**middle, **best}),
        TrialRow(2, PRUNED, 0.5, middle),  # pruned trials never count as the best
    ]
    return SearchResults("study", SPACE, direction, "val_loss", "random", rows)


def warned(found: SearchResults) -> dict[str, str]:
    return {w.name: w.side for w in found.border_warnings()}


def test_the_best_trial_follows_the_direction():
    assert results({}).best.number == 1
    assert results({}, direction="maximize").best.number == 0


def test_no_warning_when_the_best_lies_inside_every_range():
    assert warned(results({})) == {}


@pytest.mark.parametrize(("values", "expected"), [
    ({"training.learning_rate": 2e-5}, {"training.learning_rate": "low"}),  # 0.075 of 4 decades
    ({"training.learning_rate": 0.05}, {"training.learning_rate": "high"}),
    ({"training.optimizer_params.momentum": 0.99985}, {"training.optimizer_params.momentum": "high"}),
    ({"training.optimizer_params.momentum": 0.91}, {"training.optimizer_params.momentum": "low"}),
    ({"hidden.units": 20}, {"hidden.units": "low"}),
    ({"training.learning_rate": 2e-5, "hidden.units": 250},
     {"training.learning_rate": "low", "hidden.units": "high"}),
])
def test_the_border_warning_fires_near_either_end_on_the_parameters_scale(values, expected):
    assert warned(results(values)) == expected


@pytest.mark.parametrize("values", [
    {"training.learning_rate": 3e-5},  # linear: 0.0003 of the range, but 0.12 of it in exponents
    {"training.optimizer_params.momentum": 0.95},  # linear: half-way; on its scale: 0.1 + a bit
    {"hidden.units": 45},  # 0.12 of the range
    {"training.optimizer": "sgd"},  # choices have no border
])
def test_no_warning_just_inside_the_margin_or_for_a_choice(values):
    assert warned(results(values)) == {}


def test_a_border_warning_offers_a_range_centred_on_the_best_value():
    warning = results({"training.learning_rate": 1e-5}).border_warnings()[0]
    assert warning.side == "low" and warning.position == pytest.approx(0.0)
    assert warning.refined.low == pytest.approx(1e-7) and warning.refined.high == pytest.approx(1e-3)
    assert "lower end" in warning.message and warning.refined.spec in warning.message


def test_the_refined_space_moves_border_parameters_and_narrows_the_others():
    found = results({"training.learning_rate": 1e-1, "hidden.units": 136})
    refined = found.refined_space()
    rate = refined.get("training.learning_rate")
    assert (rate.low, rate.high) == (pytest.approx(1e-3), pytest.approx(10.0))  # same 4 decades, centred
    units = refined.get("hidden.units")
    assert (units.low, units.high) == (76, 196)  # half the width around 136
    assert refined.get("training.optimizer") == SPACE.get("training.optimizer")
    limited = found.refined_space(limits={"training.learning_rate": (1e-12, 1.0)})
    assert limited.get("training.learning_rate").high == 1.0


def test_refine_keeps_linear_ranges_in_their_limits():
    rate = parse_spec("dropout.rate", "lin:0:0.5")
    assert (refine(rate, 0.0, 1.0).low, refine(rate, 0.0, 1.0).high) == (0.0, 0.25)
    assert refine(rate, 0.5, 1.0, (0.0, 0.6)).high == 0.6


def test_plot_data_puts_each_trial_on_the_parameters_scale():
    found = results({"training.learning_rate": 1e-2})
    series = found.param_series("training.learning_rate")
    assert series.numbers == [0, 1, 2] and series.log_axis
    assert series.positions == pytest.approx([0.5, 0.75, 0.5])
    assert series.objective == [5.0, 1.0, 0.5]
    lines = found.parallel_coordinates()
    assert lines.axes[-1] == "objective" and lines.numbers == [0, 1]
    assert lines.lines[1][-1] == 1.0 and lines.lines[0][-1] == 0.0  # the best scores 1
    assert [row.number for row in sort_rows(found.rows, "minimize")] == [2, 1, 0]


def test_rows_come_from_a_real_study_in_the_settings_own_terms():
    space = SearchSpace.parse(["training.optimizer_params.momentum=one-minus-log:0.9:0.999"])
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    trial = study.ask()
    momentum = space.suggest(trial)["training.optimizer_params.momentum"]
    trial.report(3.0, 1)
    study.tell(trial, 2.0)
    row = results_of(study, space).rows[0]
    assert row.params == {"training.optimizer_params.momentum": momentum}
    assert 0.9 <= momentum <= 0.999 and row.state == COMPLETE and row.value == 2.0
    assert row.intermediate == {1: 3.0} and row.duration is not None
    assert row.to_dict()["intermediate"] == {"1": 3.0}
