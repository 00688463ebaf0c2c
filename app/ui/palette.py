"""The layer palette: every layer type of the catalog, by category, ready to drag onto the canvas.

The palette is a view of the catalog: a search box over a tree of
categories (in the catalog's palette order), each holding its layer types,
the hand-curated ones first. Typing filters live over type names, alias
tags and docs. Dragging an item carries ``LAYER_MIME`` (or ``BLOCK_MIME``)
with the name as UTF-8; a double-click or Enter asks for the layer through
``add_requested``. Until the catalog arrives (it needs Keras, which loads on
a worker thread), the palette says "Loading layers…".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import Catalog, LayerSpec
from app.ui.mime import BLOCK_MIME, LAYER_MIME

BLOCKS = "Blocks"
SHORT_NAMES = {"Preprocessing and augmentation": "Preprocessing"}  # fits a narrow dock; the tooltip has all
EXPANDED_AT_START = frozenset({"Input", "Core", "Convolution", BLOCKS})
KIND_ROLE = Qt.ItemDataRole.UserRole  # "layer", "block" or "category"
NAME_ROLE = Qt.ItemDataRole.UserRole + 1  # the layer type or block name
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2  # lower-case text the search looks in
LAYER, BLOCK, CATEGORY = "layer", "block", "category"
DRAGGABLE = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
TREE_STYLE = "QTreeView { border: none; } QTreeView::item { padding: 2px 0px; }"


def first_sentence(doc: str) -> str:
    """The first sentence of a doc, on one line ("" for no doc)."""
    text = " ".join(doc.strip().split("\n\n", 1)[0].split())
    return _SENTENCE_END.split(text, 1)[0] if text else ""


def aliases(spec: LayerSpec) -> list[str]:
    """The other names Keras exports the layer under (``alias:`` tags)."""
    return [tag.split(":", 1)[1] for tag in spec.tags if tag.startswith("alias:")]


def matches(haystack: str, query: str) -> bool:
    """True when every word of ``query`` occurs in ``haystack`` (both lower case)."""
    return all(word in haystack for word in query.split())


class _PaletteTree(QTreeWidget):
    """The tree under the search box: it drags the palette's MIME data and adds on Enter."""

    def __init__(self, palette: LayerPalette) -> None:
        super().__init__()
        self._palette = palette

    def mimeTypes(self) -> list[str]:
        """The formats a drag from the palette carries."""
        return [LAYER_MIME, BLOCK_MIME]

    def mimeData(self, items: Sequence[QTreeWidgetItem]) -> QMimeData:
        """The data of a drag: the first dragged layer or block."""
        return self._palette.mime_data(items[0]) if items else QMimeData()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter adds the current item; other keys navigate as usual."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._palette.activate(self.currentItem())
            return
        super().keyPressEvent(event)


class LayerPalette(QWidget):
    """Every layer type by category, with a search box; drag an item or double-click it to add it.

    Signals:

    - ``add_requested(layer_type)`` on a double-click or Enter on a layer
    - ``block_requested(block_name)`` on a double-click or Enter on a block
    """

    add_requested = Signal(str)
    block_requested = Signal(str)

    def __init__(self, catalog: Catalog | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.catalog: Catalog | None = None
        self._blocks: list[tuple[str, str]] = []
        self._expanded = set(EXPANDED_AT_START)  # open categories when not searching (the user's choice)
        self._searching = False

        self.search = QLineEdit(placeholderText="Search layers  (Ctrl+F)", clearButtonEnabled=True)
        self.search.textChanged.connect(self._apply_filter)
        self.search.returnPressed.connect(self._activate_first_match)
        self.search.installEventFilter(self)

        self.tree = _PaletteTree(self)
        self.tree.setColumnCount(2)
        self.tree.setHeaderHidden(True)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setAnimated(False)
        self.tree.setIndentation(14)
        self.tree.setStyleSheet(TREE_STYLE)
        self.tree.itemDoubleClicked.connect(lambda item, _column: self.activate(item))
        self.tree.itemClicked.connect(self._toggle_category)
        self.tree.itemCollapsed.connect(self._remember_expansion)
        self.tree.itemExpanded.connect(self._remember_expansion)

        self._message = QLabel(wordWrap=True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self._message.setContentsMargins(12, 24, 12, 12)
        self._message.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._stack = QStackedWidget()
        self._stack.addWidget(self._message)
        self._stack.addWidget(self.tree)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self._stack, 1)
        self.set_catalog(catalog)

    # ------------------------------------------------------------------ public
    def set_catalog(self, catalog: Catalog | None) -> None:
        """Show ``catalog``'s layers (None: "Loading layers…")."""
        self.catalog = catalog
        self._refill()

    def set_blocks(self, blocks: Sequence[tuple[str, str]]) -> None:
        """Show ``(name, description)`` blocks as a last group, "Blocks"."""
        self._blocks = list(blocks)
        self._refill()

    def focus_search(self) -> None:
        """Put the cursor in the search box, its text selected (the window's Ctrl+F calls this)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def item_for(self, name: str, kind: str = LAYER) -> QTreeWidgetItem | None:
        """The tree item of layer type (or block) ``name``, or None."""
        return next((child for child in self._children()
                     if child.data(0, NAME_ROLE) == name and child.data(0, KIND_ROLE) == kind), None)

    def category_item(self, category: str) -> QTreeWidgetItem | None:
        """The tree item of ``category``, or None when it has no layers."""
        return next((item for item in self._categories() if item.data(0, NAME_ROLE) == category), None)

    def visible_names(self) -> list[str]:
        """The names of the layers and blocks the search lets through, top to bottom."""
        return [child.data(0, NAME_ROLE) for child in self._children() if not child.isHidden()]

    @property
    def message(self) -> str:
        """What the palette says instead of the tree ("" while it shows the tree)."""
        return self._message.text() if self._stack.currentWidget() is self._message else ""

    def mime_data(self, item: QTreeWidgetItem) -> QMimeData:
        """The drag data of a layer or block item (empty for a category)."""
        data = QMimeData()
        kind = item.data(0, KIND_ROLE)
        if kind in (LAYER, BLOCK):
            name = str(item.data(0, NAME_ROLE))
            data.setData(LAYER_MIME if kind == LAYER else BLOCK_MIME, name.encode("utf-8"))
            data.setText(name)
        return data

    def activate(self, item: QTreeWidgetItem) -> None:
        """Ask for the item's layer or block (a category opens or closes instead)."""
        kind, name = item.data(0, KIND_ROLE), item.data(0, NAME_ROLE)
        if kind == LAYER:
            self.add_requested.emit(name)
        elif kind == BLOCK:
            self.block_requested.emit(name)
        else:
            item.setExpanded(not item.isExpanded())

    # ------------------------------------------------------------------ events
    def eventFilter(self, watched: object, event: object) -> bool:
        """Down in the search box moves into the tree, onto the first match."""
        if (watched is self.search and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down):
            first = self._first_match()
            if first is not None:
                self.tree.setFocus()
                self.tree.setCurrentItem(first)
                return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- filling
    def _refill(self) -> None:
        tree = self.tree
        tree.setUpdatesEnabled(False)
        tree.clear()
        if self.catalog is not None:
            groups: list[tuple[str, list[QTreeWidgetItem]]] = [
                (category, [self._layer_item(spec) for spec in _curated_first(specs)])
                for category, specs in self.catalog.by_category().items()
            ]
            if self._blocks:
                groups.append((BLOCKS, [self._block_item(name, doc) for name, doc in self._blocks]))
            for category, children in groups:
                top = self._category_item(category, len(children))
                top.addChildren(children)
                tree.addTopLevelItem(top)
        tree.setUpdatesEnabled(True)
        self._apply_filter(self.search.text())

    def _category_item(self, category: str, count: int) -> QTreeWidgetItem:
        item = QTreeWidgetItem([SHORT_NAMES.get(category, category), str(count)])
        item.setToolTip(0, category)
        item.setData(0, KIND_ROLE, CATEGORY)
        item.setData(0, NAME_ROLE, category)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = QFont(self.tree.font())
        font.setBold(True)
        item.setFont(0, font)
        item.setForeground(1, self.palette().brush(QPalette.ColorRole.PlaceholderText))
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _layer_item(self, spec: LayerSpec) -> QTreeWidgetItem:
        summary = first_sentence(spec.doc)
        other_names = aliases(spec)
        item = QTreeWidgetItem([spec.type])
        item.setData(0, KIND_ROLE, LAYER)
        item.setData(0, NAME_ROLE, spec.type)
        item.setData(0, SEARCH_ROLE, " ".join([spec.type, *other_names, spec.doc]).lower())
        also = f"\nAlso called {', '.join(other_names)}." if other_names else ""
        item.setToolTip(0, f"{summary}\n{spec.category}{' · common layer' if spec.curated else ''}{also}")
        item.setFlags(DRAGGABLE)
        return item

    def _block_item(self, name: str, description: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([name])
        item.setData(0, KIND_ROLE, BLOCK)
        item.setData(0, NAME_ROLE, name)
        item.setData(0, SEARCH_ROLE, f"{name} {description}".lower())
        item.setToolTip(0, f"{first_sentence(description)}\n{BLOCKS}")
        item.setFlags(DRAGGABLE)
        return item

    # --------------------------------------------------------------- filtering
    def _apply_filter(self, text: str) -> None:
        query = text.strip().lower()
        if self.catalog is None:
            self._show_message("Loading layers…")
            return
        self.tree.setUpdatesEnabled(False)
        self._searching = bool(query)
        shown = 0
        for category in self._categories():
            count = 0
            for index in range(category.childCount()):
                child = category.child(index)
                visible = matches(child.data(0, SEARCH_ROLE), query)
                child.setHidden(not visible)
                count += visible
            shown += count
            category.setHidden(count == 0)
            category.setText(1, str(count))
            if count:
                category.setExpanded(bool(query) or category.data(0, NAME_ROLE) in self._expanded)
        self.tree.setUpdatesEnabled(True)
        if shown:
            self._stack.setCurrentWidget(self.tree)
        elif query:
            self._show_message(f"No layers match “{text.strip()}”.")
        else:
            self._show_message("The catalog has no layers.")

    def _show_message(self, text: str) -> None:
        self._message.setText(text)
        self._stack.setCurrentWidget(self._message)

    def _first_match(self) -> QTreeWidgetItem | None:
        return next((child for child in self._children() if not child.isHidden()), None)

    def _activate_first_match(self) -> None:
        first = self._first_match() if self.search.text().strip() else None
        if first is not None:
            self.activate(first)

    def _categories(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    def _children(self) -> list[QTreeWidgetItem]:
        return [category.child(i) for category in self._categories() for i in range(category.childCount())]

    def _toggle_category(self, item: QTreeWidgetItem, _column: int) -> None:
        if item.data(0, KIND_ROLE) == CATEGORY:
            item.setExpanded(not item.isExpanded())

    def _remember_expansion(self, item: QTreeWidgetItem) -> None:
        if self._searching or item.data(0, KIND_ROLE) != CATEGORY:
            return
        name = item.data(0, NAME_ROLE)
        if item.isExpanded():
            self._expanded.add(name)
        else:
            self._expanded.discard(name)


def _curated_first(specs: Sequence[LayerSpec]) -> list[LayerSpec]:
    """The curated layers by name, then the others by name."""
    return sorted(specs, key=lambda spec: (not spec.curated, spec.type))
