"""The layering rules that a test can see: the document loads without Qt or Keras."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("PySide6", "shiboken6", "pyqtgraph", "keras", "tensorflow", "jax", "torch")


def _modules_after_import(*modules: str) -> set[str]:
    """The top-level packages in ``sys.modules`` after a fresh interpreter imports ``modules``."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", ["app.core.graph", "app.core.catalog"])
def test_core_imports_neither_qt_nor_keras(module: str) -> None:
    loaded = _modules_after_import(module)
    assert not loaded & set(HEAVY), f"{module} pulled in {sorted(loaded & set(HEAVY))}"


def test_whole_core_imports_neither_qt_nor_keras() -> None:
    core = sorted(
        f"app.core.{path.stem}" for path in (REPO_ROOT / "app" / "core").glob("*.py")
        if path.stem != "__init__"
    )
    loaded = _modules_after_import(*core)
    assert not loaded & set(HEAVY), f"app.core pulled in {sorted(loaded & set(HEAVY))}"
