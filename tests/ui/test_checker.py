"""CheckService: Keras loads on the worker, and each edit brings a fresh check of the newest graph."""

from __future__ import annotations

import pytest

from app.core.edits import SetParam
from app.core.examples import example_path
from app.core.graph import Graph
from app.core.project import load_project
from app.ui.checker import CheckService
from app.ui.undo import GraphUndoStack


@pytest.fixture
def service(qtbot):
    checks = CheckService()
    yield checks
    checks.stop()


def test_loads_keras_then_checks_the_graph(qtbot, service):
    graph = load_project(example_path("digits-cnn")).graph
    service.set_graph(graph)
    with qtbot.waitSignal(service.keras_loaded, timeout=120_000) as loaded:
        service.start()
    catalog, backend, version = loaded.args
    assert "Conv2D" in catalog and backend and version
    qtbot.waitUntil(lambda: service.result is not None, timeout=30_000)
    assert service.result.valid
    assert service.summary.total_params and service.summary.total_params > 0


def test_an_edit_gives_one_new_result_for_the_newest_graph(qtbot, service):
    graph = load_project(example_path("digits-cnn")).graph
    stack = GraphUndoStack(graph)
    service.set_graph(graph)
    with qtbot.waitSignal(service.result_ready, timeout=120_000):
        service.start()
    conv = next(n for n in graph.nodes if n.type == "Conv2D")
    results = []
    service.result_ready.connect(lambda result, summary: results.append(result))
    for filters in (8, 9, 10, 11):  # a burst: only the newest graph's result is shown
        stack.push_edit(SetParam(conv.id, "filters", filters))
    qtbot.waitUntil(lambda: service.up_to_date, timeout=30_000)
    assert service.result.shapes[conv.id].output[-1] == 11
    assert 1 <= len(results) <= 2
    assert results[-1].shapes[conv.id].output[-1] == 11


def test_a_broken_graph_gives_problems_not_a_crash(qtbot, service):
    graph = Graph()
    graph.add_node("Dense", params={"units": 4})
    service.set_graph(graph)
    with qtbot.waitSignal(service.result_ready, timeout=120_000) as ready:
        service.start()
    result, _summary = ready.args
    assert not result.valid
    assert any(p.code == "no-input" for p in result.problems)
