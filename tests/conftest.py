"""Test-wide set-up: no screen, the TensorFlow backend, quiet native logs, no user settings.

These run before any test module imports Qt or Keras, so they take effect
for the whole session. Values already set in the environment win, except
the settings folder: tests never read the user's own settings (and so never
load the user's plugin folders).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["NETLOOM_CONFIG_DIR"] = tempfile.mkdtemp(prefix="netloom-test-config-")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def isolated_plugins(monkeypatch: pytest.MonkeyPatch):
    """Undo what loading plugins does to the process: the default catalog, the current
    registry, ``sys.path`` and the plugin modules imported from outside Python's prefix."""
    import app.plugins as plugins
    from app.core import catalog

    monkeypatch.setattr(catalog, "_default_catalog", catalog._default_catalog)
    monkeypatch.setattr(plugins, "_registry", plugins._registry)
    monkeypatch.setattr(plugins, "_choice", plugins._choice)
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    prefixes = (sys.prefix, sys.base_prefix, str(REPO_ROOT / "app"))
    for name in set(sys.modules) - before:
        file = getattr(sys.modules[name], "__file__", None) or ""
        if file and not file.startswith(prefixes):
            del sys.modules[name]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand the clipboard over before Qt goes away (see ``app.ui.canvas.view.hand_over_clipboard``)."""
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is not None:
            from app.ui.canvas import hand_over_clipboard

            hand_over_clipboard()
