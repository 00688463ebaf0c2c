"""Placing export files: a temporary name beside the target, renamed into place only when verified.

A failed export leaves nothing behind: the temporary file (or folder, for
a SavedModel) is removed. An existing target is refused unless overwriting
was asked for, and errors of the file system name the path and the cause
(a full disk, a folder without write permission).
"""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.export.results import ExportError


def check_folder(folder: Path) -> None:
    """Refuse a destination that is not an existing, writable folder, naming it."""
    if not folder.exists():
        raise ExportError(f"{folder}: the destination folder does not exist")
    if not folder.is_dir():
        raise ExportError(f"{folder}: the destination is a file, not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ExportError(f"{folder}: cannot write in this folder (permission denied)")


def check_target(target: Path, overwrite: bool) -> None:
    """Refuse to replace an existing file or folder unless ``overwrite`` is true."""
    if (target.exists() or target.is_symlink()) and not overwrite:
        kind = "folder" if target.is_dir() else "file"
        raise ExportError(
            f"{target}: the {kind} already exists; allow overwriting (--force) to replace it"
        )


def temporary_name(target: Path) -> Path:
    """A hidden name beside ``target`` that keeps its suffixes (Keras checks ``.keras``, ``.weights.h5``)."""
    suffix = "".join(target.suffixes) if not target.name.startswith(".") else ""
    stem = target.name[: len(target.name) - len(suffix)] if suffix else target.name
    return target.with_name(f".{stem}.tmp-{uuid.uuid4().hex[:8]}{suffix}")


@contextmanager
def staged(target: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place when the block succeeds.

    When the block raises, the temporary file or folder is removed and the
    error goes on; ``OSError`` becomes an ``ExportError`` naming the path.
    """
    check_target(target, overwrite)
    temporary = temporary_name(target)
    try:
        yield temporary
        replace(temporary, target)
    except OSError as error:
        raise ExportError(describe_os_error(error, target)) from error
    finally:
        remove(temporary)


def replace(source: Path, target: Path) -> None:
    """Move ``source`` over ``target``; a folder replaces a folder (the old one is removed after)."""
    if source.is_dir() and target.exists():
        old = temporary_name(target)
        os.replace(target, old)
        try:
            os.replace(source, target)
        except OSError:
            os.replace(old, target)
            raise
        remove(old)
    else:
        os.replace(source, target)


def remove(path: Path) -> None:
    """Delete a file or folder if it is there; never raise."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def size_of(path: Path) -> int:
    """The size in bytes of a file, or of every file in a folder."""
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size


def describe_os_error(error: OSError, path: Path) -> str:
    """One line naming ``path`` and what the file system said, with a hint for common causes."""
    if error.errno == errno.ENOSPC:
        return f"{path}: the disk is full; free some space or choose another folder"
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{path}: cannot write here ({error.strerror}); choose another folder"
    return f"{path}: could not write ({error.strerror or error})"
