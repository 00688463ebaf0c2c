"""The Inspect panel opened on a trained digits-cnn run: each tab shows the right data."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QImage

from app.core.examples import example_path
from app.core.project import load_project

WAIT = 120_000  # ms: loading a run builds a model and evaluates it on 2 slow CPU cores


@pytest.fixture(scope="module")
def trained_digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of digits-cnn trained for 2 epochs with training health recorded; returns the project file."""
    from app.inspection.health_recorder import HealthRecorder
    from app.training.session import TrainingSession

    target = tmp_path_factory.mktemp("digits") / "digits-cnn.netloom"
    shutil.copy(example_path("digits-cnn"), target)
    session = TrainingSession(
        load_project(target), epochs=2,
        extra_callbacks=lambda folder, data: [HealthRecorder(folder, data.x_val[:64], data.y_val[:64])])
    result = session.run()
    assert result.kind == "finished", result.data.get("message")
    return target


@pytest.fixture(scope="module")
def reference(trained_digits: Path):
    """The run opened directly (not through the panel), to check what the panel shows against."""
    from app.inspection.loading import load_run

    return load_run(load_project(trained_digits), "latest", "best")


@pytest.fixture
def panel(qtbot, trained_digits: Path):
    """An Inspect panel, shown, with the trained run open on the validation split."""
    from app.ui.inspect import InspectPanel

    widget = InspectPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.set_project(load_project(trained_digits), trained_digits)
    widget.show()
    qtbot.waitUntil(lambda: widget.opened is not None and not widget.busy, timeout=WAIT)
    yield widget
    widget.shutdown()


def idle(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)


# ------------------------------------------------------------------ chooser
def test_run_chooser_lists_the_run_and_opens_it(panel, trained_digits):
    assert panel.run_combo.count() == 1
    assert panel.run_combo.currentText().startswith("Run 001 · finished · 2 epochs")
    assert panel.state_text == ""  # the tabs are on show
    assert panel.opened.split == "validation"
    assert [panel.split_combo.itemData(i) for i in range(panel.split_combo.count())] == ["validation", "test"]


def test_changing_the_split_evaluates_the_test_split(qtbot, panel, reference):
    panel.split_combo.setCurrentIndex(panel.split_combo.findData("test"))
    qtbot.waitUntil(lambda: panel.opened.split == "test" and not panel.busy, timeout=WAIT)
    x_test, _ = reference.split("test")
    assert int(panel.evaluation_tab.matrix_view.matrix.sum()) == len(x_test)
    assert "of the test split" in panel.evaluation_tab.summary.text()


# --------------------------------------------------------------- evaluation
def test_confusion_matrix_equals_the_evaluation(panel, reference):
    expected = reference.evaluate("validation").classification
    view = panel.evaluation_tab.matrix_view
    shown = np.array([[int(view.item(t, p).text()) for p in range(view.columnCount())]
                      for t in range(view.rowCount())])
    np.testing.assert_array_equal(shown, expected.confusion_matrix)
    np.testing.assert_array_equal(view.matrix, expected.confusion_matrix)
    table = panel.evaluation_tab.per_class
    assert table.item(0, 0).text() == expected.classes[0]
    assert table.item(3, 3).text() == f"{expected.f1[3]:.3f}"
    assert table.item(len(expected.classes) + 1, 0).text() == "macro avg"
    assert table.item(len(expected.classes) + 1, 1).text() == f"{expected.macro['precision']:.3f}"


def test_clicking_a_cell_lists_its_samples_and_double_click_opens_one(qtbot, panel, reference):
    panel.tabs.setCurrentWidget(panel.evaluation_tab)
    tab = panel.evaluation_tab
    report = reference.evaluate("validation").classification
    true_class = int(np.argmax(report.support))
    view = tab.matrix_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(view.model().index(true_class, true_class)).center())
    assert tab.cell == (true_class, true_class)
    assert tab.listed_samples() == report.samples_in_cell(true_class, true_class).tolist()
    chosen = tab.listed_samples()[1]
    item = tab.cell_samples.item(1)
    where = tab.cell_samples.visualItemRect(item).center()
    with qtbot.waitSignal(panel.sample_activated, timeout=5000) as signal:
        qtbot.mouseClick(tab.cell_samples.viewport(), Qt.MouseButton.LeftButton, pos=where)  # press first
        qtbot.mouseDClick(tab.cell_samples.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert signal.args == [chosen]
    assert panel.tabs.currentWidget() is panel.activations_tab
    assert panel.activations_tab.sample_index == chosen
    idle(qtbot, panel)
    assert f"sample {chosen}" in panel.activations_tab.status.text()


# ------------------------------------------------------------------ filters
def test_filters_tab_shows_each_layers_kernels(qtbot, panel, reference):
    tab = panel.filters_tab
    idle(qtbot, panel)
    combo = tab.layer_combo
    assert [combo.itemData(i) for i in range(combo.count())] == ["conv_1", "conv_2", "digit"]
    assert tab.shown.layer_name == "conv_1" and tab.shown.filters == 16
    assert "16 filters" in tab.caption.text()
    kernel = reference.model.get_layer("conv_1").kernel.numpy()
    tiles = tab.shown.tiles * (tab.shown.high - tab.shown.low) + tab.shown.low
    np.testing.assert_allclose(tiles[5], kernel[:, :, 0, 5], atol=1e-5)
    assert np.isfinite(tab.mosaic).sum() == 16 * 9  # every tile on show, gaps left blank
    assert tab.select_layer("conv_2")
    qtbot.waitUntil(lambda: tab.shown.layer_name == "conv_2", timeout=WAIT)
    assert tab.shown.filters == 32 and tab.shown.kernel_shape == (3, 3, 16, 32)
    assert "32 filters" in tab.caption.text()
    assert tab.select_layer("digit")
    qtbot.waitUntil(lambda: tab.shown.layer_name == "digit", timeout=WAIT)
    np.testing.assert_allclose(tab.plot.image_array(), tab.shown.image)
    assert tab.plot.image_array().shape == (512, 10)
    assert not tab.select_layer("pool")


# -------------------------------------------------------------- activations
def test_activations_show_every_layer_and_the_output_probabilities(qtbot, panel, reference):
    tab = panel.activations_tab
    idle(qtbot, panel)
    names = ["image", *(layer.name for layer in reference.model.layers[1:])]
    assert list(tab.cards) == names
    tab.show_sample(7)
    idle(qtbot, panel)
    x, _ = reference.split("validation")
    expected = reference.model.predict(x[7:8], verbose=0)[0]
    bars = tab.cards["digit"].picture
    np.testing.assert_allclose(bars.values, expected, rtol=1e-4, atol=1e-6)
    labels = [label for _, label in bars.getPlotItem().getAxis("bottom")._tickLevels[0]]
    assert labels == list(reference.class_names)
    conv = tab.cards["conv_1"].activation
    assert conv.shape == (8, 8, 16) and conv.kind == "feature_maps"


def test_show_node_highlights_that_layer(qtbot, panel):
    idle(qtbot, panel)
    panel.tabs.setCurrentWidget(panel.filters_tab)
    assert panel.show_node("conv_2")
    assert panel.tabs.currentWidget() is panel.activations_tab
    cards = panel.activations_tab.cards
    assert cards["conv_2"].highlighted
    assert not any(card.highlighted for name, card in cards.items() if name != "conv_2")
    assert panel.filters_tab.layer_combo.currentData() == "conv_2"
    assert not panel.show_node("no_such_layer")


def test_a_dropped_image_file_runs_through_the_network(qtbot, panel, tmp_path, reference):
    idle(qtbot, panel)
    image = QImage(16, 16, QImage.Format.Format_RGB888)
    image.fill(QColor("black"))
    for row in range(2, 14):
        for column in (8, 9):
            image.setPixelColor(column, row, QColor("white"))  # a "1", two pixels wide
    path = tmp_path / "one.png"
    assert image.save(str(path))
    tab = panel.activations_tab
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    # Qt delivers a Drop only to the target of a drag in progress, so the handler is called directly
    tab.dropEvent(drop)
    assert drop.isAccepted()
    assert tab.sample_index is None and tab.source_text == "one.png"
    idle(qtbot, panel)
    shown = tab.cards["image"].activation.values
    assert shown.shape == (8, 8, 1)
    x, _ = reference.split("validation")
    assert shown.max() == pytest.approx(float(x.max()))  # scaled to the range the network was trained on
    assert shown[:, 4, 0].max() > shown[:, 0, 0].max()  # the stroke down the middle survived resizing


# ----------------------------------------------------------------- mistakes
def test_mistakes_gallery_is_sorted_by_loss_and_opens_a_sample(qtbot, panel, reference):
    tab = panel.mistakes_tab
    losses = [mistake.loss for mistake in tab.mistakes]
    assert len(losses) == tab.count.value() == tab.gallery.count()
    assert losses == sorted(losses, reverse=True)
    evaluation = reference.evaluate("validation")
    assert losses[0] == pytest.approx(float(evaluation.losses.max()), rel=1e-5)
    first = tab.gallery.item(0)
    assert not first.icon().isNull()  # digits are images: a thumbnail
    assert f"#{tab.mistakes[0].index}" in first.text()
    panel.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(panel.sample_activated, timeout=5000) as signal:
        qtbot.mouseClick(tab.gallery.viewport(), Qt.MouseButton.LeftButton,
                         pos=tab.gallery.visualItemRect(first).center())
    assert signal.args == [tab.mistakes[0].index]
    assert panel.activations_tab.sample_index == tab.mistakes[0].index
    tab.wrong_only.setChecked(True)
    assert all(mistake.wrong for mistake in tab.mistakes)


# ------------------------------------------------------------------- health
def test_health_tab_shows_every_trained_epoch(qtbot, panel, reference):
    from app.inspection.health import read_health

    tab = panel.health_tab
    history = read_health(reference.run.path)
    assert tab.message_shown == ""
    assert tab.weight_plot.histogram.shape[1] == 2 == len(history.epochs)
    conv = history.layer_index("conv_1")
    # every weight of the layer lands in some bin of each epoch's column
    np.testing.assert_allclose(tab.weight_plot.histogram.sum(axis=0), [history.layers[conv].weights] * 2)
    for name, line in tab.norm_plot.lines.items():
        x, y = line.getData()
        assert len(x) == 2
        expected = history.grad_norm[:, history.layer_index(name)]
        np.testing.assert_allclose(10 ** y, expected, rtol=1e-5)  # the plot keeps log10 on its log axis
    assert set(tab.ratio_plot.lines) == {"conv_1", "conv_2", "digit"}
    assert tab.badge_table.rowCount() == len(history.layers)
    assert "2 epochs recorded" in tab.caption.text()
    assert tab.select_layer("digit")
    weights = history.layers[history.layer_index("digit")].weights
    np.testing.assert_allclose(tab.gradient_plot.histogram.sum(axis=0), [weights] * 2)


def test_health_badges_are_announced(qtbot, trained_digits):
    from app.ui.inspect import InspectPanel

    panel = InspectPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.badges_changed, timeout=WAIT, check_params_cb=bool) as signal:
        panel.set_project(load_project(trained_digits), trained_digits)
        panel.open_run()  # opens while hidden when asked to
    assert set(signal.args[0]) == {"conv_1", "conv_2", "digit"}
    qtbot.waitUntil(lambda: not panel.busy, timeout=WAIT)
    panel.shutdown()


# ----------------------------------------------------------------- saliency
def test_saliency_tab_explains_the_predicted_class(qtbot, panel, reference):
    from app.inspection.saliency import saliency_map

    panel.tabs.setCurrentWidget(panel.saliency_tab)
    tab = panel.saliency_tab
    qtbot.waitUntil(lambda: tab.result is not None and not panel.busy, timeout=WAIT)
    x, _ = reference.split("validation")
    expected = saliency_map(reference.model, x[0])
    assert tab.result.saliency.class_index == expected.class_index
    np.testing.assert_allclose(tab.result.saliency.heatmap, expected.heatmap, atol=1e-5)
    np.testing.assert_allclose(tab.saliency_image.values, expected.heatmap, atol=1e-5)
    assert tab.result.cam is not None and tab.result.cam.overlay.shape == (8, 8)
    other = (expected.class_index + 1) % 10
    tab.class_combo.setCurrentIndex(tab.class_combo.findData(other))
    qtbot.waitUntil(lambda: tab.result.saliency.class_index == other and not panel.busy, timeout=WAIT)
