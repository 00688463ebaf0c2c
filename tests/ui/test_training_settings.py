"""The training settings form: filled from a project's section, each edit checked and emitted whole."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QCheckBox, QComboBox, QLineEdit, QListWidget

from app.core.examples import example_path, list_examples
from app.core.project import load_project
from app.training.settings import OPTIMIZER_PARAMS, TrainingSettings
from app.ui.document import Document
from app.ui.training_settings import TrainingSettingsEditor

DIGITS = {"optimizer": "adam", "learning_rate": 0.001, "loss": "sparse_categorical_crossentropy",
          "metrics": ["accuracy"], "batch_size": 32, "epochs": 15}


@pytest.fixture
def editor(qtbot) -> TrainingSettingsEditor:
    """An editor showing the digits example's settings, with a recorder of what it emits."""
    widget = TrainingSettingsEditor()
    qtbot.addWidget(widget)
    widget.resize(420, 900)
    widget.show()
    widget.set_settings(DIGITS)
    widget.emitted = []
    widget.changed.connect(lambda training, text: widget.emitted.append((training, text)))
    return widget


def type_into(qtbot, editor: TrainingSettingsEditor, key: str, text: str) -> None:
    """Replace a text field's text the way a person does, and press Enter."""
    line = editor.fields[key].widget
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def choose(editor: TrainingSettingsEditor, key: str, value: object) -> None:
    """Pick the entry holding ``value`` in a combo box, as a click in its list does."""
    combo = editor.fields[key].widget
    index = next(i for i in range(combo.count()) if combo.itemData(i) == value)
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def shown(editor: TrainingSettingsEditor, key: str) -> bool:
    return editor.fields[key].widget.isVisibleTo(editor)


# ---------------------------------------------------------------- filling
@pytest.mark.parametrize("name", [info.name for info in list_examples()])
def test_every_example_fills_the_form_and_tabbing_through_it_emits_nothing(qtbot, name):
    training = load_project(example_path(name)).training
    editor = TrainingSettingsEditor()
    qtbot.addWidget(editor)
    emitted = []
    editor.changed.connect(lambda data, text: emitted.append(data))
    editor.set_settings(training)

    assert editor.settings() == TrainingSettings.from_dict(training).to_dict()
    assert editor.fields["learning_rate"].widget.text() == repr(float(training["learning_rate"]))
    assert editor.fields["batch_size"].widget.value() == training["batch_size"]
    for metric in training["metrics"]:
        assert editor.fields[f"metrics.{metric}"].widget.isChecked()
    for field in editor.fields.values():  # every field committed without a change
        field.on_commit(field)
    assert emitted == []
    assert editor.error == ""


def test_a_change_emits_the_whole_section_with_unknown_keys_and_an_undo_text(qtbot, editor):
    editor.set_settings({**DIGITS, "custom": {"kept": True}})
    type_into(qtbot, editor, "learning_rate", "1e-4")

    (training, text), = editor.emitted
    assert training["learning_rate"] == pytest.approx(1e-4)
    assert training["custom"] == {"kept": True}
    assert training == TrainingSettings.from_dict(training).to_dict()
    assert text == "Set learning rate"


def test_set_settings_emits_nothing_and_shows_the_new_values(qtbot, editor):
    editor.set_settings({**DIGITS, "epochs": 3, "seed": 7, "shuffle": False})
    assert editor.emitted == []
    assert editor.fields["epochs"].widget.value() == 3
    assert editor.fields["seed"].widget.text() == "7"
    assert not editor.fields["shuffle"].widget.isChecked()


def test_a_bad_section_shows_why_and_the_form_can_fix_it(qtbot, editor):
    editor.set_settings({**DIGITS, "batch_size": 0})
    assert "training.batch_size" in editor.error
    editor.fields["batch_size"].widget.setValue(64)
    editor.fields["batch_size"].widget.editingFinished.emit()
    assert editor.error == ""
    assert editor.emitted[-1][0]["batch_size"] == 64


# ---------------------------------------------------------------- refusing
@pytest.mark.parametrize("text, reason", [("-1", "above 0"), ("abc", "not a number"), ("", "required")])
def test_a_bad_learning_rate_is_refused_with_the_reason_and_not_emitted(qtbot, editor, text, reason):
    type_into(qtbot, editor, "learning_rate", text)

    assert editor.emitted == []
    assert "training.learning_rate" in editor.error and reason in editor.error
    assert editor._error_label.isVisibleTo(editor)
    assert editor.settings()["learning_rate"] == 0.001
    assert editor.fields["learning_rate"].widget.text() == text  # left there to be fixed

    type_into(qtbot, editor, "learning_rate", "0.01")
    assert editor.error == ""
    assert not editor._error_label.isVisibleTo(editor)
    assert editor.emitted[-1][0]["learning_rate"] == 0.01


def test_a_refused_field_does_not_block_the_others(qtbot, editor):
    type_into(qtbot, editor, "validation_split", "1.5")
    assert "training.validation_split" in editor.error
    type_into(qtbot, editor, "seed", "42")
    assert editor.emitted[-1][0]["seed"] == 42
    assert "training.validation_split" in editor.error  # still there, still to fix


def test_clip_norm_and_global_clip_norm_together_are_refused(qtbot, editor):
    type_into(qtbot, editor, "clipnorm", "1.0")
    type_into(qtbot, editor, "global_clipnorm", "2.0")
    assert [training["clipnorm"] for training, _ in editor.emitted] == [1.0]
    assert "clipnorm or global_clipnorm" in editor.error
    type_into(qtbot, editor, "clipnorm", "")  # empty: off
    assert editor.emitted[-1][0]["clipnorm"] is None
    assert editor.emitted[-1][0]["global_clipnorm"] == 2.0


# ---------------------------------------------------------------- optimizer
def test_switching_the_optimizer_shows_its_own_params(qtbot, editor):
    assert shown(editor, "optimizer_params.beta_1") and not shown(editor, "optimizer_params.momentum")
    type_into(qtbot, editor, "optimizer_params.beta_1", "0.8")
    assert editor.emitted[-1][0]["optimizer_params"] == {"beta_1": 0.8}

    choose(editor, "optimizer", "sgd")

    training, text = editor.emitted[-1]
    assert training["optimizer"] == "sgd" and training["optimizer_params"] == {}  # SGD has no beta_1
    assert text == "Set optimizer"
    for name in {n for params in OPTIMIZER_PARAMS.values() for n in params}:
        assert shown(editor, f"optimizer_params.{name}") == (name in OPTIMIZER_PARAMS["sgd"]), name
    qtbot.mouseClick(editor.fields["optimizer_params.nesterov"].widget, Qt.MouseButton.LeftButton)
    assert editor.emitted[-1][0]["optimizer_params"] == {"nesterov": True}
    assert editor.emitted[-1][1] == "Turn on nesterov"


def test_an_optimizer_param_out_of_range_is_refused(qtbot, editor):
    type_into(qtbot, editor, "optimizer_params.beta_2", "1")
    assert editor.emitted == []
    assert "training.optimizer_params.beta_2" in editor.error


# ---------------------------------------------------------------- schedule
def test_switching_the_schedule_shows_only_that_kinds_fields(qtbot, editor):
    assert not shown(editor, "lr_schedule.decay_rate")
    choose(editor, "lr_schedule.kind", "exponential")

    assert editor.emitted[-1][0]["lr_schedule"] == {"kind": "exponential", "decay_steps": None,
                                                    "decay_rate": 0.96, "staircase": False}
    assert shown(editor, "lr_schedule.decay_rate") and shown(editor, "lr_schedule.staircase")
    assert not shown(editor, "lr_schedule.warmup_steps")
    choose(editor, "lr_schedule.kind", "cosine")
    assert shown(editor, "lr_schedule.warmup_steps") and not shown(editor, "lr_schedule.decay_rate")


def test_the_schedule_plot_follows_the_rate_and_the_run_length(qtbot, editor):
    steps, rates = editor.schedule_curve
    assert steps[-1] == 15 * 100 and max(rates) == pytest.approx(0.001)

    type_into(qtbot, editor, "learning_rate", "0.05")
    assert max(editor.schedule_curve[1]) == pytest.approx(0.05)
    choose(editor, "lr_schedule.kind", "cosine")
    assert editor.schedule_curve[1][-1] == pytest.approx(0.0, abs=1e-9)  # decays to alpha = 0
    editor.set_steps_per_epoch(10)
    assert editor.schedule_curve[0][-1] == 150
    assert "150 steps" in editor._plot_note.text()


def test_piecewise_rates_and_boundaries_are_committed_together(qtbot, editor):
    choose(editor, "lr_schedule.kind", "piecewise")
    schedule = editor.emitted[-1][0]["lr_schedule"]
    assert len(schedule["values"]) == len(schedule["boundaries"]) + 1  # a valid plan to start from

    type_into(qtbot, editor, "lr_schedule.boundaries", "100, 200, 300")
    assert "expected 4 rates" in editor.error
    count = len(editor.emitted)
    type_into(qtbot, editor, "lr_schedule.values", "0.1, 0.01, 0.001, 0.0001")

    assert len(editor.emitted) == count + 1 and editor.error == ""
    assert editor.emitted[-1][0]["lr_schedule"] == {"kind": "piecewise", "boundaries": [100, 200, 300],
                                                    "values": [0.1, 0.01, 0.001, 0.0001]}
    assert min(editor.schedule_curve[1]) == pytest.approx(0.0001)


# ---------------------------------------------------------------- loss and metrics
def test_a_metric_checkbox_adds_and_removes_the_metric(qtbot, editor):
    box = editor.fields["metrics.precision"].widget
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert editor.emitted[-1] == ({**editor.settings()}, "Add metric precision")
    assert editor.settings()["metrics"] == ["accuracy", "precision"]
    qtbot.mouseClick(editor.fields["metrics.accuracy"].widget, Qt.MouseButton.LeftButton)
    assert editor.settings()["metrics"] == ["precision"]
    assert editor.emitted[-1][1] == "Remove metric accuracy"
    # the monitors offer the metrics chosen
    monitor = editor.fields["early_stopping.monitor"].widget
    assert "val_precision" in [monitor.itemText(i) for i in range(monitor.count())]


def test_top_k_accuracy_takes_its_k(qtbot, editor):
    assert not editor.fields["metrics.top_k"].widget.isEnabled()
    qtbot.mouseClick(editor.fields["metrics.top_k_accuracy"].widget, Qt.MouseButton.LeftButton)
    assert editor.settings()["metrics"] == ["accuracy", "top_k_accuracy"]
    spin = editor.fields["metrics.top_k"].widget
    assert spin.isEnabled() and spin.value() == 5
    spin.setValue(3)
    spin.editingFinished.emit()
    assert editor.settings()["metrics"] == ["accuracy", "top_3_accuracy"]


def test_one_loss_per_output(qtbot, editor):
    assert list(k for k in editor.fields if k.startswith("loss")) == ["loss"]
    editor.set_outputs(["digit", "parity"])
    assert [k for k in editor.fields if k.startswith("loss")] == ["loss.digit", "loss.parity"]
    combo = editor.fields["loss.parity"].widget
    assert combo.itemText(0) == "auto"
    assert combo.currentText() == "sparse_categorical_crossentropy"  # one loss for every output

    choose(editor, "loss.parity", "binary_crossentropy")
    assert editor.emitted[-1][0]["loss"] == {"digit": "sparse_categorical_crossentropy",
                                             "parity": "binary_crossentropy"}


# ---------------------------------------------------------------- callbacks, device, transfer
def test_early_stopping_turns_on_with_its_defaults(qtbot, editor):
    patience = editor.fields["early_stopping.patience"].widget
    assert not patience.isEnabled()
    qtbot.mouseClick(editor.fields["early_stopping.on"].widget, Qt.MouseButton.LeftButton)
    assert editor.emitted[-1] == (editor.settings(), "Turn on early stopping")
    assert editor.settings()["early_stopping"] == {"monitor": "val_loss", "patience": 5, "min_delta": 0.0,
                                                   "restore_best_weights": True}
    assert patience.isEnabled()
    patience.setValue(2)
    patience.editingFinished.emit()
    assert editor.settings()["early_stopping"]["patience"] == 2
    qtbot.mouseClick(editor.fields["early_stopping.on"].widget, Qt.MouseButton.LeftButton)
    assert editor.settings()["early_stopping"] is None
    qtbot.mouseClick(editor.fields["early_stopping.on"].widget, Qt.MouseButton.LeftButton)
    assert editor.settings()["early_stopping"]["patience"] == 2  # remembered


def test_the_device_list_offers_the_gpus_found(qtbot, editor):
    combo = editor.fields["device"].widget
    editor.set_devices(["cpu:0", "gpu:0", "gpu:1"])
    assert [combo.itemData(i) for i in range(combo.count())] == ["auto", "cpu", "gpu:0", "gpu:1"]
    assert "2 GPUs found" in editor._notes["devices"].text()
    choose(editor, "device", "gpu:1")
    assert editor.emitted[-1][0]["device"] == "gpu:1"

    editor.set_devices(["cpu:0"])  # the project moved to a machine without that GPU
    assert combo.currentText() == "gpu:1 (not available here)"
    assert "No GPU found" in editor._notes["devices"].text()


def test_precision_xla_and_distribution(qtbot, editor):
    choose(editor, "precision", "mixed_float16")
    choose(editor, "jit_compile", False)
    choose(editor, "distribute", "all_gpus")
    training = editor.emitted[-1][0]
    assert (training["precision"], training["jit_compile"], training["distribute"]) == (
        "mixed_float16", False, "all_gpus")
    assert "MirroredStrategy" in editor._notes["distribute"].text()


def test_freezing_nodes_and_a_two_stage_fine_tune(qtbot, editor):
    editor.set_node_names(["image", "mobilenet", "head"])
    fine_tune = editor.fields["fine_tune.on"].widget
    qtbot.mouseClick(fine_tune, Qt.MouseButton.LeftButton)  # nothing frozen yet: refused
    assert not fine_tune.isChecked() and "training.fine_tune.unfreeze" in editor.error
    assert editor.emitted == []

    freeze = editor.fields["freeze"].widget
    freeze.item(1).setCheckState(Qt.CheckState.Checked)
    assert editor.emitted[-1] == (editor.settings(), "Set freeze")
    assert editor.settings()["freeze"] == ["mobilenet"]
    qtbot.mouseClick(fine_tune, Qt.MouseButton.LeftButton)
    assert editor.error == ""
    assert editor.settings()["fine_tune"] == {"unfreeze": ["mobilenet"], "head_epochs": 1, "top_layers": None,
                                              "learning_rate": 1e-5}
    type_into(qtbot, editor, "fine_tune.top_layers", "20")
    assert editor.settings()["fine_tune"]["top_layers"] == 20


def test_the_form_is_greyed_out_while_training(qtbot, editor):
    editor.set_enabled_for_run(True)
    assert not editor.fields["learning_rate"].widget.isEnabled()
    assert editor._running_note.isVisibleTo(editor)
    editor.set_enabled_for_run(False)
    assert editor.fields["learning_rate"].widget.isEnabled()


def test_every_editable_field_has_a_tooltip(qtbot, editor, theme):
    editor.set_node_names(["image", "mobilenet"])
    editable = (QLineEdit, QComboBox, QAbstractSpinBox, QCheckBox, QListWidget)
    widgets = [w for kind in editable for w in editor.findChildren(kind)]
    assert len(widgets) > 50
    for widget in widgets:
        assert widget.toolTip().strip(), f"{type(widget).__name__} {widget.objectName()} has no tooltip"
    for combo in editor.findChildren(QComboBox):
        for index in range(combo.count()):
            assert combo.itemData(index, Qt.ItemDataRole.ToolTipRole), combo.itemText(index)


def test_undo_through_the_document_puts_the_old_value_back(qtbot, editor):
    document = Document(load_project(example_path("digits-cnn")))
    editor.set_settings(document.project.training)
    editor.changed.connect(document.set_training)
    document.training_changed.connect(lambda: editor.set_settings(document.project.training))

    type_into(qtbot, editor, "learning_rate", "0.02")
    assert document.project.training["learning_rate"] == 0.02
    assert document.undo.undoText() == "Set learning rate"
    document.undo.undo()
    assert editor.fields["learning_rate"].widget.text() == "0.001"
    assert editor.settings()["learning_rate"] == 0.001
