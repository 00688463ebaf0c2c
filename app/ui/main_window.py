"""Netloom's main window: the node editor around one project.

Layout: the layer palette on the left, the canvas in the centre, the property
editor (and the undo history) on the right, problems and the model summary at
the bottom. The window owns a ``Document`` (project, file, undo stack) and a
``CheckService`` that imports Keras and checks the graph on a worker thread,
so the window paints at once and stays responsive while Keras loads (the canvas
is usable meanwhile; the palette fills when the catalog arrives).

Every widget changes the graph only through ``Document.push``; every widget
redraws from the graph's events or from the newest check result.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QScrollArea,
    QStackedWidget,
    QUndoView,
    QWidget,
)

from app.build.documents import is_model_file, load_document
from app.core.blocks import BlockError, BlockLibrary
from app.core.edits import Edit
from app.core.examples import resource_candidates
from app.core.graph import GraphError
from app.core.project import Project, ProjectError
from app.core.summary import Summary
from app.core.validation import CheckResult
from app.data.augment import AugmentSettings
from app.data.dataset import Dataset
from app.data.sources import load_source
from app.data.starter import fit_model_to_data, input_mismatch, project_from_data
from app.plugins import current_registry, loaded_registry
from app.training.session import PAUSED, RUNNING, STOPPING
from app.ui.actions import ACTIONS, SK
from app.ui.canvas import GraphScene, GraphView
from app.ui.canvas.look import ERROR_COLOR, WARNING_COLOR
from app.ui.checker import CheckService
from app.ui.data_dialog import DataDialog
from app.ui.data_panel import DataPanel
from app.ui.document import Document
from app.ui.palette import LayerPalette
from app.ui.plugins_dialog import PluginsDialog
from app.ui.preferences_dialog import PreferencesDialog
from app.ui.preview import PreviewService
from app.ui.problems_panel import ProblemsPanel
from app.ui.properties import PropertyEditor
from app.ui.recent import RecentFiles
from app.ui.recovery import AutoSaver, RecoveryStore
from app.ui.start_page import StartPage
from app.ui.summary_panel import SummaryPanel
from app.ui.tasks import TaskRunner
from app.ui.training_panel import TrainingPanel
from app.ui.training_settings import TrainingSettingsEditor
from app.ui.widgets import count_text

if TYPE_CHECKING:  # both are imported when first built: the Inspect panel holds a dozen plots, Tuning Optuna
    from app.ui.inspect import InspectPanel
    from app.ui.tuning_panel import TuningPanel

logger = logging.getLogger(__name__)

PROJECT_FILTER = "Netloom projects and Keras models (*.netloom *.keras *.h5 *.hdf5);;All files (*)"
SAVE_FILTER = "Netloom projects (*.netloom)"
SCRIPT_FILTER = "Python scripts (*.py)"
AUTOSAVE_INTERVAL_MS = 30_000


def app_icon() -> QIcon:
    """Netloom's icon, or an empty icon when the resources are not installed."""
    for resources in resource_candidates():
        path = resources / "icons" / "netloom.png"
        if path.is_file():
            return QIcon(str(path))
    return QIcon()


class MainWindow(QMainWindow):
    """The node editor window for one project.

    Signals:

    - ``keras_loaded(backend, version)`` once Keras and the layer catalog have loaded
    - ``keras_failed(message)`` when importing Keras raised
    - ``summary_updated()`` each time the summary panel shows a new result
      (a table or a message saying why there is none)
    - ``document_changed()`` after another document was opened in the window
    - ``data_failed(message)`` when the project's data could not be loaded
    - ``previews_updated()`` each time the canvas shows new layer previews
    """

    keras_loaded = Signal(str, str)
    keras_failed = Signal(str)
    summary_updated = Signal()
    document_changed = Signal()
    data_failed = Signal(str)
    previews_updated = Signal()

    def __init__(self, document: Document | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keras_version: tuple[str, str] | None = None
        self.catalog: Any = None
        self.actions_by_name: dict[str, QAction] = {}
        self._ask_on_close = True
        self._offer_fit = False
        self.recent = RecentFiles()
        self._tasks = TaskRunner(self)
        self._checks = CheckService(self)
        self._checks.keras_loaded.connect(self._on_keras_loaded)
        self._checks.keras_failed.connect(self._on_keras_failed)
        self._checks.result_ready.connect(self._on_result)
        self._checks.check_failed.connect(self._on_check_failed)
        self._previews = PreviewService(self)
        self._previews.previews_ready.connect(self._on_previews)
        self._previews.failed.connect(self._on_previews_failed)
        self.dataset: Any = None
        self._data_generation = 0
        self._recovery = RecoveryStore()
        self._autosaver = AutoSaver(self._recovery, AUTOSAVE_INTERVAL_MS, self)
        self.document = document or Document(parent=self)
        self.document.setParent(self)
        self.scene = GraphScene(self.document.graph, self._push, None, self)
        self.scene.selectionChanged.connect(self._on_selection_changed)

        self.setWindowIcon(app_icon())
        self.resize(1400, 900)
        self._build_central()
        self._build_docks()
        self._build_menus()
        self._build_status_bar()
        self._attach(self.document)

    # ---------------------------------------------------------------- layout
    def _build_central(self) -> None:
        self.view = GraphView(self.scene)
        self.view.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.view.set_block_provider(self.block_definition)
        self.view.save_block_requested.connect(self._save_group_as_block)
        self.view.inspect_requested.connect(self._inspect_node)
        self.start_page = StartPage(self.recent)
        self.start_page.example_chosen.connect(self.open_template)
        self.start_page.recent_chosen.connect(self.open_path)
        self.start_page.open_requested.connect(self.open_dialog)
        self.start_page.new_requested.connect(self._new_blank)
        self.start_page.from_data_requested.connect(self._new_from_data)
        self._center = QStackedWidget()
        self._center.addWidget(self.view)
        self._center.addWidget(self.start_page)
        self.setCentralWidget(self._center)

    def _build_docks(self) -> None:
        self.palette = LayerPalette()
        self.palette.add_requested.connect(self._add_layer)
        self.palette.block_requested.connect(self._add_block)
        self.properties = PropertyEditor(self._push)
        self.problems = ProblemsPanel(self._push)
        self.problems.problem_activated.connect(self._show_problem)
        self.problems.counts_changed.connect(self._on_problem_counts)
        self.summary = SummaryPanel()
        self.summary.node_activated.connect(self._select_node)
        self.data_panel = DataPanel()
        self.training = TrainingPanel()
        self.training.start_requested.connect(self.train)
        self.training.finished.connect(self._on_training_finished)
        self.training.state_changed.connect(self._on_training_state)
        self._inspect: InspectPanel | None = None  # both built when first shown or needed (see ``inspect``)
        self._tuning: TuningPanel | None = None
        self.training_settings = TrainingSettingsEditor()
        self.training_settings.changed.connect(self._on_training_settings_edited)
        self._training_names: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
        self.history = QUndoView()
        self.history.setEmptyLabel("<opened>")

        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.palette_dock = self._dock("Layers", "palette", self.palette, left)
        self.properties_dock = self._dock("Properties", "properties", self.properties, right)
        self.history_dock = self._dock("History", "history", self.history, right)
        self.training_settings_dock = self._dock("Training settings", "training-settings",
                                                 self.training_settings, right)
        self.problems_dock = self._dock("Problems", "problems", self.problems,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.summary_dock = self._dock("Model summary", "summary", self.summary,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.properties_dock, self.history_dock)
        self.tabifyDockWidget(self.history_dock, self.training_settings_dock)
        self.data_dock = self._dock("Data", "data", self.data_panel, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tabifyDockWidget(self.problems_dock, self.summary_dock)
        self.training_dock = self._dock("Training", "training", self.training,
                                        Qt.DockWidgetArea.BottomDockWidgetArea)
        self.tuning_dock = self._dock("Tuning", "tuning", None, Qt.DockWidgetArea.BottomDockWidgetArea,
                                      scroll=True)
        self.tuning_dock.visibilityChanged.connect(lambda shown: shown and self.tuning)
        self.tabifyDockWidget(self.summary_dock, self.data_dock)
        self.tabifyDockWidget(self.data_dock, self.training_dock)
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.inspect_dock = self._dock("Inspect", "inspect", None, bottom, scroll=True)
        self.inspect_dock.visibilityChanged.connect(lambda shown: shown and self.inspect)
        self.tabifyDockWidget(self.training_dock, self.inspect_dock)
        self.tabifyDockWidget(self.inspect_dock, self.tuning_dock)
        self.properties_dock.raise_()
        self.summary_dock.raise_()
        self.resizeDocks([self.palette_dock, self.properties_dock], [250, 330], Qt.Orientation.Horizontal)
        self.resizeDocks([self.problems_dock], [230], Qt.Orientation.Vertical)

    def _dock(self, title: str, name: str, widget: QWidget | None, area: Qt.DockWidgetArea,
              scroll: bool = False) -> QDockWidget:
        """A dock for ``widget``; ``scroll`` puts it in a scroll area, so a tall panel does not make
        the whole dock area (and the panels tabbed with it) as tall as itself. A scrolled dock may
        start without its widget (see ``_fill_dock``)."""
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{name}-dock")
        if scroll:
            area_widget = QScrollArea()
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QFrame.Shape.NoFrame)
            if widget is not None:
                area_widget.setWidget(widget)
            dock.setWidget(area_widget)
        else:
            dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    @property
    def inspect(self) -> InspectPanel:
        """The Inspect panel, built the first time it is shown or needed (not at start: it is slow)."""
        if self._inspect is None:
            from app.ui.inspect import InspectPanel

            panel = InspectPanel()
            panel.layer_clicked.connect(self._select_node_named)
            panel.badges_changed.connect(self._show_health_badges)
            panel.set_catalog(self.catalog)
            panel.set_project(self.project, self.document.path)
            self._inspect = panel
            self._fill_dock(self.inspect_dock, panel)
        return self._inspect

    @property
    def tuning(self) -> TuningPanel:
        """The Tuning panel, built the first time it is shown or needed (it imports Optuna)."""
        if self._tuning is None:
            from app.ui.tuning_panel import TuningPanel

            panel = TuningPanel()
            panel.show_run_curves.connect(self._show_trial_curves)
            panel.space_editor.changed.connect(self._mark_tuned_params)
            panel.set_catalog(self.catalog)
            panel.set_document(self.document)
            self._tuning = panel
            self._fill_dock(self.tuning_dock, panel)
        return self._tuning

    def _built_late_panels(self) -> list[InspectPanel | TuningPanel]:
        """The Inspect and Tuning panels that have been built so far."""
        return [panel for panel in (self._inspect, self._tuning) if panel is not None]

    @staticmethod
    def _fill_dock(dock: QDockWidget, panel: QWidget) -> None:
        """Put a panel built late into the scroll area its dock was made with."""
        area = dock.widget()
        assert isinstance(area, QScrollArea)
        area.setWidget(panel)

    def _build_menus(self) -> None:
        menus: dict[str, QMenu] = {}
        for spec in ACTIONS:
            menu = menus.get(spec.menu) or self.menuBar().addMenu(spec.menu)
            menus[spec.menu] = menu
            if spec.separator_before:
                menu.addSeparator()
            action = QAction(spec.text, self, statusTip=spec.tip, toolTip=spec.tip)
            if spec.shortcut is not None:
                action.setShortcut(QKeySequence(spec.shortcut))
            if spec.checkable:
                action.setCheckable(True)
                action.toggled.connect(getattr(self, spec.slot))
            else:
                action.triggered.connect(getattr(self, spec.slot))
            if spec.scope == "canvas":
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                self.view.addAction(action)
            menu.addAction(action)
            self.actions_by_name[spec.name] = action
            if spec.name == "open":
                self.recent_menu = menu.addMenu("Open &Recent")
                self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.actions_by_name["snap"].setChecked(True)
        self.actions_by_name["previews"].setChecked(True)

        edit = menus["&Edit"]
        undo = self.document_undo_action = QAction("&Undo", self, shortcut=QKeySequence(SK.Undo))
        redo = self.document_redo_action = QAction("&Redo", self, shortcut=QKeySequence(SK.Redo))
        undo.triggered.connect(lambda: self.document.undo.undo())
        redo.triggered.connect(lambda: self.document.undo.redo())
        first = edit.actions()[0]
        edit.insertAction(first, undo)
        edit.insertAction(first, redo)
        self.actions_by_name["undo"], self.actions_by_name["redo"] = undo, redo

        view = menus["&View"]
        view.addSeparator()
        for dock in (self.palette_dock, self.properties_dock, self.history_dock, self.problems_dock,
                     self.summary_dock, self.data_dock, self.training_dock):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        view.addAction(self._start_page_action())

    def _start_page_action(self) -> QAction:
        action = QAction("Start &Page", self, statusTip="Examples, templates and recent files")
        action.triggered.connect(self.show_start_page)
        return action

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.recent.paths()
        for path in paths:
            action = self.recent_menu.addAction(Path(path).name)
            action.setStatusTip(str(path))
            action.setEnabled(Path(path).exists())
            action.triggered.connect(lambda _checked=False, p=str(path): self.open_path(p))
        if not paths:
            self.recent_menu.addAction("No recent files").setEnabled(False)
            return
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear List", self._clear_recent)

    def _clear_recent(self) -> None:
        self.recent.clear()
        self.start_page.refresh_recent()

    def _build_status_bar(self) -> None:
        self._keras_label = QLabel("Loading Keras…")
        self._keras_label.setContentsMargins(8, 0, 8, 0)
        self._graph_label = QLabel()
        self._graph_label.setContentsMargins(8, 0, 8, 0)
        self._check_label = QLabel()
        self._check_label.setContentsMargins(8, 0, 8, 0)
        self.statusBar().addWidget(self._keras_label, 1)
        self.statusBar().addPermanentWidget(self._check_label)
        self.statusBar().addPermanentWidget(self._graph_label)

    # -------------------------------------------------------------- document
    @property
    def graph(self) -> Any:
        """The graph of the document shown."""
        return self.document.graph

    @property
    def project(self) -> Project:
        """The project shown."""
        return self.document.project

    @property
    def path(self) -> Path | None:
        """The file of the document shown (None until it is saved as a ``.netloom`` file)."""
        return self.document.path

    def _attach(self, document: Document) -> None:
        """Show ``document``: every view follows its graph from now on."""
        self.document = document
        document.setParent(self)
        document.dirty_changed.connect(self._update_title)
        document.path_changed.connect(self._update_title)
        document.graph.changed.connect(self._on_graph_changed)
        document.data_changed.connect(self._load_data)
        document.training_changed.connect(self._on_training_changed)
        self.history.setStack(document.undo)
        self.properties.set_node(None, None)
        self._checks.set_graph(document.graph)
        self._watch_autosave()
        self._center.setCurrentWidget(self.view)
        self._update_title()
        self._on_graph_changed()
        self._load_data()
        self._on_training_changed()
        if self._tuning is not None:
            self._tuning.set_document(document)
        self._mark_tuned_params()
        if self._inspect is not None:
            self._inspect.set_project(document.project, document.path)

    def set_document(self, document: Document) -> None:
        """Replace the shown document (the caller has asked about unsaved changes)."""
        old = self.document
        old.graph.changed.disconnect(self._on_graph_changed)
        old.dirty_changed.disconnect(self._update_title)
        old.path_changed.disconnect(self._update_title)
        old.data_changed.disconnect(self._load_data)
        old.training_changed.disconnect(self._on_training_changed)
        self.scene.selectionChanged.disconnect(self._on_selection_changed)
        self.scene.detach()
        self.scene = GraphScene(document.graph, self._push, self.catalog, self)
        self.scene.selectionChanged.connect(self._on_selection_changed)
        self.view.set_graph_scene(self.scene)
        self._autosaver.clear()
        self._attach(document)
        old.deleteLater()
        QTimer.singleShot(0, self.view.fit_view)
        self.document_changed.emit()

    def open_project(self, path: str | Path) -> None:
        """Open a ``.netloom`` project now (a Keras model file: see ``open_path``); raises when unreadable."""
        project = load_document(path)  # a Keras model is imported on the spot (slow: use open_path)
        model = is_model_file(path)
        self.set_document(Document(project, None if model else path, unsaved=model))
        if not model:
            self.recent.add(path)

    def open_path(self, path: str | Path) -> None:
        """Open any document, asking about unsaved changes first; a model file is imported on a worker."""
        if not self._may_discard():
            return
        if is_model_file(path):
            self._keras_label.setText(f"Importing {Path(path).name}…")
            self._tasks.start(f"import {path}", lambda: load_document(path), self._on_imported,
                              self._on_import_failed, tag=str(path))
            return
        try:
            self.open_project(path)
        except (ProjectError, OSError) as error:
            logger.warning("Could not open %s: %s", path, error)
            QMessageBox.critical(self, "Could not open project", str(error))

    def _on_imported(self, path: str, project: Project) -> None:
        self.set_document(Document(project, None, unsaved=True))
        self._keras_label.setText(f"Imported {Path(path).name}: save it as a Netloom project to keep it.")

    def _on_import_failed(self, path: str, message: str, details: str) -> None:
        self._show_keras_status()
        QMessageBox.critical(self, "Could not import model", f"{path}\n\n{message}")

    def open_template(self, path: str) -> None:
        """Open an example as a new, unsaved project (the example file itself stays as it is)."""
        try:
            project = load_document(path)
        except (ProjectError, OSError) as error:
            QMessageBox.critical(self, "Could not open example", str(error))
            return
        project.path = None
        self.set_document(Document(project))

    def offer_recovery(self) -> None:
        """After a crash: offer to restore the newest recovery file (autosaved while unsaved)."""
        from app.ui.recovery import ask_restore

        entries = self._recovery.pending()
        if not entries:
            return
        entry = ask_restore(self, entries)
        if entry is None:
            return
        try:
            project = self._recovery.restore(entry)
        except (ProjectError, OSError) as error:
            QMessageBox.critical(self, "Could not restore", str(error))
            return
        self._recovery.discard(entry)
        self.set_document(Document(project, getattr(entry, "source_path", None), unsaved=True))

    def _new_blank(self) -> None:
        self.set_document(Document(Project(title="Untitled")))

    def _new_from_data(self) -> None:
        """A new project with a starter model that fits the data the person picks."""
        dialog = DataDialog(parent=self)
        dialog.setWindowTitle("Start from data")
        if dialog.exec() != DataDialog.DialogCode.Accepted:
            return
        settings = dialog.settings()
        self.statusBar().showMessage("Reading the data…")
        self._tasks.start("from data", lambda: project_from_data(settings), self._on_from_data,
                          self._on_from_data_failed, tag=str(settings.get("path") or settings.get("source")))

    def _on_from_data(self, _path: str, project: Project) -> None:
        self.statusBar().clearMessage()
        self.set_document(Document(project, None, unsaved=True))

    def _on_from_data_failed(self, path: str, message: str, details: str) -> None:
        QMessageBox.critical(self, "Could not start from data", f"{path}\n\n{message}")

    # ------------------------------------------------------------------ data
    def choose_dataset(self) -> None:
        """Data > Choose Dataset: pick the data (one undoable step); then offer to fit the model to it."""
        dialog = DataDialog(self.project.data, self.document.base_dir, self)
        if dialog.exec() != DataDialog.DialogCode.Accepted:
            return
        self._offer_fit = True
        self.document.set_data(dialog.settings())

    def fit_model_to_data(self) -> None:
        """Set the Input's shape and the output layer to the data's (one undoable step)."""
        if self.dataset is None:
            self.statusBar().showMessage("No data loaded: choose one with Data > Choose Dataset…", 6000)
            return
        edit = fit_model_to_data(self.graph, self.dataset)
        if edit is None:
            self.statusBar().showMessage("The model already fits the data.", 4000)
            return
        self._guarded(lambda: self._push(edit))

    # -------------------------------------------------------------- training
    def train(self) -> None:
        """Training > Train (F5): train the model as it is now, on a worker, with live curves."""
        if self.training.busy:
            self.statusBar().showMessage("A run is already training.", 4000)
            return
        result = self._checks.result
        if result is None or not self._checks.up_to_date:
            self.statusBar().showMessage("The graph is still being checked; try again in a moment.", 4000)
            return
        if not result.valid:
            self.problems_dock.raise_()
            self.statusBar().showMessage("Fix the errors in Problems first: the model cannot be built.", 6000)
            return
        if not self.project.data:
            self.statusBar().showMessage("Choose a dataset first (Data > Choose Dataset…).", 6000)
            return
        if self.document.path is None:
            QMessageBox.information(self, "Save the project first",
                                    "Each run is kept in a folder beside the project file: save the project, "
                                    "then train.")
            if not self.save():
                return
        self.training.set_project(self.project, self.document.path)
        self.training_dock.show()
        self.training_dock.raise_()
        try:
            health = None
            if self.project.training.get("record_health"):
                from app.inspection.health import health_callbacks as health
            self.training.start(self.project, dataset=self.dataset, extra_callbacks=health)
        except (RuntimeError, ValueError) as error:
            QMessageBox.warning(self, "Cannot train", str(error))

    def toggle_pause(self) -> None:
        """Training > Pause / Resume."""
        if self.training.state == PAUSED:
            self.training.resume()
        else:
            self.training.pause()

    def stop_training(self) -> None:
        """Training > Stop: end the run after the current batch, keeping its weights."""
        self.training.stop()

    def _on_training_finished(self, summary: dict[str, Any]) -> None:
        message = summary.get("message") if isinstance(summary, dict) else None
        self.statusBar().showMessage(f"Training: {message}" if message else "Training ended.", 10000)
        if self._inspect is not None:
            self._inspect.set_project(self.project, self.document.path)
            self._inspect.refresh_runs()

    def set_previews_enabled(self, on: bool) -> None:
        """Show each layer's output for the first sample on the canvas, or not."""
        self._previews.set_enabled(on)

    def _load_data(self) -> None:
        """Load the project's data on a worker; the Data panel and the previews follow."""
        self._data_generation += 1
        self.dataset = None
        data, base = dict(self.project.data), self.document.base_dir
        self._previews.set_project(self.project, base)
        if not data:
            self.data_panel.clear()
            return
        self.data_panel.show_loading(f"Loading {data.get('path') or data.get('source')}…")
        self._tasks.start("load data", lambda: load_source(data, base), self._on_data_loaded,
                          self._on_data_failed, tag=self._data_generation)

    def _on_data_loaded(self, generation: int, dataset: Any) -> None:
        if generation != self._data_generation:
            return
        self.dataset = dataset
        samples = len(dataset.x_train) if isinstance(dataset, Dataset) else 0
        batch = int(self.project.training.get("batch_size") or 32)
        self.training_settings.set_steps_per_epoch(-(-samples // batch) if samples else None)
        augmentation = self.project.data.get("augmentation")
        augment = AugmentSettings.from_dict(augmentation) if augmentation else None
        self.data_panel.set_dataset(dataset, augment)
        mismatch = input_mismatch(self.graph, dataset)
        if mismatch and self._offer_fit:
            self._offer_fit = False
            answer = QMessageBox.question(
                self, "Fit the model to the data?",
                f"{mismatch[0].upper()}{mismatch[1:]}.\n\nSet the Input's shape and the output layer "
                "to match the data? (You can undo it.)",
            )
            if answer == QMessageBox.StandardButton.Yes:
                self.fit_model_to_data()
        elif mismatch:
            self.statusBar().showMessage(f"Data: {mismatch} (Data > Fit Model to Data)", 8000)

    # --------------------------------------------------------------- training
    def _on_training_settings_edited(self, training: dict[str, Any], text: str) -> None:
        self.document.set_training(training, text)

    def _on_training_changed(self) -> None:
        """The training settings changed (an edit, undo, another document): the views follow."""
        self.training_settings.set_settings(self.project.training)
        self.training.set_project(self.project, self.document.path)
        self._describe_graph_for_training()

    def _describe_graph_for_training(self) -> None:
        """Give the settings editor the output and node names (only when they changed: edits are many)."""
        graph = self.graph
        names = (tuple(node.name for node in graph.outputs()), tuple(node.name for node in graph.nodes))
        if names == self._training_names:
            return
        self._training_names = names
        self.training_settings.set_outputs(list(names[0]))
        self.training_settings.set_node_names(list(names[1]))

    def _on_training_state(self, state: str) -> None:
        self.training_settings.set_enabled_for_run(state in (RUNNING, PAUSED, STOPPING))

    def _show_trial_curves(self, run_dir: str) -> None:
        """A tuning trial's curves, over the dashboard's."""
        if self.training.overlay_run(run_dir):
            self.training_dock.show()
            self.training_dock.raise_()

    def _on_devices_found(self, _tag: Any, devices: list[str]) -> None:
        self.training_settings.set_devices(devices)

    def _on_devices_failed(self, _tag: Any, message: str, _details: str) -> None:
        self.statusBar().showMessage(f"Could not list the devices: {message}", 6000)

    def _on_data_failed(self, generation: int, message: str, details: str) -> None:
        if generation != self._data_generation:
            return
        self.data_panel.clear()
        self.statusBar().showMessage(f"The data could not be loaded: {message}", 10000)
        self.data_failed.emit(message)

    def _on_previews_failed(self, message: str) -> None:
        self.statusBar().showMessage(f"Previews: {message}", 6000)

    def _on_previews(self, previews: dict[str, Any]) -> None:
        self.scene.set_previews(previews)
        self.previews_updated.emit()

    # --------------------------------------------------------------- actions
    def new_project(self) -> None:
        """File > New: ask about unsaved changes, then show the gallery of examples and templates."""
        if self._may_discard():
            self.show_start_page()

    def show_start_page(self) -> None:
        """Show the start page (examples, templates, recent files) in place of the canvas."""
        self._center.setCurrentWidget(self.start_page)

    def new_window(self) -> None:
        """Open another, empty window."""
        window = MainWindow()
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        window.show_start_page()

    def open_dialog(self) -> None:
        """Ask for a project or model file and open it; errors are shown, not raised."""
        start = str(self.path.parent) if self.path else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open", start, PROJECT_FILTER)
        if path:
            self.open_path(path)

    def save(self) -> bool:
        """Save to the document's file (asking for one the first time); False when not saved."""
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        """Ask for a file and save there; False when cancelled or failed."""
        suggested = str(self.path or Path.home() / f"{self.project.name or 'untitled'}.netloom")
        path, _ = QFileDialog.getSaveFileName(self, "Save project", suggested, SAVE_FILTER)
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            saved = self.document.save(path)
        except (ProjectError, OSError, ValueError) as error:
            QMessageBox.critical(self, "Could not save", str(error))
            return False
        self._autosaver.clear()
        self._watch_autosave()
        self.recent.add(saved)
        self.statusBar().showMessage(f"Saved {saved}", 4000)
        return True

    def export_script(self) -> None:
        """Write the model as a Python script (needs the catalog, so Keras must have loaded)."""
        if self.catalog is None:
            QMessageBox.information(self, "Still loading", "Keras is still loading; try again in a moment.")
            return
        suggested = str((self.path.with_suffix(".py")) if self.path else Path.home() / "model.py")
        path, _ = QFileDialog.getSaveFileName(self, "Export Python script", suggested, SCRIPT_FILTER)
        if not path:
            return
        from app.plugins.builtin import export_python_script

        try:
            export_python_script(self.graph, path, catalog=self.catalog, training=self.project.training,
                                 project_name=self.project.name)
        except Exception as error:  # a graph with errors cannot become a script
            QMessageBox.critical(self, "Could not export", str(error))
            return
        self.statusBar().showMessage(f"Wrote {path}", 4000)

    def export_model(self) -> None:
        """File > Export Model: the export dialog (formats, run, options; each file checked)."""
        if self.catalog is None:
            QMessageBox.information(self, "Still loading", "Keras is still loading; try again in a moment.")
            return
        from app.ui.export_dialog import ExportDialog

        self.project.path = self.document.path  # the runs (and their weights) live beside the file
        dialog = ExportDialog(self.project, self.catalog, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def cut(self) -> None:
        """Cut the selected layers to the clipboard."""
        self._guarded(self.view.cut_selection)

    def copy(self) -> None:
        """Copy the selected layers to the clipboard (as JSON, also readable by other windows)."""
        self.view.copy_selection()

    def paste(self) -> None:
        """Paste layers from the clipboard."""
        self._guarded(self.view.paste)

    def duplicate(self) -> None:
        """Duplicate the selected layers."""
        self._guarded(self.view.duplicate_selection)

    def delete(self) -> None:
        """Delete the selected layers and wires."""
        self._guarded(self.view.delete_selection)

    def select_all(self) -> None:
        """Select every layer."""
        self.view.select_all()

    def fit_view(self) -> None:
        """Zoom so the whole graph is visible."""
        self.view.fit_view()

    def zoom_in(self) -> None:
        """Zoom in around the centre."""
        self.view.zoom_in()

    def zoom_out(self) -> None:
        """Zoom out around the centre."""
        self.view.zoom_out()

    def zoom_reset(self) -> None:
        """Zoom to 100%."""
        self.view.reset_zoom()

    def tidy(self) -> None:
        """Lay the graph out automatically (one undo step)."""
        self._guarded(self.view.tidy)

    def set_snap(self, on: bool) -> None:
        """Snap moved layers to the grid, or not."""
        self.view.set_snap(on)

    def group_selection(self) -> None:
        """Group the selected layers into a block (asks for its name)."""
        if not self.scene.selected_node_ids():
            self.statusBar().showMessage("Select the layers to group first.", 4000)
            return
        name = ask_text(self, "Group as block", "Block name:", "block")
        if name:
            self._guarded(lambda: self.view.group_selection(name.strip()))

    def ungroup_selection(self) -> None:
        """Dissolve the selected blocks; their layers stay."""
        self._guarded(self.view.ungroup_selection)

    def toggle_collapse(self) -> None:
        """Show the selected blocks as one node each, or their layers again."""
        self._guarded(self.view.toggle_collapse_selection)

    def save_block(self) -> None:
        """Save the selected block (or the selected layers) to the personal block library."""
        groups = self.view.selected_groups()
        if groups:
            self._save_group_as_block(groups[0])
            return
        if not self.scene.selected_node_ids():
            self.statusBar().showMessage("Select a block or some layers first.", 4000)
            return
        name = ask_text(self, "Save block", "Name in your block library:", "my-block")
        if name:
            self._store_block(lambda: self.view.block_from_selection(name.strip()))

    def block_definition(self, name: str) -> dict[str, Any] | None:
        """A block by name: the personal library first, then the bundled and plugin blocks."""
        library = BlockLibrary()
        try:
            if library.path_for(name).is_file():
                return library.load(name)
        except (BlockError, OSError) as error:
            self.statusBar().showMessage(str(error), 8000)
            return None
        registry = loaded_registry() or current_registry()
        try:
            block = registry.block(name)
        except KeyError:
            return None
        return {"name": block.name, "description": block.description, "graph": block.to_graph().to_dict()}

    def _add_block(self, name: str) -> None:
        self._guarded(lambda: self.view.insert_block_named(name))
        self.view.setFocus()

    def _save_group_as_block(self, group_id: str) -> None:
        group = self.graph.group(group_id)
        name = ask_text(self, "Save block", "Name in your block library:", group.name)
        if name:
            self._store_block(lambda: self.view.block_from_group(group_id, name.strip()))

    def _store_block(self, make: Callable[[], dict[str, Any]]) -> None:
        try:
            path = BlockLibrary().save(make())
        except (BlockError, ValueError, OSError) as error:
            QMessageBox.warning(self, "Could not save the block", str(error))
            return
        self._refresh_blocks()
        self.statusBar().showMessage(f"Saved the block to {path}", 6000)

    def _refresh_blocks(self) -> None:
        registry = loaded_registry() or current_registry()
        blocks = [(b.name, b.description) for b in registry.blocks()]
        library = BlockLibrary()
        blocks += [(b["name"], b.get("description", "")) for b in library.list()]
        self.palette.set_blocks(blocks)

    def focus_palette_search(self) -> None:
        """Show the palette and put the cursor in its search box."""
        self.palette_dock.show()
        self.palette_dock.raise_()
        self.palette.focus_search()

    def show_plugins(self) -> None:
        """Open the Plugins dialog."""
        PluginsDialog(loaded_registry(), self).exec()

    def show_preferences(self) -> None:
        """Open the Preferences dialog (plugin folders)."""
        PreferencesDialog(parent=self).exec()

    def show_about(self) -> None:
        """Version, Keras version and backend."""
        from app import __version__

        keras = "Keras is loading"
        if self.keras_version:
            keras = f"Keras {self.keras_version[1]} on {self.keras_version[0]}"
        QMessageBox.about(self, "About Netloom", f"<b>Netloom {__version__}</b><br>{keras}<br><br>"
                          "Design, train, inspect and export Keras models.")

    # ---------------------------------------------------------------- editing
    def _push(self, edit: Edit) -> None:
        """The one way the widgets change the graph: apply ``edit`` as one undoable step."""
        self.document.push(edit)

    def _guarded(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except (GraphError, ValueError) as error:
            self.statusBar().showMessage(str(error), 6000)

    def _add_layer(self, layer_type: str) -> None:
        self._guarded(lambda: self.view.add_layer(layer_type))
        self.view.setFocus()

    def _on_selection_changed(self) -> None:
        ids = self.scene.selected_node_ids()
        self.properties.set_node(self.graph if len(ids) == 1 else None, ids[0] if len(ids) == 1 else None)
        if self._checks.up_to_date:
            self.properties.set_result(self._checks.result)
        if len(ids) == 1 and self._inspect is not None and not self.inspect_dock.visibleRegion().isEmpty():
            self._inspect.show_node(self.graph.node(ids[0]).name)

    def _inspect_node(self, what: str, node_id: str) -> None:
        """The canvas menu's Show activations / filters / training health: the Inspect panel at that layer."""
        if node_id not in self.graph:
            return
        self.inspect_dock.show()
        self.inspect_dock.raise_()
        name = self.graph.node(node_id).name
        show = {"activations": self.inspect.show_node, "filters": self.inspect.show_filters,
                "health": self.inspect.show_health}[what]
        if not show(name):
            self.statusBar().showMessage(f"Nothing to show for {name!r} yet: {self.inspect.state_text or ''}"
                                         .rstrip(": "), 6000)

    def _show_health_badges(self, badges: dict[str, Any]) -> None:
        """Training health on the canvas: each layer's gradient norm, amber or red when something is wrong."""
        colors = {"amber": WARNING_COLOR, "red": ERROR_COLOR}
        shown: dict[str, tuple[str, Any, str]] = {}
        for name, badge in badges.items():
            node = self.graph.find(name)
            if node is None:
                continue
            if badge.nan:
                text = "NaN"
            elif math.isfinite(badge.grad_norm):
                text = f"∇ {badge.grad_norm:.0e}"
            else:
                text = badge.status
            tip = f"Training health: {badge.status}" + (f" ({badge.reason})" if badge.reason else "")
            shown[node.id] = (text, colors.get(badge.status), tip)
        self.scene.set_badges(shown)

    def _mark_tuned_params(self) -> None:
        """The layers whose params the search space varies carry a "tuned" badge naming them."""
        tuned: dict[str, list[str]] = {}
        for parameter in self._tuning.space_editor.space() if self._tuning is not None else ():
            node_name, _, param = parameter.name.rpartition(".")
            node = self.graph.find(node_name)
            if node is not None:
                tuned.setdefault(node.id, []).append(param)
        self.scene.set_badges({node_id: (f"tuned: {', '.join(params)}", None,
                                         f"Searched by the Tuning panel: {', '.join(params)}")
                               for node_id, params in tuned.items()}, kind="tuning")

    def _select_node_named(self, name: str) -> None:
        node = self.graph.find(name)
        if node is not None:
            self._select_node(node.id)

    def _select_node(self, node_id: str) -> None:
        if node_id in self.graph:
            self.scene.select_nodes([node_id])
            self.view.center_on_node(node_id)

    def _show_problem(self, problem: Any) -> None:
        node_id = problem.node_id or (problem.edge.target if problem.edge is not None else None)
        if node_id and node_id in self.graph:
            self.view.show_node(node_id)
            self.view.center_on_node(node_id)
            self.view.setFocus()

    def _on_graph_changed(self) -> None:
        graph = self.graph
        layers, wires = count_text(len(graph), "layer"), count_text(len(graph.edges), "wire")
        self._graph_label.setText(f"{layers} · {wires}")
        self._describe_graph_for_training()
        if self.keras_version is not None:
            self._check_label.setText("Checking…")
            self._previews.request(graph)

    # ------------------------------------------------------------------ keras
    def showEvent(self, event: QShowEvent) -> None:
        """Start loading Keras once the window is on screen, so it appears at once."""
        super().showEvent(event)
        self._checks.start()

    def _on_keras_loaded(self, catalog: Any, backend: str, version: str) -> None:
        self.catalog = catalog
        self.keras_version = (backend, version)
        self.view.set_catalog(catalog)
        self.start_page.set_catalog(catalog)
        self.palette.set_catalog(catalog)
        for panel in self._built_late_panels():
            panel.set_catalog(catalog)
        self.properties.set_catalog(catalog)
        self._refresh_blocks()
        self._show_keras_status()
        self._previews.start()
        self._previews.request(self.graph)
        from app.training.devices import available_devices

        self._tasks.start("devices", available_devices, self._on_devices_found, self._on_devices_failed)
        self.keras_loaded.emit(backend, version)

    def _show_keras_status(self) -> None:
        if self.keras_version is None:
            self._keras_label.setText("Loading Keras…")
            return
        backend, version = self.keras_version
        registry = loaded_registry()
        failed = len(registry.failed()) if registry is not None else 0
        plugins = f" · {count_text(failed, 'plugin')} failed: see Help > Plugins…" if failed else ""
        self._keras_label.setText(f"Keras {version} · {backend} backend{plugins}")

    def _on_keras_failed(self, message: str) -> None:
        self._keras_label.setText(f"Keras could not be loaded: {message}")
        self.summary.show_message(f"Keras could not be loaded, so there is no summary.\n\n{message}")
        self.keras_failed.emit(message)
        self.summary_updated.emit()

    def _on_result(self, result: CheckResult, summary: Summary) -> None:
        self.scene.set_result(result)
        self.problems.set_result(self.graph, result)
        self.properties.set_result(result)
        if len(self.graph):
            self.summary.set_summary(summary)
        else:
            self.summary.show_message("No layers yet: drag one from the palette, or press Tab on the canvas.")
        errors = len(result.errors)
        self._check_label.setText("No errors" if not errors else count_text(errors, "error"))
        self.summary_updated.emit()

    def _on_check_failed(self, message: str) -> None:
        self._check_label.setText("Check failed")
        self.summary.show_message(f"No summary: {message}")
        self.summary_updated.emit()

    def _on_problem_counts(self, errors: int, warnings: int) -> None:
        parts = [count_text(errors, "error")] if errors else []
        parts += [count_text(warnings, "warning")] if warnings else []
        self.problems_dock.setWindowTitle(f"Problems ({', '.join(parts)})" if parts else "Problems")

    # ---------------------------------------------------------- summary facade
    @property
    def summary_shown(self) -> bool:
        """True when the summary panel shows a table (not a message)."""
        return self.summary.summary_shown

    @property
    def previews_enabled(self) -> bool:
        """True when the canvas shows each layer's output for the first sample."""
        return self.actions_by_name["previews"].isChecked()

    @property
    def summary_message(self) -> str:
        """What the summary panel says instead of a table ("" while it shows one)."""
        return self.summary.message

    @property
    def totals_text(self) -> str:
        """The line under the summary: parameter totals, or why there are none."""
        return self.summary.totals_text

    @property
    def keras_status(self) -> str:
        """What the status bar says about Keras: loading, its version, or why it failed."""
        return self._keras_label.text()

    @property
    def check_result(self) -> CheckResult | None:
        """The newest check of the graph (None before Keras has loaded)."""
        return self._checks.result

    @property
    def checked(self) -> bool:
        """True when the shown check result belongs to the graph as it is now."""
        return self._checks.up_to_date

    # ------------------------------------------------------------ title, close
    def _update_title(self, *_: object) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — Netloom")
        self.setWindowModified(self.document.dirty)

    def _watch_autosave(self) -> None:
        """Autosave the shown document (under its file's name, once it has one)."""
        document = self.document
        key = str(document.path) if document.path else f"untitled-{id(document)}"
        self._autosaver.watch(key, lambda: document.project, lambda: document.dirty, document.path)

    def _may_discard(self) -> bool:
        """Ask what to do with unsaved changes; False when the user cancels."""
        if not self.document.dirty or not len(self.graph):
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {self.document.display_name}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def close_without_asking(self) -> None:
        """Close even with unsaved changes (screenshots, tests); the recovery file is kept."""
        self._ask_on_close = False
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Ask about unsaved changes, then stop background work (a running QThread must not be destroyed)."""
        if self._ask_on_close and not self._may_discard():
            event.ignore()
            return
        tuning_busy = self._tuning is not None and self._tuning.busy
        if self._ask_on_close and (self.training.busy or tuning_busy):
            what = "Training" if self.training.busy else "A hyperparameter search"
            answer = QMessageBox.question(self, f"{what} is running",
                                          "Stop it and close? What was reached so far is kept.")
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        if self._ask_on_close:
            self._autosaver.clear()
        self._autosaver.stop()
        self.scene.detach()
        self.document.graph.changed.disconnect(self._on_graph_changed)
        self._checks.stop()
        self._previews.stop()
        self.training.shutdown()
        for panel in self._built_late_panels():
            panel.shutdown()
        self.data_panel.shutdown()
        self._tasks.wait_all()
        super().closeEvent(event)


def ask_text(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    """A one-line text prompt; None when cancelled."""
    value, ok = QInputDialog.getText(parent, title, label, text=text)
    return value if ok and value.strip() else None
