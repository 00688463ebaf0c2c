"""The property editor: generated from the layer spec, bound to the graph both ways through undo."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.core.catalog import default_catalog
from app.core.edits import Edit, SetParam
from app.core.examples import example_path
from app.core.graph import Graph
from app.core.project import load_project
from app.core.validation import validate
from app.ui.properties import EMPTY_TEXT, PropertyEditor, split_params
from app.ui.undo import GraphUndoStack

pytestmark = pytest.mark.gui


@pytest.fixture
def graph() -> Graph:
    return load_project(example_path("digits-cnn")).graph


@pytest.fixture
def stack(qtbot, graph) -> GraphUndoStack:
    return GraphUndoStack(graph)


@pytest.fixture
def editor(qtbot, stack) -> PropertyEditor:
    widget = PropertyEditor(stack.push_edit, default_catalog())
    widget.resize(320, 700)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def node_id(graph: Graph, name: str) -> str:
    node = graph.find(name)
    assert node is not None
    return node.id


def type_into(qtbot, widget, text: str) -> None:
    line = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    line.setFocus()
    line.selectAll()
    qtbot.keyClicks(line, text)
    qtbot.keyClick(line, Qt.Key.Key_Return)


def test_nothing_selected_shows_a_hint(editor) -> None:
    assert editor.message == EMPTY_TEXT
    assert editor.rows == {}


def test_a_conv2d_shows_its_params_key_ones_first(editor, graph) -> None:
    editor.set_node(graph, node_id(graph, "conv_1"))
    assert editor.message == ""
    assert editor._type_label.text() == "Conv2D"
    assert editor._doc_label.text().startswith("Slides filters")
    assert editor.name_edit.text() == "conv_1"
    names = list(editor.rows)
    assert names[:3] == ["filters", "kernel_size", "activation"]
    assert set(names) == {p.name for p in default_catalog().get("Conv2D").params}
    assert editor.rows["filters"].editor.value() == 16
    assert editor.rows["padding"].editor.value() == "same"
    assert editor.rows["filters"].label.toolTip().startswith("Number of filters")


def test_many_params_put_the_rest_under_advanced(editor, graph) -> None:
    editor.set_node(graph, node_id(graph, "conv_1"))
    main, advanced = split_params(default_catalog().get("Conv2D"))
    assert [p.name for p in main[:3]] == ["filters", "kernel_size", "activation"]
    assert "kernel_regularizer" in {p.name for p in advanced}
    assert not editor.advanced_expanded
    assert editor.rows["kernel_regularizer"].editor.isHidden()
    assert not editor.rows["filters"].editor.isHidden()
    editor.set_advanced_expanded(True)
    assert not editor.rows["kernel_regularizer"].editor.isHidden()


def test_typing_a_value_sets_the_param_and_undo_restores_the_field(qtbot, editor, graph, stack) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    spin = editor.rows["filters"].editor.spin
    type_into(qtbot, spin, "64")
    assert graph.node(conv).params["filters"] == 64
    assert stack.count() == 1 and stack.undoText() == "Set filters"
    spin.editingFinished.emit()  # leaving the field adds no second step
    assert stack.count() == 1
    stack.undo()
    assert graph.node(conv).params["filters"] == 16
    assert spin.value() == 16
    stack.redo()
    assert spin.value() == 64


def test_an_out_of_range_value_is_refused_with_the_reason(qtbot, editor, graph, stack) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    row = editor.rows["filters"]
    type_into(qtbot, row.editor.spin, "0")
    assert "at least 1" in row.editor.error()
    assert graph.node(conv).params["filters"] == 16
    assert stack.count() == 0


def test_rename_goes_through_undo_and_a_duplicate_is_refused(qtbot, editor, graph, stack) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    type_into(qtbot, editor.name_edit, "conv_2")
    assert "already used" in editor.name_error
    assert editor.name_edit.text() == "conv_1"
    assert graph.node(conv).name == "conv_1" and stack.count() == 0
    type_into(qtbot, editor.name_edit, "bad name")
    assert "Invalid node name" in editor.name_error
    type_into(qtbot, editor.name_edit, "first_conv")
    assert graph.node(conv).name == "first_conv"
    assert editor.name_error == ""
    stack.undo()
    assert editor.name_edit.text() == "conv_1"


def test_reset_returns_a_param_to_its_default(qtbot, editor, graph, stack) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    row = editor.rows["padding"]
    assert row.reset.isEnabled() and row.reset.isVisible()
    assert not editor.rows["strides"].reset.isEnabled()
    qtbot.mouseClick(row.reset, Qt.MouseButton.LeftButton)
    assert "padding" not in graph.node(conv).params
    assert row.editor.value() == "valid"
    assert not row.reset.isEnabled()
    stack.undo()
    assert row.editor.value() == "same" and row.reset.isEnabled()


def test_reset_of_a_required_param_sets_a_new_nodes_value(qtbot, editor, graph) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    qtbot.mouseClick(editor.rows["filters"].reset, Qt.MouseButton.LeftButton)
    assert graph.node(conv).params["filters"] == 32  # Keras has no default; kept so the layer builds


def test_the_editor_follows_edits_made_elsewhere(editor, graph, stack) -> None:
    conv, dense = node_id(graph, "conv_1"), node_id(graph, "digit")
    editor.set_node(graph, conv)
    stack.push_edit(SetParam(conv, "activation", "gelu"))
    assert editor.rows["activation"].editor.value() == "gelu"
    editor.set_node(graph, dense)
    stack.push_edit(SetParam(conv, "filters", 8))  # the previous node is no longer followed
    assert editor.rows["units"].editor.value() == 10
    assert "filters" not in editor.rows


def test_removing_the_node_empties_the_editor(editor, graph) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    graph.remove_node(conv)
    assert editor.message == EMPTY_TEXT
    assert editor.node is None


def test_a_refused_edit_shows_the_message(qtbot, graph) -> None:
    def refuse(edit: Edit) -> None:
        raise ValueError("The graph is read-only while training.")

    editor = PropertyEditor(refuse, default_catalog())
    qtbot.addWidget(editor)
    editor.show()
    editor.set_node(graph, node_id(graph, "conv_1"))
    type_into(qtbot, editor.rows["filters"].editor.spin, "20")
    assert editor.rows["filters"].editor.error() == "The graph is read-only while training."
    assert editor.rows["filters"].editor.value() == 16


def test_result_line_shows_shape_params_and_problems(editor, graph) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    editor.set_result(validate(graph))
    assert editor.result_text == "Output: (None, 8, 8, 16) · 160 params"
    graph.set_param(conv, "filters", 0)
    editor.set_result(validate(graph))
    assert "filters" in editor.result_text
    editor.set_result(None)
    assert editor.result_text == ""


def test_it_waits_for_the_catalog(qtbot, graph, stack) -> None:
    editor = PropertyEditor(stack.push_edit)
    qtbot.addWidget(editor)
    editor.set_node(graph, node_id(graph, "conv_1"))
    assert editor.name_edit.text() == "conv_1"
    assert editor.rows == {} and not editor._loading.isHidden()
    editor.set_catalog(default_catalog())
    assert "filters" in editor.rows and editor._loading.isHidden()


def test_params_unknown_to_the_catalog_stay_editable_as_json(qtbot, editor, graph) -> None:
    dense = node_id(graph, "digit")
    graph.set_param(dense, "custom_flag", [1, 2])
    editor.set_node(graph, dense)
    assert editor.rows["custom_flag"].editor.value() == [1, 2]


def test_a_regularizer_picked_in_the_editor_builds_into_the_model(qtbot, editor, graph, stack) -> None:
    import keras

    from app.build.keras_builder import to_keras

    dense = node_id(graph, "digit")
    editor.set_node(graph, dense)
    editor.set_advanced_expanded(True)
    regularizer = editor.rows["kernel_regularizer"].editor
    index = regularizer.combo.findData("L2")
    regularizer.combo.setCurrentIndex(index)
    regularizer.combo.activated.emit(index)
    type_into(qtbot, regularizer.fields["l2"], "0.005")
    assert stack.count() == 2  # the class, then the factor: one step each
    assert "2 changed" not in editor._advanced_button.text()
    assert "1 changed" in editor._advanced_button.text()
    layer = to_keras(graph).get_layer("digit")
    assert isinstance(layer.kernel_regularizer, keras.regularizers.L2)
    assert float(layer.kernel_regularizer.l2) == pytest.approx(0.005)


def test_selecting_the_same_node_again_keeps_the_form(editor, graph) -> None:
    conv = node_id(graph, "conv_1")
    editor.set_node(graph, conv)
    row = editor.rows["filters"]
    editor.set_node(graph, conv)
    assert editor.rows["filters"] is row


def test_another_graph_drops_the_old_result(editor, graph) -> None:
    editor.set_node(graph, node_id(graph, "conv_1"))
    editor.set_result(validate(graph))
    other = load_project(example_path("digits-cnn")).graph
    editor.set_node(other, node_id(other, "conv_1"))
    assert editor.result_text == ""


def test_showing_a_layer_with_many_params_is_quick(editor, graph) -> None:
    import time

    lstm = graph.add_node("LSTM")
    start = time.perf_counter()
    editor.set_node(graph, lstm.id)
    assert time.perf_counter() - start < 0.25
    assert len(editor.rows) == len(default_catalog().get("LSTM").params)
