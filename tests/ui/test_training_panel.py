"""The Training panel with real Keras training on the tiny celsius example: curves, control, runs."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from app.core.examples import example_path
from app.core.project import Project, load_project
from app.training import events as ev
from app.training import runs
from app.training.events import Event, EventQueue
from app.ui.curves import CurvePlot, Series, Smoother, peak_decimate
from app.ui.run_compare import architecture_differences
from app.ui.theme import dark_palette
from app.ui.training_panel import PROGRESS_STEPS, TrainingPanel

pytestmark = pytest.mark.slow  # most tests train a model

RUN_TIMEOUT_MS = 60_000
LONG = {"epochs": 500}  # long enough to be stopped or paused mid-run


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """The celsius example copied into ``tmp_path`` (its runs go there), with little data."""
    target = tmp_path / "celsius.netloom"
    shutil.copy(example_path("celsius-to-fahrenheit"), target)
    loaded = load_project(target)
    loaded.data["samples"] = 200
    loaded.training.update(epochs=3, validation_split=0.2, seed=1)
    return loaded


@pytest.fixture
def panel(qtbot, project: Project) -> TrainingPanel:
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    widget.resize(1100, 650)
    widget.set_project(project, project.path)
    yield widget
    widget.shutdown()


def train(qtbot, panel: TrainingPanel, project: Project, **override) -> dict:
    """Start a run and wait for its end; the ``finished`` signal's payload."""
    with qtbot.waitSignal(panel.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        panel.start(project, override or None)
    return blocker.args[0]


def wait_for_batches(qtbot, panel: TrainingPanel, count: int = 3) -> None:
    qtbot.waitUntil(lambda: panel.batch_loss_plot.point_count("live:raw") >= count, timeout=RUN_TIMEOUT_MS)


def test_a_run_fills_the_curves_and_the_progress_and_ends_finished(qtbot, panel, project):
    states: list[str] = []
    panel.state_changed.connect(states.append)
    result = train(qtbot, panel, project)

    assert result["kind"] == "finished", result.get("message")
    assert states == ["running", "finished"]
    assert not panel.busy
    steps = panel.batch_loss_plot.point_count("live:raw")
    assert steps == 3 * 10  # 160 training samples in batches of 16, three epochs
    assert panel.batch_loss_plot.point_count("live:smoothed") == steps
    assert panel.epoch_loss_plot.point_count("live:loss") == 3
    assert panel.epoch_loss_plot.point_count("live:val_loss") == 3
    lr = panel.lr_plot.series["live:lr"]  # a constant rate: its first and its latest step
    assert list(lr.x) == [1, steps] and np.allclose(lr.y, 0.1)
    assert panel.epoch_loss_plot.series["live:loss"].y[-1] < panel.epoch_loss_plot.series["live:loss"].y[0]
    assert panel.progress.value() == PROGRESS_STEPS
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert [run.status for run in panel.runs] == ["finished"]
    assert panel.runs_table.item(0, 0).text().startswith("#1 · ")  # number, then when it started
    assert panel.runs[0].name in panel.runs_table.item(0, 0).toolTip()
    assert panel.runs_table.item(0, 2).text() == "3"
    assert panel.runs_table.item(0, 3).text().startswith("val_loss ")


def test_the_schedule_is_drawn_before_training(qtbot, panel, project):
    project.training["lr_schedule"] = {"kind": "cosine", "warmup_steps": 5}
    panel.set_project(project, project.path)

    planned = panel.lr_plot.series["schedule"]
    assert len(planned) > 10
    assert planned.y[0] == 0.0 and planned.y.max() == pytest.approx(0.1)
    assert planned.y[-1] < 0.01  # decayed by the end of the run
    assert panel.start_button.isEnabled()


def test_stop_ends_the_run_with_its_weights_kept(qtbot, panel, project):
    panel.start(project, LONG)
    wait_for_batches(qtbot, panel)
    with qtbot.waitSignal(panel.finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]

    assert result["kind"] == "stopped" and result["reason"] == "user"
    assert panel.state == "stopped"
    assert (Path(result["run_dir"]) / runs.LAST_WEIGHTS).is_file()
    assert panel.runs[-1].status == "stopped"


def test_the_axes_span_the_planned_run_while_it_trains_then_what_was_done(qtbot, panel, project):
    panel.start(project, LONG)
    wait_for_batches(qtbot, panel)
    planned = 500 * 10  # epochs x batches
    assert panel.batch_loss_plot.planned_right == planned and panel.lr_plot.planned_right == planned
    assert panel.epoch_loss_plot.planned_right == 500
    qtbot.waitUntil(lambda: not panel.batch_loss_plot.pending, timeout=RUN_TIMEOUT_MS)
    x_range = panel.batch_loss_plot.getPlotItem().getViewBox().viewRange()[0]
    assert x_range[1] >= planned  # the curve grows across a still axis
    with qtbot.waitSignal(panel.finished, timeout=RUN_TIMEOUT_MS):
        panel.stop()
    assert panel.batch_loss_plot.planned_right is None
    done = panel.batch_loss_plot.series["live:raw"].x[-1]
    assert panel.batch_loss_plot.getPlotItem().getViewBox().viewRange()[0][1] < done * 1.1 < planned


def test_legends_sit_away_from_where_the_curves_end(qtbot):
    panel = TrainingPanel()
    qtbot.addWidget(panel)
    panel._sync_metric_plots(["accuracy", "mae"])
    assert panel.metric_plots["accuracy"].legend.opts["offset"] == (-8, -8)  # bottom right: it climbs
    assert panel.metric_plots["mae"].legend.opts["offset"] == (-8, 8)  # top right: it falls
    assert panel.epoch_loss_plot.legend.opts["offset"] == (-8, 8)


def test_a_curve_of_one_point_is_drawn(qtbot):
    plot = CurvePlot("Accuracy", "epoch", rising=True)
    qtbot.addWidget(plot)
    plot.add_curve("accuracy").append(1.0, 0.4)
    plot.refresh()
    x, y = plot.items["accuracy"].getData()
    assert len(x) == 2 and x[0] < 1.0 < x[1] and list(y) == [0.4, 0.4]  # a short dash, not nothing


def test_the_value_range_holds_while_the_points_fit_it(qtbot):
    plot = CurvePlot("Loss", "batch")
    qtbot.addWidget(plot)
    plot.plan(100.0)
    series = plot.add_curve("loss")
    series.extend(range(1, 11), np.linspace(2.0, 1.0, 10))
    plot.refresh()
    fitted = plot._fitted
    assert fitted[1] == 100.0 and fitted[2] < 1.0 and fitted[3] == 2.0  # room below the lowest
    series.extend([11, 12], [0.95, 0.97])  # still inside: the axes stay as they are
    plot.refresh()
    assert plot._fitted == fitted
    series.extend([13], [0.2])  # below the room: refitted
    plot.refresh()
    assert plot._fitted[2] < 0.2


def test_pause_holds_the_run_and_resume_goes_on(qtbot, panel, project):
    panel.start(project, LONG)
    wait_for_batches(qtbot, panel)
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.status_label.text().startswith("Paused at"), timeout=RUN_TIMEOUT_MS)
    assert panel.state == "paused" and panel.pause_button.text() == "Resume"
    held = panel.batch_loss_plot.point_count("live:raw")
    qtbot.wait(300)
    assert panel.batch_loss_plot.point_count("live:raw") == held

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    assert panel.state == "running" and panel.pause_button.text() == "Pause"
    wait_for_batches(qtbot, panel, held + 5)
    steps = panel.batch_loss_plot.series["live:raw"].x
    assert np.array_equal(steps, np.arange(1, len(steps) + 1))  # no batch lost or repeated

    panel.shutdown()
    assert not panel.busy and panel.state == "stopped"


def test_runs_overlay_and_compare(qtbot, panel, project):
    first = train(qtbot, panel, project)
    second = train(qtbot, panel, project, learning_rate=0.05, epochs=2)
    names = [Path(first["run_dir"]).name, Path(second["run_dir"]).name]
    assert [run.name for run in panel.runs] == names

    panel.select_runs(names)
    assert panel.overlaid_runs == names
    assert panel.epoch_loss_plot.point_count(f"run{names[0]}:loss") == 3
    assert panel.epoch_loss_plot.point_count(f"run{names[1]}:val_loss") == 2
    assert panel.compare_button.isEnabled()

    rows = panel.compare_selected()
    assert ("training.learning_rate", "0.1", "0.05") in rows
    assert ("training.epochs", "3", "2") in rows
    assert panel.compare_table.rowCount() == len(rows)

    panel.select_runs(names[:1])
    assert panel.overlaid_runs == names[:1] and not panel.compare_button.isEnabled()


def test_architecture_differences_name_nodes_and_params(tmp_path: Path):
    def run_folder(name: str, nodes: list[dict], edges: int) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        graph = {"nodes": nodes, "edges": [{"source": "n1", "target": "n2"}] * edges}
        (folder / runs.PROJECT_FILE).write_text(json.dumps({"graph": graph}))
        return folder

    dense = {"id": "n2", "type": "Dense", "name": "head", "params": {"units": 10}}
    first = run_folder("001-a", [{"id": "n1", "type": "Input", "name": "in", "params": {}}, dense], 1)
    second = run_folder("002-b", [
        {"id": "n1", "type": "Input", "name": "in", "params": {}},
        {**dense, "params": {"units": 32, "activation": "relu"}},
        {"id": "n3", "type": "Dropout", "name": "drop", "params": {"rate": 0.5}},
    ], 2)

    rows = architecture_differences(first, second)
    assert ("node added", "—", "drop (Dropout)") in rows
    assert ("head.units", "10", "32") in rows
    assert ("head.activation", "—", "relu") in rows
    assert ("wires", "1", "2") in rows
    assert architecture_differences(first, first) == []


def test_curves_keep_every_point_and_draw_a_downsampled_few(qtbot):
    plot = CurvePlot("Loss", "batch")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    series = plot.add_curve("loss")
    x = np.arange(200_000, dtype=np.float64)
    series.extend(x, np.sin(x / 1000))
    plot.refresh()
    qtbot.wait(50)

    assert len(series) == 200_000 and series.y[-1] == pytest.approx(np.sin(199.999), abs=1e-5)
    drawn_x, _ = plot.items["loss"].getData()
    assert len(drawn_x) < 5_000  # peak downsampling: about two points per pixel column


def test_zooming_shows_every_point_in_view_and_double_click_follows_again(qtbot):
    plot = CurvePlot("Loss", "batch")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    series = plot.add_curve("loss")
    x = np.arange(200_000, dtype=np.float64)
    series.extend(x, np.sin(x / 1000))
    plot.refresh()
    view = plot.getPlotItem().getViewBox()
    view.setRange(xRange=(1000, 1100), padding=0)
    view.sigRangeChangedManually.emit(view.state["mouseEnabled"])  # what a wheel or a drag sends
    assert not plot.following
    drawn_x, _ = plot.items["loss"].getData()
    assert drawn_x[0] <= 1000 and drawn_x[-1] >= 1100 and len(drawn_x) < 110  # every point in view
    series.extend([200_000.0], [5.0])
    plot.refresh()
    assert view.viewRange()[0][1] < 2000  # a held zoom is not moved by new points

    qtbot.mouseDClick(plot.viewport(), Qt.MouseButton.LeftButton)
    assert plot.following
    assert view.viewRange()[0][1] >= 200_000
    assert len(plot.items["loss"].getData()[0]) < 5_000


def test_the_legend_shows_only_once_a_curve_has_points(qtbot):
    plot = CurvePlot("Loss", "epoch")
    qtbot.addWidget(plot)
    assert not plot.legend.isVisibleTo(None)  # an empty plot has no empty legend box
    series = plot.add_curve("loss", label="training")
    plot.refresh()
    assert not plot.legend.isVisibleTo(None)
    series.append(1, 0.5)
    plot.refresh()
    assert plot.legend.isVisibleTo(None)


def test_a_held_value_costs_two_points_and_draws_the_same():
    rng = np.random.default_rng(0)
    x = np.arange(10_000, dtype=np.float64)
    y = np.repeat(rng.choice([1e-3, 1e-4, 5e-4], size=20), 500).astype(np.float32)  # a step schedule
    y[3000:3100] = np.linspace(1e-3, 1e-4, 100)  # and a ramp
    series = Series()
    for start in range(0, len(x), 37):  # arriving in uneven chunks, as batches are drained
        series.extend_changes(x[start:start + 37], y[start:start + 37])
    assert len(series) < 300
    assert series.x[-1] == x[-1]
    assert np.array_equal(np.interp(x, series.x, series.y), np.interp(x, x, y))


def test_a_held_value_still_reaches_the_latest_step_on_screen(qtbot):
    plot = CurvePlot("Learning rate", "batch", from_zero=True)
    qtbot.addWidget(plot)
    series = plot.add_curve("lr")
    series.extend_changes([1, 2, 3], [0.1, 0.1, 0.1])
    plot.refresh()
    series.extend_changes([4, 5], [0.1, 0.1])  # same number of points, the last one moved on
    assert plot.pending
    plot.refresh()
    assert plot.items["lr"].getData()[0][-1] == 5


def test_series_and_smoother():
    series = Series()
    for chunk in range(5):
        series.extend(range(chunk * 1000, chunk * 1000 + 1000), [1.0] * 1000)
    assert len(series) == 5000 and series.x[-1] == 4999 and series.top == 1.0
    smooth = Smoother(0.9)
    assert smooth(4.0) == pytest.approx(4.0)  # bias-corrected: the first value is itself
    assert smooth(float("nan")) == pytest.approx(4.0)


def test_dark_theme_recolours_the_plots(qtbot, panel):
    app = QApplication.instance()
    original = app.palette()
    try:
        app.setPalette(dark_palette())
        qtbot.wait(10)
        base = dark_palette().color(QPalette.ColorRole.Base)
        assert panel.epoch_loss_plot.backgroundBrush().color() == base
    finally:
        app.setPalette(original)


def test_shutdown_of_an_idle_panel_returns_at_once(qtbot):
    widget = TrainingPanel()
    qtbot.addWidget(widget)
    began = time.monotonic()
    widget.shutdown()
    assert time.monotonic() - began < 0.1
    assert not widget.busy and not widget.start_button.isEnabled()


def test_peak_decimation_keeps_spikes_and_the_tail():
    x = np.arange(100_000, dtype=np.float64)
    y = np.zeros(100_000, dtype=np.float32)
    y[12_345], y[77_777] = 9.0, -4.0
    y[-1] = 3.0
    drawn_x, drawn_y = peak_decimate(x, y, 400)

    assert len(drawn_x) <= 2 * 400 + 250
    assert drawn_y.max() == 9.0 and drawn_y.min() == -4.0
    assert drawn_x[-1] == 99_999 and drawn_y[-1] == 3.0
    assert np.all(np.diff(drawn_x) >= 0)
    short_x, _ = peak_decimate(x[:500], y[:500], 400)
    assert len(short_x) == 500


class Feed(EventQueue):
    """Events put by hand, handed out as a session hands them out (its ``drain``, ``stop``, ``wait``)."""

    def stop(self) -> None:
        self.put(Event(ev.STOPPED, {"reason": "stopped", "message": "Stopped."}))

    def wait(self, timeout: float | None = None) -> bool:
        return True


def test_batch_events_wait_for_a_redraw_but_a_flood_is_filed_in_chunks(panel):
    from app.training.settings import TrainingSettings
    from app.ui.training_panel import MOST_UNFILED

    feed = Feed()
    feed.put(Event(ev.STARTED, {
        "run_dir": "", "epochs": 1, "initial_epoch": 0, "steps_per_epoch": 2000, "samples": 64_000,
        "batch_size": 32, "metrics": [], "loss": "mse", "notes": [], "backend": "none"}))
    for step in range(1, 2001):
        feed.put(Event(ev.BATCH_END, {"epoch": 1, "batch": step, "step": step, "lr": 1e-3,
                                      "samples_per_s": 1000.0, "logs": {"loss": 1.0 / step}}))
    panel.watch(feed, TrainingSettings.from_dict({}))
    panel._timer.stop()  # ticks by hand
    panel._next_redraw = time.monotonic() + 60  # no redraw is due: batch ends wait for one
    while panel.drain_events():
        pass
    filed = panel.batch_loss_plot.point_count("live:raw")
    assert MOST_UNFILED <= 1000 and len(panel._unfiled) < MOST_UNFILED  # a flood is not held as dicts
    assert filed + len(panel._unfiled) == 2000 and filed >= 1000
    panel._next_redraw = 0.0
    panel.drain_events()  # a redraw is due: everything taken goes into the curves
    assert panel.batch_loss_plot.point_count("live:raw") == 2000 and not panel._unfiled


@pytest.mark.parametrize("validation", [True, False])
def test_the_epoch_curves_are_made_when_the_run_starts_not_at_its_first_epoch(panel, validation):
    from app.training.settings import TrainingSettings

    feed = Feed()
    feed.put(Event(ev.STARTED, {
        "run_dir": "", "epochs": 2, "initial_epoch": 0, "steps_per_epoch": 10, "samples": 320,
        "batch_size": 32, "metrics": ["mae"], "validation": validation, "loss": "mse", "notes": [],
        "backend": "none"}))
    panel.watch(feed, TrainingSettings.from_dict({"metrics": ["mae"]}))
    panel._timer.stop()  # ticks by hand
    panel.drain_events()
    expected = {"live:loss", "live:val_loss"} if validation else {"live:loss"}
    assert set(panel.epoch_loss_plot.series) == expected
    mae = panel.metric_plots["mae"]
    assert set(mae.series) == {name.replace("loss", "mae") for name in expected}
    assert not mae.legend.isVisible()  # no points yet: no legend
    feed.put(Event(ev.EPOCH_END, {"epoch": 1, "logs": {"loss": 0.5, "mae": 0.4, "val_loss": 0.6,
                                                       "val_mae": 0.5}, "lr": 1e-3, "seconds": 1.0}))
    feed.put(Event(ev.FINISHED, {"reason": "completed", "message": "Finished 1 epoch."}))
    panel.drain_events()
    assert mae.point_count("live:mae") == 1 and mae.point_count("live:val_mae") == 1  # made when new
    assert panel.state == "finished"


def test_the_progress_bar_shows_where_the_run_is_and_is_painted_again(panel):
    from app.training.settings import TrainingSettings

    feed = Feed()
    feed.put(Event(ev.STARTED, {
        "run_dir": "", "epochs": 2, "initial_epoch": 0, "steps_per_epoch": 10, "samples": 320,
        "batch_size": 32, "metrics": [], "validation": False, "loss": "mse", "notes": [],
        "backend": "none"}))
    feed.put(Event(ev.BATCH_END, {"epoch": 1, "batch": 5, "step": 5, "lr": 1e-3, "samples_per_s": 1234.0,
                                  "logs": {"loss": 0.5}}))
    panel.watch(feed, TrainingSettings.from_dict({}))
    panel._timer.stop()  # ticks by hand
    panel.drain_events()
    assert panel.progress.format().startswith("Epoch 1/2 · batch 5/10 · 1,234 samples/s · ")
    assert panel.progress.value() == PROGRESS_STEPS // 4  # 5 of 20 batches
    assert panel.progress.updatesEnabled()  # held only while value and text change


def test_a_run_is_named_by_its_number_and_start_with_the_day_unless_today(tmp_path):
    from app.core.runs import RunInfo
    from app.ui.training_panel import _run_text

    run = RunInfo(path=tmp_path / "003-20261123-184501", number=3, status="finished",
                  started="2026-11-23T18:45:01")
    assert _run_text(run, today="2026-11-23") == "#3 · 18:45"
    assert _run_text(run, today="2026-11-24") == "#3 · 11-23 18:45"
    undated = RunInfo(path=tmp_path / "004-x", number=4, status="failed")
    assert _run_text(undated, today="2026-11-24") == "004-x"
