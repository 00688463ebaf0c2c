"""The Qt bindings themselves: a known-bad PySide6 build must not slip in."""

from __future__ import annotations

import sys

from PySide6.QtCore import QPointF


def test_calls_that_return_nothing_keep_none_alive():
    """PySide6 6.12.0 on Python 3.11 drops a reference to None on every call that returns nothing.

    After a few thousand calls (a canvas makes that many per frame) the interpreter
    aborts with "deallocating None". pyproject.toml keeps that release out; this
    test catches the next build that does it.
    """
    point = QPointF()
    before = sys.getrefcount(None)
    for _ in range(1000):
        point.setX(1.0)
    assert sys.getrefcount(None) >= before - 10
