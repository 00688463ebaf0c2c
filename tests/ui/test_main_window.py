"""The node editor window, used as a person would: palette, canvas, properties, problems, files."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.edits import Connect, RemoveNode
from app.core.examples import example_path
from app.core.graph import Edge
from app.core.project import Project, load_project
from app.ui import main_window
from app.ui.document import Document
from app.ui.main_window import MainWindow

pytestmark = pytest.mark.gui

KERAS_TIMEOUT_MS = 120_000  # a cold TensorFlow import is slow on CI machines


def open_window(qtbot, project_path: Path | None = None, name: str = "digits-cnn") -> MainWindow:
    """A shown window with ``project_path`` (a copy of an example by default), checked once."""
    path = project_path or example_path(name)
    window = MainWindow(Document(load_project(path), path))
    qtbot.addWidget(window, before_close_func=dont_ask)
    window.resize(1400, 900)
    with qtbot.waitSignal(window.summary_updated, timeout=KERAS_TIMEOUT_MS):
        window.show()
    qtbot.waitUntil(lambda: window.checked, timeout=30_000)
    return window


def dont_ask(window: MainWindow) -> None:
    """Let the test's teardown close the window without the unsaved-changes question."""
    window._ask_on_close = False


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    """A writable copy of the digits-cnn example."""
    target = tmp_path / "digits.netloom"
    target.write_text(example_path("digits-cnn").read_text(encoding="utf-8"), encoding="utf-8")
    return target


@pytest.fixture
def window(qtbot, project_file: Path) -> MainWindow:
    win = open_window(qtbot, project_file)
    yield win
    win.close_without_asking()


def settle(qtbot, window: MainWindow) -> None:
    """Wait until the check result belongs to the graph as it is now."""
    qtbot.waitUntil(lambda: window.checked, timeout=30_000)


def answer_next_dialog(button: QMessageBox.StandardButton) -> None:
    """Press ``button`` in the next message box that opens (a real modal dialog)."""

    def press() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(button).click()
        else:
            QTimer.singleShot(20, press)

    QTimer.singleShot(20, press)


def test_the_window_shows_the_example_checked_with_its_summary(window: MainWindow):
    assert window.windowTitle().startswith("digits.netloom")
    assert len(window.scene.node_items()) == len(window.graph)
    assert window.summary_shown
    assert "Parameters:" in window.totals_text
    assert window.keras_status.startswith("Keras ")
    assert window.check_result is not None and window.check_result.valid


def test_standard_shortcuts_are_on_the_actions(window: MainWindow):
    actions = window.actions_by_name
    assert actions["open"].shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert actions["save"].shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert actions["undo"].shortcut() == QKeySequence(QKeySequence.StandardKey.Undo)
    assert actions["duplicate"].shortcut() == QKeySequence("Ctrl+D")
    assert actions["fit"].shortcut() == QKeySequence("F")


def test_a_layer_dropped_from_the_palette_lands_on_the_canvas(qtbot, window: MainWindow):
    item = window.palette.item_for("Dropout")
    mime = window.palette.mime_data(item)
    before = len(window.graph)
    viewport = window.view.viewport()
    point = QPointF(viewport.width() / 2, viewport.height() - 40)
    with warnings.catch_warnings():  # PySide marks the QPoint constructor deprecated; Qt does not
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, drop)
    assert len(window.graph) == before + 1
    assert window.graph.nodes[-1].type == "Dropout"
    window.actions_by_name["undo"].trigger()
    assert len(window.graph) == before


def test_double_clicking_a_palette_layer_adds_it_after_the_selection(qtbot, window: MainWindow):
    flatten = window.graph.find("flatten")
    window.scene.select_nodes([flatten.id])
    window.palette.add_requested.emit("Dense")
    added = window.graph.nodes[-1]
    assert added.type == "Dense"
    assert flatten.id in window.graph.predecessors(added.id)


def test_editing_a_param_in_the_properties_changes_the_shape_on_the_canvas(qtbot, window: MainWindow):
    conv = window.graph.find("conv_1")
    window.scene.select_nodes([conv.id])
    assert window.properties.node is not None and window.properties.node.id == conv.id
    field = window.properties.rows["filters"].editor.spin.lineEdit()
    field.setFocus()
    QTest.keyClick(field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(field, "24")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert conv.params["filters"] == 24
    settle(qtbot, window)
    assert "24" in window.scene.node_item(conv.id).shape_text()
    assert window.isWindowModified()


def test_delete_and_undo_with_the_keyboard(qtbot, window: MainWindow):
    before = window.graph.to_dict()
    dropout = window.graph.find("dropout")
    window.scene.select_nodes([dropout.id])
    window.view.setFocus()
    QTest.keyClick(window.view.viewport(), Qt.Key.Key_Delete)
    assert window.graph.find("dropout") is None
    settle(qtbot, window)
    assert not window.check_result.valid  # flatten no longer feeds the output layer
    window.actions_by_name["undo"].trigger()
    assert window.graph.to_dict() == before
    window.actions_by_name["redo"].trigger()
    assert window.graph.find("dropout") is None


def test_copy_and_paste_through_the_clipboard(qtbot, window: MainWindow):
    conv = window.graph.find("conv_2")
    window.scene.select_nodes([conv.id])
    window.actions_by_name["copy"].trigger()
    text = QApplication.clipboard().text()
    assert json.loads(text)["nodes"][0]["type"] == "Conv2D"
    before = len(window.graph)
    window.actions_by_name["paste"].trigger()
    assert len(window.graph) == before + 1
    pasted = window.graph.nodes[-1]
    assert pasted.type == "Conv2D" and pasted.name != "conv_2"
    assert window.scene.selected_node_ids() == [pasted.id]


def test_save_and_reopen_gives_an_identical_graph(qtbot, window: MainWindow, tmp_path: Path):
    conv = window.graph.find("conv_1")
    window.view.add_layer("Dropout")
    window.document.push(RemoveNode(conv.id))
    assert window.isWindowModified()
    target = tmp_path / "saved.netloom"
    assert window._save_to(target)
    assert not window.isWindowModified()
    reopened = load_project(target)
    assert reopened.graph == window.graph
    assert window.recent.paths()[0] == str(target.resolve()) or Path(window.recent.paths()[0]) == target


def test_opening_a_keras_model_imports_it_on_a_worker(qtbot, window: MainWindow, tmp_path: Path):
    import keras

    inputs = keras.Input((6,), name="features")
    hidden = keras.layers.Dense(5, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax", name="scores")(hidden)
    path = tmp_path / "tiny.keras"
    keras.Model(inputs, outputs).save(path)
    with qtbot.waitSignal(window.document_changed, timeout=60_000):
        window.open_path(path)
    assert [n.name for n in window.graph.nodes] == ["features", "hidden", "scores"]
    assert window.path is None and window.isWindowModified()  # Save asks where to write the project


def test_clicking_a_problem_selects_its_node(qtbot, window: MainWindow):
    flatten = window.graph.find("flatten")
    window.document.push(RemoveNode(flatten.id))
    settle(qtbot, window)
    problems = window.problems.problems
    assert problems
    target = next(p for p in problems if p.node_id)
    window.problems.problem_activated.emit(target)
    assert window.scene.selected_node_ids() == [target.node_id]
    assert window.properties.node.id == target.node_id


def test_a_fix_from_the_problems_panel_is_one_undoable_step(qtbot, window: MainWindow):
    window.document.push(RemoveNode(window.graph.find("flatten").id))
    window.document.push(Connect(Edge(window.graph.find("conv_2").id, window.graph.find("dropout").id)))
    settle(qtbot, window)
    fixable = [p for p in window.problems.problems if p.fixes]
    assert fixable, [p.message for p in window.problems.problems]
    steps = window.document.undo.count()
    assert window.problems.apply_fix(fixable[0].fixes[0])
    assert window.document.undo.count() == steps + 1
    settle(qtbot, window)
    assert not [p for p in window.check_result.problems if p.code == fixable[0].code]
    window.actions_by_name["undo"].trigger()
    settle(qtbot, window)
    assert [p for p in window.check_result.problems if p.code == fixable[0].code]


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(qtbot, window: MainWindow):
    window.view.add_layer("Dropout")
    answer_next_dialog(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible()
    answer_next_dialog(QMessageBox.StandardButton.Discard)
    assert window.close()


def test_autosave_writes_a_recovery_file_while_dirty(qtbot, window: MainWindow):
    window._autosaver.save_now()
    assert not window._recovery.pending()  # nothing unsaved yet
    window.view.add_layer("Dropout")
    window._autosaver.save_now()
    qtbot.waitUntil(lambda: bool(window._recovery.pending()), timeout=5_000)
    entry = window._recovery.pending()[0]
    restored = window._recovery.restore(entry)
    assert restored.graph == window.graph
    window.save()
    qtbot.waitUntil(lambda: not window._recovery.pending(), timeout=5_000)


def test_new_shows_the_start_page_and_an_example_opens_as_a_new_project(qtbot, window: MainWindow):
    window.new_project()
    assert window._center.currentWidget() is window.start_page
    window.start_page.example_chosen.emit(str(example_path("xor")))
    assert window._center.currentWidget() is window.view
    assert window.path is None and not window.isWindowModified()
    assert window.project.name == "xor"


def test_an_empty_project_shows_the_canvas_hint_and_no_summary(qtbot):
    window = MainWindow(Document(Project(title="Empty")))
    qtbot.addWidget(window, before_close_func=dont_ask)
    with qtbot.waitSignal(window.summary_updated, timeout=KERAS_TIMEOUT_MS):
        window.show()
    assert not window.summary_shown
    assert "No layers yet" in window.summary_message
    window.close_without_asking()


def test_open_dialog_reports_a_broken_file(qtbot, window: MainWindow, monkeypatch, tmp_path: Path):
    broken = tmp_path / "broken.netloom"
    broken.write_text("{not json", encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(main_window.QFileDialog, "getOpenFileName", lambda *args: (str(broken), ""))
    monkeypatch.setattr(main_window.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    before = window.graph.to_dict()
    window.open_dialog()
    assert shown and str(broken) in shown[0]
    assert window.graph.to_dict() == before  # the open document is kept


def test_typing_on_the_canvas_opens_quick_add(qtbot, window: MainWindow):
    dense = window.graph.find("digit")
    window.scene.select_nodes([dense.id])
    window.view.setFocus()
    QTest.keyClick(window.view.viewport(), Qt.Key.Key_Tab)
    popup = window.view.quick_add
    assert popup.isVisible()
    QTest.keyClicks(popup.search_field, "Dropout")
    QTest.keyClick(popup.search_field, Qt.Key.Key_Return)
    added = window.graph.nodes[-1]
    assert added.type == "Dropout" and window.graph.predecessors(added.id) == [dense.id]
    point = QPoint(5, 5)
    QTest.mouseClick(window.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def test_a_block_from_the_palette_is_inserted_after_the_selection(qtbot, window: MainWindow):
    pool = window.graph.find("pool")
    window.scene.select_nodes([pool.id])
    before = len(window.graph)
    window.palette.block_requested.emit("residual-block")
    assert len(window.graph) > before
    assert window.graph.groups and window.graph.groups[0].name.startswith("residual-block")
    window.actions_by_name["undo"].trigger()
    assert len(window.graph) == before and not window.graph.groups


def test_a_group_saved_to_the_library_comes_back_in_the_palette(qtbot, window: MainWindow):
    from app.core.blocks import BlockLibrary
    from app.core.edits import GroupNodes

    ids = [window.graph.find(name).id for name in ("conv_2", "flatten")]
    window.document.push(GroupNodes("features", ids))
    settle(qtbot, window)
    window._store_block(lambda: window.view.block_from_group(window.graph.groups[0].id, "my-features"))
    assert BlockLibrary().load("my-features")["name"] == "my-features"
    assert window.palette.item_for("my-features", kind="block") is not None
    assert window.block_definition("my-features")["graph"]["nodes"]


def test_selecting_a_layer_shows_its_output_shape_in_the_properties(qtbot, window: MainWindow):
    conv = window.graph.find("conv_2")
    window.scene.select_nodes([])
    window.scene.select_nodes([conv.id])
    assert "(None, 4, 4, 32)" in window.properties.result_text


def test_f5_trains_the_project_with_live_curves_and_keeps_the_run(qtbot, tmp_path: Path):
    source = example_path("celsius-to-fahrenheit")
    target = tmp_path / "celsius.netloom"
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    window = open_window(qtbot, target)
    window.project.training["epochs"] = 2
    with qtbot.waitSignal(window.training.finished, timeout=120_000) as done:
        window.actions_by_name["train"].trigger()
        assert window.training.busy
    assert done.args[0]["kind"] == "finished"
    assert window.training.runs  # the run is listed
    assert list(tmp_path.glob("celsius.runs/*/last.weights.h5"))
    window.close_without_asking()


def test_training_an_unsaved_project_with_errors_is_refused_with_a_reason(qtbot, window: MainWindow):
    window.document.push(RemoveNode(window.graph.find("flatten").id))
    settle(qtbot, window)
    window.actions_by_name["train"].trigger()
    assert not window.training.busy
    assert "Fix the errors" in window.statusBar().currentMessage()


def test_training_settings_edits_are_undoable_and_reach_the_run(qtbot, window: MainWindow):
    editor = window.training_settings
    assert editor.settings()["learning_rate"] == window.project.training["learning_rate"]
    editor.changed.emit({**editor.settings(), "learning_rate": 0.05}, "Set learning rate")
    assert window.project.training["learning_rate"] == 0.05
    assert window.document.dirty
    window.document.undo.undo()
    assert window.project.training["learning_rate"] != 0.05
    assert editor.settings()["learning_rate"] == window.project.training["learning_rate"]  # the form follows


def test_the_window_has_the_export_and_tuning_parts(qtbot, window: MainWindow):
    assert window.actions_by_name["export_model"].shortcut().toString() == "Ctrl+Shift+E"
    panel = window.tuning
    assert window.tuning_dock.widget().widget() is panel  # in a scroll area
    window.actions_by_name["export_model"].trigger()
    from app.ui.export_dialog import ExportDialog

    dialog = window.findChild(ExportDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.close()


def test_the_inspect_and_tuning_panels_are_built_when_first_shown(qtbot, window: MainWindow):
    assert window._inspect is None and window._tuning is None  # not at start: it is slow
    assert window.inspect_dock.widget().widget() is None
    window.inspect_dock.raise_()
    qtbot.waitUntil(lambda: window._inspect is not None, timeout=5000)
    assert window.inspect_dock.widget().widget() is window.inspect
    assert window.inspect.project is window.project and window.inspect.catalog is window.catalog
    window.tuning_dock.raise_()
    qtbot.waitUntil(lambda: window._tuning is not None, timeout=5000)
    assert window.tuning.document is window.document
    assert window.tuning.catalog is window.catalog


def test_the_node_menu_opens_the_inspect_panel_at_that_layer(qtbot, window: MainWindow):
    conv = window.graph.find("conv_1")
    window.scene.select_nodes([conv.id])
    menu = window.view.context_menu()
    names = {action.objectName(): action for action in menu.actions()}
    assert names["inspect_filters"].isEnabled()
    names["inspect_filters"].trigger()
    assert window.inspect_dock.isVisible()
    assert "Save the project" in window.inspect.state_text or "Train" in window.inspect.state_text


def test_training_health_badges_sit_on_their_nodes(qtbot, window: MainWindow):
    from app.inspection.health import Badge
    from app.ui.canvas.look import ERROR_COLOR

    badges = {"conv_1": Badge("conv_1", "ok", "", 3e-3, 1e-3, 0.0, 0.0, False),
              "digit": Badge("digit", "red", "NaN in the gradients", float("nan"), float("nan"), 0.0, 0.0,
                             True)}
    window.inspect.badges_changed.emit(badges)
    conv = window.scene.node_item(window.graph.find("conv_1").id)
    digit = window.scene.node_item(window.graph.find("digit").id)
    assert conv.badge() == "∇ 3e-03" and digit.badge() == "NaN"
    assert digit._badges["health"][1] == ERROR_COLOR and "NaN in the gradients" in digit.toolTip()
    assert window.scene.node_item(window.graph.find("pool").id).badge() == ""
    window.inspect.badges_changed.emit({})
    assert conv.badge() == ""


def test_params_in_the_search_space_are_marked_on_their_layers(qtbot, window: MainWindow):
    from app.tuning.space import parse_param

    window.tuning.space_editor.add_parameter(parse_param("conv_1.filters=int:8:64"))
    window.tuning.space_editor.add_parameter(parse_param("training.learning_rate=log:1e-4:1e-1"))
    conv = window.scene.node_item(window.graph.find("conv_1").id)
    assert conv.badge("tuning") == "tuned: filters"
    assert "Tuning panel" in conv.toolTip()
    assert window.scene.node_item(window.graph.find("digit").id).badge("tuning") == ""
