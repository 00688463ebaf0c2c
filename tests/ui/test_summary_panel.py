"""The summary panel: the numbers of app.core.summary, right-aligned, and a row selects its node."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.examples import example_path
from app.core.graph import Graph
from app.core.project import load_project
from app.core.summary import Summary, SummaryRow, summarize
from app.core.validation import validate
from app.ui.summary_panel import SummaryPanel, summary_rows, summary_totals

pytestmark = pytest.mark.gui


@pytest.fixture
def panel(qtbot) -> SummaryPanel:
    widget = SummaryPanel()
    qtbot.addWidget(widget)
    widget.resize(760, 320)
    return widget


@pytest.fixture(scope="module")
def digits() -> tuple[Graph, Summary]:
    graph = load_project(example_path("digits-cnn")).graph
    return graph, summarize(graph, validate(graph))


def column(panel: SummaryPanel, index: int) -> list[str]:
    return [panel.table.item(row, index).text() for row in range(panel.table.rowCount())]


def test_waits_for_a_summary(panel: SummaryPanel) -> None:
    assert not panel.summary_shown
    assert panel.message == "Waiting for Keras…"
    assert panel.totals_text == ""


def test_numbers_are_those_of_the_core_summary(panel: SummaryPanel, digits) -> None:
    graph, summary = digits
    panel.set_summary(summary)
    assert panel.summary_shown
    assert column(panel, 0) == [n.name for n in graph]
    assert column(panel, 1) == [n.type for n in graph]
    assert column(panel, 2) == [r.output_shape for r in summary.rows]
    assert column(panel, 3) == [f"{r.params:,}" for r in summary.rows]
    assert column(panel, 4) == [f"{r.macs:,}" for r in summary.rows]
    assert column(panel, 5) == ["yes"] * len(graph)
    assert summary.total_params and summary.total_params > 1000  # thousands are grouped
    assert panel.totals_text == (
        f"Parameters: {summary.total_params:,} total · {summary.trainable_params:,} trainable · "
        f"{summary.non_trainable_params:,} non-trainable · {summary.macs:,} multiply-adds per sample"
    )
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert panel.table.item(1, 3).textAlignment() == right
    assert panel.table.item(1, 4).textAlignment() == right
    assert panel.table.item(1, 0).textAlignment() != right


def test_same_format_as_the_first_window() -> None:
    rows = (SummaryRow("n1", "features", "Input", "(None, 4)", 0, 0, 0, 0, True),
            SummaryRow("n2", "hidden", "Dense", "(None, 8)", 12345, 12345, 0, 1000, False))
    summary = Summary(rows, 1234, 1200, 34, 5678, 0)
    assert summary_rows(summary)[1] == ("hidden", "Dense", "(None, 8)", "12,345", "1,000", "no")
    assert summary_totals(summary) == (
        "Parameters: 1,234 total · 1,200 trainable · 34 non-trainable · 5,678 multiply-adds per sample"
    )
    broken = Summary(rows, None, None, None, None, 1)
    assert summary_totals(broken) == (
        "Totals unavailable: the graph has 1 error; fix them to see the parameter count."
    )


def test_a_broken_graph_says_why_totals_are_missing(panel: SummaryPanel) -> None:
    graph = load_project(example_path("digits-cnn")).graph
    dense = next(n for n in graph if n.type == "Dense")
    graph.disconnect(graph.incoming(dense.id)[0])
    panel.set_summary(summarize(graph, validate(graph)))
    assert panel.totals_text.startswith("Totals unavailable: the graph has 1 error")


def test_selecting_a_row_emits_its_node(qtbot, panel: SummaryPanel, digits) -> None:
    graph, summary = digits
    panel.set_summary(summary)
    panel.show()
    rect = panel.table.visualItemRect(panel.table.item(2, 0))
    with qtbot.waitSignal(panel.node_activated) as activated:
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated.args == [graph.nodes[2].id]


def test_select_node_is_quiet(qtbot, panel: SummaryPanel, digits) -> None:
    graph, summary = digits
    panel.set_summary(summary)
    with qtbot.assertNotEmitted(panel.node_activated):
        panel.select_node(graph.nodes[3].id)
    assert panel.table.selectionModel().selectedRows()[0].row() == 3


def test_a_message_replaces_the_table(panel: SummaryPanel, digits) -> None:
    panel.set_summary(digits[1])
    panel.show_message("No layers yet.")
    assert not panel.summary_shown
    assert panel.message == "No layers yet."
    assert panel.totals_text == ""


def test_screenshot(qtbot, panel: SummaryPanel, digits, theme: str, tmp_path: Path) -> None:
    panel.set_summary(digits[1])
    panel.show()
    panel.table.selectRow(1)
    qtbot.wait(10)
    image = panel.grab()
    folder = Path(os.environ.get("NETLOOM_SCREENSHOTS") or tmp_path)
    assert image.save(str(folder / f"summary_panel-{theme}.png"))
