"""The Qt bindings themselves: a known-bad PySide6 build must not slip in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QPointF


def test_calls_that_return_nothing_keep_none_alive():
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on every call that returns nothing.

    After a few thousand calls (a canvas makes that many per frame) the interpreter
    aborts with "deallocating None". pyproject.toml keeps that release out; this
    test catches the next build that does it.
    """
    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(1000):
        point.setX(1.0)
    assert sys.getrefcount(None) >= before - 10


def test_a_copy_on_the_clipboard_does_not_crash_the_process_at_exit(tmp_path):
    """PySide frees clipboard data set from Python twice at exit; hand_over_clipboard prevents it."""
    import subprocess

    script = tmp_path / "copy_then_exit.py"
    script.write_text(
        "from PySide6.QtWidgets import QApplication\n"
        "from app.core.graph import Graph\n"
        "from app.ui.canvas import GraphScene, GraphView, hand_over_clipboard\n"
        "app = QApplication([])\n"
        "graph = Graph()\n"
        "node = graph.add_node('Input', params={'shape': [4]})\n"
        "view = GraphView(GraphScene(graph, lambda edit: edit.apply(graph)))\n"
        "view.graph_scene.select_nodes([node.id])\n"
        "assert view.copy_selection()\n"
        "app.aboutToQuit.connect(hand_over_clipboard)\n"
        "app.quit()\n"
        "hand_over_clipboard()\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-2000:]
