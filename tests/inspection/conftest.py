"""A trained run shared by the loading and ``netloom evaluate`` tests (training is only the means)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.examples import example_path
from app.core.project import load_project


@pytest.fixture(scope="module")
def trained_digits(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of digits-cnn trained for 2 epochs; returns the project file (its run is beside it)."""
    from app.training.session import TrainingSession

    target = tmp_path_factory.mktemp("digits") / "digits-cnn.netloom"
    shutil.copy(example_path("digits-cnn"), target)
    result = TrainingSession(load_project(target), epochs=2).run()
    assert result.kind == "finished", result.data.get("message")
    return target
