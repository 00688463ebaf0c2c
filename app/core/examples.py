"""The bundled example projects: ``resources/examples/NAME.netloom``.

Each example is an ordinary project file; this module only finds them and
reads their name, title and description (plain JSON, no keras), so the
start page and ``netloom examples`` can list them quickly. Open one with
``app.core.project.load_project(example_path(name))``.

Where the ``resources`` folder is looked for, first match wins:

1. ``$NETLOOM_RESOURCES``, when set (a folder holding ``examples/``);
2. ``resources/`` beside the ``app`` package: the repository root in a
   checkout or an editable install;
3. ``sys.prefix/share/netloom/resources``: where a packaged (non-editable)
   install places data files;
4. ``resources/`` next to a frozen executable (``sys._MEIPASS`` or the
   executable's folder).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from app.core.project import SUFFIX

DEFAULT_EXAMPLE = "digits-cnn"
RESOURCES_ENV = "NETLOOM_RESOURCES"


class UnknownExample(KeyError):
    """An example name that no bundled example has; the message lists the names there are."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ExampleInfo:
    """What the start page shows about one example project."""

    name: str
    title: str
    description: str
    path: Path


def resource_candidates() -> list[Path]:
    """The folders that may hold Netloom's resources, in the order they are tried."""
    candidates: list[Path] = []
    if os.environ.get(RESOURCES_ENV):
        candidates.append(Path(os.environ[RESOURCES_ENV]))
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    candidates.append(Path(sys.prefix) / "share" / "netloom" / "resources")
    if getattr(sys, "frozen", False):
        candidates.append(Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "resources")
    return candidates


def resource_dir(name: str) -> Path:
    """The resources subfolder ``name`` (examples, blocks, ...).

    Raises ``FileNotFoundError`` naming every place looked in.
    """
    for resources in resource_candidates():
        folder = resources / name
        if folder.is_dir():
            return folder
    looked = ", ".join(str(c / name) for c in resource_candidates())
    raise FileNotFoundError(
        f"Netloom's {name} were not found; looked in: {looked}. "
        f"Set {RESOURCES_ENV} to the folder that holds '{name}/'."
    )


def examples_dir() -> Path:
    """The folder of example projects (see ``resource_dir``)."""
    return resource_dir("examples")


def list_examples() -> list[ExampleInfo]:
    """Every bundled example, the default first, then by name."""
    infos = [read_example_info(path) for path in examples_dir().glob(f"*{SUFFIX}")]
    return sorted(infos, key=lambda info: (info.name != DEFAULT_EXAMPLE, info.name))


def example_path(name: str) -> Path:
    """The file of example ``name``; ``UnknownExample`` (a ``KeyError``) lists the names there are."""
    path = examples_dir() / f"{name}{SUFFIX}"
    if Path(name).name == name and path.is_file():
        return path
    available = ", ".join(info.name for info in list_examples()) or "none"
    raise UnknownExample(f"No example called {name!r}; the examples are: {available}.")


def read_example_info(path: Path) -> ExampleInfo:
    """The name, title and description of the project file at ``path`` (``ValueError`` if unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: not a readable example project: {error}") from error
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a readable example project: the top level is not an object")
    name = path.name.removesuffix(SUFFIX)
    return ExampleInfo(
        name=name,
        title=str(data.get("title") or name),
        description=str(data.get("description") or ""),
        path=path,
    )
