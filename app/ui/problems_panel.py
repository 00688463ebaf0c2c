"""The Problems panel: every problem of the graph, where it is, and the fixes on offer.

The list is a model/view table (a graph with 500 problems fills in a few
milliseconds); only the selected problem gets widgets: its full message and
one button per fix. A fix is an ``Edit`` handed to the window's ``push``
callback, so applying it is one undoable step; an edit the graph refuses is
reported under the list. Clicking a problem emits ``problem_activated`` so the
window can select and centre its node or edge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.edits import Edit
from app.core.graph import Graph
from app.core.validation import ERROR, CheckResult, Fix, Problem
from app.ui.widgets import apply_table_style, count_text, muted_label

MAX_FIX_BUTTONS = 3  # more fixes than this go into one "Fix" button's menu
ICON_SIZE = 16
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class ProblemRow:
    """What one row shows: the problem and where it is, in words."""

    problem: Problem
    where: str


def problem_location(graph: Graph, problem: Problem) -> str:
    """Where a problem is: ``a → b`` for an edge, the node's name, or ``graph``."""
    if problem.edge is not None and problem.edge.source in graph and problem.edge.target in graph:
        return f"{graph.node(problem.edge.source).name} → {graph.node(problem.edge.target).name}"
    if problem.node_id and problem.node_id in graph:
        return graph.node(problem.node_id).name
    return "graph"


class ProblemsModel(QAbstractTableModel):
    """The problems as a table: severity, where, message; errors before warnings."""

    HEADERS = ("", "Where", "Problem")

    def __init__(self, icons: dict[str, QIcon], parent: Any = None) -> None:
        super().__init__(parent)
        self._icons = icons
        self.rows: list[ProblemRow] = []

    def set_rows(self, rows: list[ProblemRow]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self.rows = sorted(rows, key=lambda row: row.problem.severity != ERROR)
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """The number of problems (a table has no children)."""
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        """Severity, where, message."""
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """The column titles."""
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Icon, text and tooltip of one cell."""
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return self._icons[row.problem.severity]
        if role == Qt.ItemDataRole.DisplayRole:
            return (None, row.where, row.problem.message)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            severity = "Error" if row.problem.severity == ERROR else "Warning"
            return (severity, row.where, row.problem.message)[column]
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0:
            return row.problem.severity
        return None


class ProblemsPanel(QWidget):
    """The list of problems of one graph, with their fixes.

    Signals:

    - ``problem_activated(problem)`` when a row is clicked or activated
    - ``counts_changed(errors, warnings)`` when the numbers change (for the dock's title)
    """

    problem_activated = Signal(object)
    counts_changed = Signal(int, int)

    def __init__(self, push: Callable[[Edit], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._push = push
        self._counts = (0, 0)
        style = self.style()
        self._icons = {
            ERROR: style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
            "warning": style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
        }
        self.model = ProblemsModel(self._icons, self)
        self.view = self._make_view()
        self._stack = QStackedWidget()
        self._empty = self._make_empty_state()
        self._stack.addWidget(self._empty)
        self._stack.addWidget(self.view)

        self._details = QLabel(wordWrap=True)
        self._details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._fix_bar = QHBoxLayout()
        self._fix_bar.setContentsMargins(0, 0, 0, 0)
        self._error = QLabel(wordWrap=True)
        self._error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._set_error_colour()
        self._error.hide()
        self._detail_box = QWidget()
        detail_layout = QVBoxLayout(self._detail_box)
        detail_layout.setContentsMargins(6, 6, 6, 2)
        detail_layout.addWidget(self._details)
        detail_layout.addLayout(self._fix_bar)
        self._detail_box.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self._detail_box)
        layout.addWidget(self._error)
        self.set_result(Graph(), None)

    # ------------------------------------------------------------------ public
    def set_result(self, graph: Graph, result: CheckResult | None) -> None:
        """Show the problems of ``result`` (a check of ``graph``); None means "not checked yet"."""
        problems = result.problems if result is not None else []
        self.model.set_rows([ProblemRow(p, problem_location(graph, p)) for p in problems])
        self.view.resizeColumnToContents(1)
        if result is None:
            self._empty_icon.hide()
            self._empty_text.setText("Checking…")
        else:
            self._empty_icon.show()
            self._empty_text.setText("No problems")
        self._stack.setCurrentWidget(self.view if problems else self._empty)
        self._show_details(None)
        errors = sum(1 for p in problems if p.severity == ERROR)
        counts = (errors, len(problems) - errors)
        if counts != self._counts:
            self._counts = counts
            self.counts_changed.emit(*counts)

    def counts(self) -> tuple[int, int]:
        """``(errors, warnings)`` of the problems shown."""
        return self._counts

    def counts_text(self) -> str:
        """``2 errors, 1 warning`` (or ``No problems``), for a dock title or a status bar."""
        errors, warnings = self._counts
        parts = [count_text(errors, "error")] if errors else []
        parts += [count_text(warnings, "warning")] if warnings else []
        return ", ".join(parts) or "No problems"

    @property
    def problems(self) -> list[Problem]:
        """The problems in the order shown (errors first)."""
        return [row.problem for row in self.model.rows]

    def selected_problem(self) -> Problem | None:
        """The problem of the selected row, if any."""
        rows = self.view.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()].problem if rows else None

    def select_problem(self, problem: Problem) -> None:
        """Select ``problem``'s row (it shows its fixes) without emitting ``problem_activated``."""
        for index, row in enumerate(self.model.rows):
            if row.problem == problem:
                self.view.selectRow(index)
                return

    def fix_buttons(self) -> list[QAbstractButton]:
        """The buttons offering the selected problem's fixes (for tests and keyboard focus)."""
        return [self._fix_bar.itemAt(i).widget() for i in range(self._fix_bar.count())
                if self._fix_bar.itemAt(i).widget() is not None]

    def apply_fix(self, fix: Fix) -> bool:
        """Hand ``fix``'s edit to ``push``; True when it was applied, else the error is shown."""
        try:
            self._push(fix.edit)
        except Exception as error:  # the graph refused the edit: say why, keep the panel usable
            self._error.setText(f"Could not apply “{fix.title}”: {error}")
            self._error.show()
            return False
        self._error.hide()
        for button in self.fix_buttons():
            button.setEnabled(False)  # the fix was made for the graph as it was; wait for a new check
        return True

    @property
    def error_text(self) -> str:
        """The message of the last fix that failed ("" when none did)."""
        return "" if self._error.isHidden() else self._error.text()

    # ------------------------------------------------------------------ layout
    def _make_view(self) -> QTableView:
        view = QTableView()
        view.setModel(self.model)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setAlternatingRowColors(True)
        view.setWordWrap(False)
        view.setShowGrid(False)
        apply_table_style(view)
        view.verticalHeader().setVisible(False)
        view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
        view.setIconSize(view.iconSize().scaled(ICON_SIZE, ICON_SIZE, Qt.AspectRatioMode.KeepAspectRatio))
        header = view.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(0, ICON_SIZE + 16)
        header.setStretchLastSection(True)
        view.clicked.connect(self._on_activated)
        view.activated.connect(self._on_activated)
        view.selectionModel().selectionChanged.connect(lambda *_: self._show_details(self.selected_problem()))
        return view

    def _make_empty_state(self) -> QWidget:
        box = QWidget()
        box.setAutoFillBackground(True)
        box.setBackgroundRole(QPalette.ColorRole.Base)
        self._empty_icon = QLabel()
        self._empty_icon.setPixmap(self.style().standardIcon(QStyle.StandardPixmap.SP_DialogApplyButton).pixmap(32))
        self._empty_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty_text = muted_label("No problems")
        self._empty_text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(box)
        layout.addStretch(1)
        layout.addWidget(self._empty_icon)
        layout.addWidget(self._empty_text)
        layout.addStretch(1)
        return box

    def _set_error_colour(self) -> None:
        self._error.setForegroundRole(QPalette.ColorRole.BrightText)  # red in both themes
        self._error.setContentsMargins(6, 0, 6, 4)

    # ----------------------------------------------------------------- details
    def _show_details(self, problem: Problem | None) -> None:
        while self._fix_bar.count():
            item = self._fix_bar.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._error.hide()
        self._detail_box.setVisible(problem is not None)
        if problem is None:
            return
        self._details.setText(problem.message)
        if len(problem.fixes) > MAX_FIX_BUTTONS:
            self._fix_bar.addWidget(self._fix_menu_button(problem.fixes))
        else:
            for fix in problem.fixes:
                button = QPushButton(fix.title)
                button.setToolTip(f"{fix.title} (one step; Undo takes it back)")
                button.clicked.connect(lambda _checked=False, f=fix: self.apply_fix(f))
                self._fix_bar.addWidget(button)
        self._fix_bar.addStretch(1)

    def _fix_menu_button(self, fixes: tuple[Fix, ...]) -> QToolButton:
        button = QToolButton(text="Fix")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for fix in fixes:
            menu.addAction(fix.title).triggered.connect(lambda _checked=False, f=fix: self.apply_fix(f))
        button.setMenu(menu)
        return button

    def _on_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.problem_activated.emit(self.model.rows[index.row()].problem)

