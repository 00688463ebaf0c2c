"""Themes: readable palettes, a distinct colour per layer category, and switching at run time."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from app.core.catalog import CATEGORIES
from app.ui.theme import (
    apply_theme,
    category_color,
    contrast_ratio,
    dark_palette,
    is_dark,
    light_palette,
)

pytestmark = pytest.mark.gui
Role = QPalette.ColorRole
PALETTES = {"light": light_palette, "dark": dark_palette}


@pytest.fixture
def restored_app(qapp):
    """The application, given back with its style and palette as they were."""
    palette, style = qapp.palette(), qapp.style().name()
    yield qapp
    apply_theme(qapp, "light")  # stop following the system scheme
    qapp.setStyle(style)
    qapp.setPalette(palette)


@pytest.mark.parametrize("name", PALETTES)
@pytest.mark.parametrize("text, background", [
    (Role.Text, Role.Base), (Role.WindowText, Role.Window), (Role.ButtonText, Role.Button),
    (Role.HighlightedText, Role.Highlight), (Role.ToolTipText, Role.ToolTipBase),
])
def test_text_is_readable_on_its_background(name: str, text, background) -> None:
    palette = PALETTES[name]()
    assert contrast_ratio(palette.color(text), palette.color(background)) >= 4.5


@pytest.mark.parametrize("name", PALETTES)
def test_secondary_text_is_still_legible(name: str) -> None:
    palette = PALETTES[name]()
    for background in (Role.Base, Role.Window):
        assert contrast_ratio(palette.color(Role.PlaceholderText), palette.color(background)) >= 3.0


def test_contrast_ratio_matches_wcag() -> None:
    black, white = QColor("#000000"), QColor("#ffffff")
    assert contrast_ratio(black, white) == pytest.approx(21.0)
    assert contrast_ratio(white, white) == pytest.approx(1.0)


def test_is_dark_tells_the_palettes_apart() -> None:
    assert is_dark(dark_palette())
    assert not is_dark(light_palette())


@pytest.mark.parametrize("dark", [False, True])
def test_each_category_has_its_own_readable_colour(dark: bool) -> None:
    base = (dark_palette() if dark else light_palette()).color(Role.Base)
    colours = {category: category_color(category, dark) for category in CATEGORIES}
    for category, colour in colours.items():
        assert contrast_ratio(colour, base) >= 3.0, category
    for (a, first), (b, second) in itertools.combinations(colours.items(), 2):
        distance = sum(abs(x - y) for x, y in zip(first.getRgb()[:3], second.getRgb()[:3], strict=True))
        assert distance > 40, f"{a} and {b} look alike"
    assert category_color("No such category", dark) == colours["Other"]


def test_apply_theme_sets_fusion_and_the_palette(restored_app: QApplication) -> None:
    apply_theme(restored_app, "dark")
    assert restored_app.style().name().lower() == "fusion"
    assert is_dark(restored_app.palette())
    apply_theme(restored_app, "light")
    assert not is_dark(restored_app.palette())


def test_system_follows_the_colour_scheme(restored_app: QApplication) -> None:
    from app.ui.theme import system_prefers_dark

    apply_theme(restored_app, "system")
    assert is_dark(restored_app.palette()) == system_prefers_dark()


def test_unknown_theme_is_refused(restored_app: QApplication) -> None:
    with pytest.raises(ValueError, match="expected one of system, light, dark"):
        apply_theme(restored_app, "purple")


def test_high_dpi_set_up_after_the_app_exists_is_a_logged_no_op(qapp, caplog) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from app.ui.theme import configure_high_dpi

    before = QGuiApplication.highDpiScaleFactorRoundingPolicy()
    configure_high_dpi()
    assert "after the application was created" in caplog.text
    assert QGuiApplication.highDpiScaleFactorRoundingPolicy() == before
    assert before == Qt.HighDpiScaleFactorRoundingPolicy.PassThrough  # Qt 6's default, which we keep


def test_style_sheets_are_set_again_on_a_theme_switch(restored_app: QApplication, qtbot) -> None:
    from PySide6.QtWidgets import QLabel

    from app.ui.widgets import restyle_on_theme_change

    class Label(QLabel):
        sheets: list[str] = []

        def setStyleSheet(self, sheet: str) -> None:
            Label.sheets.append(sheet)
            super().setStyleSheet(sheet)

    label = Label("styled")
    qtbot.addWidget(label)
    label.setStyleSheet("QLabel { color: palette(highlight); }")
    restyle_on_theme_change(label)
    Label.sheets.clear()
    apply_theme(restored_app, "dark")
    qtbot.waitUntil(lambda: len(Label.sheets) >= 2, timeout=2000)
    assert Label.sheets[-2:] == ["", "QLabel { color: palette(highlight); }"]

