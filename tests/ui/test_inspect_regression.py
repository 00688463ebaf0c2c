"""The Inspect panel on a regression run trained without health: regression plots and honest empty states."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from app.core.examples import example_path
from app.core.project import load_project

WAIT = 120_000


@pytest.fixture(scope="module")
def trained_celsius(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """celsius-to-fahrenheit (one Dense unit) trained for 2 epochs, no health recorded."""
    from app.training.session import TrainingSession

    target = tmp_path_factory.mktemp("celsius") / "celsius.netloom"
    shutil.copy(example_path("celsius-to-fahrenheit"), target)
    result = TrainingSession(load_project(target), epochs=2).run()
    assert result.kind == "finished", result.data.get("message")
    return target


@pytest.fixture
def panel(qtbot, trained_celsius: Path):
    from app.ui.inspect import InspectPanel

    widget = InspectPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.set_project(load_project(trained_celsius), trained_celsius)
    widget.show()
    qtbot.waitUntil(lambda: widget.opened is not None and not widget.busy, timeout=WAIT)
    yield widget
    widget.shutdown()


def test_regression_plots_show_predicted_against_true(panel):
    tab = panel.evaluation_tab
    report = panel.opened.evaluation.regression
    assert report is not None
    assert not tab.regression_box.isHidden() and tab.classification_box.isHidden()
    points = [item for item in tab.scatter_plot.getPlotItem().listDataItems() if item.opts["symbol"]]
    x, y = points[0].getData()
    np.testing.assert_allclose(x, report.true)
    np.testing.assert_allclose(y, report.predicted)
    residual = next(item for item in tab.residual_plot.getPlotItem().listDataItems() if item.opts["symbol"])
    np.testing.assert_allclose(residual.getData()[1], report.true - report.predicted)
    assert f"RMSE {report.rmse:.4g}" in tab.summary.text()


def test_health_and_saliency_say_why_they_are_empty(panel):
    assert "did not record training health" in panel.health_tab.message_shown
    assert "regression" in panel.saliency_tab.message_shown
    assert panel.filters_tab.layer_combo.count() <= 1  # only the Dense layer's 1x1 matrix


def test_mistakes_of_a_regression_show_values(qtbot, panel):
    tab = panel.mistakes_tab
    losses = [mistake.loss for mistake in tab.mistakes]
    assert losses == sorted(losses, reverse=True) and losses
    first = tab.gallery.item(0)
    assert first.icon().isNull()  # no image: the sample's values as text
    assert first.text().startswith("[") and f"#{tab.mistakes[0].index}" in first.text()
    assert tab.wrong_only.isHidden()
