"""Preview thumbnails: drawn in the palette's colours, computed off the GUI thread for the newest graph."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QImage, QPalette

from app.core.edits import Move, SetParam
from app.core.examples import example_path
from app.core.graph import Graph
from app.core.project import Project, load_project
from app.inspection.preview import IMAGE, SEQUENCE, VECTOR, summarize_output
from app.ui.preview import PreviewService, grid_shape, negative_color, positive_color, render_preview
from app.ui.theme import dark_palette, light_palette
from app.ui.undo import GraphUndoStack

SHOTS = Path("/tmp/helpers")


def _colors(image: QImage) -> set[int]:
    return {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}


def _has_color(image: QImage, color: QColor) -> bool:
    return color.rgb() in _colors(image)


@pytest.fixture
def service(qtbot):
    previews = PreviewService()
    yield previews
    previews.stop()


# ------------------------------------------------------------------ drawing
@pytest.mark.parametrize("make_palette", [light_palette, dark_palette], ids=["light", "dark"])
def test_feature_maps_fill_a_grid_of_tiles(qtbot, make_palette):
    palette = make_palette()
    maps = np.random.default_rng(0).random((8, 8, 16))
    image = render_preview(summarize_output(maps), QSize(120, 64), palette)
    assert image.size() == QSize(120, 64)
    assert len(_colors(image)) > 20
    assert _has_color(image, palette.color(QPalette.ColorRole.Base))


def test_vector_bars_use_positive_and_negative_colours(qtbot):
    palette = light_palette()
    image = render_preview(summarize_output(np.array([3.0, -1.0, 2.0, -2.5])), QSize(90, 40), palette)
    assert image.size() == QSize(90, 40)
    assert _has_color(image, positive_color(palette))
    assert _has_color(image, negative_color(palette))
    only_positive = render_preview(summarize_output(np.array([0.1, 0.7, 0.2])), QSize(90, 40), palette)
    assert not _has_color(only_positive, negative_color(palette))


def test_a_sequence_is_a_heat_map_and_a_scalar_its_number(qtbot):
    palette = dark_palette()
    heat = render_preview(summarize_output(np.linspace(-1, 1, 60).reshape(20, 3)), QSize(120, 64), palette)
    assert _has_color(heat, positive_color(palette)) and _has_color(heat, negative_color(palette))
    scalar = render_preview(summarize_output(np.float32(3.25)), QSize(120, 64), palette)
    assert len(_colors(scalar)) > 2  # the text is drawn
    empty = render_preview(summarize_output(np.zeros((0,))), QSize(120, 64), palette)
    assert empty.size() == QSize(120, 64)


def test_the_grid_keeps_tiles_as_large_as_the_box_allows():
    assert grid_shape(8, (8, 8), (118, 62)) == (2, 4)
    assert grid_shape(1, (8, 8), (118, 62)) == (1, 1)
    assert grid_shape(3, (20, 1), (118, 62)) == (1, 3)


# ------------------------------------------------------------------ the service
def test_previews_arrive_for_every_node_and_follow_a_param_change(qtbot, service):
    project = load_project(example_path("digits-cnn"))
    graph = project.graph
    stack = GraphUndoStack(graph)
    service.set_project(project)
    with qtbot.waitSignal(service.previews_ready, timeout=120_000) as ready:
        service.start()
    previews = ready.args[0]
    assert set(previews) == {node.id for node in graph}
    assert all(isinstance(image, QImage) and image.size() == QSize(120, 64) for image in previews.values())
    conv, dense = graph.find("conv_1"), graph.find("digit")
    assert service.data[conv.id].kind == IMAGE and service.data[dense.id].kind == VECTOR

    with qtbot.waitSignal(service.previews_ready, timeout=60_000) as changed:
        stack.push_edit(SetParam(dense.id, "units", 5))
        service.request(graph)
    assert set(changed.args[0]) == {node.id for node in graph}
    assert service.data[dense.id].shape == (5,)
    assert changed.args[0][dense.id] is not previews[dense.id]


def test_moving_a_node_computes_nothing_again(qtbot, service):
    project = load_project(example_path("digits-mlp"))
    service.set_project(project)
    with qtbot.waitSignal(service.previews_ready, timeout=120_000):
        service.start()
    stack = GraphUndoStack(project.graph)
    node = project.graph.find("hidden")
    with qtbot.assertNotEmitted(service.previews_ready, wait=500):
        stack.push_edit(Move(node.id, (300.0, 200.0)))
        service.request(project.graph)
    assert not service.busy


def test_a_project_without_data_gets_no_previews(qtbot, service):
    project = Project(graph=load_project(example_path("digits-cnn")).graph)
    with qtbot.waitSignal(service.previews_ready, timeout=5_000) as ready:
        service.set_project(project)
    assert ready.args[0] == {}


def test_a_broken_graph_says_why_and_shows_nothing(qtbot, service):
    project = load_project(example_path("digits-cnn"))
    service.set_project(project)
    with qtbot.waitSignal(service.previews_ready, timeout=120_000):
        service.start()
    graph = project.graph
    with qtbot.waitSignals([service.failed, service.previews_ready], timeout=60_000) as both:
        graph.remove_node(graph.inputs()[0].id)
        service.request(graph)
    assert service.previews == {} and "Input" in service.error
    del both


def test_data_that_cannot_load_is_reported(qtbot, service, tmp_path):
    graph = Graph()
    service.set_project(Project(graph=graph, data={"source": "npz", "path": "nothing.npz"}), tmp_path)
    graph.add_node("Input", params={"shape": [4]})
    with qtbot.waitSignal(service.failed, timeout=120_000) as failed:
        service.start()
        service.request(graph)
    assert "nothing.npz" in failed.args[0]


def test_turning_previews_off_clears_them_and_on_brings_them_back(qtbot, service):
    project = load_project(example_path("iris-mlp"))
    service.set_project(project)
    with qtbot.waitSignal(service.previews_ready, timeout=120_000):
        service.start()
    with qtbot.waitSignal(service.previews_ready, timeout=5_000) as off:
        service.set_enabled(False)
    assert off.args[0] == {} and not service.enabled
    with qtbot.waitSignal(service.previews_ready, timeout=60_000) as on:
        service.set_enabled(True)
    assert len(on.args[0]) == len(project.graph)


def test_screenshots_of_conv_dense_and_softmax_previews(qtbot, service):
    """Saves light and dark thumbnails (3x) for a person to look at."""
    project = load_project(example_path("digits-cnn"))
    graph = project.graph
    service.set_project(project)
    with qtbot.waitSignal(service.previews_ready, timeout=120_000):
        service.start()
    graph.set_param(graph.find("digit").id, "activation", "linear")  # a Dense with signed values
    flat = graph.add_node("Dense", "hidden", {"units": 24, "activation": "tanh"})
    graph.connect(graph.find("dropout").id, flat.id)
    softmax = graph.add_node("Dense", "probabilities", {"units": 10, "activation": "softmax"})
    graph.connect(flat.id, softmax.id)
    with qtbot.waitSignal(service.previews_ready, timeout=60_000):
        service.request(graph)
    SHOTS.mkdir(parents=True, exist_ok=True)
    chosen = {"conv2d": graph.find("conv_1").id, "dense": flat.id, "softmax": softmax.id}
    for theme, palette in (("light", light_palette()), ("dark", dark_palette())):
        service.set_palette(palette)
        for name, node_id in chosen.items():
            image = service.previews[node_id]
            big = image.scaled(image.size() * 3, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.FastTransformation)
            assert big.save(str(SHOTS / f"preview-{name}-{theme}.png"))
    sequence = summarize_output(np.sin(np.linspace(0, 6, 40))[:, None] * np.linspace(-1, 1, 6)[None, :])
    assert sequence.kind == SEQUENCE
    for theme, palette in (("light", light_palette()), ("dark", dark_palette())):
        image = render_preview(sequence, QSize(120, 64), palette)
        image.scaled(image.size() * 3).save(str(SHOTS / f"preview-sequence-{theme}.png"))


def test_an_unsure_softmax_draws_low_bars(qtbot):
    palette = light_palette()
    image = render_preview(summarize_output(np.full(10, 0.1)), QSize(120, 64), palette)
    top_half = image.copy(0, 2, 120, 28)
    assert not _has_color(top_half, positive_color(palette))
    assert _has_color(image, positive_color(palette))


def test_refresh_reads_data_that_was_fixed_on_disk(qtbot, service, tmp_path):
    project = load_project(example_path("iris-mlp"))
    project.data = {"source": "npz", "path": "iris.npz"}
    service.set_project(project, tmp_path)
    with qtbot.waitSignal(service.failed, timeout=120_000):
        service.start()
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "iris.npz", x=rng.normal(size=(40, 4)).astype("float32"), y=np.arange(40) % 3)
    with qtbot.waitSignal(service.previews_ready, timeout=60_000) as ready:
        service.refresh()
    assert len(ready.args[0]) == len(project.graph) and service.error is None
