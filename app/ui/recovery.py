"""Autosave: a recovery copy of each unsaved document, offered back after a crash.

``RecoveryStore`` keeps, per open document, two files in the recovery folder
(``config_dir()/recovery`` by default)::

    KEY.netloom   the project, as a normal project file
    KEY.json      {"key", "title", "source_path", "saved_at"}: what the start offers

Both are written atomically, the project first, so a metadata file always
points at a complete project. ``AutoSaver`` writes the copy every
``interval_ms`` while the document is dirty; the window calls ``clear()``
after a save and on a clean close, so whatever is left at the next start
was lost in a crash (``pending()``).

The project is turned into plain data on the GUI thread (a deep copy, cheap);
the JSON text and the write, which flushes to disk, happen on a worker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from app.core.project import Project, load_project, write_atomic
from app.settings import config_dir
from app.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

AUTOSAVE_INTERVAL_MS = 30_000
PROJECT_SUFFIX = ".netloom"
META_SUFFIX = ".json"
_SAFE_STEM = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,79}")


def document_key(source_path: Path | None = None) -> str:
    """A file-name-safe key for a document: stable for a saved file, fresh for a new one."""
    if source_path is None:
        return f"new-{uuid.uuid4().hex[:12]}"
    digest = hashlib.sha1(str(Path(source_path).resolve()).encode("utf-8")).hexdigest()[:12]
    return f"{Path(source_path).stem[:40]}-{digest}"


def file_stem(key: str) -> str:
    """``key`` as a file name: kept when it already is a short safe one, else a slug plus a hash."""
    if _SAFE_STEM.fullmatch(key):
        return key
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(key).stem)[:40].strip("-") or "document"
    return f"{slug}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:12]}"


@dataclass(frozen=True)
class RecoveryEntry:
    """One recovery copy left behind: which document, when, and where its files are."""

    key: str
    title: str
    source_path: Path | None
    saved_at: datetime
    project_path: Path
    meta_path: Path

    @property
    def question(self) -> str:
        """``Restore 'digits-cnn' from 18:42?`` (the date too when it is not today)."""
        when = self.saved_at.strftime("%H:%M")
        if self.saved_at.date() != datetime.now().date():
            when = self.saved_at.strftime("%d %b %Y, %H:%M")
        return f"Restore {self.title!r} from {when}?"


class RecoveryStore:
    """The recovery folder: write, list, restore and discard recovery copies."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory else config_dir() / "recovery"

    def recovery_path(self, key: str) -> Path:
        """The recovery copy of document ``key`` (any text: a path is turned into a safe file name)."""
        return self.directory / f"{file_stem(key)}{PROJECT_SUFFIX}"

    def write(self, key: str, project: Project, source_path: Path | None) -> Path:
        """Write the recovery copy of ``project`` and its metadata; return the copy's path."""
        return self.write_data(key, project.to_dict(), project.title or project.name, source_path)

    def write_data(self, key: str, data: dict[str, Any], title: str, source_path: Path | None) -> Path:
        """Like ``write``, from ``Project.to_dict()`` data (safe to call on a worker thread)."""
        target = self.recovery_path(key)
        self.directory.mkdir(parents=True, exist_ok=True)
        write_atomic(target, json.dumps(data, indent=1) + "\n")
        meta = {
            "key": key,
            "title": title,
            "source_path": str(source_path) if source_path else None,
            "saved_at": datetime.now().isoformat(timespec="seconds"),
        }
        write_atomic(self._meta_path(key), json.dumps(meta, indent=2) + "\n")
        return target

    def pending(self) -> list[RecoveryEntry]:
        """The recovery copies left behind, newest first; unreadable metadata is skipped."""
        if not self.directory.is_dir():
            return []
        entries = [self._entry(meta) for meta in self.directory.glob(f"*{META_SUFFIX}")]
        return sorted((e for e in entries if e), key=lambda e: e.saved_at, reverse=True)

    def restore(self, entry: RecoveryEntry) -> Project:
        """The project of ``entry``; its ``path`` is the original file (None for a new document)."""
        project = load_project(entry.project_path)
        project.path = entry.source_path
        return project

    def discard(self, entry: RecoveryEntry) -> None:
        """Delete ``entry``'s files."""
        remove_entry_files(entry)

    def clear(self, key: str) -> None:
        """Delete the recovery copy of document ``key`` (after a save or a clean close)."""
        self.recovery_path(key).unlink(missing_ok=True)
        self._meta_path(key).unlink(missing_ok=True)

    def _meta_path(self, key: str) -> Path:
        return self.directory / f"{file_stem(key)}{META_SUFFIX}"

    def _entry(self, meta_path: Path) -> RecoveryEntry | None:
        stem = meta_path.name.removesuffix(META_SUFFIX)
        project_path = self.directory / f"{stem}{PROJECT_SUFFIX}"
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            key = str(meta.get("key") or stem)
            saved_at = datetime.fromisoformat(meta["saved_at"])
            source = meta.get("source_path")
            title = str(meta.get("title") or key)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            logger.warning("Skipping the unreadable recovery metadata %s: %s", meta_path, error)
            return None
        if not project_path.is_file():
            return None
        return RecoveryEntry(key, title, Path(source) if source else None, saved_at, project_path, meta_path)


def remove_entry_files(entry: RecoveryEntry) -> None:
    """Delete the project copy and the metadata of ``entry``."""
    entry.project_path.unlink(missing_ok=True)
    entry.meta_path.unlink(missing_ok=True)


class AutoSaver(QObject):
    """Writes the watched document's recovery copy every ``interval_ms`` while it is dirty.

    Signals: ``written(path)`` after each copy, ``failed(message)`` when one
    could not be written (the window may show it in the status bar).
    """

    written = Signal(str)
    failed = Signal(str)

    def __init__(
        self, store: RecoveryStore, interval_ms: int = AUTOSAVE_INTERVAL_MS, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._tasks = TaskRunner(self)
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.save_now)
        self._key: str | None = None
        self._get_project: Callable[[], Project] | None = None
        self._is_dirty: Callable[[], bool] = lambda: False
        self._source_path: Path | None = None
        self._generation = 0  # bumped by clear(): a write that finishes later is removed again
        self._writing = False

    @property
    def key(self) -> str | None:
        """The key of the watched document (None when nothing is watched)."""
        return self._key

    def watch(
        self,
        key: str,
        get_project: Callable[[], Project],
        is_dirty: Callable[[], bool],
        source_path: Path | None,
    ) -> None:
        """Autosave the document ``key`` from now on (instead of any document watched before)."""
        self._key, self._get_project, self._is_dirty = key, get_project, is_dirty
        self._source_path = Path(source_path) if source_path else None
        self._timer.start()

    def set_source_path(self, source_path: Path | None) -> None:
        """The watched document was saved under a new name ("Save as…")."""
        self._source_path = Path(source_path) if source_path else None

    def save_now(self) -> bool:
        """Start writing the recovery copy if the document is dirty; True when a write started."""
        if self._key is None or self._get_project is None or self._writing or not self._is_dirty():
            return False
        project = self._get_project()
        data = project.to_dict()  # a deep copy: the worker never reads the live document
        key, title, source = self._key, project.title or project.name, self._source_path
        self._writing = True
        self._tasks.start(
            f"autosave {key}",
            lambda: self.store.write_data(key, data, title, source),
            self._on_written,
            self._on_failed,
            tag=(key, self._generation),
        )
        return True

    def clear(self) -> None:
        """Delete the watched document's recovery copy (after a save or a clean close)."""
        self._generation += 1
        if self._key is not None:
            self.store.clear(self._key)

    def stop(self) -> None:
        """Stop autosaving and wait for a write in progress (call before the owner goes away)."""
        self._timer.stop()
        self._tasks.wait_all()
        self._key = None

    def _on_written(self, tag: tuple[str, int], path: Path) -> None:
        self._writing = False
        key, generation = tag
        if generation != self._generation:
            self.store.clear(key)  # cleared while it was being written: the copy is stale
            return
        self.written.emit(str(path))

    def _on_failed(self, tag: tuple[str, int], message: str, details: str) -> None:
        self._writing = False
        self.failed.emit(f"Autosave failed: {message}")


def restore_question(parent: QWidget | None, entry: RecoveryEntry, others: int = 0) -> QMessageBox:
    """The question asked about one recovery copy, with Restore, Discard and Later buttons."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved work")
    box.setText(f"Netloom closed before {entry.title!r} was saved. {entry.question}")
    where = str(entry.source_path) if entry.source_path else "a new project that was never saved"
    extra = f"\n\n{others} more unsaved document(s) will be offered next." if others else ""
    box.setInformativeText(f"The copy belongs to {where}.{extra}")
    box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Later", QMessageBox.ButtonRole.RejectRole)
    box.setEscapeButton(later)
    box.setDefaultButton(box.buttons()[0])
    return box


def ask_restore(parent: QWidget | None, entries: list[RecoveryEntry]) -> RecoveryEntry | None:
    """Ask about each copy, newest first: Restore returns it, Discard deletes it and asks about the
    next one, Later keeps them all for the next start and returns None."""
    for index, entry in enumerate(entries):
        box = restore_question(parent, entry, len(entries) - index - 1)
        box.exec()
        role = box.buttonRole(box.clickedButton()) if box.clickedButton() else None
        if role == QMessageBox.ButtonRole.AcceptRole:
            return entry
        if role != QMessageBox.ButtonRole.DestructiveRole:
            return None
        remove_entry_files(entry)
    return None

