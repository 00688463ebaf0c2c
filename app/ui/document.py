"""One open project in a window: its graph, its file, its undo stack and whether it is saved.

The graph inside ``project`` is the only truth; the undo stack is the only way
the UI changes it (``push``). The document is dirty when the undo stack is
away from the state last saved, or when it never was saved as a ``.netloom``
file although it holds something (an imported model, a restored recovery
file).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand

from app.core.edits import Edit
from app.core.graph import Graph
from app.core.project import SUFFIX, Project, save_project
from app.ui.undo import GraphUndoStack


class Document(QObject):
    """A project being edited.

    Signals: ``dirty_changed(bool)`` when the document becomes unsaved or saved,
    ``path_changed()`` after Save As, ``data_changed()`` when the data settings
    changed (also by undo), ``training_changed()`` likewise for the training settings.
    """

    dirty_changed = Signal(bool)
    path_changed = Signal()
    data_changed = Signal()
    training_changed = Signal()

    def __init__(
        self,
        project: Project | None = None,
        path: str | Path | None = None,
        unsaved: bool = False,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project or Project()
        self.path: Path | None = Path(path) if path else None
        self.undo = GraphUndoStack(self.project.graph, self)
        self._unsaved = unsaved
        self.undo.cleanChanged.connect(self._on_clean_changed)

    def _on_clean_changed(self, _clean: bool) -> None:
        # A bound slot, not a lambda: Qt drops it before the stack is destroyed with the document.
        self.dirty_changed.emit(self.dirty)

    @property
    def graph(self) -> Graph:
        """The document's graph."""
        return self.project.graph

    @property
    def dirty(self) -> bool:
        """True when the document holds changes that are not in its file."""
        return self._unsaved or not self.undo.isClean()

    @property
    def display_name(self) -> str:
        """What the title bar calls the document: the file name, else the project's title."""
        if self.path is not None:
            return self.path.name
        return self.project.title or self.project.name or "Untitled"

    def push(self, edit: Edit) -> None:
        """Apply ``edit`` as one undoable step (raises ``GraphError`` when the graph refuses it)."""
        self.undo.push_edit(edit)

    @property
    def base_dir(self) -> Path:
        """The folder that relative paths in the project (data files) start from."""
        return self.path.parent if self.path is not None else Path.cwd()

    def set_data(self, data: dict[str, Any]) -> None:
        """Use other data settings (the project's ``data`` section), as one undoable step."""
        self.undo.push(_SetData(self, data))

    def set_training(self, training: dict[str, Any], text: str = "Change training settings") -> None:
        """Use other training settings (the project's ``training`` section), as one undoable step."""
        if training != self.project.training:
            self.undo.push(_SetTraining(self, training, text))

    def save(self, path: str | Path | None = None) -> Path:
        """Write the project to ``path`` (or its own file) atomically; ``.netloom`` is added when missing."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("The document has no file yet: choose where to save it.")
        if target.suffix != SUFFIX:
            target = target.with_name(target.name + SUFFIX)
        if self.project.name in ("", "untitled") or target != self.path:
            self.project.name = target.stem
        saved = save_project(self.project, target)
        moved = saved != self.path
        self.path = saved
        self.project.path = saved
        was_dirty = self.dirty
        self._unsaved = False
        self.undo.setClean()
        if was_dirty and not self.dirty:
            self.dirty_changed.emit(False)
        if moved:
            self.path_changed.emit()
        return saved


class _SetData(QUndoCommand):
    """Replace the project's data settings; undo puts the old ones back."""

    def __init__(self, document: Document, data: dict[str, Any]) -> None:
        super().__init__("Choose dataset")
        self.document = document
        self.new = copy.deepcopy(data)
        self.old = copy.deepcopy(document.project.data)

    def redo(self) -> None:
        """Use the new settings."""
        self.document.project.data = copy.deepcopy(self.new)
        self.document.data_changed.emit()

    def undo(self) -> None:
        """Go back to the old settings."""
        self.document.project.data = copy.deepcopy(self.old)
        self.document.data_changed.emit()


class _SetTraining(QUndoCommand):
    """Replace the project's training settings; undo puts the old ones back."""

    def __init__(self, document: Document, training: dict[str, Any], text: str) -> None:
        super().__init__(text)
        self.document = document
        self.new = copy.deepcopy(training)
        self.old = copy.deepcopy(document.project.training)

    def redo(self) -> None:
        """Use the new settings."""
        self.document.project.training = copy.deepcopy(self.new)
        self.document.training_changed.emit()

    def undo(self) -> None:
        """Go back to the old settings."""
        self.document.project.training = copy.deepcopy(self.old)
        self.document.training_changed.emit()
