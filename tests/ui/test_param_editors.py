"""The param editors: each kind edits, refuses a bad value where it is typed, and commits once."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from app.core.catalog import (
    ACTIVATION,
    ANY,
    BOOL,
    CHOICE,
    CONSTRAINT,
    FLOAT,
    INITIALIZER,
    INT,
    LAYER,
    PARAM_KINDS,
    REGULARIZER,
    STRING,
    TUPLE,
    ParamSpec,
    default_catalog,
)
from app.core.graph import Node
from app.core.layer_factory import make_layer
from app.ui.param_editors import (
    ActivationEditor,
    ChoiceEditor,
    ConfigEditor,
    ConstraintEditor,
    FloatEditor,
    IntEditor,
    JsonEditor,
    ParamEditor,
    RegularizerEditor,
    TupleEditor,
    editor_for,
    parse_int_tuple,
)

pytestmark = pytest.mark.gui

# One valid value per kind, different from the spec's default.
VALID_VALUES = [
    (ParamSpec("units", INT, 32, minimum=1), 64),
    (ParamSpec("rate", FLOAT, 0.5, minimum=0, maximum=1), 1e-5),
    (ParamSpec("use_bias", BOOL, True), False),
    (ParamSpec("padding", CHOICE, "valid", choices=("valid", "same")), "same"),
    (ParamSpec("interpolation", STRING, "bilinear"), "nearest"),
    (ParamSpec("kernel_size", TUPLE, [3, 3], minimum=1, length=2), [5, 1]),
    (ParamSpec("shape", TUPLE, [8, 8, 1], minimum=1), [None, 4]),
    (ParamSpec("activation", ACTIVATION, None, optional=True), "gelu"),
    (ParamSpec("kernel_initializer", INITIALIZER, "glorot_uniform"), "he_normal"),
    (ParamSpec("kernel_regularizer", REGULARIZER, None, optional=True),
     {"module": "keras.regularizers", "class_name": "L1L2", "config": {"l1": 0.001, "l2": 0.02},
      "registered_name": None}),
    (ParamSpec("kernel_constraint", CONSTRAINT, None, optional=True),
     {"module": "keras.constraints", "class_name": "MaxNorm", "config": {"max_value": 3.0, "axis": 0},
      "registered_name": None}),
    (ParamSpec("layer", LAYER, {"class_name": "LSTM", "config": {"units": 32}}),
     {"class_name": "GRU", "config": {"units": 8}}),
    (ParamSpec("value_range", ANY, [0, 255]), [-1, 1]),
]


@pytest.fixture
def host(qtbot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def make(host: QWidget, spec: ParamSpec) -> ParamEditor:
    editor = editor_for(spec, host)
    editor.show()
    return editor


def type_into(qtbot, widget: QWidget, text: str) -> None:
    """Replace the text of a line edit (or spin box) as a user would, then press Enter."""
    widget.setFocus()
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_every_kind_has_an_editor(host) -> None:
    kinds = {spec.kind for spec, _ in VALID_VALUES}
    assert kinds == set(PARAM_KINDS)
    for kind in PARAM_KINDS:
        assert isinstance(make(host, ParamSpec("x", kind, None, optional=True)), ParamEditor)


@pytest.mark.parametrize(("spec", "value"), VALID_VALUES, ids=lambda x: getattr(x, "name", ""))
def test_each_editor_round_trips_a_valid_value(host, spec, value) -> None:
    editor = make(host, spec)
    assert editor.value() == spec.default
    editor.set_value(value)
    assert editor.value() == value
    assert editor.error() == ""


@pytest.mark.parametrize(("spec", "value"), VALID_VALUES, ids=lambda x: getattr(x, "name", ""))
def test_reading_back_what_an_editor_shows_commits_nothing(qtbot, host, spec, value) -> None:
    editor = make(host, spec)
    editor.set_value(value)
    with qtbot.assertNotEmitted(editor.committed):
        editor.commit()
    assert editor.value() == value


def test_every_param_of_the_catalog_gets_an_editor_that_shows_its_default(host) -> None:
    for layer in default_catalog().specs():
        for spec in layer.params:
            editor = editor_for(spec, host)
            assert editor.value() == spec.default, f"{layer.type}.{spec.name}"
            assert editor.error() == "", f"{layer.type}.{spec.name}: {editor.error()}"
            editor.deleteLater()


# ---------------------------------------------------------------------- ints
def test_int_editor_commits_a_typed_value_once(qtbot, host) -> None:
    editor = make(host, ParamSpec("units", INT, 32, minimum=1))
    assert isinstance(editor, IntEditor)
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.spin, "64")
    assert signal.args == [64]
    assert editor.value() == 64
    with qtbot.assertNotEmitted(editor.committed):
        editor.spin.editingFinished.emit()  # leaving the field again changes nothing


def test_int_editor_refuses_an_out_of_range_value_with_the_reason(qtbot, host) -> None:
    editor = make(host, ParamSpec("units", INT, 32, minimum=1))
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.spin, "0")
    assert "at least 1" in editor.error()
    assert editor.value() == 32
    assert editor.spin.value() == 0  # the typed text stays, to be corrected
    with qtbot.waitSignal(editor.committed):
        type_into(qtbot, editor.spin, "3")
    assert editor.error() == ""


def test_int_arrows_stay_in_range(host) -> None:
    editor = make(host, ParamSpec("units", INT, 1, minimum=1, maximum=3))
    editor.spin.stepBy(-5)
    assert editor.spin.value() == 1
    editor.spin.stepBy(10)
    assert editor.spin.value() == 3


def test_optional_int_has_a_none_box(qtbot, host) -> None:
    editor = make(host, ParamSpec("seed", INT, None, optional=True, minimum=0))
    assert editor.none_box is not None and editor.none_box.isChecked()
    assert not editor.spin.isEnabled()
    with qtbot.waitSignal(editor.committed) as signal:
        qtbot.mouseClick(editor.none_box, Qt.MouseButton.LeftButton)
    assert signal.args == [0]
    with qtbot.waitSignal(editor.committed) as signal:
        qtbot.mouseClick(editor.none_box, Qt.MouseButton.LeftButton)
    assert signal.args == [None]


# -------------------------------------------------------------------- floats
@pytest.mark.parametrize(("text", "value"), [("0.001", 0.001), ("1e-4", 1e-4), (".25", 0.25), ("0", 0.0)])
def test_float_editor_reads_plain_and_scientific_numbers(qtbot, host, text, value) -> None:
    editor = make(host, ParamSpec("rate", FLOAT, 0.5, minimum=0, maximum=0.99))
    assert isinstance(editor, FloatEditor)
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.line, text)
    assert math.isclose(signal.args[0], value)


def test_float_editor_shows_small_values_exactly(host) -> None:
    editor = make(host, ParamSpec("epsilon", FLOAT, 1e-5))
    assert editor.line.text() == "1e-05"


@pytest.mark.parametrize(("text", "reason"), [("abc", "not a number"), ("1.5", "at most 0.99"),
                                              ("", "required"), ("nan", "finite")])
def test_float_editor_refuses_bad_text_with_the_reason(qtbot, host, text, reason) -> None:
    editor = make(host, ParamSpec("rate", FLOAT, 0.5, minimum=0, maximum=0.99))
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.line, text) if text else (editor.line.clear(), editor.commit())
    assert reason in editor.error()
    assert editor.value() == 0.5
    assert not editor._error.isHidden()


def test_optional_float_left_empty_is_none(qtbot, host) -> None:
    editor = make(host, ParamSpec("max_value", FLOAT, None, optional=True, minimum=0))
    editor.set_value(6.0)
    editor.line.clear()
    with qtbot.waitSignal(editor.committed) as signal:
        editor.commit()
    assert signal.args == [None]


# -------------------------------------------------------------------- tuples
def test_tuple_of_known_length_uses_a_spin_box_per_item(qtbot, host) -> None:
    editor = make(host, ParamSpec("kernel_size", TUPLE, [3, 3], minimum=1, length=2))
    assert isinstance(editor, TupleEditor) and not editor.text_mode
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.spins[1], "5")
    assert signal.args == [[3, 5]]
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.spins[0], "0")
    assert "at least 1" in editor.error()


def test_one_dimensional_tuple_keeps_a_bare_int(qtbot, host) -> None:
    editor = make(host, ParamSpec("strides", TUPLE, 1, minimum=1, length=1))
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.spins[0], "2")
    assert signal.args == [2]


def test_tuple_of_unknown_length_is_typed_as_text(qtbot, host) -> None:
    editor = make(host, ParamSpec("shape", TUPLE, [8, 8, 1], minimum=1))
    assert editor.text_mode and editor.line.text() == "8, 8, 1"
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.line, "28, 28")
    assert signal.args == [[28, 28]]
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.line, "28, x")
    assert "list of whole numbers" in editor.error()


def test_nested_tuple_switches_to_text(qtbot, host) -> None:
    editor = make(host, ParamSpec("cropping", TUPLE, [[0, 0], [0, 0]], minimum=0, length=2))
    assert editor.text_mode
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.line, "(1, 2), (3, 4)")
    assert signal.args == [[[1, 2], [3, 4]]]


@pytest.mark.parametrize(("text", "value"), [
    ("3", 3), ("3, 3", [3, 3]), ("(3,)", [3]), ("[None, 4]", [None, 4]), ("(2, 2)", [2, 2]),
    ("(1, 2), (3, 4)", [[1, 2], [3, 4]]), ("((1, 2), (3, 4))", [[1, 2], [3, 4]]),
])
def test_parse_int_tuple(text, value) -> None:
    assert parse_int_tuple(text) == value


# ------------------------------------------------------------------- combos
def test_choice_editor_commits_the_picked_entry(qtbot, host) -> None:
    editor = make(host, ParamSpec("padding", CHOICE, "valid", choices=("valid", "same")))
    assert isinstance(editor, ChoiceEditor)
    editor.combo.setCurrentIndex(1)
    with qtbot.waitSignal(editor.committed) as signal:
        editor.combo.activated.emit(1)
    assert signal.args == ["same"]


def test_optional_choice_offers_none(qtbot, host) -> None:
    editor = make(host, ParamSpec("data_format", CHOICE, None, optional=True,
                                  choices=("channels_last", "channels_first")))
    assert editor.combo.itemText(0) == "(none)"
    editor.set_value("channels_first")
    editor.combo.setCurrentIndex(0)
    with qtbot.waitSignal(editor.committed) as signal:
        editor.combo.activated.emit(0)
    assert signal.args == [None]


def test_a_value_outside_the_choices_is_kept(host) -> None:
    editor = make(host, ParamSpec("kernel_initializer", INITIALIZER, "glorot_uniform"))
    config = {"class_name": "VarianceScaling", "config": {"scale": 2.0}}
    editor.set_value(config)
    assert editor.value() == config
    assert "VarianceScaling" in editor.combo.currentText()


def test_activation_accepts_a_typed_keras_name_and_refuses_an_unknown_one(qtbot, host) -> None:
    editor = make(host, ParamSpec("activation", ACTIVATION, None, optional=True))
    assert isinstance(editor, ActivationEditor)
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.combo, "celu")  # known to Keras, not in the short list
    assert signal.args == ["celu"]
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.combo, "relux")
    assert "expected a name keras knows" in editor.error().lower()


# ------------------------------------------------------ regularizers, constraints
def pick(qtbot, editor: ConfigEditor, class_name: str | None) -> None:
    index = editor.combo.findData(class_name)
    editor.combo.setCurrentIndex(index)
    editor.combo.activated.emit(index)


def test_regularizer_editor_writes_keras_configs(qtbot, host) -> None:
    editor = make(host, ParamSpec("kernel_regularizer", REGULARIZER, None, optional=True))
    assert isinstance(editor, RegularizerEditor)
    with qtbot.waitSignal(editor.committed) as signal:
        pick(qtbot, editor, "L2")
    assert signal.args == [{"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01},
                            "registered_name": None}]
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.fields["l2"], "1e-3")
    assert signal.args[0]["config"] == {"l2": 0.001}
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.fields["l2"], "-1")
    assert "l2 must be 0 or more" in editor.error()
    with qtbot.waitSignal(editor.committed) as signal:
        pick(qtbot, editor, None)
    assert signal.args == [None]
    assert not editor.fields


def test_regularizer_editor_reads_keras_names(host) -> None:
    editor = make(host, ParamSpec("kernel_regularizer", REGULARIZER, None, optional=True))
    editor.set_value("l1")
    assert editor.class_name == "L1" and editor.fields["l1"].text() == "0.01"
    kept = {"class_name": "OrthogonalRegularizer", "config": {"factor": 0.01, "mode": "rows"}}
    editor.set_value(kept)
    assert editor.value() == kept and "kept" in editor.combo.currentText()


def dense_with(**params) -> object:
    node = Node("n1", "Dense", "dense", {"units": 4, **params})
    layer = make_layer(node, default_catalog().get("Dense"))
    layer.build((None, 3))
    return layer


@pytest.mark.parametrize(("class_name", "factors"), [("L1", {"l1": 0.05}), ("L2", {"l2": 0.02}),
                                                     ("L1L2", {"l1": 0.001, "l2": 0.002})])
def test_regularizer_values_build_into_a_keras_layer(qtbot, host, class_name, factors) -> None:
    import keras

    editor = make(host, ParamSpec("kernel_regularizer", REGULARIZER, None, optional=True))
    pick(qtbot, editor, class_name)
    for name, factor in factors.items():
        type_into(qtbot, editor.fields[name], str(factor))
    layer = dense_with(kernel_regularizer=editor.value())
    regularizer = layer.kernel_regularizer
    assert type(regularizer) is getattr(keras.regularizers, class_name)
    for name, factor in factors.items():
        assert math.isclose(float(getattr(regularizer, name)), factor, rel_tol=1e-6)


@pytest.mark.parametrize(("class_name", "fields", "expected"), [
    ("MaxNorm", {"max_value": "3", "axis": "0"}, {"max_value": 3.0, "axis": 0}),
    ("MinMaxNorm", {"min_value": "0.5", "max_value": "2", "rate": "0.9"},
     {"min_value": 0.5, "max_value": 2.0, "rate": 0.9}),
    ("NonNeg", {}, {}),
    ("UnitNorm", {"axis": "0, 1"}, {"axis": [0, 1]}),
])
def test_constraint_values_build_into_a_keras_layer(qtbot, host, class_name, fields, expected) -> None:
    import keras

    editor = make(host, ParamSpec("kernel_constraint", CONSTRAINT, None, optional=True))
    assert isinstance(editor, ConstraintEditor)
    pick(qtbot, editor, class_name)
    for name, text in fields.items():
        type_into(qtbot, editor.fields[name], text)
    assert editor.value()["class_name"] == class_name
    constraint = dense_with(kernel_constraint=editor.value()).kernel_constraint
    assert type(constraint) is getattr(keras.constraints, class_name)
    config = constraint.get_config()
    for name, value in expected.items():
        assert config[name] == pytest.approx(value)


def test_constraint_editor_refuses_a_bad_rate(qtbot, host) -> None:
    editor = make(host, ParamSpec("kernel_constraint", CONSTRAINT, None, optional=True))
    pick(qtbot, editor, "MinMaxNorm")
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.fields["rate"], "2")
    assert "rate must be between 0 and 1" in editor.error()


# ---------------------------------------------------------------------- json
def test_json_editor_shows_parse_errors(qtbot, host) -> None:
    editor = make(host, ParamSpec("value_range", ANY, [0, 255]))
    assert isinstance(editor, JsonEditor)
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.line, "[0, 1")
    assert "Not valid JSON" in editor.error()
    with qtbot.waitSignal(editor.committed) as signal:
        type_into(qtbot, editor.line, "[0, 1]")
    assert signal.args == [[0, 1]]
    assert editor.error() == ""


def test_layer_editor_refuses_a_config_without_class_name(qtbot, host) -> None:
    editor = make(host, ParamSpec("layer", LAYER, {"class_name": "LSTM", "config": {"units": 32}}))
    with qtbot.assertNotEmitted(editor.committed):
        type_into(qtbot, editor.line, '{"units": 3}')
    assert "class_name" in editor.error()
