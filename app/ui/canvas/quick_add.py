"""Quick-add: a search popup that adds a layer where the user is looking.

Typing a letter, Tab or Space on the canvas opens it at the cursor. The list
searches type names, aliases (``alias:X`` tags), categories and the first
line of each layer's doc, best matches first: a name that starts with the
text, then one with a word that starts with it, then one that merely
contains it. When opened from a wire dropped on empty canvas, only layers
that can take the wire's tensor are listed (``layer_fits``), with "Show all
layers" to lift the filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import CALL_NONE, CATEGORIES, Catalog, LayerSpec
from app.core.shapes import Shape, format_shape

_SPATIAL = re.compile(r"[123]D$")
# Categories whose layers need an exact rank (taken from the spec's example input).
_EXACT_RANK_CATEGORIES = {"Convolution", "Pooling", "Recurrent", "Pretrained"}
_EXACT_RANK_TYPES = {"RepeatVector"}
_IMAGE_PREPROCESSING_ANY_RANK = {"Normalization", "Rescaling"}
_WORD_START = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|[\s_\-]+")


def required_rank(spec: LayerSpec) -> tuple[int, int | None] | None:
    """The ranks (batch axis included) a layer accepts as ``(lowest, highest)``; None: no input at all.

    A cheap rule from the spec alone: layers with a ``1D``/``2D``/``3D``
    suffix, convolutions, pooling, recurrent layers and backbones want the
    rank of their example input; image augmentation wants images; the rest
    (Dense, Dropout, activations, normalization, Flatten, merges) take any
    rank from 2 up.
    """
    if spec.call == CALL_NONE:
        return None
    example_rank = len(spec.example_input[0]) + 1 if spec.example_input else None
    exact = (
        spec.category in _EXACT_RANK_CATEGORIES
        or spec.type in _EXACT_RANK_TYPES
        or bool(_SPATIAL.search(spec.type))
    )
    if spec.category == "Preprocessing and augmentation":
        exact = example_rank == 4 and spec.type not in _IMAGE_PREPROCESSING_ANY_RANK
    if spec.category == "Attention":
        return (3, None)
    if exact and example_rank is not None:
        return (example_rank, example_rank)
    return (2, None)


def layer_fits(spec: LayerSpec, shape: Shape | None) -> bool:
    """True when ``spec``'s layer can plausibly take a tensor of ``shape`` (batch axis first).

    An unknown shape fits every layer that has an input.
    """
    ranks = required_rank(spec)
    if ranks is None:
        return False
    if shape is None:
        return True
    lowest, highest = ranks
    return len(shape) >= lowest and (highest is None or len(shape) <= highest)


def _aliases(spec: LayerSpec) -> list[str]:
    return [tag[len("alias:"):] for tag in spec.tags if tag.startswith("alias:")]


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD_START.split(text) if w]


def match_score(spec: LayerSpec, query: str) -> int | None:
    """How well ``spec`` matches ``query`` (lower is better), or None when it does not match."""
    query = query.strip().lower()
    if not query:
        return 0
    names = [spec.type, *_aliases(spec)]
    lowered = [name.lower() for name in names]
    if lowered[0] == query:
        return 0
    if any(name == query for name in lowered[1:]):
        return 1
    if lowered[0].startswith(query):
        return 2
    if any(name.startswith(query) for name in lowered[1:]):
        return 3
    if any(_word_prefix(name, query) for name in names):
        return 4
    if any(query in name for name in lowered):
        return 5
    if spec.category.lower().startswith(query) or _word_prefix(spec.category, query):
        return 6
    first_line = spec.doc.strip().splitlines()[0] if spec.doc.strip() else ""
    if query in first_line.lower():
        return 7
    return None


def _word_prefix(text: str, query: str) -> bool:
    words, query = _words(text), query.replace(" ", "")
    return any("".join(words[start:]).startswith(query) for start in range(len(words)))


def search_specs(specs: Iterable[LayerSpec], query: str) -> list[LayerSpec]:
    """The specs matching ``query``, best first (ties: curated, then shorter, then by name).

    With no query, every spec in palette order (category, then curated, then name).
    """
    category_order = {c: i for i, c in enumerate(CATEGORIES)}
    if not query.strip():
        return sorted(specs, key=lambda s: (category_order.get(s.category, 99), not s.curated, s.type))
    scored = [(score, spec) for spec in specs if (score := match_score(spec, query)) is not None]
    scored.sort(key=lambda pair: (pair[0], not pair[1].curated, len(pair[1].type), pair[1].type))
    return [spec for _, spec in scored]


CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 1


class _CategoryDelegate(QStyledItemDelegate):
    """Draws each layer's category right-aligned and dimmed beside its name."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        """The usual item, then the category at its right end."""
        super().paint(painter, option, index)
        category = index.data(CATEGORY_ROLE)
        if not category:
            return
        painter.save()
        selected = option.state & QStyle.StateFlag.State_Selected
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.PlaceholderText
        painter.setPen(option.palette.color(role))
        rect = option.rect.adjusted(0, 0, -6, 0)
        painter.drawText(rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, category)
        painter.restore()


_LIST_STEPS = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_PageDown: 8, Qt.Key.Key_PageUp: -8}


class QuickAddPopup(QFrame):
    """The popup: a search field, a "Show all layers" switch (when filtered) and the list.

    ``chosen(layer_type)`` is emitted when the user picks a layer (Enter,
    click or double-click); Escape closes without choosing.
    """

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.catalog: Catalog | None = None
        self.fit_shape: Shape | None = None
        self._filtered = False
        self.search_field = QLineEdit(self)
        self.search_field.setPlaceholderText("Search layers…")
        self.search_field.setClearButtonEnabled(True)
        self.show_all = QCheckBox("Show all layers", self)
        self.hint = QLabel(self)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        self.list.setItemDelegate(_CategoryDelegate(self.list))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addWidget(self.search_field)
        layout.addWidget(self.hint)
        layout.addWidget(self.show_all)
        layout.addWidget(self.list)
        self.resize(320, 360)
        self.search_field.textChanged.connect(self._fill)
        self.show_all.toggled.connect(self._fill)
        self.list.itemActivated.connect(self._choose_item)
        self.list.itemClicked.connect(self._choose_item)
        self.search_field.installEventFilter(self)

    def set_catalog(self, catalog: Catalog | None) -> None:
        """Offer the layers of ``catalog`` (None: "Loading layers…"); the list fills when shown."""
        self.catalog = catalog
        if self.isVisible():
            self._fill()

    def open_at(self, global_pos: QPoint, text: str = "", fit_shape: Shape | None = None,
                filtered: bool = False) -> None:
        """Show at ``global_pos`` with ``text`` typed; ``filtered``: only layers that fit ``fit_shape``."""
        self.fit_shape = fit_shape
        self._filtered = filtered
        self.show_all.setVisible(filtered)
        self.show_all.setChecked(False)
        self.hint.setVisible(filtered)
        self.hint.setText(f"Layers that take {format_shape(fit_shape)}" if filtered else "")
        self.search_field.setText(text)
        self._fill()
        self.move(global_pos)
        self.show()
        self.raise_()
        self.activateWindow()
        self.search_field.setFocus()

    def visible_types(self) -> list[str]:
        """The layer types listed now, top to bottom."""
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                if self.list.item(i).data(Qt.ItemDataRole.UserRole)]

    def _candidates(self) -> Sequence[LayerSpec]:
        if self.catalog is None:
            return []
        specs = self.catalog.specs()
        if self._filtered and not self.show_all.isChecked():
            specs = [s for s in specs if layer_fits(s, self.fit_shape)]
        return specs

    def _fill(self) -> None:
        self.list.clear()
        if self.catalog is None:
            item = QListWidgetItem("Loading layers…")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(item)
            return
        for spec in search_specs(self._candidates(), self.search_field.text()):
            item = QListWidgetItem(spec.type)
            item.setData(Qt.ItemDataRole.UserRole, spec.type)
            item.setData(CATEGORY_ROLE, spec.category)
            first_line = spec.doc.strip().splitlines()[0] if spec.doc.strip() else ""
            item.setToolTip(first_line)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _choose_item(self, item: QListWidgetItem | None) -> None:
        layer_type = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if layer_type:
            self.hide()
            self.chosen.emit(layer_type)

    def eventFilter(self, watched: object, event: object) -> bool:
        """Up/Down move through the list, Enter picks, Escape closes, while typing in the field."""
        is_key_press = isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress
        if watched is self.search_field and is_key_press:
            key = event.key()
            if key in _LIST_STEPS:
                step = _LIST_STEPS[key]
                row = min(max(self.list.currentRow() + step, 0), self.list.count() - 1)
                self.list.setCurrentRow(row)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._choose_item(self.list.currentItem())
                return True
            if key == Qt.Key.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Escape closes the popup wherever the focus is."""
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            return
        super().keyPressEvent(event)
