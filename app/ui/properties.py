"""The property editor: the settings of the selected layer, generated from its ``LayerSpec``.

It shows the layer's type and what it does, its name, and one row per param:
a label (hover for the param's doc), an editor from ``app.ui.param_editors``
and a reset button. The key params come first; when a layer has many, the
rest wait in a collapsible "Advanced" section.

It is bound to the graph both ways, but owns no state: every committed
value goes out as one ``SetParam`` (or ``Rename``) edit through ``push``,
and each row redraws from the graph when the graph says that param changed,
so undo and redo show up in the fields too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import (
    ANY,
    CONSTRAINT,
    INITIALIZER,
    LAYER,
    REGULARIZER,
    Catalog,
    LayerSpec,
    ParamSpec,
)
from app.core.edits import Edit, Rename, SetParam
from app.core.graph import Graph, GraphError, Node
from app.core.shapes import format_shape
from app.core.validation import ERROR, CheckResult
from app.ui.palette import first_sentence
from app.ui.param_editors import ParamEditor, editor_for, error_color, same_value

EMPTY_TEXT = "Select a layer to edit its settings"
FEW_PARAMS = 6  # up to this many params, all are shown without an "Advanced" section
ADVANCED_KINDS = frozenset({INITIALIZER, REGULARIZER, CONSTRAINT, LAYER, ANY})
ADVANCED_NAMES = frozenset({"data_format", "dtype", "dilation_rate", "groups", "seed", "output_padding",
                            "depth_multiplier", "name", "trainable"})
RESET_TEXT = "↺"
ADVANCED_STYLE = "QToolButton { border: none; padding: 2px 0px; font-weight: bold; }"
LABEL_WIDTH = 124  # labels wrap at "_" beyond this, so a 320 px dock keeps room for the fields


def split_params(spec: LayerSpec) -> tuple[list[ParamSpec], list[ParamSpec]]:
    """The params shown at once (key params first) and those under "Advanced"."""
    params = list(spec.params)
    key = [p for p in params if p.key]
    rest = [p for p in params if not p.key]
    if len(params) <= FEW_PARAMS:
        return key + rest, []
    main = [p for p in rest if p.required or (p.kind not in ADVANCED_KINDS and p.name not in ADVANCED_NAMES)]
    return key + main, [p for p in rest if p not in main]


def wrappable(name: str) -> str:
    """``name`` with a break opportunity after each "_", so a narrow label wraps there."""
    return name.replace("_", "_\u200b")


class ParamRow:
    """The widgets of one param: label, editor and reset button."""

    def __init__(self, spec: ParamSpec, editor: ParamEditor, label: QLabel, reset: QToolButton,
                 advanced: bool = False) -> None:
        self.spec = spec
        self.editor = editor
        self.label = label
        self.reset = reset
        self.advanced = advanced  # in the collapsible "Advanced" section


class PropertyEditor(QWidget):
    """The settings of one node, edited through undoable edits handed to ``push``."""

    def __init__(
        self,
        push: Callable[[Edit], None],
        catalog: Catalog | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._push = push
        self.catalog = catalog
        self.graph: Graph | None = None
        self.node_id: str | None = None
        self.rows: dict[str, ParamRow] = {}
        self._result: CheckResult | None = None
        self._build()
        self._show_empty()

    # ------------------------------------------------------------------ public
    def set_catalog(self, catalog: Catalog | None) -> None:
        """Use ``catalog`` for the params (the rows appear once it is there)."""
        self.catalog = catalog
        self._rebuild()

    def set_node(self, graph: Graph | None, node_id: str | None) -> None:
        """Edit node ``node_id`` of ``graph``; None shows "Select a layer to edit its settings"."""
        graph = graph if node_id is not None and graph is not None and node_id in graph else None
        if graph is not None and graph is self.graph and node_id == self.node_id:
            self._refresh_all()  # the same node again: keep the form (and the focus) as it is
            return
        if graph is not self.graph:
            self._result = None  # it described another graph
        if self.graph is not None:
            self._follow(self.graph, False)
        self.graph = graph
        self.node_id = node_id if graph is not None else None
        if graph is not None:
            self._follow(graph, True)
        self._rebuild()

    def set_result(self, result: CheckResult | None) -> None:
        """Show the node's output shape, weight count and problems from ``result`` (None hides them)."""
        self._result = result
        self._show_result()

    @property
    def node(self) -> Node | None:
        """The node being edited, or None."""
        if self.graph is None or self.node_id is None or self.node_id not in self.graph:
            return None
        return self.graph.node(self.node_id)

    @property
    def message(self) -> str:
        """What the editor says instead of the node's settings ("" while it shows them)."""
        return self._empty.text() if self._stack.currentWidget() is self._empty else ""

    @property
    def name_error(self) -> str:
        """Why the typed name was refused, or ""."""
        return self._name_error.text() if not self._name_error.isHidden() else ""

    @property
    def result_text(self) -> str:
        """The output line under the params ("" when there is none)."""
        return self._result_label.text() if not self._result_label.isHidden() else ""

    @property
    def advanced_expanded(self) -> bool:
        """True when the "Advanced" section is open."""
        return self._advanced_button.isChecked()

    def set_advanced_expanded(self, expanded: bool) -> None:
        """Open or close the "Advanced" section."""
        self._advanced_button.setChecked(expanded)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self._empty = QLabel(EMPTY_TEXT, wordWrap=True)
        self._empty.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._empty.setContentsMargins(12, 24, 12, 12)
        self._empty.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._type_label = QLabel(objectName="layerType")
        font = QFont(self._type_label.font())
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self._type_label.setFont(font)
        self._doc_label = _muted(QLabel(wordWrap=True))
        self.name_edit = QLineEdit()
        self.name_edit.editingFinished.connect(self._commit_name)
        self._name_error = QLabel(wordWrap=True)
        self._name_error.hide()
        self._loading = _muted(QLabel("Loading layers…"))

        self._advanced_button = QToolButton(text="Advanced", checkable=True)
        self._advanced_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self._advanced_button.setArrowType(Qt.ArrowType.RightArrow)
        self._advanced_button.setAutoRaise(True)
        self._advanced_button.setStyleSheet(ADVANCED_STYLE)
        self._advanced_button.toggled.connect(self._toggle_advanced)
        self._result_label = QLabel(wordWrap=True, objectName="result")
        self._result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._result_label.hide()

        self._form = QWidget()
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(10, 8, 10, 10)
        layout.setSpacing(4)
        layout.addWidget(self._type_label)
        layout.addWidget(self._doc_label)
        layout.addSpacing(6)
        layout.addWidget(self._form)
        layout.addWidget(self._loading)
        layout.addWidget(_separator())
        layout.addWidget(self._result_label)
        layout.addStretch(1)
        self._content_layout = layout

        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._empty)
        self._stack.addWidget(scroll)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self._stack)

    def _show_empty(self, text: str = EMPTY_TEXT) -> None:
        self._empty.setText(text)
        self._stack.setCurrentIndex(0)

    # ------------------------------------------------------------------- rows
    def _rebuild(self) -> None:
        self._clear_rows()
        node = self.node
        if node is None:
            self._show_empty()
            return
        spec = self._spec(node)
        self._type_label.setText(node.type)
        summary = first_sentence(spec.doc) if spec else ""
        if self.catalog is not None and spec is None:
            summary = f"Unknown layer type {node.type!r}: its params are shown as JSON."
        self._doc_label.setText(summary)
        self._doc_label.setVisible(bool(summary))
        self.name_edit.setText(node.name)
        self._name_error.hide()
        self._loading.setVisible(self.catalog is None)
        self._build_form(*self._param_groups(node, spec))
        self._update_advanced_title()
        self._show_result()
        self._stack.setCurrentIndex(1)

    def _build_form(self, main: list[ParamSpec], advanced: list[ParamSpec]) -> None:
        """A fresh grid: name, the main params, then the "Advanced" button and the other params."""
        form = QWidget()
        grid = QGridLayout(form)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        grid.addWidget(_label("name", "The layer's name in the model: letters, digits, _ . -"), 0, 0)
        grid.addWidget(self.name_edit, 0, 1, 1, 2)
        grid.addWidget(self._name_error, 1, 1, 1, 2)
        grid.addWidget(_separator(), 2, 0, 1, 3)
        for param in main:
            self._add_row(grid, param)
        # The button always moves to the new form, so it is not deleted with the old one.
        grid.addWidget(self._advanced_button, grid.rowCount(), 0, 1, 3, Qt.AlignmentFlag.AlignLeft)
        if advanced:
            for param in advanced:
                self._add_row(grid, param, advanced=True)
        grid.setColumnMinimumWidth(0, self._label_column_width([*main, *advanced]))
        self._advanced_button.setVisible(bool(advanced))
        self._toggle_advanced(self._advanced_button.isChecked())
        self._content_layout.replaceWidget(self._form, form)
        self._form.hide()
        self._form.deleteLater()
        self._form = form

    def _label_column_width(self, params: list[ParamSpec]) -> int:
        """Wide enough for the longest label (bold), up to ``LABEL_WIDTH``; longer ones wrap."""
        font = QFont(self.font())
        font.setBold(True)
        metrics = QFontMetrics(font)
        widest = max(metrics.horizontalAdvance(name) for name in ["name", *(p.name for p in params)])
        return min(LABEL_WIDTH, widest + 2)

    def _spec(self, node: Node) -> LayerSpec | None:
        if self.catalog is None or node.type not in self.catalog:
            return None
        return self.catalog.get(node.type)

    def _param_groups(self, node: Node, spec: LayerSpec | None) -> tuple[list[ParamSpec], list[ParamSpec]]:
        if self.catalog is None:
            return [], []
        main, advanced = split_params(spec) if spec else ([], [])
        known = {p.name for p in main + advanced}
        # Params the spec does not know (from an imported file) stay editable as JSON.
        extra = [ParamSpec(key, ANY, None, "Not a param of this layer type in the catalog.", optional=True)
                 for key in node.params if key not in known]
        return main, advanced + extra

    def _add_row(self, grid: QGridLayout, spec: ParamSpec, advanced: bool = False) -> None:
        label = _label(spec.name, spec.doc)
        editor = editor_for(spec)
        editor.committed.connect(lambda value, name=spec.name: self._commit_param(name, value))
        reset = QToolButton(text=RESET_TEXT, autoRaise=True)
        policy = reset.sizePolicy()
        # The column keeps its width when no row shows a reset; a collapsed advanced row takes no room.
        policy.setRetainSizeWhenHidden(not advanced)
        reset.setSizePolicy(policy)
        reset.setToolTip(f"Reset to the default: {_describe(spec.default)}")
        reset.clicked.connect(lambda _checked=False, name=spec.name: self._reset_param(name))
        index = grid.rowCount()
        grid.addWidget(label, index, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(editor, index, 1)
        grid.addWidget(reset, index, 2, Qt.AlignmentFlag.AlignTop)
        row = ParamRow(spec, editor, label, reset, advanced)
        self.rows[spec.name] = row
        self._refresh_row(row)

    def _clear_rows(self) -> None:
        self.rows = {}  # their widgets go with the form they sit in

    def _refresh_row(self, row: ParamRow) -> None:
        node = self.node
        if node is None:
            return
        stored = row.spec.name in node.params
        value = node.params[row.spec.name] if stored else row.spec.default
        row.editor.set_value(value)
        changed = stored and not same_value(value, row.spec.default)
        row.reset.setEnabled(changed)
        # Shown only beside a changed value, so it also reads as "changed".
        row.reset.setVisible(changed and (not row.advanced or self.advanced_expanded))
        font = QFont(row.label.font())
        font.setBold(changed)
        row.label.setFont(font)

    def _refresh_all(self) -> None:
        node = self.node
        if node is not None:
            self.name_edit.setText(node.name)
        for row in self.rows.values():
            self._refresh_row(row)
        self._update_advanced_title()

    def _toggle_advanced(self, expanded: bool) -> None:
        self._advanced_button.setArrowType(Qt.ArrowType.DownArrow if expanded else Qt.ArrowType.RightArrow)
        for row in self.rows.values():
            if row.advanced:
                row.label.setVisible(expanded)
                row.editor.setVisible(expanded)
                row.reset.setVisible(expanded and row.reset.isEnabled())

    def _update_advanced_title(self) -> None:
        node = self.node
        advanced = [row for row in self.rows.values() if row.advanced]
        changed = sum(1 for row in advanced if node is not None and row.reset.isEnabled())
        self._advanced_button.setText(f"Advanced  ({len(advanced)} settings"
                                      + (f", {changed} changed)" if changed else ")"))

    # ------------------------------------------------------------------- edits
    def _commit_param(self, name: str, value: Any) -> None:
        row = self.rows.get(name)
        if self.node_id is None or row is None:
            return
        self._apply(SetParam(self.node_id, name, value), row)

    def _reset_param(self, name: str) -> None:
        row = self.rows.get(name)
        if self.node_id is None or row is None:
            return
        # A required param has no Keras default: resetting sets a new node's value instead of removing it.
        if row.spec.required:
            edit = SetParam(self.node_id, name, row.spec.default)
        else:
            edit = SetParam(self.node_id, name, reset=True)
        self._apply(edit, row)

    def _apply(self, edit: SetParam, row: ParamRow) -> None:
        try:
            self._push(edit)
        except (GraphError, ValueError) as error:
            self._refresh_row(row)
            row.editor.show_error(str(error))

    def _commit_name(self) -> None:
        node = self.node
        name = self.name_edit.text().strip()
        if node is None or name == node.name:
            return
        try:
            self._push(Rename(node.id, name))
        except (GraphError, ValueError) as error:
            self._name_error.setStyleSheet(f"color: {error_color(self.palette()).name()};")
            self._name_error.setText(str(error))
            self._name_error.show()
            self.name_edit.setText(node.name)
            return
        self._name_error.hide()

    # ----------------------------------------------------------- graph events
    def _follow(self, graph: Graph, follow: bool) -> None:
        pairs = ((graph.param_changed, self._on_param_changed), (graph.node_renamed, self._on_renamed),
                 (graph.node_removed, self._on_removed))
        for event, callback in pairs:
            (event.connect if follow else event.disconnect)(callback)

    def _on_param_changed(self, node: Node, key: str) -> None:
        if node.id != self.node_id:
            return
        row = self.rows.get(key)
        if row is None:
            self._rebuild()  # a param the rows do not show yet (an unknown key)
            return
        self._refresh_row(row)
        self._update_advanced_title()

    def _on_renamed(self, node: Node, _old_name: str) -> None:
        if node.id == self.node_id:
            self.name_edit.setText(node.name)
            self._name_error.hide()

    def _on_removed(self, node: Node) -> None:
        if node.id == self.node_id:
            self.set_node(None, None)

    # ------------------------------------------------------------------ result
    def _show_result(self) -> None:
        node, result = self.node, self._result
        if node is None or result is None:
            self._result_label.hide()
            return
        lines = []
        shape = result.shapes.get(node.id)
        if shape is not None and shape.outputs:
            outputs = ", ".join(format_shape(s) for s in shape.outputs)
            lines.append(f"Output: {outputs} · {shape.params:,} params")
        color = error_color(self.palette()).name()
        for problem in result.for_node(node.id):
            mark = "✖" if problem.severity == ERROR else "⚠"
            lines.append(f"<span style='color:{color}'>{mark} {_escape(problem.message)}</span>")
        self._result_label.setText("<br>".join(lines))
        self._result_label.setVisible(bool(lines))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _describe(value: Any) -> str:
    return "none" if value is None else str(value)


def _muted(label: QLabel) -> QLabel:
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _label(name: str, doc: str) -> QLabel:
    label = QLabel(wrappable(name), wordWrap=True)
    label.setToolTip(doc or name)
    label.setMaximumWidth(LABEL_WIDTH)
    label.setContentsMargins(0, 4, 0, 0)
    return label


def _separator() -> QFrame:
    line = QFrame(frameShape=QFrame.Shape.HLine)
    line.setForegroundRole(QPalette.ColorRole.Mid)
    return line
