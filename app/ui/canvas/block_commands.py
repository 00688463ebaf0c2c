"""The canvas's block commands: group, ungroup, collapse, rename, save and insert blocks.

``BlockCommands`` is mixed into ``GraphView``; each command is one undo step
handed to the scene's ``push`` (through ``_push``), and a refusal becomes a
``message`` for the status bar. The context menu of nodes and blocks is
built here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QMenu

from app.core.blocks import BlockError, block_from_nodes, input_shapes_from, insert_block_edit
from app.core.edits import Compound, Edit, GroupNodes, RenameGroup, SetGroupCollapsed, Ungroup
from app.ui.canvas.blocks import BlockNodeItem
from app.ui.canvas.items import NodeItem

if TYPE_CHECKING:
    from app.ui.canvas.scene import GraphScene

BlockProvider = Callable[[str], "dict[str, Any] | None"]
DEFAULT_BLOCK_NAME = "block"


class BlockCommands:
    """Block commands for a view that has ``graph_scene``, ``message``, ``_push`` and ``_view_centre``."""

    graph_scene: GraphScene
    _block_provider: BlockProvider | None = None

    if TYPE_CHECKING:
        message: Any
        save_block_requested: Any

        def _push(self, edit: Edit) -> bool: ...
        def _view_centre(self) -> QPointF: ...
        def duplicate_selection(self) -> list[str]: ...
        def delete_selection(self) -> None: ...

    # ----------------------------------------------------------- settings
    def set_block_provider(self, provider: BlockProvider | None) -> None:
        """Use ``provider`` to turn a block name (dropped, or asked for) into its definition."""
        self._block_provider = provider

    # ---------------------------------------------------------- selection
    def selected_groups(self) -> list[str]:
        """Ids of the groups the selection touches (a selected block, or a selected member)."""
        return self.graph_scene.selected_groups()

    # ------------------------------------------------------------ grouping
    def group_selection(self, name: str | None = None) -> str | None:
        """Group the selected nodes into a block (one undo step) and return its id; None when refused."""
        scene = self.graph_scene
        node_ids = scene.selected_node_ids()
        if not node_ids:
            self.message.emit("Select the layers to group first.")
            return None
        for node_id in node_ids:
            group = scene.graph.group_of(node_id)
            if group is not None:
                self.message.emit(
                    f"{scene.graph.node(node_id).name!r} already belongs to the block {group.name!r}; "
                    "ungroup it first."
                )
                return None
        edit = GroupNodes(scene.graph.unique_group_name(name or DEFAULT_BLOCK_NAME), node_ids)
        if not self._push(edit):
            return None
        return edit.group_id

    def ungroup_selection(self) -> list[str]:
        """Dissolve the groups of the selection (their layers stay), as one step; their former ids."""
        group_ids = self.selected_groups()
        if not group_ids:
            return []
        members = [n for g in group_ids for n in self.graph_scene.graph.group(g).node_ids]
        edits: list[Edit] = [Ungroup(group_id) for group_id in group_ids]
        if not self._push(edits[0] if len(edits) == 1 else Compound(edits, "Ungroup")):
            return []
        self.graph_scene.select_nodes(members)
        return group_ids

    def toggle_collapse_selection(self) -> None:
        """Collapse the selection's groups (expand them when all are collapsed already), as one step."""
        scene = self.graph_scene
        group_ids = self.selected_groups()
        if not group_ids:
            return
        collapse = not all(scene.graph.group(g).collapsed for g in group_ids)
        self.set_groups_collapsed(group_ids, collapse)

    def set_groups_collapsed(self, group_ids: list[str], collapsed: bool) -> None:
        """Collapse (or expand) these groups as one step, and select what shows them."""
        scene = self.graph_scene
        edits: list[Edit] = [
            SetGroupCollapsed(g, collapsed) for g in group_ids if scene.graph.group(g).collapsed != collapsed
        ]
        if not edits:
            return
        word = "Collapse" if collapsed else "Expand"
        if self._push(edits[0] if len(edits) == 1 else Compound(edits, f"{word} blocks")):
            scene.select_nodes([n for g in group_ids for n in scene.graph.group(g).node_ids])

    def rename_group(self, group_id: str, name: str) -> bool:
        """Rename a block (one undo step); False when refused (the reason goes to ``message``)."""
        if not name or name == self.graph_scene.graph.group(group_id).name:
            return False
        return self._push(RenameGroup(group_id, name))

    def ask_rename_group(self, group_id: str) -> None:
        """Ask for a block's new name in a small dialog, then rename it."""
        old = self.graph_scene.graph.group(group_id).name
        name, ok = QInputDialog.getText(self, "Rename block", "Block name:", text=old)  # type: ignore[arg-type]
        if ok:
            self.rename_group(group_id, name.strip())

    # --------------------------------------------------------- definitions
    def block_from_selection(self, name: str, description: str = "") -> dict[str, Any]:
        """A block definition of the selected nodes, shaped by the last check; else ``BlockError``."""
        return self._block_of(self.graph_scene.selected_node_ids(), name, description)

    def block_from_group(
        self, group_id: str, name: str | None = None, description: str = ""
    ) -> dict[str, Any]:
        """A block definition of group ``group_id`` (named as the group unless ``name``); ``BlockError``."""
        group = self.graph_scene.graph.group(group_id)
        return self._block_of(list(group.node_ids), name or group.name, description)

    def _block_of(self, node_ids: list[str], name: str, description: str) -> dict[str, Any]:
        scene = self.graph_scene
        if not node_ids:
            raise BlockError("Select the layers of the block first.")
        result = scene.result()
        if result is None:
            raise BlockError("The graph has not been checked yet: wait until the shapes show, and try again.")
        shapes = input_shapes_from(scene.graph, node_ids, result.shapes)
        return block_from_nodes(scene.graph, node_ids, name, description, shapes)

    # ----------------------------------------------------------- insertion
    def insert_block(
        self, block: dict[str, Any], scene_pos: QPointF | None = None, after_selected: bool = True
    ) -> list[str]:
        """Add a copy of ``block`` as one expanded group in one step; select and return its new nodes.

        With ``after_selected`` and one node (or block) selected, the block's
        first input is fed by it. The block lands with its top-left layer at
        ``scene_pos``; without one, beside the node it is attached to, or in
        the middle of the view.
        """
        scene = self.graph_scene
        attach = self._attach_point() if after_selected else None
        if scene_pos is not None:
            point = scene.snap_point(scene_pos)
            position = (point.x(), point.y())
        elif attach is not None:
            position = _beside(scene.graph.node(attach).position, block)
        else:
            point = scene.snap_point(self._view_centre())
            position = (point.x(), point.y())
        try:
            edit = insert_block_edit(scene.graph, block, position, attach)
        except (BlockError, ValueError) as error:
            self.message.emit(str(error))
            return []
        if not self._push(edit):
            return []
        scene.select_nodes(edit.node_ids)
        return list(edit.node_ids)

    def insert_block_named(self, name: str, scene_pos: QPointF | None = None) -> list[str]:
        """Insert the block called ``name`` (looked up through the block provider); [] if unknown."""
        block = self._block_provider(name) if self._block_provider is not None else None
        if block is None:
            self.message.emit(f"No block called {name!r} is available.")
            return []
        return self.insert_block(block, scene_pos)

    def _attach_point(self) -> str | None:
        """The node a new block is fed by: the one selected node, or a selected block's first output."""
        scene = self.graph_scene
        chosen = [item for item in scene.selectedItems() if isinstance(item, NodeItem)]
        if len(chosen) != 1:
            return None
        item = chosen[0]
        if isinstance(item, BlockNodeItem):
            node_id, port = item.output_ends[0]
            return node_id if port == 0 else None
        return item.node_id

    # ---------------------------------------------------------------- menu
    def context_menu(self) -> QMenu:
        """The menu of the selection: group, ungroup, collapse or expand, rename, save, duplicate, delete."""
        scene = self.graph_scene
        menu = QMenu(self)  # type: ignore[arg-type]
        node_ids = scene.selected_node_ids()
        groups = self.selected_groups()
        one_group = groups[0] if len(groups) == 1 else None
        grouped = any(scene.graph.group_of(n) is not None for n in node_ids)

        def add(name: str, text: str, slot: Callable[[], object], enabled: bool, keys: str = "") -> QAction:
            action = menu.addAction(text)
            action.setObjectName(name)
            action.setEnabled(enabled)
            if keys:
                action.setShortcut(QKeySequence(keys))
            action.triggered.connect(lambda _checked=False: slot())
            return action

        add("group", "Group into block", self.group_selection, bool(node_ids) and not grouped, "Ctrl+G")
        add("ungroup", "Ungroup", self.ungroup_selection, bool(groups), "Ctrl+Shift+G")
        all_collapsed = bool(groups) and all(scene.graph.group(g).collapsed for g in groups)
        add("collapse", "Expand block" if all_collapsed else "Collapse block",
            self.toggle_collapse_selection, bool(groups))
        add("rename_block", "Rename block…", lambda: self.ask_rename_group(one_group or ""),
            one_group is not None)
        add("save_block", "Save block to library…", lambda: self.save_block_requested.emit(one_group),
            one_group is not None)
        menu.addSeparator()
        one = node_ids[0] if len(node_ids) == 1 else ""
        for what, text in (("activations", "Show activations"), ("filters", "Show filters"),
                           ("health", "Show training health")):
            add(f"inspect_{what}", text, lambda what=what: self.inspect_requested.emit(what, one), bool(one))
        menu.addSeparator()
        add("duplicate", "Duplicate", self.duplicate_selection, bool(node_ids), "Ctrl+D")
        add("delete", "Delete", self.delete_selection, bool(node_ids), "Del")
        return menu


def _beside(anchor: tuple[float, float], block: dict[str, Any]) -> tuple[float, float]:
    """Where a block's top-left layer goes so that its first Input would sit at ``anchor``."""
    try:
        nodes = block["graph"]["nodes"]
        inputs = [n for n in nodes if n.get("type") == "Input"]
        layers = [n for n in nodes if n.get("type") != "Input"]
        ix, iy = inputs[0].get("position", (0.0, 0.0))
        left = min(float(n.get("position", (0, 0))[0]) for n in layers)
        top = min(float(n.get("position", (0, 0))[1]) for n in layers)
        return (anchor[0] + left - float(ix), anchor[1] + top - float(iy))
    except (KeyError, IndexError, TypeError, ValueError, AttributeError):  # refused later, with a reason
        return (anchor[0] + 220.0, anchor[1])
