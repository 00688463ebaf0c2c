"""The start page: every example as a card, the ways to start, the recent files; thumbnails."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtGui import QColor

from app.core.catalog import Catalog, LayerSpec
from app.core.examples import example_path, list_examples
from app.core.graph import Graph
from app.core.project import load_project
from app.ui.recent import RecentFiles
from app.ui.start_page import StartPage
from app.ui.theme import category_color, light_palette
from app.ui.thumbnails import graph_thumbnail

pytestmark = pytest.mark.gui


@pytest.fixture
def recent(tmp_path: Path) -> RecentFiles:
    files = RecentFiles(tmp_path / "settings.json")
    kept = tmp_path / "projects" / "my-model.netloom"
    kept.parent.mkdir()
    kept.write_text("{}", encoding="utf-8")
    files.add(tmp_path / "projects" / "deleted.netloom")
    files.add(example_path("xor"))
    files.add(kept)
    return files


@pytest.fixture
def page(qtbot, recent: RecentFiles) -> StartPage:
    widget = StartPage(recent)
    qtbot.addWidget(widget)
    widget.resize(1600, 1000)
    return widget


def painted_pixels(image, background: QColor | None = None) -> int:
    """How many pixels differ from ``background`` (transparent by default), sampling every 2nd."""
    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            pixel = image.pixelColor(x, y)
            if (pixel.alpha() > 0) if background is None else pixel != background:
                count += 1
    return count


def test_every_example_has_a_card(page: StartPage) -> None:
    examples = list_examples()
    assert [card.info.title for card in page.cards] == [info.title for info in examples]
    assert all(card.toolTip().startswith(card.info.title) for card in page.cards)


def test_clicking_a_card_chooses_its_example(qtbot, page: StartPage) -> None:
    page.show()
    card = page.cards[2]
    with qtbot.waitSignal(page.example_chosen) as chosen:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(40, 40))
    assert chosen.args == [str(card.info.path)]


def test_keyboard_chooses_the_focused_card(qtbot, page: StartPage) -> None:
    page.show()
    page.cards[0].setFocus()
    with qtbot.waitSignal(page.example_chosen):
        qtbot.keyClick(page.cards[0], Qt.Key.Key_Return)


@pytest.mark.parametrize("index, signal", [(0, "new_requested"), (1, "open_requested"),
                                           (2, "from_data_requested")])
def test_action_tiles_emit_their_signal(qtbot, page: StartPage, index: int, signal: str) -> None:
    page.show()
    with qtbot.waitSignal(getattr(page, signal)):
        qtbot.mouseClick(page.action_tiles[index], Qt.MouseButton.LeftButton, pos=QPoint(20, 20))


def test_thumbnails_are_drawn_on_first_show(qtbot, page: StartPage) -> None:
    assert all(card.thumbnail.isNull() for card in page.cards)
    page.show()
    assert all(not card.thumbnail.isNull() for card in page.cards)


def test_thumbnail_draws_the_graph(qtbot) -> None:
    graph = load_project(example_path("digits-cnn")).graph
    pixmap = graph_thumbnail(graph, QSize(200, 100), light_palette())
    assert pixmap.size() == QSize(200, 100) * pixmap.devicePixelRatio()
    assert painted_pixels(pixmap.toImage()) > 100
    assert painted_pixels(graph_thumbnail(Graph(), QSize(200, 100), light_palette()).toImage()) == 0


def test_thumbnail_colours_nodes_by_category(qtbot) -> None:
    graph = Graph()
    graph.add_node("Dense", position=(0.0, 0.0))
    catalog = Catalog([LayerSpec("Dense", "keras.layers.Dense", "Core", "A dense layer.")])
    image = graph_thumbnail(graph, QSize(100, 60), light_palette(), catalog).toImage()
    centre = image.pixelColor(image.width() // 2, image.height() // 2)
    assert centre.rgb() == category_color("Core", dark=False).rgb()


def test_loading_and_drawing_every_example_is_fast(qtbot) -> None:
    start = time.perf_counter()
    for info in list_examples():
        graph_thumbnail(load_project(info.path).graph, QSize(196, 104), light_palette())
    elapsed = time.perf_counter() - start
    assert elapsed < 0.3, f"{elapsed * 1000:.0f} ms"


def test_recent_files_are_listed_missing_ones_greyed(page: StartPage, tmp_path: Path) -> None:
    items = [page.recent_list.item(i) for i in range(page.recent_list.count())]
    assert [item.text().splitlines()[0] for item in items] == [
        "my-model.netloom", "xor.netloom", "deleted.netloom (missing)"
    ]
    muted = page.palette().color(page.palette().ColorRole.PlaceholderText)
    assert items[2].foreground().color() == muted
    assert items[0].foreground().color() != muted


def test_clicking_a_recent_file_chooses_it_unless_missing(qtbot, page: StartPage, tmp_path: Path) -> None:
    page.show()
    listing = page.recent_list
    with qtbot.waitSignal(page.recent_chosen) as chosen:
        qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton,
                         pos=listing.visualItemRect(listing.item(0)).center())
    assert chosen.args == [str((tmp_path / "projects" / "my-model.netloom").resolve())]
    with qtbot.assertNotEmitted(page.recent_chosen):
        qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton,
                         pos=listing.visualItemRect(listing.item(2)).center())


def test_a_recent_file_can_be_removed(qtbot, page: StartPage, recent: RecentFiles) -> None:
    page.recent_list.setCurrentRow(2)
    page.remove_selected_recent()
    assert page.recent_list.count() == 2
    assert [p.name for p in recent.paths()] == ["my-model.netloom", "xor.netloom"]
    page.clear_recent()
    assert recent.paths() == []
    assert page.recent_list.isHidden()


@pytest.mark.parametrize("size", [(1600, 1000), (1000, 700)])
def test_fits_without_clipping_sideways(qtbot, page: StartPage, size: tuple[int, int]) -> None:
    page.resize(*size)
    page.show()
    qtbot.wait(20)
    grid = page.grid
    assert grid.columns >= (5 if size[0] == 1600 else 3)
    for widget in (*page.cards, *page.action_tiles):
        right = widget.mapTo(page, QPoint(widget.width(), 0)).x()
        assert right <= page.recent_list.parentWidget().x(), widget.accessibleName()


def test_screenshot(qtbot, page: StartPage, theme: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("NETLOOM_SCREENSHOTS") or tmp_path)
    for width, height in ((1600, 1000), (1000, 700)):
        page.resize(width, height)
        page.show()
        qtbot.wait(20)
        suffix = "" if width == 1600 else f"-{width}x{height}"
        assert page.grab().save(str(folder / f"start_page-{theme}{suffix}.png"))
