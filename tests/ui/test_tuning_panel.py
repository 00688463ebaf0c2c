"""The Tuning panel with real widgets and real searches on the tiny celsius example.

The space editor and the results views are checked on their own (fast);
the searches train real Keras models: a 3-trial random search of 2 epochs
each, and one stopped in the middle of its first trial.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from app.core.examples import example_path
from app.core.project import load_project
from app.tuning.results import COMPLETE, PRUNED, STOPPED, SearchResults, TrialRow
from app.tuning.space import CHOICE, INTEGER, LOG, ONE_MINUS_LOG, Parameter, SearchSpace
from app.ui.document import Document
from app.ui.tuning_panel import TuningPanel, row_from_dict
from app.ui.tuning_plots import log_ticks
from app.ui.tuning_space import LOADING_LAYERS

SEARCH_TIMEOUT_MS = 180_000
RATE = "training.learning_rate"


@pytest.fixture
def document(tmp_path: Path) -> Document:
    """The celsius example copied into ``tmp_path`` (its studies and runs go there), with little data."""
    target = tmp_path / "celsius.netloom"
    shutil.copy(example_path("celsius-to-fahrenheit"), target)
    project = load_project(target)
    project.data["samples"] = 200
    project.training.update(validation_split=0.2, seed=1)
    return Document(project, target)


@pytest.fixture
def panel(qtbot, document: Document) -> TuningPanel:
    widget = TuningPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.set_document(document)
    yield widget
    widget.shutdown(30)


def rate_space(low: float = 1e-3, high: float = 1.0) -> SearchSpace:
    return SearchSpace((Parameter(RATE, LOG, low, high),))


def configure(panel: TuningPanel, space: SearchSpace, trials: int, epochs: int, seed: int = 3) -> None:
    panel.space_editor.set_space(space)
    panel.strategy_combo.setCurrentIndex(panel.strategy_combo.findData("random"))
    panel.trials_spin.setValue(trials)
    panel.epochs_spin.setValue(epochs)
    panel.seed_spin.setValue(seed)


def made_up_results(space: SearchSpace, rates: list[float], values: list[float],
                    states: list[str] | None = None) -> SearchResults:
    states = states or [COMPLETE] * len(rates)
    rows = [TrialRow(i, state, value, {RATE: rate}, duration=1.5 + i, run_dir=f"/runs/{i}")
            for i, (rate, value, state) in enumerate(zip(rates, values, states, strict=True))]
    return SearchResults("celsius-random-test", space, "minimize", "val_loss", "random", rows)


# ---------------------------------------------------------------- space editor
def test_add_parameter_suggests_a_range_on_the_right_scale(panel):
    editor = panel.space_editor
    assert not panel.start_button.isEnabled()  # nothing to search yet
    rate = editor.add_named(RATE)
    assert rate.scale == LOG and rate.low < 0.1 < rate.high  # around the project's 0.1
    batch = editor.add_named("training.batch_size")
    assert batch.scale == INTEGER and batch.log
    beta = editor.add_named("training.optimizer_params.beta_1")
    assert beta.scale == ONE_MINUS_LOG
    assert editor.space().names == [RATE, "training.batch_size", "training.optimizer_params.beta_1"]
    assert editor.table.rowCount() == 3 and editor.table.item(0, 0).text() == "learning_rate"
    assert panel.start_button.isEnabled()

    editor.add_menu.aboutToShow.emit()  # what the menu offers: training settings, nodes once layers load
    training = editor.add_menu.actions()[0].menu()
    offered = {action.text(): action.isEnabled() for action in training.actions()}
    assert offered["learning_rate"] is False  # already in the space
    assert offered["optimizer"] is True and "optimizer_params.beta_2" in offered
    assert LOADING_LAYERS in [action.text() for action in editor.add_menu.actions()]


def test_a_refused_range_is_shown_in_red_and_not_kept(panel):
    editor = panel.space_editor
    editor.set_space(rate_space(1e-3, 1.0))
    assert not editor.set_row_spec(0, LOG, "0", "1")
    assert "log scale needs LOW above 0" in editor.problem
    assert editor.problem_label.foregroundRole() == QPalette.ColorRole.BrightText
    assert editor.space() == rate_space(1e-3, 1.0)  # the last good range stays
    assert editor.table.item(0, 2).text() == "0.001"

    editor.table.item(0, 3).setText("0.0001")  # typed in the table: high below low
    assert "LOW must be below HIGH" in editor.problem
    assert editor.space().get(RATE).high == 1.0

    assert editor.set_row_spec(0, LOG, "1e-4", "0.5")
    assert editor.problem == "" and editor.space().get(RATE) == Parameter(RATE, LOG, 1e-4, 0.5)

    editor.table.cellWidget(0, 1).setCurrentIndex(editor.table.cellWidget(0, 1).findData(CHOICE))
    choice = editor.space().get(RATE)
    assert choice.scale == CHOICE and len(choice.choices) == 3  # the old range's grid as options
    editor.table.item(0, 3).setText("0.1, 0.01")
    assert editor.space().get(RATE).choices == (0.1, 0.01)


def test_search_settings_follow_the_editors(panel):
    configure(panel, rate_space(), trials=4, epochs=2, seed=7)
    panel.prune_combo.setCurrentIndex(panel.prune_combo.findData(True))
    panel.storage_edit.setText("memory")
    settings = panel.search_settings()
    assert (settings.strategy, settings.trials, settings.epochs, settings.seed) == ("random", 4, 2, 7)
    assert settings.pruning and settings.storage == "memory"
    assert "celsius.tuning.db" in panel.storage_edit.placeholderText()
    assert not panel.grid_spin.isEnabled()
    panel.strategy_combo.setCurrentIndex(panel.strategy_combo.findData("grid"))
    assert panel.grid_spin.isEnabled()


# ---------------------------------------------------------------- results views
def test_border_warning_shows_and_refine_fills_the_space(panel):
    space = rate_space(1e-4, 1.0)
    panel.space_editor.set_space(space)
    assert panel.warnings_frame.isHidden()
    results = made_up_results(space, [1e-4 * 1.2, 1e-2, 0.9], [0.5, 3.0, 40.0])  # best at the low end
    panel.show_results(results)
    assert not panel.warnings_frame.isHidden()
    assert "lower end" in panel.warnings_label.text() and len(panel.border_warnings()) == 1

    refined = panel.refine()
    assert panel.space_editor.space() == refined
    assert refined.get(RATE).low < 1e-4  # the range now reaches past the old end
    assert refined.get(RATE).position(1.2e-4) == pytest.approx(0.5, abs=0.01)
    assert panel.start_button.isEnabled()


def test_no_border_warning_when_the_best_lies_inside(panel):
    space = rate_space(1e-4, 1.0)
    panel.show_results(made_up_results(space, [1e-2, 1e-4, 0.9], [0.5, 3.0, 40.0]))
    assert panel.warnings_frame.isHidden() and panel.border_warnings() == []


def test_trials_table_sorts_numerically_and_filters(panel):
    space = rate_space(1e-4, 1.0)
    results = made_up_results(space, [1e-3, 1e-2, 0.1, 0.5], [12.0, 3.0, 100.0, 7.0],
                              [COMPLETE, COMPLETE, PRUNED, COMPLETE])
    panel.show_results(results)
    table = panel.trials_table
    assert table.headers() == ["#", "State", "Value", "learning_rate", "Duration"]
    table.view.sortByColumn(2, Qt.SortOrder.AscendingOrder)
    assert table.column_texts(2) == ["3", "7", "12", "100"]  # as numbers, not as text
    table.filter_edit.setText("pruned")
    assert table.row_count() == 1 and table.column_texts(0) == ["2"]
    table.filter_edit.clear()
    assert table.row_count() == 4

    emitted: list[str] = []
    panel.show_run_curves.connect(emitted.append)
    table.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.activate_row(1)
    assert emitted == ["/runs/1"]


def test_plots_draw_each_param_on_its_own_scale(panel, theme):
    space = SearchSpace((Parameter(RATE, LOG, 1e-4, 1.0), Parameter("training.batch_size", INTEGER, 4, 64,
                                                                     log=True),
                         Parameter("training.optimizer", CHOICE, choices=("adam", "sgd"))))
    rows = [TrialRow(i, COMPLETE, value, {RATE: rate, "training.batch_size": size, "training.optimizer": opt})
            for i, (rate, size, opt, value) in enumerate(
                [(1e-3, 8, "adam", 5.0), (0.05, 32, "sgd", 1.0), (0.5, 64, "adam", 900.0)])]
    panel.show_results(SearchResults("s", space, "minimize", "loss", "random", rows))
    plots = panel.param_plots.plots
    assert [plots[n].point_count for n in space.names] == [3, 3, 3]
    assert plots[RATE].log_x and plots["training.batch_size"].log_x and not plots["training.optimizer"].log_x
    assert plots[RATE].log_y  # 1 to 900: the objective spans more than two decades
    best_brush = plots[RATE]._best.opts["symbolBrush"]
    assert best_brush.color() == panel.palette().color(QPalette.ColorRole.Highlight)
    assert panel.parallel_plot.line_count == 3


def test_log_ticks_fit_the_range():
    assert [label for _, label in log_ticks(4, 64)] == ["5", "10", "20", "50"]
    assert [label for _, label in log_ticks(1e-4, 1)] == ["0.0001", "0.001", "0.01", "0.1", "1"]


def test_row_from_dict_reads_an_event_row_back():
    row = TrialRow(3, PRUNED, 1.5, {RATE: 0.01}, {"loss": 2.0}, 4.0, 2, "/r", intermediate={1: 3.0, 2: 1.5})
    assert row_from_dict(row.to_dict()) == row


# ---------------------------------------------------------------- real searches
@pytest.mark.slow
def test_a_random_search_runs_and_its_best_applies_as_one_undo_step(qtbot, panel, document):
    configure(panel, rate_space(1e-3, 1.0), trials=3, epochs=2)
    states: list[str] = []
    panel.state_changed.connect(states.append)
    with qtbot.waitSignal(panel.finished, timeout=SEARCH_TIMEOUT_MS) as blocker:
        assert panel.start()
        assert panel.busy and not panel.start_button.isEnabled()
    result = blocker.args[0]
    assert result["kind"] == "finished", result
    assert states[:2] == ["starting", "running"] and states[-1] == "finished" and not panel.busy

    expected = panel.session.results()
    assert len(expected.rows) == 3
    table = panel.trials_table
    table.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert table.column_texts(0) == [str(r.number) for r in expected.rows]
    assert table.column_texts(1) == [r.state for r in expected.rows]
    assert table.column_texts(2) == [f"{r.value:.4g}" for r in expected.rows]
    finished = [r for r in expected.rows if r.value is not None]
    assert panel.param_plots.plots[RATE].point_count == len(finished) == 3
    assert panel.param_plots.plots[RATE].log_x
    assert panel.parallel_plot.line_count == 3
    assert "3 trials" in panel.progress.format() and "best" in panel.progress.format()
    assert (Path(document.path).parent / "celsius.tuning.db").is_file()  # stored beside the project

    emitted: list[str] = []
    panel.show_run_curves.connect(emitted.append)
    table.activate_row(0)
    assert emitted and Path(emitted[0]).is_dir()

    best = expected.best
    before = dict(document.project.training)
    assert panel.apply_button.isEnabled()
    assert panel.apply_best() == {RATE: best.params[RATE]}
    assert document.project.training[RATE.removeprefix("training.")] == best.params[RATE]
    assert document.undo.count() == 1
    document.undo.undo()
    assert document.project.training == before


@pytest.mark.slow
def test_apply_puts_node_params_and_training_settings_in_one_undo_step(panel, document):
    from app.core.catalog import default_catalog

    panel.set_catalog(default_catalog())
    values = {"fahrenheit.use_bias": False, RATE: 0.05}
    assert panel.apply_values(values, "Apply best trial") == values
    node = document.project.graph.find("fahrenheit")
    assert node.params["use_bias"] is False and document.project.training["learning_rate"] == 0.05
    assert document.undo.count() == 1 and document.undo.undoText() == "Apply best trial"
    document.undo.undo()  # one Ctrl+Z takes both back
    assert "use_bias" not in node.params and document.project.training["learning_rate"] == 0.1
    document.undo.redo()
    assert node.params["use_bias"] is False and document.project.training["learning_rate"] == 0.05


@pytest.mark.slow
def test_stop_during_a_search_ends_it_as_stopped(qtbot, panel):
    configure(panel, rate_space(1e-3, 1.0), trials=3, epochs=400)
    panel.start()
    qtbot.waitUntil(lambda: "epoch" in panel.progress.format(), timeout=SEARCH_TIMEOUT_MS)
    with qtbot.waitSignal(panel.finished, timeout=SEARCH_TIMEOUT_MS) as blocker:
        panel.stop()
        assert panel.state == "stopping" and not panel.stop_button.isEnabled()
    assert blocker.args[0]["kind"] == "stopped"
    assert panel.state == "stopped" and not panel.busy and panel.start_button.isEnabled()
    assert panel.results.rows[0].state == STOPPED and panel.results.rows[0].epochs < 400
    assert panel.progress.format().startswith("Stopped")
