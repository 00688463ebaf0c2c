"""Light and dark themes: Fusion with an explicit palette, and one colour per layer category.

Widgets draw with their palette's roles (``Base``, ``Text``, ``Mid`` ...) and
never with fixed colours, so switching the palette switches everything. The
only fixed colours are the category colours, and ``category_color`` has one
set tuned for light backgrounds and one for dark ones.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

logger = logging.getLogger(__name__)

MODES = ("system", "light", "dark")

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_DARK = {
    Role.Window: "#2b2b2b",
    Role.WindowText: "#e6e6e6",
    Role.Base: "#1e1e1e",
    Role.AlternateBase: "#262626",
    Role.Text: "#e6e6e6",
    Role.Button: "#353535",
    Role.ButtonText: "#e6e6e6",
    Role.BrightText: "#ff6b6b",
    Role.Highlight: "#3572cf",  # white selected text keeps a 4.5:1 contrast
    Role.HighlightedText: "#ffffff",
    Role.PlaceholderText: "#8a8a8a",
    Role.ToolTipBase: "#3a3a3a",
    Role.ToolTipText: "#e6e6e6",
    Role.Link: "#6ea8ff",
    Role.LinkVisited: "#b48ef0",
    Role.Light: "#4a4a4a",
    Role.Midlight: "#444444",
    Role.Mid: "#555555",
    Role.Dark: "#1a1a1a",
    Role.Shadow: "#000000",
}
_LIGHT = {
    Role.Window: "#f3f3f3",
    Role.WindowText: "#1f1f1f",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f5f7fa",
    Role.Text: "#1f1f1f",
    Role.Button: "#ececec",
    Role.ButtonText: "#1f1f1f",
    Role.BrightText: "#c62828",
    Role.Highlight: "#2f6fd0",
    Role.HighlightedText: "#ffffff",
    Role.PlaceholderText: "#6e6e6e",
    Role.ToolTipBase: "#ffffe8",
    Role.ToolTipText: "#1f1f1f",
    Role.Link: "#1a5fc4",
    Role.LinkVisited: "#6b3fb0",
    Role.Light: "#ffffff",
    Role.Midlight: "#e0e0e0",
    Role.Mid: "#c4c4c4",
    Role.Dark: "#9e9e9e",
    Role.Shadow: "#5a5a5a",
}
_DISABLED_TEXT = {"dark": "#7a7a7a", "light": "#9a9a9a"}

# Hue (degrees) and saturation of each category; lightness depends on the theme.
_CATEGORY_HUES = {
    "Input": (150, 0.55),
    "Core": (212, 0.65),
    "Convolution": (28, 0.80),
    "Pooling": (45, 0.75),
    "Normalization": (275, 0.50),
    "Regularization": (330, 0.45),
    "Recurrent": (178, 0.65),
    "Attention": (305, 0.55),
    "Merge": (240, 0.50),
    "Reshape": (95, 0.55),
    "Activation": (2, 0.65),
    "Preprocessing and augmentation": (195, 0.75),
    "Pretrained": (50, 0.45),
    "Other": (210, 0.08),
}
_LIGHTNESS = {False: 0.36, True: 0.68}  # readable on a white and on a near-black background

_followed_app: QApplication | None = None  # the app whose theme follows the system scheme


def _palette(colors: dict[QPalette.ColorRole, str], disabled_text: str) -> QPalette:
    palette = QPalette()
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    for role in (Role.Text, Role.WindowText, Role.ButtonText):
        palette.setColor(Group.Disabled, role, QColor(disabled_text))
    palette.setColor(Group.Disabled, Role.Highlight, QColor(colors[Role.Mid]))
    return palette


def dark_palette() -> QPalette:
    """Netloom's dark palette (light text on charcoal)."""
    return _palette(_DARK, _DISABLED_TEXT["dark"])


def light_palette() -> QPalette:
    """Netloom's light palette (dark text on white and light grey)."""
    return _palette(_LIGHT, _DISABLED_TEXT["light"])


def is_dark(palette: QPalette) -> bool:
    """True when the palette draws light text on a dark window."""
    return palette.color(Role.Window).lightness() < palette.color(Role.WindowText).lightness()


def system_prefers_dark() -> bool:
    """True when the desktop asks for a dark colour scheme (Qt 6.5 or later can tell)."""
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, mode: str = "system") -> None:
    """Use Fusion with the light or dark palette; ``system`` follows the desktop, also when it changes."""
    global _followed_app
    if mode not in MODES:
        raise ValueError(f"Unknown theme {mode!r}; expected one of {', '.join(MODES)}.")
    app.setStyle("Fusion")
    hints = QGuiApplication.styleHints()
    if mode == "system" and _followed_app is None:
        hints.colorSchemeChanged.connect(_on_scheme_changed)
        _followed_app = app
    elif mode != "system" and _followed_app is not None:
        hints.colorSchemeChanged.disconnect(_on_scheme_changed)
        _followed_app = None
    dark = system_prefers_dark() if mode == "system" else mode == "dark"
    app.setPalette(dark_palette() if dark else light_palette())


def _on_scheme_changed(_scheme: Qt.ColorScheme) -> None:
    if _followed_app is not None:
        logger.info("The desktop colour scheme changed; re-applying the theme")
        _followed_app.setPalette(dark_palette() if system_prefers_dark() else light_palette())


def category_color(category: str, dark: bool) -> QColor:
    """The colour of a layer category, readable on the theme's base (unknown categories: ``Other``)."""
    hue, saturation = _CATEGORY_HUES.get(category, _CATEGORY_HUES["Other"])
    return QColor.fromHslF(hue / 360, saturation, _LIGHTNESS[dark])


def relative_luminance(color: QColor) -> float:
    """WCAG relative luminance of ``color`` (0 black, 1 white)."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast_ratio(first: QColor, second: QColor) -> float:
    """WCAG contrast ratio of two colours: 1 (none) to 21 (black on white)."""
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def configure_high_dpi() -> None:
    """Call before the QApplication exists: fractional scale factors (125 %, 150 %) are used as they are."""
    if QGuiApplication.instance() is not None:
        logger.warning("configure_high_dpi() was called after the application was created; ignored")
        return
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)

