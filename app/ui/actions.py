"""The window's menu actions, declared as data: the menus are generated from ``ACTIONS``."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QKeySequence


@dataclass(frozen=True)
class ActionSpec:
    """One menu action, declared as data; the menus are generated from these.

    ``scope`` "canvas" makes the shortcut work only while the canvas has focus,
    so Ctrl+C in a text field still copies text.
    """

    name: str
    menu: str
    text: str
    shortcut: QKeySequence.StandardKey | str | None
    slot: str  # name of a MainWindow method
    tip: str = ""
    scope: str = "window"
    checkable: bool = False
    separator_before: bool = False


SK = QKeySequence.StandardKey
ACTIONS = (
    ActionSpec("new", "&File", "&New…", SK.New, "new_project",
               "Start from an example, a template or a blank canvas"),
    ActionSpec("new_window", "&File", "New &Window", "Ctrl+Shift+N", "new_window", "Open another window"),
    ActionSpec("open", "&File", "&Open…", SK.Open, "open_dialog",
               "Open a project or import a .keras/.h5 model"),
    ActionSpec("save", "&File", "&Save", SK.Save, "save", "Save the project", separator_before=True),
    ActionSpec("save_as", "&File", "Save &As…", SK.SaveAs, "save_as", "Save the project to a new file"),
    ActionSpec("export_script", "&File", "Export Python &Script…", "Ctrl+E", "export_script",
               "Write the model as a plain Keras Python script", separator_before=True),
    ActionSpec("export_model", "&File", "E&xport Model…", "Ctrl+Shift+E", "export_model",
               "Export the model (.keras, .h5, SavedModel, ONNX, TFLite, ...), each file checked"),
    ActionSpec("quit", "&File", "&Quit", SK.Quit, "close", "Quit Netloom", separator_before=True),
    ActionSpec("cut", "&Edit", "Cu&t", SK.Cut, "cut", "Cut the selected layers", "canvas",
               separator_before=True),
    ActionSpec("copy", "&Edit", "&Copy", SK.Copy, "copy", "Copy the selected layers", "canvas"),
    ActionSpec("paste", "&Edit", "&Paste", SK.Paste, "paste", "Paste layers", "canvas"),
    ActionSpec("duplicate", "&Edit", "&Duplicate", "Ctrl+D", "duplicate", "Duplicate the selected layers",
               "canvas"),
    ActionSpec("delete", "&Edit", "De&lete", SK.Delete, "delete", "Delete the selected layers and wires",
               "canvas"),
    ActionSpec("select_all", "&Edit", "Select &All", SK.SelectAll, "select_all", "Select every layer",
               "canvas"),
    ActionSpec("group", "&Edit", "&Group as Block", "Ctrl+G", "group_selection",
               "Group the selected layers into a named block", "canvas", separator_before=True),
    ActionSpec("ungroup", "&Edit", "&Ungroup", "Ctrl+Shift+G", "ungroup_selection",
               "Dissolve the selected blocks (their layers stay)", "canvas"),
    ActionSpec("collapse", "&Edit", "Collapse / E&xpand Block", "Ctrl+B", "toggle_collapse",
               "Show a block as one node, or its layers again", "canvas"),
    ActionSpec("save_block", "&Edit", "Save Block to &Library…", None, "save_block",
               "Keep the selected block in your personal library, for other projects"),
    ActionSpec("find_layer", "&Edit", "&Find Layer…", SK.Find, "focus_palette_search",
               "Search the layer palette", separator_before=True),
    ActionSpec("preferences", "&Edit", "Pr&eferences…", SK.Preferences, "show_preferences",
               "Choose plugin folders", separator_before=True),
    ActionSpec("fit", "&View", "&Fit to Window", "F", "fit_view", "Show the whole graph", "canvas"),
    ActionSpec("zoom_in", "&View", "Zoom &In", SK.ZoomIn, "zoom_in", "Zoom in"),
    ActionSpec("zoom_out", "&View", "Zoom &Out", SK.ZoomOut, "zoom_out", "Zoom out"),
    ActionSpec("zoom_reset", "&View", "&Actual Size", "Ctrl+0", "zoom_reset", "Zoom to 100%"),
    ActionSpec("tidy", "&View", "&Tidy Layout", "Ctrl+L", "tidy", "Lay the graph out automatically",
               separator_before=True),
    ActionSpec("snap", "&View", "&Snap to Grid", None, "set_snap", "Snap moved layers to the grid",
               checkable=True),
    ActionSpec("choose_data", "&Data", "Choose &Dataset…", "Ctrl+Shift+D", "choose_dataset",
               "Train on a bundled dataset, a CSV or .npz file, or a folder of images"),
    ActionSpec("fit_to_data", "&Data", "&Fit Model to Data", None, "fit_model_to_data",
               "Set the Input's shape and the output layer to match the data"),
    ActionSpec("previews", "&Data", "Show Layer &Previews", None, "set_previews_enabled",
               "Show what every layer outputs for the first sample, before training", checkable=True,
               separator_before=True),
    ActionSpec("train", "&Training", "&Train", "F5", "train",
               "Train the model on the project's data, with live curves"),
    ActionSpec("pause", "&Training", "&Pause / Resume", "F6", "toggle_pause",
               "Hold the run after the current batch, or go on"),
    ActionSpec("stop", "&Training", "&Stop", "Shift+F5", "stop_training",
               "End the run after the current batch; the weights reached are kept"),
    ActionSpec("plugins", "&Help", "&Plugins…", None, "show_plugins",
               "The plugins, what each adds, and the errors of those that failed"),
    ActionSpec("about", "&Help", "&About Netloom", None, "show_about", "Version, Keras and backend"),
)
