"""The search-space editor of the Tuning panel: one row per tunable parameter, checked as it is typed.

Each row shows a ``Parameter`` (``app.tuning.space``): its name, its scale,
and its range (low, high) or its choices. An edit is read back through
``parse_spec``; when the parameter refuses it (``ValueError`` naming the
problem) the message is shown in red under the table and the row keeps its
last good value, so ``space()`` only ever holds valid parameters.

"Add parameter" lists the project's training settings and every node's
tunable params; picking one adds ``suggest_parameter``'s first range, on the
scale the craft recommends (the learning rate on a log scale, momentum on
1 - 10^r, sizes as log-spread integers). Node params need the layer catalog:
until ``set_catalog`` hands it over the node entries say "Loading layers…".
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import Catalog
from app.core.project import Project
from app.training.settings import OPTIMIZER_PARAMS
from app.tuning.space import (
    CHOICE,
    INTEGER,
    Parameter,
    SearchSpace,
    format_value,
    parse_spec,
)
from app.tuning.suggestions import suggest_parameter, tunable_params
from app.tuning.targets import OPTIMIZER_PARAMS_KEY
from app.ui.widgets import apply_table_style, muted_label

INT_LOG = "int-log"  # the scale list's name for a log-spread integer (int:LOW:HIGH:log)
SCALE_NAMES = {"lin": "linear", "log": "log", INTEGER: "integer", INT_LOG: "integer (log)",
               "one-minus-log": "1 − 10^r", CHOICE: "choice"}
SCALE_TIPS = {
    "lin": "Uniform between low and high",
    "log": "Uniform in the exponent: 1e-4 is as likely as 1e-2 (learning rates, decay factors)",
    INTEGER: "Whole numbers, uniform",
    INT_LOG: "Whole numbers spread on a log scale (units, filters, batch size)",
    "one-minus-log": "1 − 10^r with r uniform: 0.9, 0.99 and 0.999 are equally likely (momentum, betas)",
    CHOICE: "One of a few values, separated by commas",
}
SCALE_ORDER = ("lin", "log", INTEGER, INT_LOG, "one-minus-log", CHOICE)
TRAINING_SETTINGS = ("learning_rate", "batch_size", "optimizer", "epochs", "weight_decay")
NAME, SCALE, LOW, HIGH = range(4)  # HIGH holds a choice's options
HEADERS = ("Parameter", "Scale", "Low", "High / choices")
SCALE_WIDTH = 124
EMPTY_TEXT = "No parameters yet: press “Add parameter” to choose what the search varies."
LOADING_LAYERS = "Loading layers…"


def short_name(name: str) -> str:
    """The name as the table shows it: ``learning_rate`` for ``training.learning_rate``."""
    return name.removeprefix("training.")


def scale_key(parameter: Parameter) -> str:
    """The scale list's entry for ``parameter`` (``int-log`` for a log-spread integer)."""
    return INT_LOG if parameter.scale == INTEGER and parameter.log else parameter.scale


class SearchSpaceEditor(QWidget):
    """A table of the search's parameters with an "Add parameter" menu and a red problem line.

    Signals: ``changed()`` whenever the space changed (a row added, edited or removed).
    """

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parameters: list[Parameter] = []
        self._project_source: Callable[[], Project | None] = lambda: None
        self._catalog: Catalog | None = None
        self._filling = False

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 14)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        apply_table_style(self.table)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.add_menu = QMenu(self)
        self.add_menu.aboutToShow.connect(self._fill_add_menu)
        self.add_button = QToolButton()
        self.add_button.setText("Add parameter")
        self.add_button.setToolTip("Mark a training setting or a node's param as tunable, with a first range")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setMenu(self.add_menu)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Take the selected parameters out of the search")
        self.remove_button.clicked.connect(self.remove_selected)
        self.problem_label = muted_label(EMPTY_TEXT)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.add_button)
        bar.addWidget(self.remove_button)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem_label)
        self._update_buttons()

    # ------------------------------------------------------------ inputs
    def set_project_source(self, source: Callable[[], Project | None]) -> None:
        """Where the "Add parameter" menu reads the project from (called when the menu opens)."""
        self._project_source = source

    def set_catalog(self, catalog: Catalog | None) -> None:
        """The layer catalog, needed for node params (their kinds and first ranges)."""
        self._catalog = catalog

    # ------------------------------------------------------------ the space
    def space(self) -> SearchSpace:
        """The parameters as they stand (every one valid)."""
        return SearchSpace(tuple(self._parameters))

    def set_space(self, space: SearchSpace) -> None:
        """Show ``space`` instead (the Refine button's way in)."""
        self._parameters = list(space)
        self._fill()
        self._show_problem("")
        self.changed.emit()

    def add_parameter(self, parameter: Parameter) -> None:
        """Add ``parameter``, or replace the one of the same name."""
        names = [p.name for p in self._parameters]
        if parameter.name in names:
            self._parameters[names.index(parameter.name)] = parameter
        else:
            self._parameters.append(parameter)
        self._fill()
        self._show_problem("")
        self.changed.emit()

    def add_named(self, name: str) -> Parameter | None:
        """Add ``name`` with its suggested first range; None (and the reason in red) when it cannot be."""
        project = self._project_source()
        if project is None:
            self._show_problem("Open a project first.")
            return None
        try:
            parameter = suggest_parameter(project, name, self._catalog)
        except (ValueError, KeyError) as error:
            self._show_problem(str(error).strip("'\""))
            return None
        self.add_parameter(parameter)
        return parameter

    def remove_selected(self) -> None:
        """Take the selected rows out of the space."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows:
            return
        self._parameters = [p for i, p in enumerate(self._parameters) if i not in rows]
        self._fill()
        self._show_problem("")
        self.changed.emit()

    def set_row_spec(self, row: int, scale: str, low: str = "", high: str = "", choices: str = "") -> bool:
        """Edit row ``row`` as a user would (texts as typed); True when the parameter accepted it."""
        return self._accept(row, scale, low, high, choices)

    def clear_problem(self) -> None:
        """Forget the last refusal shown."""
        self._show_problem("")

    @property
    def problem(self) -> str:
        """The last refusal shown in red ("" when none)."""
        return self.problem_label.text() if self.problem_label.property("error") else ""

    # ------------------------------------------------------------ table
    def _fill(self) -> None:
        self._filling = True
        try:
            self.table.setRowCount(len(self._parameters))
            for row, parameter in enumerate(self._parameters):
                self._fill_row(row, parameter)
            self.table.resizeColumnToContents(NAME)
            self.table.setColumnWidth(NAME, max(self.table.columnWidth(NAME), 120))
            self.table.setColumnWidth(SCALE, SCALE_WIDTH)
            self.table.setColumnWidth(LOW, self._text_width("0.00001"))
        finally:
            self._filling = False
        self._update_buttons()

    def _fill_row(self, row: int, parameter: Parameter) -> None:
        name = QTableWidgetItem(short_name(parameter.name))
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        name.setToolTip(str(parameter))
        self.table.setItem(row, NAME, name)
        self.table.setItem(row, SCALE, QTableWidgetItem(""))
        combo = QComboBox()
        combo.setFrame(False)
        for key in SCALE_ORDER:
            combo.addItem(SCALE_NAMES[key], key)
            combo.setItemData(combo.count() - 1, SCALE_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        combo.setCurrentIndex(combo.findData(scale_key(parameter)))
        combo.setToolTip(SCALE_TIPS[scale_key(parameter)])
        combo.currentIndexChanged.connect(lambda _i, c=combo: self._on_scale_changed(c))
        self.table.setCellWidget(row, SCALE, combo)
        numeric = parameter.numeric
        low = QTableWidgetItem(format_value(parameter.low) if numeric else "–")
        high = QTableWidgetItem(format_value(parameter.high) if numeric
                                else ", ".join(format_value(c) for c in parameter.choices))
        for item in (low, high):
            item.setToolTip("Type a new value; a refused one is explained below and not kept")
        high.setToolTip(high.toolTip() if numeric else "The options, separated by commas")
        if not numeric:
            low.setFlags(low.flags() & ~Qt.ItemFlag.ItemIsEditable)
            low.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
            low.setToolTip("A choice has no range: its options are in the last column")
        self.table.setItem(row, LOW, low)
        self.table.setItem(row, HIGH, high)

    def _text_width(self, text: str) -> int:
        return self.table.fontMetrics().horizontalAdvance(text) + 32

    def _row_of(self, combo: QComboBox) -> int:
        for row in range(self.table.rowCount()):
            if self.table.cellWidget(row, SCALE) is combo:
                return row
        return -1

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling or item.column() not in (LOW, HIGH):
            return
        row = item.row()
        scale = self.table.cellWidget(row, SCALE).currentData()
        low, high = self.table.item(row, LOW).text(), self.table.item(row, HIGH).text()
        if scale == CHOICE:
            self._accept(row, scale, choices=high)
        else:
            self._accept(row, scale, low, high)

    def _on_scale_changed(self, combo: QComboBox) -> None:
        row = self._row_of(combo)
        if row < 0 or self._filling:
            return
        old = self._parameters[row]
        scale = combo.currentData()
        if scale == CHOICE:
            options = old.choices if not old.numeric else old.grid(3)
            self._accept(row, scale, choices=", ".join(format_value(v) for v in options))
            return
        if old.numeric:
            low, high = format_value(old.low), format_value(old.high)
            if scale in (INTEGER, INT_LOG):  # whole ends, at least one apart
                low, high = str(round(old.low)), str(max(round(old.high), round(old.low) + 1))
        else:
            numbers = [c for c in old.choices if isinstance(c, (int, float)) and not isinstance(c, bool)]
            low, high = (format_value(min(numbers)), format_value(max(numbers))) if len(numbers) > 1 \
                else ("", "")
        self._accept(row, scale, low, high)

    def _accept(self, row: int, scale: str, low: str = "", high: str = "", choices: str = "") -> bool:
        name = self._parameters[row].name
        if scale == CHOICE:
            spec = "choice:" + ",".join(part.strip() for part in choices.split(","))
        elif scale == INT_LOG:
            spec = f"{INTEGER}:{low.strip()}:{high.strip()}:log"
        else:
            spec = f"{scale}:{low.strip()}:{high.strip()}"
        try:
            parameter = parse_spec(name, spec)
        except ValueError as error:
            self._show_problem(str(error), error=True)
            self._fill_row_quietly(row)  # the last good value comes back
            return False
        self._parameters[row] = parameter
        self._fill_row_quietly(row)
        self._show_problem("")
        self.changed.emit()
        return True

    def _fill_row_quietly(self, row: int) -> None:
        self._filling = True
        try:
            self._fill_row(row, self._parameters[row])
        finally:
            self._filling = False

    def _show_problem(self, text: str, error: bool = False) -> None:
        if not text and not self._parameters:
            text = EMPTY_TEXT
        self.problem_label.setText(text)
        self.problem_label.setProperty("error", error)
        self.problem_label.setForegroundRole(QPalette.ColorRole.BrightText if error
                                             else QPalette.ColorRole.PlaceholderText)
        self.problem_label.setVisible(bool(text))

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.table.selectionModel().selectedRows()))

    # ------------------------------------------------------------ add menu
    def _fill_add_menu(self) -> None:
        self.add_menu.clear()
        project = self._project_source()
        if project is None:
            self.add_menu.addAction("Open a project first").setEnabled(False)
            return
        taken = {p.name for p in self._parameters}
        training = self.add_menu.addMenu("Training")
        for name in self.training_names(project):
            self._add_action(training, name, name.removeprefix("training."), taken)
        self.add_menu.addSeparator()
        if self._catalog is None:
            self.add_menu.addAction(LOADING_LAYERS).setEnabled(False)
            return
        for node_name, params in self.node_params(project):
            if not params:
                continue
            menu = self.add_menu.addMenu(node_name)
            for param in params:
                self._add_action(menu, f"{node_name}.{param}", param, taken)

    def _add_action(self, menu: QMenu, name: str, label: str, taken: set[str]) -> QAction:
        action = menu.addAction(label)
        action.setEnabled(name not in taken)
        action.setToolTip(name)
        action.triggered.connect(lambda _checked=False, n=name: self.add_named(n))
        return action

    @staticmethod
    def training_names(project: Project) -> list[str]:
        """The training settings offered: the common ones, then the project optimizer's own params."""
        optimizer = str(project.training.get("optimizer", "adam")).lower()
        extra = [f"{OPTIMIZER_PARAMS_KEY}.{key}" for key in OPTIMIZER_PARAMS.get(optimizer, {})]
        return [f"training.{name}" for name in (*TRAINING_SETTINGS, *extra)]

    def node_params(self, project: Project) -> list[tuple[str, list[str]]]:
        """Each node's name with its tunable params (empty without the catalog)."""
        if self._catalog is None:
            return []
        found = []
        for node in project.graph.nodes:
            try:
                layer = self._catalog.get(node.type)
            except KeyError:
                continue
            found.append((node.name, [p.name for p in tunable_params(layer)]))
        return found
