"""Every bundled example times every format: written, reloaded, and within 1e-5 of the model."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.examples import list_examples
from app.core.project import load_project
from app.export.engine import ExportOptions, export_project
from app.export.results import FORMATS, ExportReport

pytestmark = pytest.mark.slow  # 9 examples x 8 formats: about 100 s on 2 cores
EXAMPLES = [info.name for info in list_examples()]
MATRIX_TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    """Export each example once for all its format tests (conversions are slow)."""
    reports: dict[str, tuple[ExportReport, Path]] = {}

    def export(name: str) -> tuple[ExportReport, Path]:
        if name not in reports:
            info = next(info for info in list_examples() if info.name == name)
            folder = tmp_path_factory.mktemp(name)
            reports[name] = export_project(load_project(info.path), folder, ExportOptions()), folder
        return reports[name]

    return export


def test_there_are_examples_to_export():
    assert len(EXAMPLES) >= 8 and "digits-cnn" in EXAMPLES


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("example", EXAMPLES)
def test_example_exports_and_agrees(exported, example: str, fmt: str):
    report, folder = exported(example)
    result = next(result for result in report.results if result.format == fmt)
    assert result.error is None, result.error
    assert result.max_abs_diff is not None and result.max_abs_diff < MATRIX_TOLERANCE
    assert result.path is not None and result.path.exists() and result.path.parent == folder
    assert result.size_bytes > 0


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_leaves_only_the_finished_files(exported, example: str):
    report, folder = exported(example)
    assert sorted(path.name for path in folder.iterdir()) == sorted(r.path.name for r in report.results)
    assert "freshly initialised" in report.weights_source
