"""The recently opened project files, kept in the user's settings (no Qt here).

The list lives under ``"recent_files"`` in ``settings.json`` (a key that
``app.settings.Settings`` keeps in ``extra``): absolute paths, most recent
first, each at most once, at most ``MAX_RECENT``. Every change re-reads the
settings file before saving, so it never overwrites what Preferences wrote
meanwhile, and saves atomically.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from app.settings import SettingsError, load_settings, save_settings

logger = logging.getLogger(__name__)

RECENT_KEY = "recent_files"
MAX_RECENT = 10


def _resolved(path: str | os.PathLike[str]) -> str:
    return str(Path(path).expanduser().resolve())


class RecentFiles:
    """The recent-files list of one settings file (the user's by default)."""

    def __init__(self, settings_path: str | os.PathLike[str] | None = None) -> None:
        self.settings_path = Path(settings_path) if settings_path else None

    def paths(self) -> list[Path]:
        """The recent files, most recent first, missing ones too; [] when the settings are unreadable."""
        try:
            return [Path(p) for p in self._read()]
        except SettingsError as error:
            logger.warning("No recent files: %s", error)
            return []

    def add(self, path: str | os.PathLike[str]) -> None:
        """Put ``path`` first (moving it up when it is already listed); keep ``MAX_RECENT``."""
        entry = _resolved(path)
        self._write([entry, *(p for p in self._read() if p != entry)][:MAX_RECENT])

    def remove(self, path: str | os.PathLike[str]) -> None:
        """Forget ``path``; unknown paths are ignored."""
        entry = _resolved(path)
        paths = self._read()
        if entry in paths:
            self._write([p for p in paths if p != entry])

    def clear(self) -> None:
        """Forget every recent file."""
        self._write([])

    def _read(self) -> list[str]:
        value = load_settings(self.settings_path).extra.get(RECENT_KEY, [])
        if not isinstance(value, list):
            return []
        return [p for p in value if isinstance(p, str) and p]

    def _write(self, paths: list[str]) -> None:
        settings = load_settings(self.settings_path)
        settings.extra[RECENT_KEY] = paths
        save_settings(settings, self.settings_path)
