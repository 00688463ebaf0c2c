"""Helpers for the plugin tests: every test here runs with the plugin state isolated."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolate(isolated_plugins) -> None:
    """Each test loads plugins afresh and leaves nothing behind (see tests/conftest.py)."""


def write_plugin(folder: Path, name: str, code: str) -> Path:
    """Write the plugin module ``name``.py (or ``name/__init__.py`` when ``name`` ends with ``/``)."""
    if name.endswith("/"):
        path = folder / name.rstrip("/") / "__init__.py"
    else:
        path = folder / f"{name}.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path
