"""Fixtures shared by the GUI tests."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QApplication

from app.ui.theme import dark_palette, light_palette


@pytest.fixture(params=["light", "dark"])
def theme(request) -> str:
    """Run the test under the light and the dark palette, then put the app's palette back."""
    app = QApplication.instance()
    original = app.palette()
    app.setPalette(dark_palette() if request.param == "dark" else light_palette())
    yield request.param
    app.setPalette(original)
