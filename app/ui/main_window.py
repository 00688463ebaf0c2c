"""The first Netloom window: a project's layers and its model summary.

The full node canvas comes later; for now the window shows the graph as a
read-only table and, once Keras has loaded, the model summary.

Keras (and TensorFlow behind it) takes seconds to import, so the window is
shown first and Keras is imported on a worker thread right after. The status
bar says "Loading Keras…" until then. The window listens to the graph's
``changed`` event and redraws from the graph; it keeps no copy of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFont, QIcon, QKeySequence, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.build.documents import load_document
from app.core.examples import resource_candidates
from app.core.graph import Graph, Node
from app.core.project import Project
from app.core.summary import Summary, summarize
from app.core.validation import validate
from app.plugins import current_registry, loaded_registry
from app.ui.plugins_dialog import PluginsDialog
from app.ui.preferences_dialog import PreferencesDialog
from app.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

PROJECT_FILTER = "Netloom projects (*.netloom);;Keras models (*.keras *.h5 *.hdf5);;All files (*)"
SUMMARY_DELAY_MS = 200  # coalesce a burst of edits into one summary
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


def app_icon() -> QIcon:
    """Netloom's icon, or an empty icon when the resources are not installed."""
    for resources in resource_candidates():
        path = resources / "icons" / "netloom.png"
        if path.is_file():
            return QIcon(str(path))
    return QIcon()


def keras_info() -> tuple[str, str]:
    """Import Keras and load the plugins (slow: call it off the GUI thread); ``(backend, version)``."""
    import keras

    current_registry()  # the plugins chosen at start (app.plugins.use_plugins), built-ins first
    return keras.backend.backend(), keras.__version__


def compute_summary(graph: Graph) -> Summary:
    """The model summary of ``graph``: validation and shape inference use Keras, so it is slow."""
    return summarize(graph, validate(graph))


@dataclass(frozen=True)
class ActionSpec:
    """One menu action, declared as data; the menus are generated from these."""

    menu: str
    text: str
    shortcut: QKeySequence.StandardKey
    slot: str  # name of a MainWindow method
    tip: str = ""


ACTIONS = (
    ActionSpec("&File", "&Open…", QKeySequence.StandardKey.Open, "open_dialog", "Open a .netloom project"),
    ActionSpec("&File", "&Quit", QKeySequence.StandardKey.Quit, "close", "Quit Netloom"),
    ActionSpec("&Edit", "&Preferences…", QKeySequence.StandardKey.Preferences, "show_preferences",
               "Choose plugin folders"),
    ActionSpec("&Help", "&Plugins…", QKeySequence.StandardKey.UnknownKey, "show_plugins",
               "The plugins, what each adds, and the errors of those that failed"),
)


class MainWindow(QMainWindow):
    """Netloom's main window, showing one project: its layers and model summary.

    Signals:

    - ``keras_loaded(backend, version)`` once Keras has been imported
    - ``keras_failed(message)`` when importing Keras raised
    - ``summary_updated()`` each time the summary panel shows a new result
      (a table or a message saying why there is none)
    """

    keras_loaded = Signal(str, str)
    keras_failed = Signal(str)
    summary_updated = Signal()

    def __init__(
        self,
        graph: Graph | None = None,
        title: str = "Untitled",
        path: str | Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.graph = Graph()
        self.title = title
        self.path: Path | None = None
        self.project: Project | None = None  # set when the document came from a project file
        self.keras_version: tuple[str, str] | None = None
        self._tasks = TaskRunner(self)
        self._keras_requested = False
        self._summary_generation = 0
        self._summary_timer = QTimer(self, singleShot=True, interval=SUMMARY_DELAY_MS)
        self._summary_timer.timeout.connect(self._start_summary)

        self.setWindowIcon(app_icon())
        self.resize(1200, 800)
        self._build_menus()
        self._build_central()
        self._keras_label = QLabel("Loading Keras…")
        self._keras_label.setContentsMargins(8, 0, 8, 0)
        self.statusBar().addWidget(self._keras_label, 1)
        self.set_document(graph or Graph(), title, path)

    # ---------------------------------------------------------------- document
    def set_document(
        self, graph: Graph, title: str, path: str | Path | None = None, description: str = ""
    ) -> None:
        """Show ``graph`` under ``title``; the window follows the graph's changes."""
        self.graph.changed.disconnect(self._on_graph_changed)
        self.graph = graph
        self.project = None
        self.title = title
        self.path = Path(path) if path else None
        self.graph.changed.connect(self._on_graph_changed)
        self.setWindowTitle(f"{title} — Netloom")
        self._title_label.setText(title)
        self._description_label.setText(description)
        self._description_label.setVisible(bool(description))
        self._refresh_layers()
        self._request_summary()

    def open_project(self, path: str | Path) -> None:
        """Load the project (or Keras model file) at ``path`` and show it; raises when it cannot be read."""
        project = load_document(path)
        self.set_document(project.graph, project.title or project.name, path, project.description)
        self.project = project

    def open_dialog(self) -> None:
        """Ask for a ``.netloom`` file and open it; errors are shown, not raised."""
        start = str(self.path.parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open project", start, PROJECT_FILTER)
        if not path:
            return
        try:
            self.open_project(path)
        except Exception as error:
            logger.exception("Could not open %s", path)
            QMessageBox.critical(self, "Could not open project", f"{path}\n\n{error}")

    def show_plugins(self) -> None:
        """Open the Plugins dialog."""
        PluginsDialog(loaded_registry(), self).exec()

    def show_preferences(self) -> None:
        """Open the Preferences dialog (plugin folders)."""
        PreferencesDialog(parent=self).exec()

    # ------------------------------------------------------------------ layout
    def _build_menus(self) -> None:
        menus: dict[str, Any] = {}
        for spec in ACTIONS:
            menu = menus.get(spec.menu) or self.menuBar().addMenu(spec.menu)
            menus[spec.menu] = menu
            action = QAction(spec.text, self, shortcut=QKeySequence(spec.shortcut), statusTip=spec.tip)
            action.triggered.connect(getattr(self, spec.slot))
            menu.addAction(action)

    def _build_central(self) -> None:
        self._title_label = QLabel(objectName="title")
        font = QFont(self._title_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self._title_label.setFont(font)
        self._description_label = QLabel(wordWrap=True)
        self._details_label = _muted_label()

        self.layers_table = _table(("Name", "Type", "Inputs from", "Parameters"))
        self.summary_table = _table(("Layer", "Type", "Output shape", "Params", "Mult-adds", "Trainable"))
        self._summary_message = _muted_label("Waiting for Keras…")
        self._summary_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._summary_stack = QStackedWidget()
        self._summary_stack.addWidget(self._summary_message)
        self._summary_stack.addWidget(self.summary_table)
        self._totals_label = _muted_label()

        splitter = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        splitter.addWidget(_section("Layers", self.layers_table))
        splitter.addWidget(_section("Model summary", self._summary_stack, self._totals_label))
        splitter.setSizes([1, 1])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.setSpacing(4)
        layout.addWidget(self._title_label)
        layout.addWidget(self._description_label)
        layout.addWidget(self._details_label)
        layout.addSpacing(8)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(central)

    # ------------------------------------------------------------------ layers
    def _on_graph_changed(self) -> None:
        self._refresh_layers()
        self._request_summary()

    def _refresh_layers(self) -> None:
        graph = self.graph
        rows = [
            (node.name, node.type, ", ".join(graph.node(i).name for i in graph.predecessors(node.id)),
             format_params(node))
            for node in graph.nodes
        ]
        _fill(self.layers_table, rows)
        edges = len(graph.edges)
        details = f"{_count(len(graph), 'layer')} · {_count(edges, 'connection')}"
        self._details_label.setText(f"{self.path} · {details}" if self.path else details)

    # ------------------------------------------------------------------- keras
    def showEvent(self, event: QShowEvent) -> None:
        """Start importing Keras once the window is on screen, so it appears at once."""
        super().showEvent(event)
        self.graph.changed.disconnect(self._on_graph_changed)  # closeEvent let go of it
        self.graph.changed.connect(self._on_graph_changed)
        if not self._keras_requested:
            self._keras_requested = True
            QTimer.singleShot(0, self._load_keras)

    def _load_keras(self) -> None:
        self._tasks.start("import keras", keras_info, self._on_keras_loaded, self._on_keras_failed)

    def _on_keras_loaded(self, _tag: object, info: tuple[str, str]) -> None:
        backend, version = info
        self.keras_version = info
        registry = loaded_registry()
        failed = len(registry.failed()) if registry is not None else 0
        plugins = f" · {_count(failed, 'plugin')} failed: see Help > Plugins…" if failed else ""
        self._keras_label.setText(f"Keras {version} · {backend} backend{plugins}")
        self.keras_loaded.emit(backend, version)
        self._request_summary()

    def _on_keras_failed(self, _tag: object, message: str, details: str) -> None:
        self._keras_label.setText(f"Keras could not be loaded: {message}")
        self._show_summary_message(f"Keras could not be loaded, so there is no summary.\n\n{message}")
        self.keras_failed.emit(message)

    # ----------------------------------------------------------------- summary
    @property
    def summary_shown(self) -> bool:
        """True when the summary panel shows a table (not a message)."""
        return self._summary_stack.currentWidget() is self.summary_table

    @property
    def summary_message(self) -> str:
        """What the summary panel says instead of a table ("" while it shows one)."""
        return "" if self.summary_shown else self._summary_message.text()

    @property
    def totals_text(self) -> str:
        """The line under the summary: parameter totals, or why there are none."""
        return self._totals_label.text()

    @property
    def keras_status(self) -> str:
        """What the status bar says about Keras: loading, its version, or why it failed."""
        return self._keras_label.text()

    def _request_summary(self) -> None:
        self._summary_generation += 1
        if self.keras_version is not None:
            self._summary_timer.start()

    def _start_summary(self) -> None:
        if not len(self.graph):
            self._show_summary_message("No layers yet.")
            return
        generation = self._summary_generation
        graph = self.graph.copy()  # the worker reads a snapshot, never the live document
        self._tasks.start(
            f"summary {generation}",
            lambda: compute_summary(graph),
            self._on_summary_ready,
            self._on_summary_failed,
            tag=generation,
        )

    def _on_summary_ready(self, generation: int, summary: Summary) -> None:
        if generation != self._summary_generation:
            return  # the graph changed meanwhile; a newer summary is on its way
        _fill(self.summary_table, summary_rows(summary))
        self._totals_label.setText(summary_totals(summary))
        self._summary_stack.setCurrentWidget(self.summary_table)
        self.summary_updated.emit()

    def _on_summary_failed(self, generation: int, message: str, details: str) -> None:
        if generation != self._summary_generation:
            return
        self._show_summary_message(f"No summary: {message}")

    def _show_summary_message(self, message: str) -> None:
        self._summary_message.setText(message)
        self._totals_label.clear()
        self._summary_stack.setCurrentWidget(self._summary_message)
        self.summary_updated.emit()

    # ------------------------------------------------------------------- close
    def closeEvent(self, event: QCloseEvent) -> None:
        """Wait for background work: a running QThread must not be destroyed."""
        self.graph.changed.disconnect(self._on_graph_changed)
        self._summary_timer.stop()
        self._tasks.wait_all()
        super().closeEvent(event)


# ---------------------------------------------------------------- formatting
def format_value(value: Any) -> str:
    """A param value as short readable text: ``(3, 3)``, ``relu``, ``HeNormal``."""
    if isinstance(value, dict):
        return str(value.get("class_name", value))
    if isinstance(value, list | tuple):
        return _tuple_text([format_value(v) for v in value])
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_params(node: Node, limit: int = 120) -> str:
    """A node's params (those that differ from Keras's defaults) on one line."""
    text = ", ".join(f"{key}={format_value(value)}" for key, value in node.params.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summary_rows(summary: Summary) -> list[tuple[str, ...]]:
    """Table rows of a summary: layer, type, output shape, params, mult-adds, trainable."""
    return [
        (row.name, row.type, row.output_shape, f"{row.params:,}", f"{row.macs:,}",
         "yes" if row.trainable else "no")
        for row in summary.rows
    ]


def format_shape(shape: Any) -> str:
    """``(None, 28, 28, 1)``; several outputs are joined with commas."""
    if shape is None:
        return "?"
    if shape and all(isinstance(s, list | tuple) for s in shape):
        return ", ".join(format_shape(s) for s in shape)
    return _tuple_text(["None" if d is None else str(d) for d in shape])


def _tuple_text(parts: Sequence[str]) -> str:
    """Python's own spelling of a tuple: ``(3, 3)``, ``(10,)``, ``()``."""
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def summary_totals(summary: Summary) -> str:
    """One line with the summary's totals, or why there are none."""
    if summary.total_params is None:
        errors = _count(summary.errors, "error")
        return f"Totals unavailable: the graph has {errors}; fix them to see the parameter count."
    return (
        f"Parameters: {summary.total_params:,} total · {summary.trainable_params:,} trainable · "
        f"{summary.non_trainable_params:,} non-trainable · {summary.macs:,} multiply-adds per sample"
    )


# ------------------------------------------------------------------ widgets
def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _muted_label(text: str = "") -> QLabel:
    label = QLabel(text, wordWrap=True)
    palette = label.palette()
    palette.setColor(QPalette.ColorRole.WindowText, palette.color(QPalette.ColorRole.PlaceholderText))
    label.setPalette(palette)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _section(caption: str, *widgets: QWidget) -> QWidget:
    section = QWidget()
    layout = QVBoxLayout(section)
    layout.setContentsMargins(0, 8, 0, 0)
    heading = QLabel(caption)
    font = QFont(heading.font())
    font.setBold(True)
    heading.setFont(font)
    layout.addWidget(heading)
    for index, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if index == 0 else 0)
    return section


def _table(headers: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 12)
    table.setStyleSheet(TABLE_STYLE)
    header = table.horizontalHeader()
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: Sequence[Sequence[str]]) -> None:
    titles = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    numeric = {c for c, title in enumerate(titles) if title in NUMERIC_COLUMNS}
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if c in numeric:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)
    table.setCurrentItem(None)

