"""The first window: it shows a project's layers at once and the summary once Keras is in."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QThread
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from app.core.examples import DEFAULT_EXAMPLE, example_path
from app.core.graph import Graph
from app.core.summary import Summary, SummaryRow
from app.ui import main_window
from app.ui.app import run_gui
from app.ui.main_window import MainWindow, format_params, format_shape, format_value

pytestmark = pytest.mark.gui

KERAS_TIMEOUT_MS = 120_000  # a cold TensorFlow import is slow on CI machines


def small_graph() -> Graph:
    graph = Graph()
    inputs = graph.add_node("Input", "features", {"shape": [4]})
    hidden = graph.add_node("Dense", "hidden", {"units": 8, "activation": "relu"})
    outputs = graph.add_node("Dense", "species", {"units": 3, "activation": "softmax"})
    graph.connect(inputs.id, hidden.id)
    graph.connect(hidden.id, outputs.id)
    return graph


def column(table, index: int) -> list[str]:
    return [table.item(row, index).text() for row in range(table.rowCount())]


@pytest.fixture
def window(qtbot) -> MainWindow:
    win = MainWindow(small_graph(), "Tiny classifier", "/tmp/tiny.netloom")
    qtbot.addWidget(win)
    return win


def test_window_shows_the_project_and_its_nodes(window: MainWindow) -> None:
    assert window.windowTitle() == "Tiny classifier — Netloom"
    assert column(window.layers_table, 0) == ["features", "hidden", "species"]
    assert column(window.layers_table, 1) == ["Input", "Dense", "Dense"]
    assert column(window.layers_table, 2) == ["", "features", "hidden"]
    assert column(window.layers_table, 3)[1] == "units=8, activation=relu"


def test_window_follows_edits_of_the_graph(window: MainWindow) -> None:
    node = window.graph.add_node("Dropout", params={"rate": 0.5})
    assert column(window.layers_table, 0)[-1] == "dropout"
    window.graph.remove_node(node.id)
    assert window.layers_table.rowCount() == 3


def test_status_bar_says_loading_until_keras_is_in(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(main_window, "compute_summary", lambda graph: fake_summary(graph))
    assert window.keras_status == "Loading Keras…"
    with qtbot.waitSignal(window.keras_loaded, timeout=KERAS_TIMEOUT_MS) as blocker:
        window.show()
    backend, version = blocker.args
    assert window.keras_status == f"Keras {version} · {backend} backend"


def fake_summary(graph: Graph) -> Summary:
    assert QThread.currentThread() is not QApplication.instance().thread(), "summary ran on the GUI thread"
    rows = tuple(
        SummaryRow(n.id, n.name, n.type, "(None, 4)", 10 * i, 10 * i, 0, 100 * i, True)
        for i, n in enumerate(graph.nodes)
    )
    return Summary(rows, 1234, 1200, 34, 5678, 0)


def test_summary_table_is_filled_from_the_summary(qtbot, window: MainWindow, monkeypatch) -> None:
    monkeypatch.setattr(main_window, "compute_summary", fake_summary)
    window.show()
    qtbot.waitUntil(lambda: window.summary_shown, timeout=KERAS_TIMEOUT_MS)
    assert column(window.summary_table, 0) == ["features", "hidden", "species"]
    assert column(window.summary_table, 2) == ["(None, 4)"] * 3
    assert column(window.summary_table, 3) == ["0", "10", "20"]
    assert column(window.summary_table, 4) == ["0", "100", "200"]
    assert window.totals_text == (
        "Parameters: 1,234 total · 1,200 trainable · 34 non-trainable · 5,678 multiply-adds per sample"
    )


def test_a_failing_summary_is_shown_not_swallowed(qtbot, window: MainWindow, monkeypatch) -> None:
    def broken(graph: Graph) -> Summary:
        raise ValueError("dense_1 needs an input")

    monkeypatch.setattr(main_window, "compute_summary", broken)
    with qtbot.waitSignal(window.summary_updated, timeout=KERAS_TIMEOUT_MS):
        window.show()
    assert not window.summary_shown
    assert "dense_1 needs an input" in window.summary_message


def test_a_failing_keras_import_reaches_the_status_bar(qtbot, window: MainWindow, monkeypatch) -> None:
    def no_keras() -> tuple[str, str]:
        raise ImportError("No module named 'keras'")

    monkeypatch.setattr(main_window, "keras_info", no_keras)
    with qtbot.waitSignal(window.keras_failed, timeout=10_000):
        window.show()
    assert "No module named 'keras'" in window.keras_status


# TODO: drop the skip once app.core.layer_specs (the built-in catalog) has landed.
needs_catalog = pytest.mark.skipif(
    importlib.util.find_spec("app.core.layer_specs") is None, reason="the built-in layer catalog is missing"
)


@needs_catalog
def test_real_summary_appears_after_keras_loads(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.summary_updated, timeout=KERAS_TIMEOUT_MS):
        window.show()
    assert window.summary_shown, window.summary_message
    assert column(window.summary_table, 0) == ["features", "hidden", "species"]
    assert column(window.summary_table, 2) == ["(None, 4)", "(None, 8)", "(None, 3)"]
    assert column(window.summary_table, 3) == ["0", "40", "27"]
    assert window.totals_text.startswith("Parameters: 67 total · 67 trainable")


@needs_catalog
def test_summary_of_a_broken_graph_says_why_totals_are_missing(qtbot, window: MainWindow) -> None:
    window.graph.disconnect(window.graph.incoming(window.graph.find("species").id)[0])
    with qtbot.waitSignal(window.summary_updated, timeout=KERAS_TIMEOUT_MS):
        window.show()
    assert window.totals_text.startswith("Totals unavailable: the graph has 1 error")


def test_screenshot_mode_saves_a_png_of_the_default_example(qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(main_window, "compute_summary", fake_summary)
    target = tmp_path / "shots" / "window.png"
    assert run_gui(None, str(target)) == 0
    assert target.read_bytes().startswith(b"\x89PNG")


@needs_catalog
def test_screenshot_waits_for_the_real_summary(qtbot, tmp_path: Path) -> None:
    target = tmp_path / "window.png"
    assert run_gui(str(example_path(DEFAULT_EXAMPLE)), str(target)) == 0
    assert target.is_file()


def test_screenshot_of_a_missing_file_fails(qtbot, tmp_path: Path) -> None:
    assert run_gui(str(tmp_path / "missing.netloom"), str(tmp_path / "window.png")) == 1


def test_open_project_shows_title_and_description(window: MainWindow) -> None:
    window.open_project(example_path(DEFAULT_EXAMPLE))
    assert window.project is not None
    assert window.windowTitle() == f"{window.project.title} — Netloom"
    assert window.layers_table.rowCount() == len(window.project.graph)


def test_param_values_read_like_python() -> None:
    assert format_value([3, 3]) == "(3, 3)"
    assert format_value([10]) == "(10,)"
    assert format_value({"class_name": "HeNormal", "config": {}}) == "HeNormal"
    assert format_value(0.25) == "0.25"
    assert format_shape((None, 28, 28, 1)) == "(None, 28, 28, 1)"
    assert format_shape([(None, 4), (None, 2)]) == "(None, 4), (None, 2)"


def test_long_param_lists_are_cut(window: MainWindow) -> None:
    node = window.graph.add_node("Dense", params={f"p{i}": i for i in range(100)})
    assert len(format_params(node)) == 120
    assert format_params(node).endswith("…")


def test_file_menu_opens_and_quits_with_standard_shortcuts(window: MainWindow) -> None:
    actions = {a.text(): a for a in window.menuBar().actions()[0].menu().actions()}
    assert actions["&Open…"].shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert actions["&Quit"].shortcut() == QKeySequence(QKeySequence.StandardKey.Quit)


def test_open_dialog_opens_the_chosen_file(window: MainWindow, monkeypatch) -> None:
    chosen = str(example_path("xor"))
    monkeypatch.setattr(main_window.QFileDialog, "getOpenFileName", lambda *args: (chosen, ""))
    window.open_dialog()
    assert window.path == Path(chosen)
    assert window.project is not None and window.project.name == "xor"


def test_open_dialog_reports_a_broken_file(window: MainWindow, monkeypatch, tmp_path: Path) -> None:
    broken = tmp_path / "broken.netloom"
    broken.write_text("{not json", encoding="utf-8")
    shown: list[str] = []
    monkeypatch.setattr(main_window.QFileDialog, "getOpenFileName", lambda *args: (str(broken), ""))
    monkeypatch.setattr(main_window.QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    window.open_dialog()
    assert shown and str(broken) in shown[0]
    assert window.title == "Tiny classifier"  # the open document is kept


def test_summary_follows_edits_and_drops_stale_answers(qtbot, window: MainWindow, monkeypatch) -> None:
    def slow_summary(graph: Graph) -> Summary:
        time.sleep(0.3)
        return fake_summary(graph)

    monkeypatch.setattr(main_window, "compute_summary", slow_summary)
    with qtbot.waitSignal(window.summary_updated, timeout=KERAS_TIMEOUT_MS):
        window.show()
    hidden = window.graph.find("hidden")
    window.graph.add_node("Dropout", "dropout", {"rate": 0.5})
    qtbot.wait(main_window.SUMMARY_DELAY_MS + 50)  # the first of two edits is being summarized ...
    window.graph.rename(hidden.id, "hidden_layer")  # ... when the second arrives
    qtbot.waitUntil(lambda: column(window.summary_table, 0)[1] == "hidden_layer", timeout=10_000)
    assert column(window.summary_table, 0) == ["features", "hidden_layer", "species", "dropout"]
