"""Small widget helpers shared by Netloom's panels: muted labels, read-only tables, counts.

Colours come from the widget's palette (``palette(...)`` in style sheets), so
every helper works in the light and the dark theme.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import shiboken6
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

NUMERIC_COLUMNS = ("Params", "Mult-adds")  # right-aligned
# Cells and headers share one padding so their text lines up; colors come from the palette.
TABLE_STYLE = """
QTableView::item { padding: 0px 12px 0px 6px; }
QHeaderView::section {
    padding: 4px 12px 4px 9px;
    border: none;
    border-right: 1px solid palette(midlight);
    border-bottom: 1px solid palette(mid);
    background: palette(button);
}
"""
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class PaletteRestyler(QWidget):
    """Re-applies widgets' style sheets when the application palette changes (a theme switch).

    Qt resolves ``palette(...)`` in a style sheet once, when the sheet is set;
    so this sets the sheets of every widget given to ``restyle_on_theme_change``
    again. It is a hidden widget of its own, because every widget is told of a
    palette change: an event filter on the application would also work, but it
    would see every event of the application, in Python, and so take the GIL
    thousands of times a second from a model training on a worker thread.
    """

    def __init__(self) -> None:
        super().__init__()  # no parent and never shown
        self.widgets: weakref.WeakSet[QWidget] = weakref.WeakSet()

    def changeEvent(self, event: QEvent) -> None:
        """On a palette change, set each watched widget's style sheet again."""
        if event.type() == QEvent.Type.PaletteChange:
            for widget in list(self.widgets):
                if shiboken6.isValid(widget):
                    sheet = widget.styleSheet()
                    widget.setStyleSheet("")
                    widget.setStyleSheet(sheet)
        super().changeEvent(event)


_restyler: PaletteRestyler | None = None


def restyle_on_theme_change(widget: QWidget) -> None:
    """Keep ``widget``'s style sheet in the palette's colours when the theme changes."""
    global _restyler
    if QApplication.instance() is None:
        return
    if _restyler is None or not shiboken6.isValid(_restyler):
        _restyler = PaletteRestyler()
    _restyler.widgets.add(widget)


def apply_table_style(view: QAbstractItemView) -> None:
    """The shared table style sheet, kept up to date when the theme changes."""
    view.setStyleSheet(TABLE_STYLE)
    restyle_on_theme_change(view)


def count_text(number: int, noun: str) -> str:
    """``1 layer``, ``3 layers``: a number with its noun, plural when it is not one."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def muted_label(text: str = "") -> QLabel:
    """A word-wrapped, selectable label in the palette's placeholder (secondary) colour."""
    label = QLabel(text, wordWrap=True)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # a role, so a theme switch recolours it
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def bold_font(widget: QWidget, scale: float = 1.0) -> QFont:
    """The widget's font, bold, scaled by ``scale``."""
    font = QFont(widget.font())
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    return font


def section(caption: str, *widgets: QWidget) -> QWidget:
    """A bold caption over ``widgets``; the first one takes the spare height."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 8, 0, 0)
    heading = QLabel(caption)
    heading.setFont(bold_font(heading))
    layout.addWidget(heading)
    for index, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if index == 0 else 0)
    return box


def make_table(headers: Sequence[str]) -> QTableWidget:
    """A read-only table that selects whole rows, with the shared header style."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 12)
    apply_table_style(table)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(True)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    """Show ``rows``; columns named in ``NUMERIC_COLUMNS`` are right-aligned.

    Cells whose text did not change are left alone, and the columns are sized
    once at the end: sizing to contents after every cell made a 500-row
    summary take half a minute.
    """
    titles = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    numeric = {c for c, title in enumerate(titles) if title in NUMERIC_COLUMNS}
    for c in numeric:
        table.horizontalHeaderItem(c).setTextAlignment(RIGHT)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setUpdatesEnabled(False)
    try:
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = table.item(r, c)
                if item is None:
                    item = QTableWidgetItem(text)
                    if c in numeric:
                        item.setTextAlignment(RIGHT)
                    item.setToolTip(text)
                    table.setItem(r, c, item)
                elif item.text() != text:
                    item.setText(text)
                    item.setToolTip(text)
        table.resizeColumnsToContents()
        # Sized to contents, the last column stops short of the edge (its header too): stretch it
        # there again, unless the columns are already wider than the table.
        if header.stretchLastSection() and header.length() < table.viewport().width():
            header.setStretchLastSection(False)
            header.setStretchLastSection(True)
    finally:
        table.setUpdatesEnabled(True)
    table.setCurrentItem(None)
