"""The Plugins dialog lists every plugin, and a failed one with its error and traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.plugins import load_plugins, use_plugins
from app.ui import main_window
from app.ui.main_window import MainWindow
from app.ui.plugins_dialog import NOT_LOADED, PluginsDialog
from tests.conftest import REPO_ROOT

pytestmark = [pytest.mark.gui, pytest.mark.usefixtures("isolated_plugins")]


@pytest.fixture
def broken_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "explodes.py").write_text("raise RuntimeError('kaboom')\n")
    return folder


def test_the_dialog_lists_plugins_and_shows_a_failure(qtbot, broken_folder: Path) -> None:
    registry = load_plugins([REPO_ROOT / "plugins", broken_folder], entry_points=False)
    dialog = PluginsDialog(registry)
    qtbot.addWidget(dialog)
    assert [r.name for r in dialog.records()] == [r.name for r in registry.records()]
    rows = {dialog.tree.topLevelItem(i).text(0): dialog.tree.topLevelItem(i)
            for i in range(dialog.tree.topLevelItemCount())}
    assert rows["netloom.layers"].text(1) == "built-in" and rows["netloom.layers"].text(2) == "ok"
    failed = rows["explodes"]
    assert (failed.text(1), failed.text(2)) == (str(broken_folder), "failed")
    assert failed.text(3) == "import failed: RuntimeError: kaboom"
    assert dialog.tree.currentItem() is failed  # the first failure is shown at once
    assert "Error: import failed: RuntimeError: kaboom" in dialog.details_text
    assert "Traceback (most recent call last)" in dialog.details_text
    dialog.select("se_block")
    assert "Layers (1): SqueezeExcite" in dialog.details_text
    assert rows["se_block"].text(3) == "layers: SqueezeExcite"


def test_before_plugins_are_loaded_the_dialog_says_so(qtbot) -> None:
    dialog = PluginsDialog(None)
    qtbot.addWidget(dialog)
    assert dialog.records() == []
    assert NOT_LOADED in [label.text() for label in dialog.findChildren(main_window.QLabel)]


def test_help_plugins_opens_the_dialog_and_the_status_bar_counts_failures(
    qtbot, broken_folder: Path, monkeypatch
) -> None:
    use_plugins([broken_folder], entry_points=False)  # as `netloom --plugins DIR` does
    window = MainWindow()
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.keras_loaded, timeout=120_000):
        window.show()
    assert "1 plugin failed: see Help > Plugins…" in window.keras_status

    menus = {a.text(): a.menu() for a in window.menuBar().actions()}
    assert "&Help" in menus and window.actions_by_name["plugins"] in menus["&Help"].actions()
    shown: list[PluginsDialog] = []
    monkeypatch.setattr(PluginsDialog, "exec", lambda self: shown.append(self) or 0)
    window.actions_by_name["plugins"].trigger()
    assert [r.name for r in shown[0].records() if not r.ok] == ["explodes"]
