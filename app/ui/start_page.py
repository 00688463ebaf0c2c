"""The start page: begin a project from an example, a blank canvas, a file or data; reopen a recent one.

Shown when Netloom starts without a file and by File > New. The example
gallery is a grid of cards (thumbnail, title, one line of description) that
reflows with the page's width; the recent files sit in a column on the right,
missing ones greyed out and removable. The page only emits signals: the
window decides what opening means.

Example thumbnails are drawn the first time the page is shown: nine small
project files load and draw in a few tens of milliseconds, no Keras needed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QEnterEvent,
    QFontMetrics,
    QIcon,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import Catalog
from app.core.examples import ExampleInfo, list_examples
from app.core.project import ProjectError, load_project
from app.ui.recent import RecentFiles
from app.ui.thumbnails import graph_thumbnail
from app.ui.widgets import bold_font, muted_label

logger = logging.getLogger(__name__)

CARD_SIZE = QSize(212, 200)
THUMBNAIL_SIZE = QSize(CARD_SIZE.width() - 16, 104)
TILE_SIZE = QSize(CARD_SIZE.width(), 64)
GRID_SPACING = 16
RECENT_WIDTH = 260
RADIUS = 8.0
PATH_ROLE = Qt.ItemDataRole.UserRole


def wrap_lines(text: str, metrics: QFontMetrics, width: int, max_lines: int) -> list[str]:
    """``text`` broken into at most ``max_lines`` lines of ``width`` pixels; the last one elided."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and metrics.horizontalAdvance(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words and lines:
        lines[-1] = metrics.elidedText(f"{lines[-1]} {' '.join(words)}", Qt.TextElideMode.ElideRight, width)
    return [metrics.elidedText(line, Qt.TextElideMode.ElideRight, width) for line in lines]


class Tile(QWidget):
    """A clickable rounded card that highlights under the mouse and with keyboard focus."""

    clicked = Signal()

    def __init__(self, size: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._hovered = False
        self._pressed = False
        self.setFixedSize(size)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)

    @property
    def hovered(self) -> bool:
        """True while the mouse is over the tile."""
        return self._hovered

    def enterEvent(self, event: QEnterEvent) -> None:
        """Highlight."""
        self._hovered = True
        self.update()
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        """Stop highlighting."""
        self._hovered = self._pressed = False
        self.update()
        super().leaveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Remember a left press; the click happens on release inside the tile."""
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = True
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A left release inside the tile after a press inside it is a click."""
        was_pressed, self._pressed = self._pressed, False
        self.update()
        if was_pressed and event.button() == Qt.MouseButton.LeftButton and self.rect().contains(
            event.position().toPoint()
        ):
            self.clicked.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter, Return and Space click the focused tile."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit()
        else:
            super().keyPressEvent(event)

    def paint_frame(self, painter: QPainter) -> None:
        """The card's background and border; the border takes the highlight colour when active."""
        palette = self.palette()
        active = self._hovered or self.hasFocus()
        rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
        background = palette.color(QPalette.ColorRole.Base)
        if self._pressed:
            background = palette.color(QPalette.ColorRole.AlternateBase)
        border = palette.color(QPalette.ColorRole.Highlight if active else QPalette.ColorRole.Mid)
        painter.setPen(QPen(border, 2.0 if active else 1.0))
        painter.setBrush(background)
        painter.drawRoundedRect(rect, RADIUS, RADIUS)


class ExampleCard(Tile):
    """One example project: its thumbnail, title and description."""

    def __init__(self, info: ExampleInfo, parent: QWidget | None = None) -> None:
        super().__init__(CARD_SIZE, parent)
        self.info = info
        self.thumbnail = QPixmap()
        self.setToolTip(f"{info.title}\n\n{info.description}" if info.description else info.title)
        self.setAccessibleName(f"Example: {info.title}")
        self.setAccessibleDescription(info.description)

    def set_thumbnail(self, pixmap: QPixmap) -> None:
        """Show ``pixmap`` above the title."""
        self.thumbnail = pixmap
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        """Frame, thumbnail panel, title and two lines of description."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint_frame(painter)
        palette = self.palette()
        panel = QRectF(8, 8, THUMBNAIL_SIZE.width(), THUMBNAIL_SIZE.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(panel, RADIUS - 2, RADIUS - 2)
        if not self.thumbnail.isNull():
            painter.drawPixmap(panel.topLeft().toPoint(), self.thumbnail)
        width = self.width() - 24
        y = int(panel.bottom()) + 10
        painter.setFont(bold_font(self))
        title = QFontMetrics(painter.font())
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(QPoint(12, y + title.ascent()),
                         title.elidedText(self.info.title, Qt.TextElideMode.ElideRight, width))
        y += title.height() + 4
        painter.setFont(self.font())
        body = QFontMetrics(self.font())
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        for line in wrap_lines(self.info.description, body, width, 3):
            painter.drawText(QPoint(12, y + body.ascent()), line)
            y += body.lineSpacing()
        painter.end()


class ActionTile(Tile):
    """A tile for a way to start: an icon, a title and a hint."""

    def __init__(self, icon: QIcon, title: str, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(TILE_SIZE, parent)
        self.icon = icon
        self.title = title
        self.hint = hint
        self.setToolTip(hint)
        self.setAccessibleName(title)

    def paintEvent(self, event: QPaintEvent) -> None:
        """Frame, icon on the left, title and hint beside it."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.paint_frame(painter)
        palette = self.palette()
        icon_size = 28
        self.icon.paint(painter, 14, (self.height() - icon_size) // 2, icon_size, icon_size)
        left = 14 + icon_size + 12
        width = self.width() - left - 10
        painter.setFont(bold_font(self))
        title = QFontMetrics(painter.font())
        body = QFontMetrics(self.font())
        top = (self.height() - title.height() - body.height() - 2) // 2
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        painter.drawText(QPoint(left, top + title.ascent()),
                         title.elidedText(self.title, Qt.TextElideMode.ElideRight, width))
        painter.setFont(self.font())
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(QPoint(left, top + title.height() + 2 + body.ascent()),
                         body.elidedText(self.hint, Qt.TextElideMode.ElideRight, width))
        painter.end()


class CardGrid(QWidget):
    """Cards in as many columns as fit the width, re-flowed when the width changes.

    The cards are placed by hand (no layout), and the grid asks for exactly the
    height its rows need, so a scroll area around it scrolls just that far.
    """

    def __init__(self, cards: list[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.cards = cards
        self._columns = 0
        for card in cards:
            card.setParent(self)
        self._card = cards[0].size() if cards else CARD_SIZE
        self.setMinimumWidth(self._card.width())
        self._reflow(1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Re-flow the cards for the new width."""
        super().resizeEvent(event)
        self._reflow(max(1, (event.size().width() + GRID_SPACING) // (self._card.width() + GRID_SPACING)))

    @property
    def columns(self) -> int:
        """How many cards sit in one row."""
        return self._columns

    def _reflow(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        step_x, step_y = self._card.width() + GRID_SPACING, self._card.height() + GRID_SPACING
        for index, card in enumerate(self.cards):
            card.move((index % columns) * step_x, (index // columns) * step_y)
        rows = -(-len(self.cards) // columns)
        self.setFixedHeight(max(0, rows * step_y - GRID_SPACING))


class StartPage(QWidget):
    """Examples, ways to start, and the recent files.

    Signals: ``example_chosen(path)``, ``open_requested()``, ``new_requested()``,
    ``from_data_requested()``, ``recent_chosen(path)``.
    """

    example_chosen = Signal(str)
    open_requested = Signal()
    new_requested = Signal()
    from_data_requested = Signal()
    recent_chosen = Signal(str)

    def __init__(
        self,
        recent: RecentFiles | None = None,
        parent: QWidget | None = None,
        examples: list[ExampleInfo] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        super().__init__(parent)
        self._built = False  # palette changes arrive while the page is being built
        self.recent = recent or RecentFiles()
        self.catalog = catalog
        self._thumbnails_drawn = False
        self._examples_error = ""
        self.examples = examples if examples is not None else self._find_examples()
        self.cards = [ExampleCard(info) for info in self.examples]
        for card in self.cards:
            card.clicked.connect(lambda c=card: self.example_chosen.emit(str(c.info.path)))
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.Window)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._make_main(), 1)
        divider = QFrame()
        divider.setFrameShape(QFrame.Shape.VLine)
        divider.setFrameShadow(QFrame.Shadow.Plain)
        divider.setForegroundRole(QPalette.ColorRole.Mid)
        layout.addWidget(divider)
        layout.addWidget(self._make_recent())
        self.refresh_recent()
        self._built = True

    # ------------------------------------------------------------------ public
    def set_catalog(self, catalog: Catalog) -> None:
        """Colour the thumbnails by layer category from now on."""
        self.catalog = catalog
        if self._thumbnails_drawn:
            self.draw_thumbnails()

    def draw_thumbnails(self) -> None:
        """Load each example and draw its thumbnail (called on first show; fast, no Keras)."""
        self._thumbnails_drawn = True
        palette = self.palette()
        for card in self.cards:
            try:
                graph = load_project(card.info.path).graph
            except ProjectError as error:
                logger.warning("No thumbnail for %s: %s", card.info.path, error)
                continue
            card.set_thumbnail(graph_thumbnail(graph, THUMBNAIL_SIZE, palette, self.catalog))

    def refresh_recent(self) -> None:
        """Re-read the recent files (missing ones greyed out)."""
        self.recent_list.clear()
        muted = self.palette().color(QPalette.ColorRole.PlaceholderText)
        for path in self.recent.paths():
            exists = path.is_file()
            name = path.name if exists else f"{path.name} (missing)"
            item = QListWidgetItem(f"{name}\n{path.parent}")
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(str(path) if exists else f"{path}\nThe file is no longer there.")
            item.setIcon(self._file_icon if exists else self._missing_icon)
            if not exists:
                item.setForeground(muted)
            self.recent_list.addItem(item)
        empty = self.recent_list.count() == 0
        self.recent_list.setVisible(not empty)
        self._recent_empty.setVisible(empty)
        self._clear_button.setEnabled(not empty)
        self._remove_button.setEnabled(False)

    def remove_selected_recent(self) -> None:
        """Forget the selected recent file."""
        item = self.recent_list.currentItem()
        if item is not None:
            self.recent.remove(item.data(PATH_ROLE))
            self.refresh_recent()

    def clear_recent(self) -> None:
        """Forget every recent file."""
        self.recent.clear()
        self.refresh_recent()

    def showEvent(self, event: QShowEvent) -> None:
        """Draw the thumbnails the first time, and bring the recent list up to date."""
        if not self._thumbnails_drawn:
            self.draw_thumbnails()
        else:
            self.refresh_recent()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        """Redraw the thumbnails in the new colours when the theme changes."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self._built:
            if self._thumbnails_drawn:
                self.draw_thumbnails()
            self.refresh_recent()

    # ------------------------------------------------------------------ layout
    def _find_examples(self) -> list[ExampleInfo]:
        try:
            return list_examples()
        except (OSError, ValueError) as error:
            logger.warning("No examples: %s", error)
            self._examples_error = str(error)
            return []

    def _make_main(self) -> QWidget:
        content = QWidget()
        content.setAutoFillBackground(False)
        column = QVBoxLayout(content)
        column.setContentsMargins(24, 20, 16, 20)
        column.setSpacing(8)
        heading = QLabel("Start a project")
        heading.setFont(bold_font(heading, 1.6))
        column.addWidget(heading)
        column.addWidget(muted_label("Begin from an example, a blank canvas, a file or your data."))
        column.addSpacing(12)
        column.addLayout(self._make_actions())
        column.addSpacing(20)
        examples = QLabel("Examples")
        examples.setFont(bold_font(examples, 1.15))
        column.addWidget(examples)
        if self.cards:
            self.grid = CardGrid(list(self.cards))
            column.addWidget(self.grid)
        else:
            column.addWidget(muted_label(f"No examples are installed. {self._examples_error}".strip()))
        column.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.viewport().setAutoFillBackground(False)
        return scroll

    def _make_actions(self) -> QHBoxLayout:
        style = self.style()
        tiles = (
            (QStyle.StandardPixmap.SP_FileIcon, "Blank project", "An empty canvas", self.new_requested),
            (QStyle.StandardPixmap.SP_DialogOpenButton, "Open…", "A project or a model",
             self.open_requested),
            (QStyle.StandardPixmap.SP_FileDialogContentsView, "From data…", "A model for your data",
             self.from_data_requested),
        )
        row = QHBoxLayout()
        row.setSpacing(GRID_SPACING)
        self.action_tiles: list[ActionTile] = []
        for pixmap, title, hint, signal in tiles:
            tile = ActionTile(style.standardIcon(pixmap), title, hint)
            tile.clicked.connect(signal.emit)
            self.action_tiles.append(tile)
            row.addWidget(tile)
        row.addStretch(1)
        return row

    def _make_recent(self) -> QWidget:
        panel = QWidget()
        panel.setFixedWidth(RECENT_WIDTH)
        panel.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        panel.setAutoFillBackground(True)
        panel.setBackgroundRole(QPalette.ColorRole.Base)
        column = QVBoxLayout(panel)
        column.setContentsMargins(16, 20, 16, 16)
        heading = QLabel("Recent")
        heading.setFont(bold_font(heading, 1.15))
        column.addWidget(heading)
        style = self.style()
        self._file_icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        self._missing_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        self.recent_list = QListWidget()
        self.recent_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.recent_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.recent_list.setSpacing(2)
        self.recent_list.setFrameShape(QFrame.Shape.NoFrame)
        self.recent_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.recent_list.setWordWrap(False)
        self.recent_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.recent_list.customContextMenuRequested.connect(self._recent_menu)
        self.recent_list.itemClicked.connect(self._on_recent_clicked)
        self.recent_list.itemActivated.connect(self._on_recent_clicked)
        self.recent_list.currentItemChanged.connect(
            lambda item, _old: self._remove_button.setEnabled(item is not None)
        )
        self._recent_empty = muted_label("Projects you open or save will be listed here.")
        self._recent_empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        column.addWidget(self.recent_list, 1)
        column.addWidget(self._recent_empty, 1)
        buttons = QHBoxLayout()
        self._remove_button = QPushButton("Remove")
        self._remove_button.setToolTip("Remove the selected file from this list (the file is kept)")
        self._remove_button.clicked.connect(self.remove_selected_recent)
        self._clear_button = QPushButton("Clear list")
        self._clear_button.clicked.connect(self.clear_recent)
        buttons.addWidget(self._remove_button)
        buttons.addWidget(self._clear_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        return panel

    # ------------------------------------------------------------------ recent
    def _on_recent_clicked(self, item: QListWidgetItem) -> None:
        path = Path(item.data(PATH_ROLE))
        if path.is_file():
            self.recent_chosen.emit(str(path))

    def _recent_menu(self, point: QPoint) -> None:
        item = self.recent_list.itemAt(point)
        if item is None:
            return
        self.recent_list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Remove from list", self.remove_selected_recent)
        menu.exec(self.recent_list.viewport().mapToGlobal(point))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Delete removes the selected recent file from the list."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.recent_list.hasFocus():
            self.remove_selected_recent()
        else:
            super().keyPressEvent(event)

