"""Finding plugins: installed packages' entry points, and the folders the user chose.

Plugins are code, so Netloom imports them only from two places a person
chose: installed distributions that declare an entry point in the group
``netloom.plugins`` (installing a package is that choice), and the modules
directly inside a folder passed to ``load_folder`` (the folders listed in
Preferences or given with ``--plugins``). Nothing else is ever imported:
not a folder beside the project, not the current directory.

In a chosen folder, each ``*.py`` file and each package directory (one with
an ``__init__.py``) is a plugin, imported under its own name, so a layer's
``class_path`` can say ``"se_block.SqueezeExcite"``. The folder is appended
to ``sys.path`` so that packages can import their own submodules; names
starting with ``_`` or ``.`` are skipped.

Every error (a missing folder, an import that raises, a module without
``register``) becomes a failed ``PluginRecord``; none is raised.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from app.plugins.registry import ENTRY_POINT, PluginRegistry

ENTRY_POINT_GROUP = "netloom.plugins"
_CAUGHT = (Exception, SystemExit)  # a plugin calling sys.exit() at import must not end the app


def load_entry_points(registry: PluginRegistry, group: str = ENTRY_POINT_GROUP) -> None:
    """Load every plugin that an installed distribution declares in the entry-point ``group``.

    An entry point's value names a module with a ``register(registry)``
    function (``my_pkg.netloom_plugin``) or the function itself
    (``my_pkg.netloom_plugin:register``).
    """
    try:
        found = importlib.metadata.entry_points(group=group)
    except _CAUGHT as error:  # a broken distribution's metadata
        registry.add_failure(group, ENTRY_POINT, "listing entry points failed", error)
        return
    for entry_point in sorted(found, key=lambda e: e.name):
        source = _entry_point_source(entry_point)
        try:
            target = entry_point.load()
        except _CAUGHT as error:
            registry.add_failure(entry_point.name, ENTRY_POINT, "import failed", error, source)
            continue
        _run(registry, entry_point.name, ENTRY_POINT, target, source)


def load_folder(registry: PluginRegistry, folder: str | Path) -> None:
    """Load every plugin module and package directly inside ``folder``."""
    folder = Path(folder).expanduser().absolute()
    origin = str(folder)
    if not folder.is_dir():
        error = FileNotFoundError(f"the plugin folder {origin} does not exist or is not a folder")
        registry.add_failure(folder.name or origin, origin, "folder not found", error, origin)
        return
    for name, path in plugin_candidates(folder):
        if not name.isidentifier():
            error = ValueError(f"{name!r} is not a valid Python module name; rename {path.name}")
            registry.add_failure(name, origin, "import failed", error, str(path))
            continue
        try:
            module = import_from_folder(name, path, folder)
        except _CAUGHT as error:
            registry.add_failure(name, origin, "import failed", error, str(path))
            continue
        _run(registry, name, origin, module, str(path))


def plugin_candidates(folder: Path) -> list[tuple[str, Path]]:
    """The plugins in ``folder`` as ``(module name, file)``: ``*.py`` files and packages' ``__init__.py``."""
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(("_", ".")):
            continue
        if entry.is_file() and entry.suffix == ".py":
            found.append((entry.stem, entry))
        elif entry.is_dir() and (entry / "__init__.py").is_file():
            found.append((entry.name, entry / "__init__.py"))
    return found


def import_from_folder(name: str, path: Path, folder: Path) -> ModuleType:
    """Import the plugin module ``name`` from ``path`` (in the chosen ``folder``) and return it.

    A module of that name imported before from the same file is reused; one
    from elsewhere (another plugin, the standard library) is never replaced.
    """
    existing = sys.modules.get(name)
    if existing is not None:
        if _same_file(getattr(existing, "__file__", None), path):
            return existing
        where = getattr(existing, "__file__", None) or "Python itself"
        raise ImportError(f"a module called {name!r} is already imported (from {where}); rename the plugin")
    if str(folder) not in sys.path:
        sys.path.append(str(folder))
    package = [str(path.parent)] if path.name == "__init__.py" else None
    spec = importlib.util.spec_from_file_location(name, path, submodule_search_locations=package)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _run(registry: PluginRegistry, name: str, origin: str, target: Any, source: str) -> None:
    register = _register_function(target)
    if register is None:
        error = AttributeError(f"{source or name} has no function register(registry)")
        registry.add_failure(name, origin, "not a plugin", error, source)
        return
    registry.run_plugin(name, origin, register, source)


def _register_function(target: Any) -> Callable[[PluginRegistry], Any] | None:
    if isinstance(target, ModuleType):
        register = getattr(target, "register", None)
        return register if callable(register) else None
    return target if callable(target) else None


def _entry_point_source(entry_point: importlib.metadata.EntryPoint) -> str:
    dist = entry_point.dist
    owner = f" in {dist.name} {dist.version}" if dist is not None else ""
    return f"{entry_point.value}{owner}"


def _same_file(first: str | None, second: Path) -> bool:
    try:
        return first is not None and Path(first).resolve() == second.resolve()
    except OSError:
        return False
