"""The Data panel: empty and loading states, shapes, class counts, samples, rows, augmentation preview."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.data.augment import AugmentSettings
from app.data.dataset import Dataset
from app.data.sources import load_source
from app.ui.data_panel import EMPTY_TEXT, DataPanel, class_counts, image_to_qimage

pytestmark = pytest.mark.gui

PREVIEW_TIMEOUT_MS = 120_000  # the preview imports Keras on a worker


@pytest.fixture
def panel(qtbot) -> DataPanel:
    widget = DataPanel()
    widget.resize(760, 900)
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def _cell(table, row: int, column: int) -> str:
    return table.item(row, column).text()


def test_empty_then_loading_then_data_then_empty(panel: DataPanel) -> None:
    assert panel.state == "empty" and panel._empty.text() == EMPTY_TEXT
    panel.show_loading("Loading iris…")
    assert panel.state == "loading" and panel.loading_text == "Loading iris…"
    panel.set_dataset(load_source({"source": "iris"}))
    assert panel.state == "data"
    panel.set_dataset(None)
    assert panel.state == "empty" and panel.dataset is None


def test_digits_shows_shapes_counts_and_a_sample_grid(panel: DataPanel) -> None:
    digits = load_source({"source": "digits"})
    panel.set_dataset(digits)
    table = panel.shapes_table
    assert [_cell(table, r, 0) for r in range(table.rowCount())] == ["Training", "Validation", "Test"]
    assert _cell(table, 0, 1) == str(len(digits.x_train))
    assert _cell(table, 0, 2) == f"({len(digits.x_train)}, 8, 8, 1)" and _cell(table, 0, 3) == "float32"
    assert _cell(table, 0, 4) == f"({len(digits.x_train)},)" and _cell(table, 0, 5) == "int64"
    chart = panel.counts_chart
    assert chart.names == [str(n) for n in range(10)]
    assert sum(chart.totals()) == 1797 and chart.counts["train"] == class_counts(digits)["train"]
    assert panel.sample_grid is not None and panel.table_view is None
    cells = panel.sample_grid.layout().count()
    assert cells == 24
    first = panel.sample_grid.layout().itemAt(0).widget()
    pixmap = first.layout().itemAt(0).widget().pixmap()
    assert pixmap.width() == 64  # 8x8 upscaled
    caption = first.layout().itemAt(1).widget().text()
    assert caption == digits.class_names[int(digits.y_train[0])]


def test_upscaling_is_nearest_neighbour() -> None:
    image = np.array([[0.0, 1.0], [1.0, 0.0]], dtype="float32")[..., None]
    scaled = image_to_qimage(image, 0.0, 1.0).scaled(64, 64)
    assert QColor(scaled.pixel(0, 0)).value() == 0 and QColor(scaled.pixel(40, 0)).value() == 255
    assert QColor(scaled.pixel(31, 31)).value() == 0  # a hard edge, no blend


def test_iris_shows_a_table_of_rows_with_class_names(panel: DataPanel) -> None:
    iris = load_source({"source": "iris"})
    panel.set_dataset(iris)
    assert panel.sample_grid is None and panel.table_view is not None
    model = panel.table_view.model()
    assert model.rowCount() == len(iris.x_train) and model.columnCount() == 5
    assert model.headerData(4, Qt.Orientation.Horizontal) == "class"
    assert model.data(model.index(0, 4)) == iris.class_names[int(iris.y_train[0])]
    assert float(model.data(model.index(0, 0))) == pytest.approx(float(iris.x_train[0, 0]), abs=1e-3)


def test_table_is_capped_at_200_rows(panel: DataPanel) -> None:
    x = np.arange(600, dtype="float32").reshape(300, 2)
    data = Dataset(x, np.zeros((300, 1), "float32"), task="regression", name="big")
    panel.set_dataset(data)
    assert panel.table_view.model().rowCount() == 200
    assert panel.counts_chart is None


def test_augmentation_preview_shows_copies_beside_the_original(panel: DataPanel, qtbot) -> None:
    digits = load_source({"source": "digits"})
    panel.set_dataset(digits, AugmentSettings(rotation=0.2, zoom=0.2))
    assert panel.augment_row is not None
    qtbot.waitUntil(lambda: panel.augment_row.layout().count() >= 7, timeout=PREVIEW_TIMEOUT_MS)
    captions = [panel.augment_row.layout().itemAt(i).widget() for i in range(6)]
    texts = [c.layout().itemAt(1).widget().text() for c in captions]
    assert texts == ["original", "copy 1", "copy 2", "copy 3", "copy 4", "copy 5"]


def test_no_preview_without_active_settings(panel: DataPanel) -> None:
    panel.set_dataset(load_source({"source": "digits"}), AugmentSettings())
    assert panel.augment_row is None


def _dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in {
        QPalette.ColorRole.Window: "#2b2b2b", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1e1e", QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#353535", QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#3d7bd9", QPalette.ColorRole.PlaceholderText: "#8a8a8a",
        QPalette.ColorRole.Mid: "#555555", QPalette.ColorRole.Midlight: "#444444",
    }.items():
        palette.setColor(role, QColor(color))
    return palette


def test_chart_colours_follow_the_palette(qtbot) -> None:
    app = QApplication.instance()
    old = app.palette()
    try:
        app.setPalette(_dark_palette())
        panel = DataPanel()
        qtbot.addWidget(panel)
        panel.set_dataset(load_source({"source": "iris"}))
        colors = panel.counts_chart.split_colors()
        assert colors["train"].name() == "#3d7bd9" and colors["test"].name() == "#555555"
    finally:
        app.setPalette(old)


def test_sine_shows_targets_and_a_sequence_plot(panel: DataPanel) -> None:
    sine = load_source({"source": "sine"})
    panel.set_dataset(sine)
    assert panel.counts_chart is None and panel.sample_grid is None and panel.table_view is None
    plot = panel.sequence_plot
    assert plot is not None and plot.sequences.shape == (3, 20)
    assert plot.labels[0] == f"{float(sine.y_train[0, 0]):.4g}"
    assert not plot.grab().isNull()


def test_streamed_image_folder_shows_files_per_class_and_samples(panel: DataPanel, qtbot, tmp_path) -> None:
    import tensorflow as tf

    for name, count in (("cats", 3), ("dogs", 5)):
        (tmp_path / name).mkdir()
        for index in range(count):
            pixels = np.full((6, 6, 3), index * 20, dtype=np.uint8)
            (tmp_path / name / f"{index}.png").write_bytes(tf.io.encode_png(pixels).numpy())
    data = load_source({"source": "image_folder", "path": str(tmp_path), "image_size": [6, 6],
                        "validation_fraction": 0.0})
    panel.set_dataset(data, AugmentSettings(flip="horizontal"))
    assert panel.state == "data" and panel.dataset is None
    assert panel.counts_chart.names == ["cats", "dogs"] and panel.counts_chart.counts == {"all": [3, 5]}
    assert not panel.counts_chart.grab().isNull()
    qtbot.waitUntil(lambda: panel.sample_grid is not None, timeout=PREVIEW_TIMEOUT_MS)
    grid = panel.sample_grid.layout()
    captions = [grid.itemAt(i).widget().layout().itemAt(1).widget().text() for i in range(grid.count())]
    assert captions == ["cats", "dogs", "cats", "dogs", "cats", "dogs", "dogs", "dogs"]
    qtbot.waitUntil(lambda: panel.augment_row is not None and panel.augment_row.layout().count() >= 7,
                    timeout=PREVIEW_TIMEOUT_MS)
