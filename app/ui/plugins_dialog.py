"""The Plugins dialog (Help > Plugins…): every plugin, where it came from, and what it added.

The dialog is a view of a ``PluginRegistry``: a list of its ``PluginRecord``s
(built-ins first) and, for the selected one, the full list of what it
registered or, for a plugin that failed, its error and traceback.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QStyle,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.plugins import BUILTIN, PluginRecord, PluginRegistry
from app.plugins.registry import KINDS

COLUMNS = ("Plugin", "Origin", "Status", "Adds")
INTRO = (
    "Plugins add layers, dataset sources, exporters, example projects and blocks. Netloom's own are "
    "registered the same way and listed as built-in. Choose plugin folders in Edit > Preferences."
)
# Room around each cell's text, headers lined up with it, as in the main window's tables.
TREE_STYLE = """
QTreeView::item { padding: 3px 12px 3px 4px; }
QHeaderView::section {
    padding: 4px 12px 4px 6px;
    border: none;
    border-right: 1px solid palette(midlight);
    border-bottom: 1px solid palette(mid);
    background: palette(button);
}
"""
NOT_LOADED = "Plugins load together with Keras, which is still loading; open this dialog again in a moment."


class PluginsDialog(QDialog):
    """Lists the plugins of ``registry`` (None: not loaded yet) with their status and details."""

    def __init__(self, registry: PluginRegistry | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.resize(960, 600)
        self.registry = registry
        self.tree = _tree()
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.tree.currentItemChanged.connect(self._show_details)

        intro = QLabel(INTRO if registry is not None else NOT_LOADED, wordWrap=True)
        splitter = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.details)
        splitter.setSizes([320, 200])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self._fill(registry.records() if registry is not None else [])

    def records(self) -> list[PluginRecord]:
        """The records shown, in row order."""
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in items]

    def select(self, name: str) -> None:
        """Select the plugin called ``name`` (its details appear below the list)."""
        for index in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(index)
            if item.text(0) == name:
                self.tree.setCurrentItem(item)
                return
        raise KeyError(f"No plugin called {name!r} is listed.")

    @property
    def details_text(self) -> str:
        """What the details pane shows for the selected plugin."""
        return self.details.toPlainText()

    def _fill(self, records: list[PluginRecord]) -> None:
        warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for record in records:
            origin = "built-in" if record.origin == BUILTIN else record.origin
            adds = record.describe_registered(limit=4) if record.ok else record.error
            item = QTreeWidgetItem([record.name, origin, record.status, adds])
            item.setData(0, Qt.ItemDataRole.UserRole, record)
            for column, text in enumerate((record.name, origin, record.status, adds)):
                item.setToolTip(column, text)
            if not record.ok:
                item.setIcon(2, warning)
                item.setFont(2, bold)
            self.tree.addTopLevelItem(item)
        failed = next((i for i in range(len(records)) if not records[i].ok), 0)
        if records:
            self.tree.setCurrentItem(self.tree.topLevelItem(failed))

    def _show_details(self, item: QTreeWidgetItem | None) -> None:
        record = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        self.details.setPlainText(describe(record) if record is not None else "")


def describe(record: PluginRecord) -> str:
    """Everything about one plugin as plain text: origin, source, what it added, or its error."""
    origin = "built-in" if record.origin == BUILTIN else record.origin
    lines = [f"{record.name}: {record.status}", f"Origin: {origin}"]
    if record.source:
        lines.append(f"Source: {record.source}")
    if not record.ok:
        lines += ["", f"Error: {record.error}"]
        if record.details:
            lines += ["", record.details.rstrip()]
        return "\n".join(lines)
    lines.append("")
    added = [(kind, record.registered[kind]) for kind in KINDS if record.registered.get(kind)]
    for kind, names in added:
        lines.append(f"{kind.capitalize()} ({len(names)}): {', '.join(names)}")
    if not added:
        lines.append("It registered nothing.")
    return "\n".join(lines)


def _tree() -> QTreeWidget:
    tree = QTreeWidget()
    tree.setColumnCount(len(COLUMNS))
    tree.setHeaderLabels(list(COLUMNS))
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tree.setStyleSheet(TREE_STYLE)
    header = tree.header()
    header.setStretchLastSection(True)
    for column in range(len(COLUMNS) - 1):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return tree
