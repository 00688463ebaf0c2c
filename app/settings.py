"""The user's settings: a small JSON file in the user's config folder (no Qt).

The file is ``settings.json`` in ``$NETLOOM_CONFIG_DIR`` when that is set
(tests use it), else in ``$XDG_CONFIG_HOME/netloom``, else in
``~/.config/netloom``. It holds, for now, the plugin folders chosen in
Preferences::

    {"format_version": 1, "plugin_folders": ["/home/me/netloom-plugins"]}

Keys this version does not know are kept when the file is saved again.
Saving is atomic (``app.core.project.write_atomic``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.project import ProjectError, write_atomic

CONFIG_ENV = "NETLOOM_CONFIG_DIR"
FILE_NAME = "settings.json"
FORMAT_VERSION = 1


class SettingsError(Exception):
    """A settings file that cannot be read or written; the message names the file and the cause."""


@dataclass
class Settings:
    """What the user chose in Preferences."""

    plugin_folders: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # keys of newer versions, kept as they are

    def to_dict(self) -> dict[str, Any]:
        """The settings as the JSON object written to disk."""
        return {**self.extra, "format_version": FORMAT_VERSION, "plugin_folders": list(self.plugin_folders)}


def config_dir() -> Path:
    """The folder that holds Netloom's settings (it may not exist yet)."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "netloom"


def settings_path() -> Path:
    """The settings file."""
    return config_dir() / FILE_NAME


def load_settings(path: str | Path | None = None) -> Settings:
    """The settings in ``path`` (the user's file by default); defaults when there is no file.

    Raises ``SettingsError`` for a file that exists but cannot be read or
    is not a settings object.
    """
    target = Path(path) if path else settings_path()
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{target}: cannot be read: {error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise SettingsError(f"{target}: not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise SettingsError(f"{target}: expected a JSON object, found {type(data).__name__}")
    folders = data.pop("plugin_folders", [])
    if not isinstance(folders, list) or not all(isinstance(f, str) for f in folders):
        raise SettingsError(f"{target}: 'plugin_folders' must be a list of folder paths, found {folders!r}")
    data.pop("format_version", None)
    return Settings(plugin_folders=folders, extra=data)


def save_settings(settings: Settings, path: str | Path | None = None) -> Path:
    """Write ``settings`` to ``path`` (the user's file by default), creating its folder; return the path."""
    target = Path(path) if path else settings_path()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps(settings.to_dict(), indent=2) + "\n")
    except (OSError, ProjectError) as error:
        raise SettingsError(f"{target}: could not save the settings: {error}") from error
    return target
