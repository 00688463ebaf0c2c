"""The Preferences dialog edits the plugin folders and saves them in the settings file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.settings import load_settings
from app.ui.main_window import MainWindow
from app.ui.preferences_dialog import FOLDERS_NOTE, PreferencesDialog

pytestmark = pytest.mark.gui


def test_folders_are_added_removed_and_saved(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    dialog = PreferencesDialog(path=path)
    qtbot.addWidget(dialog)
    assert dialog.folders() == [] and not dialog.remove_button.isEnabled()
    dialog.add_folder(tmp_path / "one")
    dialog.add_folder(tmp_path / "one")
    dialog.add_folder(tmp_path / "two")
    assert dialog.folders() == [str(tmp_path / "one"), str(tmp_path / "two")]
    dialog.folder_list.item(0).setSelected(True)
    assert dialog.remove_button.isEnabled()
    dialog.remove_selected()
    assert dialog.folders() == [str(tmp_path / "two")]
    dialog.accept()
    assert load_settings(path).plugin_folders == [str(tmp_path / "two")]
    assert "restarts" in FOLDERS_NOTE


def test_a_damaged_settings_file_is_shown_and_replaced_on_save(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{oops")
    dialog = PreferencesDialog(path=path)
    qtbot.addWidget(dialog)
    assert not dialog.problem_label.isHidden() and "not valid JSON" in dialog.problem_label.text()
    dialog.add_folder("/opt/plugins")
    dialog.accept()
    assert json.loads(path.read_text())["plugin_folders"] == ["/opt/plugins"]


def test_edit_preferences_opens_the_dialog(qtbot, monkeypatch) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    shown: list[PreferencesDialog] = []
    monkeypatch.setattr(PreferencesDialog, "exec", lambda self: shown.append(self) or 0)
    edit = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Edit")
    assert window.actions_by_name["preferences"] in edit.actions()
    window.actions_by_name["preferences"].trigger()
    assert len(shown) == 1
