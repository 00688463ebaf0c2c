"""The layer palette: categories from the catalog, live search, drag data, double-click to add."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from app.core.catalog import CATEGORIES, Catalog, LayerSpec, default_catalog
from app.ui.mime import BLOCK_MIME, LAYER_MIME
from app.ui.palette import NAME_ROLE, LayerPalette, first_sentence

pytestmark = pytest.mark.gui

BLOCKS = [("Residual block", "Two convolutions and a skip connection. Keeps the size."),
          ("Inception module", "Parallel convolutions of several sizes.")]


@pytest.fixture
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture
def palette(qtbot, catalog) -> LayerPalette:
    widget = LayerPalette(catalog)
    widget.resize(240, 600)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def category_names(palette: LayerPalette) -> list[str]:
    tree = palette.tree
    return [tree.topLevelItem(i).data(0, NAME_ROLE) for i in range(tree.topLevelItemCount())]


def double_click(qtbot, palette: LayerPalette, item) -> None:
    palette.tree.scrollToItem(item)
    center = palette.tree.visualItemRect(item).center()
    # A view acts on a double-click only on the item the preceding press hit, as with a real mouse.
    qtbot.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=center)


def test_without_a_catalog_it_says_loading(qtbot) -> None:
    palette = LayerPalette()
    qtbot.addWidget(palette)
    assert palette.message == "Loading layers…"
    assert palette.tree.topLevelItemCount() == 0


def test_it_fills_every_category_in_palette_order(palette, catalog) -> None:
    assert len(catalog) == 168
    groups = catalog.by_category()
    assert category_names(palette) == [c for c in CATEGORIES if c in groups]
    assert len(category_names(palette)) == len(CATEGORIES)
    for category, specs in groups.items():
        item = palette.category_item(category)
        assert item.childCount() == len(specs)
        assert item.text(1) == str(len(specs))
    assert sorted(palette.visible_names()) == sorted(spec.type for spec in catalog.specs())
    assert palette.message == ""


def test_filling_168_layers_is_fast(qtbot, catalog) -> None:
    palette = LayerPalette()
    qtbot.addWidget(palette)
    timings = []
    for _ in range(3):
        start = time.perf_counter()
        palette.set_catalog(catalog)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05


def test_curated_layers_come_first_in_a_category(palette, catalog) -> None:
    item = palette.category_item("Convolution")
    children = [catalog.get(item.child(i).text(0)) for i in range(item.childCount())]
    flags = [spec.curated for spec in children]
    assert flags == sorted(flags, reverse=True)
    assert flags[0] and not flags[-1]


def test_main_categories_open_and_pretrained_closed(palette) -> None:
    assert palette.category_item("Core").isExpanded()
    assert palette.category_item("Convolution").isExpanded()
    assert not palette.category_item("Pretrained").isExpanded()


def test_a_long_category_name_is_shortened_on_screen(palette) -> None:
    item = palette.category_item("Preprocessing and augmentation")
    assert item.text(0) == "Preprocessing"
    assert item.toolTip(0) == "Preprocessing and augmentation"


def test_tooltip_is_the_first_sentence_and_the_category(palette, catalog) -> None:
    spec = catalog.get("Conv2D")
    tip = palette.item_for("Conv2D").toolTip(0)
    assert tip.startswith(first_sentence(spec.doc))
    assert "Convolution" in tip
    assert "\n" not in first_sentence(spec.doc)


def test_first_sentence() -> None:
    assert first_sentence("Pools.  Then more.\n\nArgs: x") == "Pools."
    doc = "Max pooling\noperation for 2D data. Downsamples."
    assert first_sentence(doc) == "Max pooling operation for 2D data."
    assert first_sentence("") == ""


def test_search_filters_live_and_opens_matching_categories(qtbot, palette) -> None:
    qtbot.keyClicks(palette.search, "conv")
    names = palette.visible_names()
    assert "Conv2D" in names and "Dense" not in names
    assert not palette.item_for("Conv2D").isHidden()
    assert palette.item_for("Dense").isHidden()
    assert palette.category_item("Core").isHidden()
    assert palette.category_item("Recurrent").isExpanded()  # ConvLSTM2D
    assert palette.category_item("Convolution").text(1) == str(
        sum(1 for i in range(palette.category_item("Convolution").childCount())
            if not palette.category_item("Convolution").child(i).isHidden()))
    palette.search.clear()
    assert not palette.item_for("Dense").isHidden()
    assert not palette.category_item("Recurrent").isExpanded()  # back to how it was


def test_search_finds_aliases_and_docs(qtbot, palette) -> None:
    palette.search.setText("MaxPool2D")
    assert "MaxPooling2D" in palette.visible_names()
    palette.search.setText("fully connected")
    assert "Dense" in palette.visible_names()


def test_search_without_matches_says_so(qtbot, palette) -> None:
    qtbot.keyClicks(palette.search, "zzzq")
    assert palette.visible_names() == []
    assert palette.message == "No layers match “zzzq”."
    palette.search.clear()
    assert palette.message == ""


def test_focus_search_selects_the_text(qtbot, palette) -> None:
    palette.search.setText("conv")
    palette.activateWindow()
    palette.focus_search()
    assert palette.search.selectedText() == "conv"


def test_drag_data_carries_the_layer_type(palette) -> None:
    data = palette.mime_data(palette.item_for("Conv2D"))
    assert data.hasFormat(LAYER_MIME)
    assert bytes(data.data(LAYER_MIME)).decode("utf-8") == "Conv2D"
    assert palette.tree.mimeData([palette.item_for("Dense")]).data(LAYER_MIME).data() == b"Dense"
    assert palette.mime_data(palette.category_item("Core")).formats() == []


def test_double_click_asks_for_the_layer(qtbot, palette) -> None:
    with qtbot.waitSignal(palette.add_requested) as signal:
        double_click(qtbot, palette, palette.item_for("Dense"))
    assert signal.args == ["Dense"]


def test_enter_asks_for_the_current_layer(qtbot, palette) -> None:
    palette.tree.setCurrentItem(palette.item_for("Conv2D"))
    with qtbot.waitSignal(palette.add_requested) as signal:
        qtbot.keyClick(palette.tree, Qt.Key.Key_Return)
    assert signal.args == ["Conv2D"]


def test_enter_in_the_search_adds_the_first_match(qtbot, palette) -> None:
    qtbot.keyClicks(palette.search, "batchnorm")
    with qtbot.waitSignal(palette.add_requested) as signal:
        qtbot.keyClick(palette.search, Qt.Key.Key_Return)
    assert signal.args == ["BatchNormalization"]


def test_blocks_come_last_and_drag_as_blocks(qtbot, palette) -> None:
    palette.set_blocks(BLOCKS)
    assert category_names(palette)[-1] == "Blocks"
    item = palette.item_for("Residual block", kind="block")
    assert item.toolTip(0).startswith("Two convolutions and a skip connection.")
    data = palette.mime_data(item)
    assert bytes(data.data(BLOCK_MIME)).decode() == "Residual block" and not data.hasFormat(LAYER_MIME)
    with qtbot.waitSignal(palette.block_requested) as signal:
        double_click(qtbot, palette, item)
    assert signal.args == ["Residual block"]
    palette.search.setText("inception")
    assert "Inception module" in palette.visible_names()
    assert "Residual block" not in palette.visible_names()


def test_a_new_catalog_replaces_the_layers(palette) -> None:
    palette.set_catalog(Catalog([LayerSpec("Dense", "keras.layers.Dense", "Core", "Dense. Layer.")]))
    assert category_names(palette) == ["Core"]
    palette.set_catalog(None)
    assert palette.message == "Loading layers…"
