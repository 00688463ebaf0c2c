"""The settings file: where it lives, defaults without it, round trip, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.settings import Settings, SettingsError, config_dir, load_settings, save_settings, settings_path


def test_the_folder_follows_the_environment(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NETLOOM_CONFIG_DIR", str(tmp_path / "netloom-config"))
    assert settings_path() == tmp_path / "netloom-config" / "settings.json"
    monkeypatch.delenv("NETLOOM_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "netloom"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "netloom"


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.json") == Settings()


def test_saved_settings_load_back_and_unknown_keys_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"format_version": 1, "plugin_folders": [], "theme": "dark"}))
    settings = load_settings(path)
    settings.plugin_folders.append("/opt/netloom-plugins")
    save_settings(settings, path)
    assert json.loads(path.read_text()) == {
        "format_version": 1, "plugin_folders": ["/opt/netloom-plugins"], "theme": "dark"
    }
    assert load_settings(path).plugin_folders == ["/opt/netloom-plugins"]


def test_saving_makes_the_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLOOM_CONFIG_DIR", str(tmp_path / "new"))
    assert save_settings(Settings(["/x"])) == tmp_path / "new" / "settings.json"
    assert load_settings().plugin_folders == ["/x"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"plugin_folders": "/one/folder"}', "must be a list of folder paths"),
    ],
)
def test_a_damaged_file_is_named_in_the_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "settings.json"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message) as caught:
        load_settings(path)
    assert str(path) in str(caught.value)
