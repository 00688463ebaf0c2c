"""The Inspect panel: open a trained run and look inside it, one tab per view.

A run chooser at the top (the project's runs, best or last weights, the
split) opens the run on a worker (``app.inspection.loading.load_run``, then
the split's evaluation and the recorded health); the tabs show Filters,
Activations, Evaluation, Mistakes, Health and Saliency of it. Until a run is
open the panel says what to do ("Train the model first (F5)…") or what it is
doing ("Loading run 003…").

Linked views: a sample chosen in the Evaluation or Mistakes tab opens in the
Activations tab; ``show_node(name)`` (a node clicked on the canvas) scrolls
the Activations tab to that layer.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import Catalog
from app.core.project import Project
from app.core.runs import RunInfo, list_runs
from app.inspection.loading import TEST, TRAIN, VALIDATION, InspectedRun, load_run
from app.ui.inspect.activations_tab import ActivationsTab
from app.ui.inspect.common import OpenedRun, open_run
from app.ui.inspect.evaluation_tab import EvaluationTab
from app.ui.inspect.filters_tab import FiltersTab
from app.ui.inspect.health_tab import HealthTab
from app.ui.inspect.jobs import InspectJobs
from app.ui.inspect.mistakes_tab import MistakesTab
from app.ui.inspect.saliency_tab import SaliencyTab
from app.ui.widgets import muted_label

NOT_SAVED = "Save the project and train it (F5) to look inside it."
NO_RUNS = "Train the model first (F5) to look inside it."
NO_PROJECT = "Open a project to look inside its trained model."
WEIGHTS = (("best", "Best weights"), ("last", "Last weights"))
SPLIT_TITLES = {VALIDATION: "Validation split", TEST: "Test split", TRAIN: "Training split"}


def run_title(run: RunInfo) -> str:
    """``Run 003 · finished · 2 epochs · val_accuracy 0.858`` for the run chooser."""
    parts = [f"Run {run.number:03d}", run.status or "unknown"]
    if run.epochs_done:
        parts.append(f"{run.epochs_done} epoch{'s' if run.epochs_done != 1 else ''}")
    for key in ("val_accuracy", "accuracy", "val_loss", "loss"):
        if key in run.final:
            parts.append(f"{key} {run.final[key]:.3g}")
            break
    return " · ".join(parts)


class InspectPanel(QWidget):
    """Looks inside a trained run: filters, activations, evaluation, mistakes, health and saliency.

    API: ``set_project(project, project_path)``, ``set_catalog(catalog)``,
    ``set_dataset(dataset)``, ``refresh_runs()``, ``open_run(run, which,
    split)``, ``show_node(name)``, ``show_sample(index)``, ``shutdown()``.

    Signals: ``run_opened(OpenedRun)`` when a run is open on a split;
    ``badges_changed(dict)`` with the opened run's health badges by node name
    (empty without health); ``sample_activated(int)`` when a sample is opened
    from the Evaluation or Mistakes tab; ``layer_clicked(str)`` when a layer
    card of the Activations tab is clicked (select that node on the canvas).
    """

    run_opened = Signal(object)
    badges_changed = Signal(dict)
    sample_activated = Signal(int)
    layer_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.project: Project | None = None
        self.project_path: Path | None = None
        self.catalog: Catalog | None = None
        self.dataset: Any = None
        self.runs: list[RunInfo] = []
        self.inspected: InspectedRun | None = None
        self.opened: OpenedRun | None = None
        self._loaded_key: tuple[str, str] | None = None  # (run folder, which) of ``inspected``
        self._wanted: tuple[str, str, str] | None = None  # (run folder, which, split) asked for
        self.jobs = InspectJobs(self)
        self._build()
        self.refresh_runs()

    # -------------------------------------------------------------- layout
    def _build(self) -> None:
        self.run_combo = QComboBox()
        self.run_combo.setMinimumContentsLength(28)
        self.run_combo.setPlaceholderText("No runs yet")
        self.run_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.which_combo = QComboBox()
        for key, title in WEIGHTS:
            self.which_combo.addItem(title, key)
        self.split_combo = QComboBox()
        for key in (VALIDATION, TEST):
            self.split_combo.addItem(SPLIT_TITLES[key], key)
        self.refresh_button = QToolButton()
        self.refresh_button.setText("Refresh")
        self.refresh_button.setToolTip("List the project's runs again")
        self.refresh_button.clicked.connect(self.refresh_runs)
        for combo in (self.run_combo, self.which_combo, self.split_combo):
            combo.currentIndexChanged.connect(self._on_choice_changed)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 6, 6, 0)
        bar.addWidget(QLabel("Run"))
        bar.addWidget(self.run_combo, 1)
        bar.addWidget(self.which_combo)
        bar.addWidget(self.split_combo)
        bar.addWidget(self.refresh_button)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.filters_tab = FiltersTab(self.jobs)
        self.activations_tab = ActivationsTab(self.jobs)
        self.evaluation_tab = EvaluationTab(self.jobs)
        self.mistakes_tab = MistakesTab(self.jobs)
        self.health_tab = HealthTab(self.jobs)
        self.saliency_tab = SaliencyTab(self.jobs)
        for tab, title in ((self.filters_tab, "Filters"), (self.activations_tab, "Activations"),
                           (self.evaluation_tab, "Evaluation"), (self.mistakes_tab, "Mistakes"),
                           (self.health_tab, "Health"), (self.saliency_tab, "Saliency")):
            self.tabs.addTab(tab, title)
        self.evaluation_tab.sample_activated.connect(self.show_sample)
        self.mistakes_tab.sample_activated.connect(self.show_sample)
        self.activations_tab.layer_clicked.connect(self.layer_clicked)

        self.state_label = muted_label()
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.retry_button = QPushButton("Try again")
        self.retry_button.clicked.connect(self._retry)
        state_page = QWidget()
        state_layout = QVBoxLayout(state_page)
        state_layout.addStretch(1)
        state_layout.addWidget(self.state_label)
        state_layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        state_layout.addStretch(1)
        self.pages = QStackedWidget()
        self.pages.addWidget(state_page)
        self.pages.addWidget(self.tabs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.pages, 1)

    # -------------------------------------------------------------- public
    def set_project(self, project: Project | None, project_path: str | os.PathLike[str] | None) -> None:
        """Look at ``project``'s runs (``project_path`` None: it is not saved yet)."""
        self.project = project
        self.project_path = Path(project_path) if project_path else None
        self._forget_run()
        self.refresh_runs()

    def set_catalog(self, catalog: Catalog | None) -> None:
        """The layer catalog the run's graph is built with (None: the default catalog, on the worker)."""
        self.catalog = catalog

    def set_dataset(self, dataset: Any) -> None:
        """Prepared data to use instead of loading the project's data (None: load it); reopens the run."""
        self.dataset = dataset
        if self.inspected is not None:
            self._forget_run()
            self._maybe_load()

    def refresh_runs(self) -> None:
        """List the project's runs again (after training), keeping the chosen one when it is still there."""
        chosen = self.run_combo.currentData()
        known = {str(run.path) for run in self.runs}
        self.runs = list_runs(self.project_path) if self.project_path else []
        if self.runs and str(self.runs[-1].path) not in known:
            chosen = str(self.runs[-1].path)  # a new run (training just finished): show it
        self.run_combo.blockSignals(True)
        self.run_combo.clear()
        for run in reversed(self.runs):  # newest first
            self.run_combo.addItem(run_title(run), str(run.path))
            self.run_combo.setItemData(self.run_combo.count() - 1, str(run.path), Qt.ItemDataRole.ToolTipRole)
        index = self.run_combo.findData(chosen) if chosen else -1
        self.run_combo.setCurrentIndex(max(index, 0) if self.runs else -1)
        self.run_combo.blockSignals(False)
        for widget in (self.run_combo, self.which_combo, self.split_combo):
            widget.setEnabled(bool(self.runs))
        if self.project is None:
            self._show_state(NO_PROJECT)
        elif self.project_path is None:
            self._show_state(NOT_SAVED)
        elif not self.runs:
            self._show_state(NO_RUNS)
        else:
            self._maybe_load()

    def open_run(self, run: str | os.PathLike[str] | None = None, which: str | None = None,
                 split: str | None = None) -> None:
        """Choose run folder ``run`` (and/or ``which`` weights, ``split``) and open it, even while hidden."""
        for combo, value in ((self.run_combo, str(run) if run else None), (self.which_combo, which),
                             (self.split_combo, split)):
            index = combo.findData(value) if value else -1
            if index >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
        self._maybe_load(force=True)

    def show_node(self, name: str) -> bool:
        """Show node ``name``'s activations (and its filters and health where it has them).

        Switches to the Activations tab; False when no run is open or its model has no such layer.
        """
        if self.opened is None:
            return False
        self.filters_tab.select_layer(name)
        self.health_tab.select_layer(name)
        self.tabs.setCurrentWidget(self.activations_tab)
        return self.activations_tab.show_node(name)

    def show_filters(self, name: str) -> bool:
        """Switch to the Filters tab on layer ``name``; False when it has no drawable weights."""
        self.tabs.setCurrentWidget(self.filters_tab)
        return self.filters_tab.select_layer(name)

    def show_health(self, name: str) -> bool:
        """Switch to the Health tab on layer ``name``; False when it recorded no health."""
        self.tabs.setCurrentWidget(self.health_tab)
        return self.health_tab.select_layer(name)

    def show_sample(self, index: int) -> None:
        """Open sample ``index`` of the split in the Activations tab."""
        self.tabs.setCurrentWidget(self.activations_tab)
        self.activations_tab.show_sample(index)
        self.sample_activated.emit(index)

    @property
    def busy(self) -> bool:
        """True while background work runs or waits."""
        return not self.jobs.idle

    def shutdown(self) -> None:
        """Drop waiting work and wait for the running job (call before the window closes)."""
        self.jobs.shutdown()

    # ------------------------------------------------------------- loading
    def showEvent(self, event: QShowEvent) -> None:
        """Open the chosen run the first time the panel is seen (not while it sits hidden)."""
        super().showEvent(event)
        self._maybe_load()

    def _on_choice_changed(self, *_: object) -> None:
        self._maybe_load()

    def _retry(self) -> None:
        self.refresh_runs()
        self._maybe_load(force=True)

    def _choice(self) -> tuple[str, str, str] | None:
        run = self.run_combo.currentData()
        if not run or self.project is None:
            return None
        return str(run), str(self.which_combo.currentData()), str(self.split_combo.currentData())

    def _maybe_load(self, force: bool = False) -> None:
        choice = self._choice()
        if choice is None or not (force or self.isVisible()) or choice == self._wanted:
            return
        self._wanted = choice
        run, which, split = choice
        title = self.run_combo.currentText().split(" · ")[0]
        if self.inspected is not None and self._loaded_key == (run, which):
            self._show_state(f"Evaluating the {split} split of {title.lower()}…", busy=True)
            inspected = self.inspected
            self.jobs.submit("open", lambda: (choice, open_run(inspected, split)), self._on_opened,
                             self._on_failed)
            return
        self._show_state(f"Loading {title.lower()}…", busy=True)
        project, catalog, dataset = self.project, self.catalog, self.dataset

        def load() -> tuple[tuple[str, str, str], OpenedRun]:
            return choice, open_run(load_run(project, run, which, catalog, dataset), split)

        self.jobs.submit("open", load, self._on_opened, self._on_failed)

    def _on_opened(self, answer: tuple[tuple[str, str, str], OpenedRun]) -> None:
        choice, opened = answer
        if choice[:2] == (self._wanted or ("", ""))[:2]:
            self.inspected, self._loaded_key = opened.inspected, choice[:2]  # reusable for another split
        if choice != self._wanted:
            return  # a newer choice is on its way
        self.opened = opened
        self.unsetCursor()
        self._offer_splits(opened)
        for tab in self._tabs():
            tab.set_run(opened)
        self.pages.setCurrentWidget(self.tabs)
        self.run_opened.emit(opened)
        self.badges_changed.emit(dict(self.health_tab.badges))

    def _offer_splits(self, opened: OpenedRun) -> None:
        names = [name for name in opened.inspected.split_names() if name != TRAIN] or [TRAIN]
        self.split_combo.blockSignals(True)
        self.split_combo.clear()
        for name in names:
            self.split_combo.addItem(SPLIT_TITLES[name], name)
        self.split_combo.setCurrentIndex(max(self.split_combo.findData(opened.split), 0))
        self.split_combo.blockSignals(False)

    def _on_failed(self, message: str, details: str) -> None:
        self._wanted = None
        self.unsetCursor()
        self._show_state(f"The run could not be opened.\n{message}", retry=True)
        self.unsetCursor()

    def _forget_run(self) -> None:
        self.jobs.cancel()
        self.inspected = self.opened = None
        self._loaded_key = self._wanted = None
        for tab in self._tabs():
            tab.set_run(None)
        self.badges_changed.emit({})

    def _show_state(self, text: str, busy: bool = False, retry: bool = False) -> None:
        self.state_label.setText(text)
        self.retry_button.setVisible(retry)
        self.pages.setCurrentIndex(0)
        self.setCursor(Qt.CursorShape.BusyCursor if busy else Qt.CursorShape.ArrowCursor)

    @property
    def state_text(self) -> str:
        """The message on show instead of the tabs, or ``""`` when the tabs are shown."""
        return self.state_label.text() if self.pages.currentIndex() == 0 else ""

    def _tabs(self) -> list[Any]:
        return [self.filters_tab, self.activations_tab, self.evaluation_tab, self.mistakes_tab,
                self.health_tab, self.saliency_tab]
