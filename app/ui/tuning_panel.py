"""The Tuning panel: edit a search space, run a hyperparameter search, read its trials, apply the best.

Left: the search space (``SearchSpaceEditor``: one row per parameter, each
on its own scale) and how to search (strategy, trials, seed, grid points,
objective and direction, pruning, epochs per trial, storage). Right: the
progress line, border warnings with a one-click refined search, and the
results: a sortable, filterable trials table, the objective against each
parameter, and parallel coordinates.

Start builds an ``app.tuning.runner.TuningSession`` on a worker
(``TaskRunner``: checking the space against the project may take a moment
on a big graph) over a copy of the project, then searches on the session's
own thread; the panel drains its events on a timer about 30 times a second.
Stop never blocks: the trial in progress ends after its current batch and
is queued again, so starting the same search later resumes it.

"Apply best" puts the best trial's values into the document as one undo
step: the node params through ``Document.push`` and the training settings
through ``Document.set_training``, inside one undo macro.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import Catalog
from app.core.graph import GraphError
from app.core.project import Project, project_from_dict
from app.training.events import Event
from app.tuning import strategies
from app.tuning.results import COMPLETE, FAILED, PRUNED, SearchResults, TrialRow
from app.tuning.runner import (
    SEARCH_STARTED,
    TRIAL_ENDED,
    TRIAL_EPOCH,
    TRIAL_STARTED,
    TuningSession,
)
from app.tuning.settings import AUTO, DEFAULT_TRIALS, MEMORY, Objective, SearchSettings
from app.tuning.space import SearchSpace
from app.tuning.targets import limits, value_changes
from app.ui.tasks import TaskRunner
from app.ui.tuning_plots import ParallelPlot, ParamPlots
from app.ui.tuning_space import SearchSpaceEditor
from app.ui.tuning_trials import TrialsTable, value_text
from app.ui.widgets import bold_font, muted_label, restyle_on_theme_change

DRAIN_INTERVAL_MS = 33
EVENTS_PER_TICK = 500
IDLE, STARTING, RUNNING, STOPPING = "idle", "starting", "running", "stopping"
FINISHED, STOPPED, FAILED_STATE = "finished", "stopped", "failed"
BUSY_STATES = (STARTING, RUNNING, STOPPING)
NO_DOCUMENT_TEXT = "Open a project to tune it."
IDLE_TEXT = "Add parameters to the search space, then press Start."
APPLY_TEXT = "Apply best trial"
WARNINGS_STYLE = ("QFrame#borderWarnings { border: 1px solid palette(mid); border-radius: 4px; "
                  "background: palette(alternate-base); }")
STRATEGY_TIPS = {
    strategies.RANDOM: "Random search: each trial draws every parameter on its own scale",
    strategies.GRID: "Grid search: every combination of grid points (every option of a choice)",
    strategies.BAYES: "Bayesian search (TPE): later trials go where earlier ones did well; "
                      "poor trials are stopped early",
}


class TuningPanel(QWidget):
    """Search space, search settings, Start / Stop, trials, plots, border warnings, Apply best.

    Signals:

    - ``show_run_curves(run_dir)``: a trial's curves are wanted (its row was double-clicked,
      or "Show curves" pressed); the window overlays them on the training dashboard
    - ``state_changed(state)``: idle, starting, running, stopping, finished, stopped or failed
    - ``finished(result)``: the search ended; the terminal event's data plus ``"kind"``
    - ``applied(values)``: the best trial's values were put into the document
    """

    show_run_curves = Signal(str)
    state_changed = Signal(str)
    finished = Signal(dict)
    applied = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document: Any = None
        self.catalog: Catalog | None = None
        self.session: TuningSession | None = None
        self.results: SearchResults | None = None
        self._state = IDLE
        self._stop_asked = False
        self._target = 0
        self._current: dict[str, Any] = {}
        self._rows: dict[int, TrialRow] = {}
        self._started_at = 0.0
        self._tasks = TaskRunner(self)
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self.drain_events)

        self.space_editor = SearchSpaceEditor()
        self.space_editor.set_project_source(self._project)
        self.space_editor.changed.connect(self._update_buttons)
        self._build_settings()
        self._build_results()
        self._build_layout()
        self._set_status(NO_DOCUMENT_TEXT)
        self._show_results(None)
        self._update_buttons()

    # ------------------------------------------------------------ building
    def _build_settings(self) -> None:
        self.strategy_combo = QComboBox()
        for name, label in ((strategies.RANDOM, "Random"), (strategies.GRID, "Grid"),
                            (strategies.BAYES, "Bayesian (TPE)")):
            self.strategy_combo.addItem(label, name)
            self.strategy_combo.setItemData(self.strategy_combo.count() - 1, STRATEGY_TIPS[name],
                                            Qt.ItemDataRole.ToolTipRole)
        self.strategy_combo.currentIndexChanged.connect(self._update_buttons)
        self.trials_spin = QSpinBox(minimum=0, maximum=100_000, value=DEFAULT_TRIALS)
        self.trials_spin.setSpecialValueText("whole grid")
        self.trials_spin.setToolTip("How many trials the study holds when done; a resumed search runs the "
                                    "rest. Grid search: 'whole grid' runs every point")
        self.seed_spin = QSpinBox(minimum=-1, maximum=2**31 - 1, value=-1)
        self.seed_spin.setSpecialValueText("none")
        self.seed_spin.setToolTip("A fixed seed reproduces the search's trials")
        self.grid_spin = QSpinBox(minimum=1, maximum=50, value=5)
        self.grid_spin.setToolTip("Values per numeric parameter in a grid search (ends included)")
        self.metric_combo = QComboBox(editable=True)
        self.metric_combo.setToolTip("The epoch metric a trial is judged by (its best epoch's value); "
                                     "auto: val_loss with a validation split, else loss")
        self.direction_combo = QComboBox()
        for label, value in (("auto", None), ("minimize", "minimize"), ("maximize", "maximize")):
            self.direction_combo.addItem(label, value)
        self.direction_combo.setToolTip("auto: maximize accuracy-like metrics, minimize the rest")
        self.prune_combo = QComboBox()
        for label, value in (("auto (Bayesian only)", None), ("on", True), ("off", False)):
            self.prune_combo.addItem(label, value)
        self.prune_combo.setToolTip("Stop poor trials early: after each epoch a trial worse than the median "
                                    "of earlier trials at that epoch ends")
        self.epochs_spin = QSpinBox(minimum=0, maximum=100_000, value=0)
        self.epochs_spin.setSpecialValueText("the project's")
        self.epochs_spin.setToolTip("Epochs of each trial (unless training.epochs is searched)")
        self.storage_edit = QLineEdit()
        self.storage_edit.setClearButtonEnabled(True)
        self.storage_edit.setToolTip("Where trials are kept: empty for a SQLite file beside the project, "
                                     "'memory', or an Optuna URL (sqlite:///…, postgresql://…) that several "
                                     "`netloom tune` processes can share")

    def _build_results(self) -> None:
        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Run the search (the same search again resumes it)")
        self.start_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End the search after the current batch; the trial cut short runs "
                                    "again when the search resumes")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("Not started")
        self.status_label = muted_label()

        self.warnings_frame = QFrame()
        self.warnings_frame.setObjectName("borderWarnings")
        self.warnings_frame.setStyleSheet(WARNINGS_STYLE)
        restyle_on_theme_change(self.warnings_frame)
        self.warnings_label = QLabel(wordWrap=True)
        self.warnings_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refine_button = QPushButton("Refine")
        self.refine_button.setToolTip("Fill the search space with ranges around the best trial "
                                      "(past the border where the best lies at one), ready to start")
        self.refine_button.clicked.connect(self.refine)
        warnings_layout = QHBoxLayout(self.warnings_frame)
        warnings_layout.setContentsMargins(8, 6, 8, 6)
        warnings_layout.addWidget(self.warnings_label, 1)
        warnings_layout.addWidget(self.refine_button, 0, Qt.AlignmentFlag.AlignTop)

        self.best_label = QLabel()
        self.best_label.setFont(bold_font(self.best_label))
        self.best_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.best_label.setWordWrap(True)
        self.apply_button = QPushButton(APPLY_TEXT)
        self.apply_button.setToolTip("Put the best trial's values into the project (one undoable step)")
        self.apply_button.clicked.connect(self.apply_best)
        self.curves_button = QPushButton("Show curves")
        self.curves_button.setToolTip("Show the selected trial's curves on the training dashboard")
        self.curves_button.clicked.connect(self._show_selected_curves)

        self.trials_table = TrialsTable()
        self.trials_table.curves_requested.connect(self.show_run_curves)
        self.trials_table.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.param_plots = ParamPlots()
        self.parallel_plot = ParallelPlot()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.trials_table, "Trials")
        self.tabs.addTab(self.param_plots, "Objective vs parameters")
        self.tabs.addTab(self.parallel_plot, "Parallel coordinates")

    def _build_layout(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Strategy", self.strategy_combo)
        form.addRow("Trials", self.trials_spin)
        form.addRow("Grid points", self.grid_spin)
        form.addRow("Seed", self.seed_spin)
        objective = QHBoxLayout()
        objective.addWidget(self.metric_combo, 1)
        objective.addWidget(self.direction_combo)
        form.addRow("Objective", objective)
        form.addRow("Pruning", self.prune_combo)
        form.addRow("Epochs per trial", self.epochs_spin)
        form.addRow("Storage", self.storage_edit)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.addWidget(_heading("Search space"))
        left_layout.addWidget(self.space_editor, 1)
        left_layout.addWidget(_heading("Search"))
        left_layout.addLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(left)
        scroll.setMinimumWidth(360)

        best_bar = QHBoxLayout()
        best_bar.addWidget(self.best_label, 1)
        best_bar.addWidget(self.curves_button)
        best_bar.addWidget(self.apply_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.addLayout(best_bar)
        right_layout.addWidget(self.warnings_frame)
        right_layout.addWidget(self.tabs, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([500, 700])

        bar = QHBoxLayout()
        bar.addWidget(self.start_button)
        bar.addWidget(self.stop_button)
        bar.addWidget(self.progress, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.status_label)
        layout.addWidget(splitter, 1)

    # ------------------------------------------------------------ inputs
    def set_document(self, document: Any) -> None:
        """Tune ``document`` (an ``app.ui.document.Document``; None: nothing to tune).

        Another document's results are cleared (Apply best would put them into the wrong project).
        """
        changed = document is not self.document
        self.document = document
        if changed and not self.busy:
            self._show_results(None)
        self._fill_metrics()
        self._show_storage_default()
        if not self.busy:
            self._set_status(IDLE_TEXT if document is not None else NO_DOCUMENT_TEXT)
        self._update_buttons()

    def set_catalog(self, catalog: Catalog | None) -> None:
        """The layer catalog (node params need it); until then only training settings can be added."""
        self.catalog = catalog
        self.space_editor.set_catalog(catalog)

    def _project(self) -> Project | None:
        return self.document.project if self.document is not None else None

    def _fill_metrics(self) -> None:
        current = self.metric_combo.currentText() or AUTO
        project = self._project()
        metrics = [str(m) for m in (project.training.get("metrics") or []) if isinstance(m, str)] \
            if project else []
        names = [AUTO, "loss", "val_loss", *[n for m in metrics for n in (m, f"val_{m}")]]
        self.metric_combo.clear()
        self.metric_combo.addItems(names)
        self.metric_combo.setCurrentText(current)

    def _show_storage_default(self) -> None:
        project = self._project()
        path = getattr(self.document, "path", None) or (project.path if project else None)
        url = strategies.default_storage(path) if path else None
        self.storage_edit.setPlaceholderText(
            f"beside the project: {url.rsplit('/', 1)[-1]}" if url
            else "in memory (save the project to keep its trials)")

    # ------------------------------------------------------------ settings
    def search_settings(self) -> SearchSettings:
        """The search as the panel describes it; ``ValueError`` names a bad setting."""
        metric = self.metric_combo.currentText().strip() or AUTO
        storage = self.storage_edit.text().strip() or None
        settings = SearchSettings(
            space=self.space_editor.space(),
            strategy=self.strategy_combo.currentData(),
            trials=self.trials_spin.value() or None,
            objective=Objective(metric, self.direction_combo.currentData()),
            seed=None if self.seed_spin.value() < 0 else self.seed_spin.value(),
            grid_points=self.grid_spin.value(),
            epochs=self.epochs_spin.value() or None,
            prune=self.prune_combo.currentData(),
            storage=MEMORY if storage and storage.lower() == MEMORY else storage,
        )
        settings.check()
        return settings

    def set_search_settings(self, settings: SearchSettings) -> None:
        """Show ``settings`` in the editors (the space included)."""
        self.space_editor.set_space(settings.space)
        self.strategy_combo.setCurrentIndex(self.strategy_combo.findData(settings.strategy))
        self.trials_spin.setValue(settings.trials or 0)
        self.seed_spin.setValue(-1 if settings.seed is None else settings.seed)
        self.grid_spin.setValue(settings.grid_points)
        self.metric_combo.setCurrentText(settings.objective.metric)
        self.direction_combo.setCurrentIndex(self.direction_combo.findData(settings.objective.direction))
        self.epochs_spin.setValue(settings.epochs or 0)
        self.prune_combo.setCurrentIndex(self.prune_combo.findData(settings.prune))
        self.storage_edit.setText(settings.storage or "")

    # ------------------------------------------------------------ control
    @property
    def busy(self) -> bool:
        """True from Start until the search's last event was taken."""
        return self._state in BUSY_STATES

    @property
    def state(self) -> str:
        """idle, starting, running, stopping, finished, stopped or failed."""
        return self._state

    def start(self) -> bool:
        """Start the search the panel describes; False (and the reason in red) when it cannot start."""
        project = self._project()
        if self.busy or project is None:
            return False
        try:
            settings = self.search_settings()
        except ValueError as error:
            self._set_status(str(error), error=True)
            return False
        copy = project_from_dict(project.to_dict(), str(project.path or "<project>"))
        copy.path = getattr(self.document, "path", None) or project.path
        catalog = self.catalog
        self._stop_asked = False
        self._rows = {}
        self._current = {}
        self._target = settings.target_trials()
        self._show_results(None)
        self.space_editor.clear_problem()
        self._set_state(STARTING)
        self._set_status("Checking the search space…")
        self.progress.setRange(0, max(self._target, 1))
        self.progress.setValue(0)
        self.progress.setFormat("Starting…")
        self._tasks.start("tuning-session", lambda: TuningSession(copy, settings, catalog=catalog),
                          self._on_session_made, self._on_session_refused)
        return True

    def stop(self) -> None:
        """End the search after the current batch of the trial in progress; never blocks."""
        if not self.busy or self._state == STOPPING:
            return
        self._stop_asked = True
        if self.session is not None and self._state == RUNNING:
            self.session.stop()
        self._set_state(STOPPING)
        self._set_status("Stopping after the current batch…")

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop a search and wait for its threads (call when the window closes)."""
        self._stop_asked = True
        self._tasks.wait_all()
        if self.session is not None:
            self.session.stop()
            self.session.wait(timeout)
            if self.busy:
                self.drain_events()
        self._timer.stop()

    def _on_session_made(self, _tag: Any, session: TuningSession) -> None:
        self.session = session
        if self._stop_asked:
            self._set_state(STOPPED)
            self._set_status("Stopped before the first trial.")
            self.progress.setFormat("Stopped")
            self.finished.emit({"kind": STOPPED, "message": "Stopped before the first trial.", "trials": 0,
                                "best": None})
            return
        self._started_at = time.monotonic()
        self._set_state(RUNNING)
        self._set_status(f"Searching: study {session.study_name}.")
        session.start()
        self._timer.start()

    def _on_session_refused(self, _tag: Any, message: str, _details: str) -> None:
        self._set_state(IDLE)
        self.progress.setFormat("Not started")
        self._set_status(message.removeprefix("ValueError: "), error=True)

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._update_buttons()
            self.state_changed.emit(state)

    def _update_buttons(self) -> None:
        busy = self.busy
        has_space = bool(len(self.space_editor.space()))
        self.start_button.setEnabled(not busy and self.document is not None and has_space)
        self.stop_button.setEnabled(self._state in (STARTING, RUNNING))
        self.space_editor.setEnabled(not busy)
        for widget in (self.strategy_combo, self.trials_spin, self.seed_spin, self.metric_combo,
                       self.direction_combo, self.prune_combo, self.epochs_spin, self.storage_edit):
            widget.setEnabled(not busy)
        self.grid_spin.setEnabled(not busy and self.strategy_combo.currentData() == strategies.GRID)
        best = self.results.best if self.results else None
        self.apply_button.setEnabled(best is not None and self.document is not None)
        self.curves_button.setEnabled(self._selected_run_dir() is not None)
        self.refine_button.setEnabled(not busy and best is not None)

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setProperty("error", error)
        self.status_label.setForegroundRole(QPalette.ColorRole.BrightText if error
                                            else QPalette.ColorRole.PlaceholderText)

    @property
    def status_text(self) -> str:
        """The status line under the progress bar."""
        return self.status_label.text()

    # ------------------------------------------------------------ events
    def drain_events(self) -> int:
        """Take the session's waiting events; their count."""
        session = self.session
        if session is None:
            return 0
        events = session.drain(EVENTS_PER_TICK)
        rows_changed = False
        for event in events:
            if event.kind == SEARCH_STARTED:
                self._on_search_started(event.data)
            elif event.kind == TRIAL_STARTED:
                self._current = {"number": event.data["number"], "epoch": 0}
            elif event.kind == TRIAL_EPOCH:
                self._current = {"number": event.data["number"], "epoch": event.data["epoch"]}
            elif event.kind == TRIAL_ENDED:
                row = row_from_dict(event.data["row"])
                self._rows[row.number] = row
                self._current = {}
                rows_changed = True
            elif event.terminal:
                self._on_end(event)
                return len(events)
        if rows_changed:
            self._show_results(self._live_results())
        if events:
            self._show_progress()
        return len(events)

    def _on_search_started(self, data: Mapping[str, Any]) -> None:
        self._target = int(data["trials"])
        self.progress.setRange(0, max(self._target, 1))
        existing = int(data.get("existing") or 0)
        resumed = f" Resuming: {existing} trials were already in the study." if existing else ""
        self._set_status(f"Searching ({data['strategy']}): study {data['study']}.{resumed}")
        if existing and self.session is not None:
            results = self.session.results()  # the earlier trials, once, at the start
            self._rows = {row.number: row for row in results.rows}
            self._show_results(self._live_results())

    def _live_results(self) -> SearchResults:
        session = self.session
        settings = session.settings
        rows = [self._rows[n] for n in sorted(self._rows)]
        metric = settings.objective.metric
        measured = next((row.metrics for row in rows if row.metrics), None)
        if metric == AUTO and measured is not None:  # the metric the trials used, as results_of says
            metric = settings.objective.metric_in(measured)
        return SearchResults(session.study_name, settings.space, settings.objective.resolved_direction,
                             metric, settings.strategy, rows)

    def _show_progress(self) -> None:
        done = sum(1 for row in self._rows.values() if row.state in (COMPLETE, PRUNED, FAILED))
        self.progress.setValue(min(done, self.progress.maximum()))
        parts = [f"Trial {min(done + 1, self._target)} of {self._target}"]
        epochs = self.session.settings.epochs if self.session else None
        if self._current.get("epoch"):
            parts.append(f"epoch {self._current['epoch']}" + (f"/{epochs}" if epochs else ""))
        best = self.results.best if self.results else None
        if best is not None:
            parts.append(f"best {self.results.metric} {best.value:.4g} (trial #{best.number})")
        self.progress.setFormat(" · ".join(parts))

    def _on_end(self, event: Event) -> None:
        self._timer.stop()
        data = event.data
        try:
            results = self.session.results()
        except Exception as error:  # the storage may be what failed; keep what the events said
            results = self._live_results()
            data = {**data, "message": f"{data.get('message', '')} ({error})"}
        self._rows = {row.number: row for row in results.rows}
        self._show_results(results)
        best = results.best
        done = sum(1 for row in results.rows if row.state in (COMPLETE, PRUNED, FAILED))
        self.progress.setRange(0, max(self._target, done, 1))
        self.progress.setValue(done)
        title = {FINISHED: "Finished", STOPPED: "Stopped"}.get(event.kind, "Failed")
        tail = f" · best {results.metric} {best.value:.4g} (trial #{best.number})" if best else ""
        self.progress.setFormat(f"{title} · {done} trials{tail}")
        self._set_status(str(data.get("message", "")), error=event.kind == FAILED_STATE)
        self._set_state(event.kind)
        self.finished.emit({"kind": event.kind, **data})

    # ------------------------------------------------------------ results
    def show_results(self, results: SearchResults | None) -> None:
        """Show ``results`` (a search read back with ``load_results``, or None for none)."""
        self._show_results(results)

    def _show_results(self, results: SearchResults | None) -> None:
        self.results = results
        names = results.space.names if results else self.space_editor.space().names
        self.trials_table.set_rows(names, results.rows if results else [])
        self.param_plots.set_results(results)
        self.parallel_plot.set_results(results)
        best = results.best if results else None
        if best is None:
            waiting = results is not None and bool(results.rows)
            self.best_label.setText("No finished trial yet." if waiting else "No trials yet.")
        else:
            values = ", ".join(f"{name.removeprefix('training.')} = {value_text(value)}"
                               for name, value in best.params.items())
            self.best_label.setText(f"Best: trial #{best.number}, {results.metric} {best.value:.4g} · "
                                    f"{values}")
        self._show_warnings()
        self._update_buttons()

    def border_warnings(self) -> list[str]:
        """The border warnings shown (their messages)."""
        if self.results is None:
            return []
        return [w.message for w in self.results.border_warnings(limits=self._limits())]

    def _show_warnings(self) -> None:
        messages = self.border_warnings()
        self.warnings_label.setText("\n".join(f"⚠ {m}" for m in messages))
        self.warnings_frame.setVisible(bool(messages))

    def _limits(self) -> dict[str, tuple[float | None, float | None]]:
        project = self._project()
        if project is None or self.results is None:
            return {}
        found = {}
        for parameter in self.results.space:
            try:
                found[parameter.name] = limits(project, parameter.name, self.catalog)
            except (ValueError, KeyError):
                continue  # a node param before the catalog came, or one the project lost: no limits
        return found

    def refine(self) -> SearchSpace | None:
        """Fill the space with the refined ranges around the best trial; the new space (None: no best)."""
        if self.results is None or self.results.best is None:
            return None
        space = self.results.refined_space(limits=self._limits())
        self.space_editor.set_space(space)
        self._set_status("The space now lies around the best trial: press Start to search it.")
        return space

    # ------------------------------------------------------------ apply / curves
    def apply_best(self) -> dict[str, Any] | None:
        """Put the best trial's values into the document as one undo step; the values (None: refused)."""
        best = self.results.best if self.results else None
        if best is None or self.document is None:
            return None
        return self.apply_values(dict(best.params), f"Apply best trial (#{best.number})")

    def apply_values(self, values: Mapping[str, Any], text: str = APPLY_TEXT) -> dict[str, Any] | None:
        """Put ``values`` (parameter name -> value) into the document as one undo step named ``text``."""
        document = self.document
        try:
            changes = value_changes(document.project, values, self.catalog)
        except (ValueError, KeyError) as error:
            self._set_status(f"Cannot apply: {error}", error=True)
            return None
        edit = changes.graph_edit(text)
        training = changes.training
        if edit is None and (training is None or training == document.project.training):
            self._set_status("The project already has these values.")
            return dict(values)
        undo = document.undo
        undo.beginMacro(text)
        try:
            if edit is not None:
                document.push(edit)
            if training is not None:
                document.set_training(training, text)
        except GraphError as error:
            undo.endMacro()
            undo.undo()  # whatever part went in comes out again
            self._set_status(f"Cannot apply: {error}", error=True)
            return None
        undo.endMacro()
        self._set_status(f"{text}: done (Edit ▸ Undo takes it back).")
        self.applied.emit(dict(values))
        return dict(values)

    def _selected_run_dir(self) -> str | None:
        number = self.trials_table.selected_number()
        row = self._rows.get(number) if number is not None else None
        if row is None and self.results is not None and number is not None:
            row = next((r for r in self.results.rows if r.number == number), None)
        return row.run_dir if row is not None and row.run_dir else None

    def _show_selected_curves(self) -> None:
        run_dir = self._selected_run_dir()
        if run_dir:
            self.show_run_curves.emit(run_dir)


def row_from_dict(data: Mapping[str, Any]) -> TrialRow:
    """A ``TrialRow`` from its ``to_dict()`` form (as a ``trial_ended`` event carries it)."""
    values = dict(data)
    values["intermediate"] = {int(k): float(v) for k, v in (data.get("intermediate") or {}).items()
                              if v is not None}
    values["metrics"] = {k: float(v) for k, v in (data.get("metrics") or {}).items() if v is not None}
    return TrialRow(**values)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setFont(bold_font(label))
    return label
