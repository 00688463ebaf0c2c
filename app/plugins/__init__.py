"""Plugins: extra layers, dataset sources, exporters, example projects and blocks.

A plugin is a Python module (or package) with a function
``register(registry: PluginRegistry) -> None`` that calls the registry's
``add_layer``, ``add_data_source``, ``add_exporter``, ``add_example`` and
``add_block``. Netloom's own layers, examples, exporters and blocks are
registered the same way (``app.plugins.builtin``), first, so a plugin cannot
take their names.

``load_plugins`` loads the built-ins, then the plugins that installed
packages declare (entry-point group ``netloom.plugins``), then those in the
chosen folders; a plugin that fails is recorded with its error and the rest
load anyway. The loaded registry's catalog becomes the process's default
catalog (``app.core.catalog.default_catalog``), so validation, building and
code generation know the plugin layers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from pathlib import Path

from app.core.catalog import set_default_catalog
from app.plugins.discovery import ENTRY_POINT_GROUP, load_entry_points, load_folder
from app.plugins.registry import (
    BUILTIN,
    ENTRY_POINT,
    FAILED,
    LAYERS,
    OK,
    Block,
    DataSource,
    DuplicateName,
    Example,
    Exporter,
    PluginRecord,
    PluginRegistry,
)

__all__ = [
    "BUILTIN",
    "ENTRY_POINT",
    "ENTRY_POINT_GROUP",
    "FAILED",
    "OK",
    "Block",
    "DataSource",
    "DuplicateName",
    "Example",
    "Exporter",
    "PluginRecord",
    "PluginRegistry",
    "current_registry",
    "load_plugins",
    "loaded_registry",
    "use_plugins",
]

logger = logging.getLogger(__name__)

_lock = threading.RLock()
_registry: PluginRegistry | None = None
_choice: tuple[tuple[Path, ...], bool] = ((), False)  # folders, entry points


def load_plugins(folders: Iterable[str | Path] = (), entry_points: bool = True) -> PluginRegistry:
    """Load the built-ins and the plugins; make them the process's registry and catalog.

    ``folders`` are the plugin folders the user chose (each module or
    package directly inside is a plugin); ``entry_points`` says whether to
    load the plugins of installed packages. Never raises for a plugin's
    errors: see ``PluginRegistry.records()``.
    """
    from app.plugins import builtin

    registry = PluginRegistry()
    for name, register in builtin.PARTS:
        registry.run_plugin(name, BUILTIN, register, f"{register.__module__}.{register.__name__}")
    if entry_points:
        load_entry_points(registry)
    for folder in _unique(folders):
        load_folder(registry, folder)
    # Failures are data, like validation problems: the CLI prints them, the GUI shows them.
    logger.info("Loaded %d plugins; %d failed.", len(registry.records()), len(registry.failed()))
    with _lock:
        _install(registry)
    return registry


def use_plugins(folders: Iterable[str | Path] = (), entry_points: bool = True) -> None:
    """Choose what ``current_registry()`` loads on its next call; nothing is imported now.

    A registry loaded before is dropped. The GUI calls this at start and
    loads the plugins on its Keras-loading thread.
    """
    global _choice, _registry
    with _lock:
        _choice = (tuple(Path(f) for f in folders), entry_points)
        _registry = None
        set_default_catalog(None)


def current_registry() -> PluginRegistry:
    """The registry of the last ``load_plugins``; on first use, loads what ``use_plugins`` chose.

    Without ``use_plugins`` that is the built-ins only (no entry points, no
    folders). Thread-safe: a second caller waits for the first one's load.
    """
    with _lock:
        if _registry is None:
            folders, entry_points = _choice
            load_plugins(folders, entry_points)
        assert _registry is not None
        return _registry


def loaded_registry() -> PluginRegistry | None:
    """The registry if plugins have been loaded, else None (never loads; never waits)."""
    return _registry


def _install(registry: PluginRegistry) -> None:
    global _registry
    _registry = registry
    # Without the built-in layers (Keras failed to import) the default goes back to
    # the built-ins, whose first use raises the real error, not "unknown layer type".
    layers_loaded = any(r.origin == BUILTIN and r.ok and r.registered.get(LAYERS) for r in registry.records())
    set_default_catalog(registry.catalog if layers_loaded else None)


def _unique(folders: Iterable[str | Path]) -> list[Path]:
    seen: set[Path] = set()
    unique = []
    for folder in folders:
        path = Path(folder).expanduser()
        key = path.resolve() if path.exists() else path
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique
