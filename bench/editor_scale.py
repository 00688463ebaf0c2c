"""Does the node editor feel instant on a 500-node graph?

Run from the repository root:

    python bench/editor_scale.py

The graph is ResNet50 imported from a ``.keras`` file (random weights, no
download) plus a chain of Dense/Dropout layers, about 500 nodes. Measured in
the real main window, offscreen:

- ``open_and_first_paint_s``: from handing the window the document to the end
  of the first complete paint of the canvas (target < 1 s);
- ``drag_frame_ms``: one step of dragging a node across the canvas: the mouse
  move event plus the repaint it causes, median and 95th percentile over 120
  steps (target < 16 ms);
- ``param_to_shapes_ms``: from pushing a param change (the filters of a
  convolution in the middle) to the canvas showing the new shapes and
  repainting, median over 10 changes (target < 50 ms). Checking runs on the
  worker thread, so this includes the round trip.

Prints ``name value`` lines.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from PySide6.QtCore import QEvent, QEventLoop, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from app.core.edits import SetParam
from app.core.graph import Graph
from app.core.layout import apply_layout
from app.core.project import Project

TARGET_NODES = 500


def report(name: str, value: float | int, target: str = "") -> None:
    """Print one figure as ``name value``."""
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    print(f"{name} {text}" + (f"   (target {target})" if target else ""), flush=True)


def big_graph() -> Graph:
    """ResNet50 as Netloom imports it, plus a Dense/Dropout chain up to ``TARGET_NODES`` nodes."""
    import keras

    from app.build.keras_import import import_model_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "resnet50.keras"
        keras.applications.ResNet50(weights=None).save(path)
        graph = import_model_file(path)
    keras.backend.clear_session()
    last = graph.outputs()[0].id
    while len(graph) < TARGET_NODES:
        kind = "Dense" if len(graph) % 2 else "Dropout"
        node = graph.add_node(kind, params={"units": 64} if kind == "Dense" else {"rate": 0.1})
        graph.connect(last, node.id)
        last = node.id
    apply_layout(graph)
    return graph


def wait_for(signal, timeout_s: float = 120.0) -> bool:
    """Run the event loop until ``signal`` fires; False on timeout."""
    loop = QEventLoop()
    fired = {"yes": False}

    def done(*_: object) -> None:
        fired["yes"] = True
        loop.quit()

    signal.connect(done)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    loop.exec()
    signal.disconnect(done)
    return fired["yes"]


def mouse(viewport, kind: QEvent.Type, pos: QPointF, buttons: Qt.MouseButton) -> None:
    """Send one mouse event to the canvas, as a real mouse would."""
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, pos, viewport.mapToGlobal(pos.toPoint()).toPointF(), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(viewport, event)


def main() -> None:
    """Build the graph, open it in the window and take the three measurements."""
    from app.ui.app import create_window
    from app.ui.document import Document

    graph = big_graph()
    report("nodes", len(graph))
    report("edges", len(graph.edges))
    app, window, _error = create_window()
    window.resize(1600, 1000)
    window.show()
    if not wait_for(window.summary_updated):  # Keras loaded, the default example checked
        raise SystemExit("Keras did not load")
    app.processEvents()

    viewport = window.view.viewport()
    start = time.perf_counter()
    window.set_document(Document(Project(graph=graph, name="bench")))
    window.view.fit_view()
    viewport.repaint()
    report("open_and_first_paint_s", time.perf_counter() - start, "< 1 s")
    if not wait_for(window.summary_updated):
        raise SystemExit("the big graph was never checked")
    app.processEvents()

    # Drag a node in the middle of the graph across the canvas at 100% zoom.
    window.view.reset_zoom()
    node = graph.nodes[len(graph) // 2]
    window.view.center_on_node(node.id)
    app.processEvents()
    item = window.scene.node_item(node.id)
    grab = item.sceneBoundingRect().center()
    grab.setY(item.sceneBoundingRect().top() + 12)  # the title row, not a port
    pos = QPointF(window.view.mapFromScene(grab))
    mouse(viewport, QEvent.Type.MouseButtonPress, pos, Qt.MouseButton.LeftButton)
    frames = []
    for step in range(120):
        pos = pos + QPointF(3.0, 1.0 if step % 2 else -1.0)
        begin = time.perf_counter()
        mouse(viewport, QEvent.Type.MouseMove, pos, Qt.MouseButton.LeftButton)
        viewport.repaint()
        frames.append((time.perf_counter() - begin) * 1000)
    mouse(viewport, QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.NoButton)
    moved = graph.node(node.id).position != node.position or window.document.undo.count() == 1
    frames.sort()
    report("drag_frame_median_ms", statistics.median(frames), "< 16 ms")
    report("drag_frame_p95_ms", frames[int(len(frames) * 0.95)])
    report("drag_committed_as_one_step", int(moved and window.document.undo.count() == 1))
    app.processEvents()
    wait_for(window.summary_updated, 10)

    # Change the filters of a convolution in the middle; wait until the canvas shows the new shape.
    convs = [n for n in graph.nodes if n.type == "Conv2D"]
    conv = convs[len(convs) // 2]
    samples = []
    for step in range(10):
        begin = time.perf_counter()
        window.document.push(SetParam(conv.id, "filters", 64 + 8 * (step + 1)))
        if not wait_for(window.summary_updated, 30):
            raise SystemExit("no check result after a param change")
        viewport.repaint()
        samples.append((time.perf_counter() - begin) * 1000)
        shown = window.scene.node_item(conv.id).shape_text()
        assert str(64 + 8 * (step + 1)) in shown, shown
    report("param_to_shapes_median_ms", statistics.median(samples), "< 50 ms")
    report("param_to_shapes_max_ms", max(samples))
    window.close_without_asking()


if __name__ == "__main__":
    main()
