"""Fixtures shared by the tuning tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from app.core.examples import example_path
from app.core.project import Project, load_project


@pytest.fixture
def copy_example(tmp_path: Path) -> Callable[[str], Project]:
    """Copy a bundled example into ``tmp_path`` and load it (its runs and studies then go there too)."""

    def copy(name: str) -> Project:
        target = tmp_path / f"{name}.netloom"
        shutil.copy(example_path(name), target)
        return load_project(target)

    return copy
