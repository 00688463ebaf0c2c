"""The model summary panel: one row per layer, as ``model.summary()`` gives, and the totals.

The panel only draws a ``app.core.summary.Summary`` computed elsewhere (on a
worker thread: shape inference uses Keras). Until there is one it shows a
message ("Waiting for Keras…", "No layers yet.", why there is none).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from app.core.summary import Summary
from app.ui.widgets import count_text, fill_table, make_table, muted_label

SUMMARY_HEADERS = ("Layer", "Type", "Output shape", "Params", "Mult-adds", "Trainable")


def summary_rows(summary: Summary) -> list[tuple[str, ...]]:
    """Table rows of a summary: layer, type, output shape, params, mult-adds, trainable."""
    return [
        (row.name, row.type, row.output_shape, f"{row.params:,}", f"{row.macs:,}",
         "yes" if row.trainable else "no")
        for row in summary.rows
    ]


def summary_totals(summary: Summary) -> str:
    """One line with the summary's totals, or why there are none."""
    if summary.total_params is None:
        errors = count_text(summary.errors, "error")
        return f"Totals unavailable: the graph has {errors}; fix them to see the parameter count."
    return (
        f"Parameters: {summary.total_params:,} total · {summary.trainable_params:,} trainable · "
        f"{summary.non_trainable_params:,} non-trainable · {summary.macs:,} multiply-adds per sample"
    )


class SummaryPanel(QWidget):
    """The model summary table with its totals line, or a message saying why there is none.

    Selecting a row emits ``node_activated(node_id)``, so the window can select
    that node on the canvas.
    """

    node_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._node_ids: list[str] = []
        self.table = make_table(SUMMARY_HEADERS)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self._message = muted_label("Waiting for Keras…")
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._message)
        self._stack.addWidget(self.table)
        self._totals = muted_label()
        self._totals.setContentsMargins(6, 4, 6, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack, 1)
        layout.addWidget(self._totals)

    def set_summary(self, summary: Summary) -> None:
        """Show ``summary``'s rows and totals."""
        self._node_ids = [row.node_id for row in summary.rows]
        self.table.blockSignals(True)
        fill_table(self.table, summary_rows(summary))
        self.table.blockSignals(False)
        self._totals.setText(summary_totals(summary))
        self._stack.setCurrentWidget(self.table)

    def show_message(self, text: str) -> None:
        """Show ``text`` instead of a table (no totals)."""
        self._message.setText(text)
        self._totals.clear()
        self._stack.setCurrentWidget(self._message)

    def select_node(self, node_id: str | None) -> None:
        """Select the row of ``node_id`` (none when absent) without emitting ``node_activated``."""
        self.table.blockSignals(True)
        if node_id in self._node_ids:
            self.table.selectRow(self._node_ids.index(node_id))
        else:
            self.table.clearSelection()
        self.table.blockSignals(False)

    @property
    def summary_shown(self) -> bool:
        """True when the panel shows a table (not a message)."""
        return self._stack.currentWidget() is self.table

    @property
    def message(self) -> str:
        """What the panel says instead of a table ("" while it shows one)."""
        return "" if self.summary_shown else self._message.text()

    @property
    def totals_text(self) -> str:
        """The line under the table: parameter totals, or why there are none."""
        return self._totals.text()

    def _on_selection(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self._node_ids):
            self.node_activated.emit(self._node_ids[rows[0].row()])
