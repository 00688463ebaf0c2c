"""TrainingSettings <-> the project's training section; schedules; loss proposal."""

from __future__ import annotations

import json

import pytest

from app.core.examples import example_path, list_examples
from app.training.compiling import propose_loss
from app.training.schedules import learning_rate_at, schedule_points
from app.training.settings import TrainingSettings, canonical_metric, mode_for


def test_every_example_training_section_reads_and_writes_back_its_keys():
    for info in list_examples():
        section = json.loads(info.path.read_text())["training"]
        settings = TrainingSettings.from_dict(section)
        written = settings.to_dict()
        assert {key: written[key] for key in section} == section, info.name


def test_unknown_keys_are_kept_and_defaults_filled():
    settings = TrainingSettings.from_dict({"optimizer": "SGD", "my_note": {"a": 1}})
    assert settings.optimizer == "sgd"
    data = settings.to_dict()
    assert data["my_note"] == {"a": 1}
    assert data["lr_schedule"] == {"kind": "constant"}
    assert TrainingSettings.from_dict(data).to_dict() == data


def test_full_section_round_trips():
    section = {
        "optimizer": "sgd", "learning_rate": 0.05, "optimizer_params": {"momentum": 0.9, "nesterov": True},
        "clipnorm": 1.0, "weight_decay": 0.0001,
        "lr_schedule": {"kind": "cosine", "warmup_steps": 10, "warmup_start": 0.0, "alpha": 0.1,
                        "decay_steps": 90},
        "loss": "auto", "metrics": ["accuracy", "top_3_accuracy", "f1", "mae"], "batch_size": 8, "epochs": 3,
        "early_stopping": {"monitor": "val_accuracy", "patience": 2}, "freeze": ["conv_1"],
        "fine_tune": {"unfreeze": ["mobilenet"], "head_epochs": 2, "top_layers": 20, "learning_rate": 1e-5},
        "tensorboard": True, "seed": 3,
    }
    settings = TrainingSettings.from_dict(section)
    assert settings.metrics == ["accuracy", "top_3_accuracy", "f1", "mean_absolute_error"]
    assert settings.early_stopping.restore_best_weights is True
    again = TrainingSettings.from_dict(settings.to_dict())
    assert again == settings


@pytest.mark.parametrize(("section", "field"), [
    ({"optimizer": "adamm"}, "training.optimizer"),
    ({"learning_rate": -1}, "training.learning_rate"),
    ({"optimizer": "sgd", "optimizer_params": {"beta_1": 0.9}}, "training.optimizer_params.beta_1"),
    ({"optimizer": "adam", "optimizer_params": {"beta_1": 1.5}}, "training.optimizer_params.beta_1"),
    ({"batch_size": 0}, "training.batch_size"),
    ({"epochs": 2.5}, "training.epochs"),
    ({"loss": "mean_squares"}, "training.loss"),
    ({"metrics": ["accurcy"]}, "training.metrics[0]"),
    ({"lr_schedule": {"kind": "cosine", "alpha": 2}}, "training.lr_schedule.alpha"),
    ({"lr_schedule": {"kind": "piecewise", "boundaries": [10], "values": [0.1]}},
     "training.lr_schedule.values"),
    ({"lr_schedule": {"kind": "wiggly"}}, "training.lr_schedule.kind"),
    ({"early_stopping": {"patience": -1}}, "training.early_stopping.patience"),
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, "training.global_clipnorm"),
    ({"shuffle": "yes"}, "training.shuffle"),
    ({"validation_split": 1.0}, "training.validation_split"),
    ({"freeze": "conv_1"}, "training.freeze"),
    ({"fine_tune": {"unfreeze": []}}, "training.fine_tune.unfreeze"),
])
def test_bad_values_name_the_field(section, field):
    with pytest.raises(ValueError) as caught:
        TrainingSettings.from_dict(section)
    assert str(caught.value).startswith(f"{field}: ")


def test_metric_names_and_modes():
    assert canonical_metric("acc") == "accuracy"
    assert canonical_metric("top_k_accuracy") == "top_k_accuracy"
    assert mode_for("val_accuracy") == "max"
    assert mode_for("val_loss") == "min"
    assert mode_for("mean_absolute_error") == "min"


def test_loss_is_proposed_from_the_output_and_the_labels():
    assert propose_loss("softmax", 10, labels_one_hot=False, classification=True) == \
        "sparse_categorical_crossentropy"
    assert propose_loss("softmax", 10, labels_one_hot=True, classification=True) == "categorical_crossentropy"
    assert propose_loss("sigmoid", 1, labels_one_hot=False, classification=True) == "binary_crossentropy"
    assert propose_loss(None, 1, labels_one_hot=False, classification=False) == "mean_squared_error"


def _settings(schedule: dict, rate: float = 0.1) -> TrainingSettings:
    return TrainingSettings.from_dict({"learning_rate": rate, "lr_schedule": schedule})


@pytest.mark.parametrize("schedule", [
    {"kind": "constant"},
    {"kind": "piecewise", "boundaries": [30, 60], "values": [0.1, 0.01, 0.001]},
    {"kind": "exponential", "decay_steps": 20, "decay_rate": 0.5},
    {"kind": "exponential", "decay_steps": 20, "decay_rate": 0.5, "staircase": True},
    {"kind": "cosine", "alpha": 0.1},
    {"kind": "cosine", "warmup_steps": 15, "warmup_start": 0.01, "alpha": 0.0},
])
def test_schedule_points_match_the_keras_schedule(schedule):
    from keras import ops

    from app.training.schedules import keras_learning_rate

    settings = _settings(schedule)
    keras_rate = keras_learning_rate(settings, 100)
    for step, rate in schedule_points(settings, 100, samples=25):
        if isinstance(keras_rate, float):
            expected = keras_rate
        else:
            expected = float(ops.convert_to_numpy(keras_rate(step)))
        assert rate == pytest.approx(expected, rel=1e-5, abs=1e-9), step


def test_schedule_points_for_a_plot():
    settings = _settings({"kind": "piecewise", "boundaries": [50], "values": [0.1, 0.01]})
    points = schedule_points(settings, 100, samples=10)
    assert points[0] == (0, 0.1) and points[-1] == (100, 0.01)
    assert (50, 0.1) in points and (51, 0.01) in points
    assert [step for step, _ in points] == sorted(step for step, _ in points)
    warm = _settings({"kind": "cosine", "warmup_steps": 10})
    assert learning_rate_at(warm, 0, 100) == 0.0
    assert learning_rate_at(warm, 10, 100) == pytest.approx(0.1)
    assert learning_rate_at(warm, 100, 100) == pytest.approx(0.0, abs=1e-12)
    assert example_path("digits-cnn").is_file()
