"""Quick-add's search ranking and its rank rule for layers that fit a wire's tensor."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from app.core.catalog import LayerSpec, default_catalog
from app.ui.canvas.quick_add import QuickAddPopup, layer_fits, match_score, search_specs

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


IMAGE = (None, 26, 26, 32)
SEQUENCE = (None, 10, 16)
VECTOR = (None, 64)


@pytest.mark.parametrize(
    ("layer", "fits"),
    [
        ("Conv2D", {IMAGE}), ("MaxPooling2D", {IMAGE}), ("GlobalAveragePooling2D", {IMAGE}),
        ("Conv1D", {SEQUENCE}), ("LSTM", {SEQUENCE}), ("GRU", {SEQUENCE}), ("MaxPooling1D", {SEQUENCE}),
        ("Dense", {IMAGE, SEQUENCE, VECTOR}), ("Dropout", {IMAGE, SEQUENCE, VECTOR}),
        ("Activation", {IMAGE, SEQUENCE, VECTOR}), ("BatchNormalization", {IMAGE, SEQUENCE, VECTOR}),
        ("Flatten", {IMAGE, SEQUENCE, VECTOR}), ("Add", {IMAGE, SEQUENCE, VECTOR}),
        ("Concatenate", {IMAGE, SEQUENCE, VECTOR}), ("RandomFlip", {IMAGE}),
        ("MultiHeadAttention", {IMAGE, SEQUENCE}), ("Input", set()),
    ],
)
def test_layer_fits_by_rank(catalog, layer: str, fits: set) -> None:
    spec = catalog.get(layer)
    assert {shape for shape in (IMAGE, SEQUENCE, VECTOR) if layer_fits(spec, shape)} == fits


def test_an_unknown_shape_fits_everything_with_an_input(catalog) -> None:
    assert layer_fits(catalog.get("Conv3D"), None)
    assert not layer_fits(catalog.get("Input"), None)


def test_a_spec_without_catalog_rules_gets_the_generic_rule() -> None:
    spec = LayerSpec("MyLayer", "my.MyLayer", "Other", "Mine.")
    assert layer_fits(spec, VECTOR) and layer_fits(spec, IMAGE)
    assert not layer_fits(spec, (None,))


def test_best_matches_come_first(catalog) -> None:
    specs = catalog.specs()
    assert search_specs(specs, "dense")[0].type == "Dense"
    pooling = [s.type for s in search_specs(specs, "maxpool")]
    assert pooling[0].startswith("MaxPooling")  # via the alias MaxPool2D and friends
    found = [s.type for s in search_specs(specs, "pool")]
    assert found.index("MaxPooling2D") < found.index("Conv2D") if "Conv2D" in found else True
    assert match_score(catalog.get("GlobalMaxPooling2D"), "pool") == 4  # a word starts with it
    assert match_score(catalog.get("Conv2D"), "conv") == 2  # the name starts with it
    assert match_score(catalog.get("Conv2D"), "zzzz") is None


def test_category_and_doc_are_searched_too(catalog) -> None:
    types = [s.type for s in search_specs(catalog.specs(), "recurrent")]
    assert "LSTM" in types and "GRU" in types


def test_popup_without_catalog_says_layers_are_loading(qtbot) -> None:
    popup = QuickAddPopup()
    qtbot.addWidget(popup)
    popup.set_catalog(None)
    popup.open_at(QPoint(0, 0))
    assert popup.visible_types() == []
    assert popup.list.item(0).text() == "Loading layers…"


def test_popup_lists_search_results_and_moves_with_arrows(qtbot, catalog) -> None:
    popup = QuickAddPopup()
    qtbot.addWidget(popup)
    popup.set_catalog(catalog)
    popup.open_at(QPoint(10, 10), "conv")
    assert popup.visible_types()[0] == "Conv1D"
    qtbot.keyClick(popup.search_field, Qt.Key.Key_Down)
    with qtbot.waitSignal(popup.chosen) as blocker:
        qtbot.keyClick(popup.search_field, Qt.Key.Key_Return)
    assert blocker.args == [popup.visible_types()[1]]
