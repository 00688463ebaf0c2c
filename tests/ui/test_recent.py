"""Recent files: kept in the settings file, most recent first, no duplicates, at most ten."""

from __future__ import annotations

import json
from pathlib import Path

from app.settings import Settings, load_settings, save_settings
from app.ui.recent import MAX_RECENT, RECENT_KEY, RecentFiles


def test_recent_files_persist_across_instances(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    RecentFiles(settings).add(tmp_path / "a.netloom")
    RecentFiles(settings).add(tmp_path / "b.netloom")
    assert RecentFiles(settings).paths() == [tmp_path / "b.netloom", tmp_path / "a.netloom"]


def test_reopening_moves_a_file_to_the_top_once(tmp_path: Path) -> None:
    recent = RecentFiles(tmp_path / "settings.json")
    (tmp_path / "sub").mkdir()
    recent.add(tmp_path / "a.netloom")
    recent.add(tmp_path / "b.netloom")
    recent.add(tmp_path / "sub" / ".." / "a.netloom")  # the same file, spelled differently
    assert recent.paths() == [tmp_path / "a.netloom", tmp_path / "b.netloom"]


def test_the_list_is_capped(tmp_path: Path) -> None:
    recent = RecentFiles(tmp_path / "settings.json")
    for index in range(MAX_RECENT + 5):
        recent.add(tmp_path / f"{index}.netloom")
    paths = recent.paths()
    assert len(paths) == MAX_RECENT == 10
    assert paths[0] == tmp_path / f"{MAX_RECENT + 4}.netloom"


def test_remove_and_clear(tmp_path: Path) -> None:
    recent = RecentFiles(tmp_path / "settings.json")
    recent.add(tmp_path / "a.netloom")
    recent.add(tmp_path / "b.netloom")
    recent.remove(tmp_path / "a.netloom")
    recent.remove(tmp_path / "never-there.netloom")
    assert recent.paths() == [tmp_path / "b.netloom"]
    recent.clear()
    assert recent.paths() == []


def test_other_settings_are_kept(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    save_settings(Settings(plugin_folders=["/plugins"], extra={"theme": "dark"}), settings)
    RecentFiles(settings).add(tmp_path / "a.netloom")
    loaded = load_settings(settings)
    assert loaded.plugin_folders == ["/plugins"]
    assert loaded.extra == {"theme": "dark", RECENT_KEY: [str(tmp_path / "a.netloom")]}


def test_a_damaged_list_reads_as_empty(tmp_path: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"format_version": 1, RECENT_KEY: "not a list"}), encoding="utf-8")
    assert RecentFiles(settings).paths() == []
    settings.write_text("{broken", encoding="utf-8")
    assert RecentFiles(settings).paths() == []


def test_the_users_settings_file_by_default(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("NETLOOM_CONFIG_DIR", str(tmp_path / "config"))
    RecentFiles().add(tmp_path / "a.netloom")
    assert load_settings(tmp_path / "config" / "settings.json").extra[RECENT_KEY] == [
        str(tmp_path / "a.netloom")
    ]
