"""The Inspect panel before a run is open (what it says, and what it does with a broken run),
and the pure helpers its views draw with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from app.core.examples import example_path
from app.core.project import load_project
from app.ui.inspect import InspectPanel
from app.ui.inspect.activations_tab import strip, tile_mosaic
from app.ui.inspect.health_tab import NO_HEALTH, stacked_histogram
from app.ui.inspect.images import diverging_colors, image_file_sample, to_rgb
from app.ui.inspect.panel import NO_PROJECT, NO_RUNS, NOT_SAVED


@pytest.fixture
def panel(qtbot):
    widget = InspectPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    yield widget
    widget.shutdown()


@pytest.fixture
def project_file(tmp_path: Path) -> Path:
    target = tmp_path / "digits-cnn.netloom"
    shutil.copy(example_path("digits-cnn"), target)
    return target


def test_without_a_project_it_says_to_open_one(panel):
    assert panel.state_text == NO_PROJECT
    assert not panel.run_combo.isEnabled()
    assert not panel.show_node("conv_1")


def test_an_unsaved_project_is_asked_to_be_saved(panel, project_file):
    panel.set_project(load_project(project_file), None)
    assert panel.state_text == NOT_SAVED


def test_a_project_without_runs_is_asked_to_train(panel, project_file):
    panel.set_project(load_project(project_file), project_file)
    assert panel.state_text == NO_RUNS == "Train the model first (F5) to look inside it."
    assert panel.run_combo.count() == 0


def test_a_run_without_weights_says_so_and_offers_to_try_again(qtbot, panel, project_file):
    run = project_file.with_name("digits-cnn.runs") / "003-20261123-184501"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"status": "failed", "epochs_done": 0}), encoding="utf-8")
    panel.set_project(load_project(project_file), project_file)
    assert panel.run_combo.currentText() == "Run 003 · failed"
    assert panel.state_text == "Loading run 003…"
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)
    assert panel.state_text.startswith("The run could not be opened.")
    assert "kept no best weights" in panel.state_text
    assert panel.retry_button.isVisible()
    assert panel.opened is None


def test_refresh_picks_up_a_new_run(panel, project_file):
    panel.set_project(load_project(project_file), project_file)
    assert panel.state_text == NO_RUNS
    run = project_file.with_name("digits-cnn.runs") / "001-20261123-184501"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"status": "running"}), encoding="utf-8")
    panel.hide()  # hidden: the run is listed but not opened
    panel.refresh_runs()
    assert panel.run_combo.count() == 1
    assert panel.state_text == NO_RUNS  # nothing was started while hidden
    assert panel.jobs.idle


def test_health_tab_without_a_record_says_how_to_get_one(panel):
    assert "Record training health" in NO_HEALTH
    assert panel.health_tab.message_shown == "No run is open."


# ------------------------------------------------------------------ helpers
def test_stacked_histogram_keeps_each_epochs_counts_on_a_common_axis():
    counts = np.array([[1, 2, 3], [4, 0, 4]])
    edges = np.array([[0.0, 1.0, 2.0, 3.0], [-3.0, 0.0, 3.0, 6.0]])
    image, low, high = stacked_histogram(counts, edges, bins=9)
    assert (low, high) == (-3.0, 6.0)
    assert image.shape == (9, 2)
    np.testing.assert_allclose(image.sum(axis=0), [6, 8])
    np.testing.assert_allclose(image[:3, 0], 0)  # nothing below 0 in the first epoch
    np.testing.assert_allclose(image[3:6, 0], [1, 2, 3])  # bins of width 1 line up exactly


def test_tile_mosaic_and_strip_place_values_and_leave_gaps_blank():
    maps = np.arange(3 * 2 * 2, dtype="float32").reshape(3, 2, 2)
    mosaic = tile_mosaic(maps, (2, 2))
    assert mosaic.shape == (5, 5)
    np.testing.assert_array_equal(mosaic[3:5, 0:2], maps[2])
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[3:, 3:]).all()
    values = strip(np.array([0.0, 5.0, 10.0]), 0.0, 10.0, columns=2)
    np.testing.assert_array_equal(values[0], [0.0, 0.5])
    assert values[1, 0] == 1.0 and np.isnan(values[1, 1])


def test_diverging_colours_put_zero_on_the_background(qtbot, panel):
    lut = diverging_colors(panel.palette())
    base = panel.palette().color(panel.palette().ColorRole.Base)
    assert tuple(lut[128]) == pytest.approx((base.red(), base.green(), base.blue()), abs=2)
    rgb = to_rgb(np.array([[np.nan, 0.5]]), lut, QColor("#123456"))
    assert tuple(rgb[0, 0]) == (0x12, 0x34, 0x56)


def test_an_image_file_becomes_a_sample_of_the_input_shape(qtbot, tmp_path):
    image = QImage(4, 2, QImage.Format.Format_RGB888)
    image.fill(QColor(255, 0, 0))
    path = tmp_path / "red.png"
    image.save(str(path))
    colour = image_file_sample(path, (2, 4, 3))
    assert colour.shape == (2, 4, 3)
    np.testing.assert_allclose(colour[..., 0], 1.0)
    np.testing.assert_allclose(colour[..., 1:], 0.0)
    grey = image_file_sample(path, (1, 1, 1))
    assert grey.shape == (1, 1, 1) and grey[0, 0, 0] == pytest.approx(0.299, abs=0.01)
    with pytest.raises(ValueError, match="image Input"):
        image_file_sample(path, (64,))
    (tmp_path / "bad.png").write_text("not an image")
    with pytest.raises(ValueError, match="not an image"):
        image_file_sample(tmp_path / "bad.png", (8, 8, 1))
