"""The Problems panel: lists what validation found, points at it, and applies fixes as undoable steps."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QToolButton

from app.core.edits import Connect, Disconnect, RemoveNode
from app.core.examples import example_path
from app.core.graph import Edge, Graph
from app.core.project import load_project
from app.core.validation import ERROR, WARNING, CheckResult, Fix, Problem, validate
from app.ui.problems_panel import ProblemsPanel
from app.ui.undo import GraphUndoStack

pytestmark = pytest.mark.gui


@pytest.fixture
def broken() -> tuple[Graph, GraphUndoStack]:
    """digits-cnn without its Flatten, the Dense wired straight to the feature maps."""
    graph = load_project(example_path("digits-cnn")).graph
    stack = GraphUndoStack(graph)
    flatten = next(n for n in graph if n.type == "Flatten")
    before, after = graph.predecessors(flatten.id)[0], graph.successors(flatten.id)[0]
    stack.push_edit(RemoveNode(flatten.id))
    stack.push_edit(Connect(Edge(before, after)))
    return graph, stack


@pytest.fixture
def panel(qtbot, broken) -> ProblemsPanel:
    widget = ProblemsPanel(broken[1].push_edit)
    qtbot.addWidget(widget)
    widget.resize(700, 260)
    return widget


def cell(panel: ProblemsPanel, row: int, column: int) -> str:
    return panel.model.index(row, column).data()


def test_shows_the_problems_of_a_broken_graph(qtbot, panel: ProblemsPanel, broken) -> None:
    graph, _ = broken
    result = validate(graph)
    with qtbot.waitSignal(panel.counts_changed) as counts:
        panel.set_result(graph, result)
    assert counts.args == [0, 1]
    assert panel.counts() == (0, 1)
    assert panel.counts_text() == "1 warning"
    assert panel.model.rowCount() == len(result.problems) == 1
    problem = result.problems[0]
    edge = problem.edge
    assert cell(panel, 0, 1) == f"{graph.node(edge.source).name} → {graph.node(edge.target).name}"
    assert cell(panel, 0, 2) == problem.message
    assert "Dense received a 4-D tensor" in cell(panel, 0, 2)


def test_removing_the_input_connection_is_an_error_on_the_node(qtbot, panel: ProblemsPanel, broken) -> None:
    graph, stack = broken
    dense = next(n for n in graph if n.type == "Dense")
    stack.push_edit(Disconnect(graph.incoming(dense.id)[0]))
    panel.set_result(graph, validate(graph))
    assert panel.counts()[0] == 1
    errors = [p for p in panel.problems if p.severity == ERROR]
    assert panel.problems[0] == errors[0]  # errors come first
    assert cell(panel, 0, 1) == dense.name


def test_clicking_a_row_emits_its_problem(qtbot, panel: ProblemsPanel, broken) -> None:
    graph, _ = broken
    result = validate(graph)
    panel.set_result(graph, result)
    panel.show()
    rect = panel.view.visualRect(panel.model.index(0, 2))
    with qtbot.waitSignal(panel.problem_activated) as activated:
        qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert activated.args == [result.problems[0]]
    assert panel.selected_problem() == result.problems[0]


def test_a_fix_is_one_undoable_step(qtbot, panel: ProblemsPanel, broken) -> None:
    graph, stack = broken
    before = graph.to_dict()
    panel.set_result(graph, validate(graph))
    panel.show()
    panel.view.selectRow(0)
    buttons = panel.fix_buttons()
    assert [b.text() for b in buttons] == ["Insert Flatten", "Insert GlobalAveragePooling2D"]
    steps = stack.count()
    buttons[0].click()
    assert stack.count() == steps + 1
    assert validate(graph).problems == []
    assert any(n.type == "Flatten" for n in graph)
    assert not buttons[1].isEnabled()  # stale until the next check arrives
    stack.undo()
    assert graph.to_dict() == before
    panel.set_result(graph, validate(graph))
    assert panel.counts() == (0, 1)


def test_a_refused_fix_is_reported_in_the_panel(qtbot, panel: ProblemsPanel, broken) -> None:
    graph, stack = broken
    refused = Fix("Remove a wire that is not there", Disconnect(Edge("n1", "nowhere")))
    problem = Problem("test", "a problem whose fix fails", "n1", fixes=(refused,))
    panel.set_result(graph, CheckResult([problem], {}))
    panel.show()
    panel.select_problem(problem)
    steps = stack.count()
    panel.fix_buttons()[0].click()
    assert stack.count() == steps
    assert "Could not apply" in panel.error_text
    assert "Remove a wire that is not there" in panel.error_text


def test_many_fixes_share_one_menu_button(qtbot, panel: ProblemsPanel, broken) -> None:
    graph, _ = broken
    fixes = tuple(Fix(f"Fix {i}", Disconnect(Edge("n1", "n2"))) for i in range(5))
    problem = Problem("test", "five ways out", "n1", fixes=fixes)
    panel.set_result(graph, CheckResult([problem], {}))
    panel.view.selectRow(0)
    (button,) = panel.fix_buttons()
    assert isinstance(button, QToolButton)
    assert [a.text() for a in button.menu().actions()] == [f"Fix {i}" for i in range(5)]


def test_a_valid_graph_shows_no_problems(qtbot, panel: ProblemsPanel) -> None:
    graph = load_project(example_path("digits-cnn")).graph
    panel.set_result(graph, validate(graph))
    assert panel.counts() == (0, 0)
    assert panel.counts_text() == "No problems"
    assert panel._stack.currentWidget() is panel._empty
    assert panel._empty_text.text() == "No problems"


def test_five_hundred_problems_fill_quickly_without_row_widgets(qtbot, panel: ProblemsPanel) -> None:
    graph = Graph()
    nodes = [graph.add_node("Dense", params={"units": 4}) for _ in range(500)]
    problems = [
        Problem("missing-input", f"problem {i}", node.id, severity=ERROR if i % 2 else WARNING,
                fixes=(Fix("Remove", Disconnect(Edge(node.id, node.id))),))
        for i, node in enumerate(nodes)
    ]
    panel.show()
    start = time.perf_counter()
    panel.set_result(graph, CheckResult(problems, {}))
    QApplication.processEvents()
    elapsed = time.perf_counter() - start
    assert panel.model.rowCount() == 500
    assert panel.counts() == (250, 250)
    assert elapsed < 0.5, f"500 problems took {elapsed * 1000:.0f} ms"
    assert len(panel.findChildren(QPushButton)) == 0  # buttons only for a selected problem


def test_screenshot(qtbot, panel: ProblemsPanel, broken, theme: str, tmp_path: Path) -> None:
    graph, _ = broken
    dense = next(n for n in graph if n.type == "Dense")
    extra = Problem("missing-input", "its 'input' input is not connected; drag a wire to it", dense.id)
    result = validate(graph)
    panel.set_result(graph, CheckResult([extra, *result.problems], result.shapes))
    panel.show()
    panel.view.selectRow(1)
    qtbot.wait(10)
    image = panel.grab()
    assert not image.isNull()
    folder = Path(os.environ.get("NETLOOM_SCREENSHOTS") or tmp_path)
    assert image.save(str(folder / f"problems_panel-{theme}.png"))
