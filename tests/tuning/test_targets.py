"""Parameter names against a real project and the layer catalog; trial values applied to a checked copy."""

from __future__ import annotations

import pytest

from app.core.catalog import default_catalog
from app.tuning.space import SearchSpace
from app.tuning.suggestions import suggest_parameter, tunable_params
from app.tuning.targets import apply_values, check_space, current_values, limits, resolve, value_changes


@pytest.fixture
def digits(copy_example):
    return copy_example("digits-mlp")


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


def dense_name(project) -> str:
    return next(n.name for n in project.graph.nodes if n.type == "Dense")


def test_training_names_resolve_and_unknown_ones_list_the_settings(digits):
    assert resolve(digits, "training.learning_rate").keys == ("learning_rate",)
    assert resolve(digits, "training.optimizer_params.momentum").keys == ("optimizer_params", "momentum")
    assert resolve(digits, "training.lr_schedule.decay_rate").keys == ("lr_schedule", "decay_rate")
    with pytest.raises(ValueError, match=r"training.learnig_rate: the training section has no setting "
                                         r"'learnig_rate'; it has .*learning_rate"):
        resolve(digits, "training.learnig_rate")
    with pytest.raises(ValueError, match=r"training\.optimizer_params has no key 'mommentum'"):
        resolve(digits, "training.optimizer_params.mommentum")
    with pytest.raises(ValueError, match=r"training\.batch_size is a single value"):
        resolve(digits, "training.batch_size.x")


def test_node_names_resolve_against_the_graph_and_the_catalog(digits, catalog):
    name = dense_name(digits)
    target = resolve(digits, f"{name}.units", catalog)
    assert target.section == "node" and target.node_id == digits.graph.find(name).id
    with pytest.raises(ValueError, match="the graph has no node called 'nowhere'; its nodes are"):
        resolve(digits, "nowhere.units", catalog)
    with pytest.raises(ValueError, match=f"{name}.unit: a Dense layer has no param 'unit'; it has .*units"):
        resolve(digits, f"{name}.unit", catalog)


def test_apply_values_returns_a_checked_copy_and_leaves_the_project_alone(digits, catalog):
    name = dense_name(digits)
    before = digits.to_dict()
    copy = apply_values(digits, {"training.learning_rate": 0.05, f"{name}.units": 7,
                                 "training.lr_schedule.decay_rate": 0.5}, catalog)
    assert copy.training["learning_rate"] == 0.05
    assert copy.training["lr_schedule"]["decay_rate"] == 0.5
    assert copy.graph.find(name).params["units"] == 7
    assert copy.path == digits.path
    assert digits.to_dict() == before
    with pytest.raises(ValueError, match=f"{name}.units: expected an integer"):
        apply_values(digits, {f"{name}.units": "many"}, catalog)
    with pytest.raises(ValueError, match=r"training\.batch_size: expected a whole number of at least 1"):
        apply_values(digits, {"training.batch_size": 0})


def test_a_searched_optimizer_keeps_only_its_own_parameters(digits):
    values = {"training.optimizer": "adam", "training.optimizer_params.momentum": 0.9}
    assert "momentum" not in apply_values(digits, values).training["optimizer_params"]
    values["training.optimizer"] = "sgd"
    assert apply_values(digits, values).training["optimizer_params"] == {"momentum": 0.9}


def test_check_space_refuses_values_the_project_would_refuse(digits, catalog):
    name = dense_name(digits)
    check_space(digits, SearchSpace.parse([
        "training.learning_rate=log:1e-4:1", "training.batch_size=int:8:128", f"{name}.units=int:8:256:log",
        "training.optimizer=choice:adam,sgd", "training.optimizer_params.momentum=one-minus-log:0.8:0.99",
    ]), catalog)
    cases = {
        "training.batch_size=int:0:64": "training.batch_size=int:0:64: the value 0 is refused",
        f"{name}.units=lin:8:64": f"{name}.units: units takes whole numbers; use int:LOW:HIGH",
        f"{name}.activation=lin:0:1": f"{name}.activation: activation is not a number",
        f"{name}.activation=choice:relu,wiggle": "the value 'wiggle' is refused",
        "training.optimizer_params.momentum=lin:0:1": "Adam has no such parameter",  # the project's optimizer
        "training.validation_split=lin:0:1": "the value 1.0 is refused",
    }
    for text, message in cases.items():
        with pytest.raises(ValueError) as caught:
            check_space(digits, SearchSpace.parse([text]), catalog)
        assert message in str(caught.value), text
    with pytest.raises(ValueError, match=r"none of the searched optimizers \(adam, nadam\) takes 'momentum'"):
        check_space(digits, SearchSpace.parse(["training.optimizer=choice:adam,nadam",
                                               "training.optimizer_params.momentum=lin:0:0.9"]))


def test_current_values_and_limits(digits, catalog):
    name = dense_name(digits)
    space = SearchSpace.parse(["training.learning_rate=log:1e-4:1", f"{name}.units=int:8:256"])
    values = current_values(digits, space, catalog)
    assert values["training.learning_rate"] == digits.training["learning_rate"]
    assert values[f"{name}.units"] == digits.graph.find(name).params["units"]
    assert limits(digits, "training.batch_size") == (1, None)
    assert limits(digits, "training.optimizer_params.momentum")[0] == 0.0
    assert limits(digits, f"{name}.units", catalog)[0] >= 1


def test_value_changes_are_graph_edits_and_a_new_training_section(digits, catalog):
    name = dense_name(digits)
    changes = value_changes(digits, {f"{name}.units": 9, "training.learning_rate": 0.02}, catalog)
    assert changes.training["learning_rate"] == 0.02 and digits.training["learning_rate"] != 0.02
    edit = changes.graph_edit()
    node = digits.graph.find(name)
    before = node.params["units"]
    edit.apply(digits.graph)
    assert node.params["units"] == 9
    edit.revert(digits.graph)
    assert node.params["units"] == before
    assert value_changes(digits, {"training.batch_size": 64}).graph_edit() is None


def test_suggested_ranges_use_the_scale_the_setting_wants(digits, catalog):
    name = dense_name(digits)
    rate = suggest_parameter(digits, "training.learning_rate")
    assert rate.scale == "log" and rate.low < digits.training["learning_rate"] < rate.high
    assert suggest_parameter(digits, "training.optimizer_params.momentum").spec == "one-minus-log:0.9:0.999"
    units = suggest_parameter(digits, f"{name}.units", catalog)
    assert units.scale == "int" and units.log and units.low >= 1
    assert suggest_parameter(digits, f"{name}.activation", catalog).scale == "choice"
    assert suggest_parameter(digits, "training.optimizer").choices == ("adam", "sgd", "rmsprop")
    check_space(digits, SearchSpace((rate, units)), catalog)  # the proposals are valid as they are
    layer = catalog.get("Dense")
    assert {"units", "activation", "use_bias"} <= {p.name for p in tunable_params(layer)}


def test_a_refined_space_kept_in_the_limits_passes_the_checks(digits):
    from app.tuning.results import COMPLETE, SearchResults, TrialRow

    space = SearchSpace.parse(["training.learning_rate=lin:0.001:0.1", "training.batch_size=int:1:64"])
    best = {"training.learning_rate": 0.001, "training.batch_size": 1}
    found = SearchResults("study", space, "minimize", "loss", rows=[TrialRow(0, COMPLETE, 1.0, best)])
    assert {w.name for w in found.border_warnings()} == set(space.names)
    refined = found.refined_space(limits={name: limits(digits, name) for name in space.names})
    assert 0 < refined.get("training.learning_rate").low < 0.001
    assert refined.get("training.batch_size").low == 1
    check_space(digits, refined)
