"""The bridge between the graph's undoable edits and Qt's undo stack.

Every user action is one ``app.core.edits.Edit``. ``GraphUndoStack.push_edit``
applies it to the graph first and only then records it, so an edit the graph
refuses (``GraphError``) never lands on the stack: the caller gets the error
and shows it. Undo and redo replay the edit's own ``revert`` and ``apply``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.core.edits import Edit, Move
from app.core.graph import Graph

MOVE_MERGE_ID = 1


class EditCommand(QUndoCommand):
    """One ``Edit`` on the undo stack; it was applied before it was pushed."""

    def __init__(self, graph: Graph, edit: Edit) -> None:
        super().__init__(edit.description)
        self.graph = graph
        self.edit = edit
        self._applied = True  # push() calls redo() at once: skip that first call

    def redo(self) -> None:
        """Apply the edit (again)."""
        if self._applied:
            self._applied = False
            return
        self.edit.apply(self.graph)

    def undo(self) -> None:
        """Revert the edit."""
        self.edit.revert(self.graph)

    def id(self) -> int:
        """Moves of one node merge into one step (arrow-key nudges, a drag reported in pieces)."""
        return MOVE_MERGE_ID if isinstance(self.edit, Move) else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Absorb a later move of the same node: undo then returns to where the first move began."""
        if not isinstance(other, EditCommand):
            return False
        mine, theirs = self.edit, other.edit
        if not (isinstance(mine, Move) and isinstance(theirs, Move)) or mine.node_id != theirs.node_id:
            return False
        mine.position = theirs.position
        return True


class GraphUndoStack(QUndoStack):
    """The undo stack of one graph: ``push_edit`` is the one way the UI changes the graph."""

    def __init__(self, graph: Graph, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph = graph

    def push_edit(self, edit: Edit) -> None:
        """Apply ``edit`` to the graph and record it; a refused edit raises and records nothing."""
        edit.apply(self.graph)
        self.push(EditCommand(self.graph, edit))
