"""Shared widgets: the read-only tables every panel fills."""

from __future__ import annotations

from app.ui.widgets import fill_table, make_table

ROW = ("001-20261124-065233", "stopped", "29", "val_loss 0.0791")


def section_widths(table) -> list[int]:
    header = table.horizontalHeader()
    return [header.sectionSize(column) for column in range(table.columnCount())]


def test_the_last_column_reaches_the_tables_edge_when_the_columns_fit(qtbot):
    table = make_table(("Run", "Status", "Epochs", "Best"))
    qtbot.addWidget(table)
    table.resize(400, 150)
    table.show()
    fill_table(table, [])  # sized to the headers alone: the last one stretched, the header whole
    assert table.horizontalHeader().length() == table.viewport().width()
    fill_table(table, [("001", "stopped", "3", "val_loss 0.1")])
    assert table.horizontalHeader().length() == table.viewport().width()


def test_columns_wider_than_the_table_keep_their_contents_width(qtbot):
    table = make_table(("Run", "Status", "Epochs", "Best"))
    qtbot.addWidget(table)
    table.resize(300, 150)
    table.show()
    fill_table(table, [ROW])
    best = table.horizontalHeader().sectionSize(3)
    assert table.horizontalHeader().length() > table.viewport().width()  # a scroll bar, not a clipped column
    assert best >= table.fontMetrics().horizontalAdvance(ROW[3])
