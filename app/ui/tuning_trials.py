"""The trials table of the Tuning panel: one row per trial, sortable by any column, filtered by text.

Columns: the trial's number, state, objective value, each parameter's value
and the duration. Numbers sort as numbers (a trial without a value sorts
last); the filter box keeps the rows where any cell contains every typed
word. A double-click on a row asks for that trial's curves
(``curves_requested(run_dir)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from app.tuning.results import TrialRow
from app.tuning.space import format_value
from app.ui.widgets import apply_table_style

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
RUN_DIR_ROLE = Qt.ItemDataRole.UserRole + 2
NUMBER_ROLE = Qt.ItemDataRole.UserRole + 3
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def value_text(value: Any) -> str:
    """A cell's text: numbers to 4 significant digits, ``–`` for none."""
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return format_value(value)


def duration_text(seconds: float | None) -> str:
    """``12.3 s``, ``4:05`` (minutes), or ``–``."""
    if seconds is None or not math.isfinite(seconds):
        return "–"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class _WordFilter(QSortFilterProxyModel):
    """Keeps rows where some cell holds each word of the filter text (case-insensitive)."""

    def __init__(self) -> None:
        super().__init__()
        self._words: list[str] = []

    def set_text(self, text: str) -> None:
        """Filter by the words of ``text``."""
        self.beginFilterChange()
        self._words = text.lower().split()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        """True when every word occurs in one of the row's cells."""
        if not self._words:
            return True
        model = self.sourceModel()
        cells = " ".join(str(model.index(source_row, c, source_parent).data() or "")
                         for c in range(model.columnCount())).lower()
        return all(word in cells for word in self._words)


class TrialsTable(QWidget):
    """A filter box over a sortable table of trials.

    Signals: ``curves_requested(run_dir)`` when a row with a run folder is double-clicked.
    """

    curves_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self.model = QStandardItemModel(0, 0, self)
        self.proxy = _WordFilter()
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.filter_edit = QLineEdit(placeholderText="Filter trials (state, value, parameter…)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.set_text)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.view.fontMetrics().height() + 12)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.setToolTip("Double-click a trial to show its curves on the training dashboard")
        apply_table_style(self.view)
        self.view.doubleClicked.connect(self._on_double_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.view, 1)
        self.set_rows([], [])

    def set_rows(self, names: Sequence[str], rows: Sequence[TrialRow]) -> None:
        """Show ``rows`` with one column per parameter in ``names``; the sort order is kept."""
        headers = ["#", "State", "Value", *[n.removeprefix("training.") for n in names], "Duration"]
        if list(names) != self._names or self.model.columnCount() != len(headers):
            self._names = list(names)
            self.model.clear()
            self.model.setHorizontalHeaderLabels(headers)
        self.model.setRowCount(0)
        for row in rows:
            self.model.appendRow(self._items(row))
        self.view.resizeColumnsToContents()
        header = self.view.horizontalHeader()
        if header.sortIndicatorSection() >= self.model.columnCount():
            header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.view.sortByColumn(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _items(self, row: TrialRow) -> list[QStandardItem]:
        cells: list[tuple[str, Any]] = [(str(row.number), row.number), (row.state, row.state),
                                        (value_text(row.value), row.value)]
        cells += [(value_text(row.params.get(n)), row.params.get(n)) for n in self._names]
        cells.append((duration_text(row.duration), row.duration))
        items = []
        for text, value in cells:
            item = QStandardItem(text)
            item.setData(_sort_key(value), SORT_ROLE)
            item.setData(row.run_dir or "", RUN_DIR_ROLE)
            item.setData(row.number, NUMBER_ROLE)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                item.setTextAlignment(RIGHT)
            if row.message:
                item.setToolTip(row.message)
            items.append(item)
        return items

    # ------------------------------------------------------------ reading
    def row_count(self) -> int:
        """How many rows the filter lets through."""
        return self.proxy.rowCount()

    def column_texts(self, column: int) -> list[str]:
        """The texts of ``column`` in the order shown."""
        return [str(self.proxy.index(r, column).data()) for r in range(self.proxy.rowCount())]

    def headers(self) -> list[str]:
        """The column titles."""
        model = self.model
        return [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in range(model.columnCount())]

    def selected_number(self) -> int | None:
        """The trial number of the selected row, or None."""
        rows = self.view.selectionModel().selectedRows()
        return rows[0].data(NUMBER_ROLE) if rows else None

    def activate_row(self, row: int) -> None:
        """Act as a double-click on shown row ``row``."""
        self._on_double_clicked(self.proxy.index(row, 0))

    def _on_double_clicked(self, index: QModelIndex) -> None:
        run_dir = index.data(RUN_DIR_ROLE)
        if run_dir:
            self.curves_requested.emit(str(run_dir))


def _sort_key(value: Any) -> Any:
    """Numbers sort as numbers, a missing value after every number, text as text."""
    if value is None:
        return math.inf
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else math.inf
    return str(value)
