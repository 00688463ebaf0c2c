"""Test-wide set-up: no screen, the TensorFlow backend, quiet native logs, no user settings.

These run before any test module imports Qt or Keras, so they take effect
for the whole session. Values already set in the environment win, except
the settings folder: tests never read the user's own settings (and so never
load the user's plugin folders).
"""

from __future__ import annotations

import gc
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


@pytest.fixture(autouse=True, scope="session")
def _no_collection_during_tests():
    """Collect cyclic garbage between tests, in this (the GUI) thread, and never during one.

    The suite crashed a few times (segfaults) with the GUI thread garbage-collecting while a worker
    thread ran: a tuning trial tracing, the graph checker syncing, once processing events right
    after a recovery test. Each test leaves windows, Qt objects living in other threads and Keras
    models behind; collected at a random moment of a later test, they are finalized while that
    test's workers run. The cause was not found; here the collector runs only between tests (after
    their fixtures stopped their workers), in the spirit of the window's ``app.ui.garbage``. Keras
    is imported first and what it leaves is frozen, so each collection walks only what the tests
    made (milliseconds, not 0.2 s).
    """
    import keras  # noqa: F401

    gc.collect()
    gc.freeze()
    gc.disable()
    yield
    gc.enable()


@pytest.fixture(autouse=True)
def _collect_after_each_test(_no_collection_during_tests):
    """The other half of ``_no_collection_during_tests``: the collection after each test."""
    yield
    gc.collect()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Hand the clipboard over before Qt goes away (see ``app.ui.canvas.view.hand_over_clipboard``)."""
    if "PySide6.QtWidgets" in sys.modules:
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is not None:
            from app.ui.canvas import hand_over_clipboard

            hand_over_clipboard()
