"""The Training panel: start, pause and stop a run, watch its curves grow, compare runs.

The panel owns one ``TrainingSession`` at a time (on a copy of the project,
so editing the graph meanwhile changes nothing in the run). The session
trains on its own thread; the panel drains its events on a timer about 30
times a second on the GUI thread, in chunks of ``EVENTS_PER_CHUNK`` for at
most ``TICK_BUDGET_S`` per tick, so a fast model never floods the window. Curves keep every point in NumPy
buffers and are downsampled for drawing (``app.ui.curves``).

Before training the learning-rate plot shows the schedule the run will
follow. The runs list beside the plots shows the project's runs; selecting
runs overlays their epoch curves, and "Compare" lists how two runs differ
in settings and architecture.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.core.project import Project, project_from_dict
from app.training import events as ev
from app.training.runs import RunInfo, list_runs, read_history, read_run
from app.training.schedules import schedule_points
from app.training.session import PAUSED, RUNNING, STOPPING, TrainingSession
from app.training.settings import TrainingSettings
from app.ui.curves import FAINT, SCHEDULE, TRAINING, VALIDATION, CurvePlot, Series, Smoother
from app.ui.run_compare import compare_runs
from app.ui.widgets import fill_table, make_table, muted_label, section

DRAIN_INTERVAL_MS = 33
EVENTS_PER_CHUNK = 1_000
TICK_BUDGET_S = 0.006  # a tick takes events for this long at most, then lets the window paint
MOST_UNFILED = 500  # batch events wait for the next redraw, but no more than this many (a flood)
REDRAW_INTERVAL_S = 0.5  # one plot is redrawn at most this often (see _refresh_one_plot)
REDRAW_SHARE = 0.015  # ... and less often when redrawing would take more of the GUI thread than this
MAX_REDRAW_INTERVAL_S = 1.0
SLOW_PLOT_INTERVAL_S = 1.0  # the other plots (they change once an epoch, or only move a held rate on)
PROGRESS_INTERVAL_S = 0.5  # the progress bar's text changes this often
PROGRESS_STEPS = 1000
ESTIMATED_STEPS_PER_EPOCH = 100  # for the schedule plot before the data is known
IDLE_TEXT = "Press Start (F5) to train the model on the project's data."
NO_PROJECT_TEXT = "No project"
FALLING = ("loss", "error", "mae", "mse", "hinge", "divergence", "crossentropy")  # metrics that fall
LIVE = "live:"  # curve names of the current run start with this; overlays with "run<N>:"


class TrainingPanel(QWidget):
    """Start, pause and stop training; live curves, progress, and the project's runs.

    Signals:

    - ``start_requested()``: the Start button was pressed; the window answers with ``start(project)``
    - ``state_changed(state)``: idle, running, paused, stopping, finished, stopped or failed
    - ``finished(result)``: the run ended; ``result`` is the terminal event's data plus ``"kind"``
    """

    start_requested = Signal()
    state_changed = Signal(str)
    finished = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: TrainingSession | None = None
        self.project_path: Path | None = None
        self._settings: TrainingSettings | None = None
        self._state = "idle"
        self._started: dict[str, Any] = {}
        self._started_at = 0.0
        self._last_batch: dict[str, Any] = {}
        self._unfiled: list[dict[str, Any]] = []  # batch events taken, not yet in the curves
        self._smoother = Smoother()
        self._next_plot = 0
        self._next_redraw = 0.0  # time.monotonic() from which the next plot may be redrawn
        self._drawn_at: dict[CurvePlot, float] = {}  # when each plot was last redrawn
        self._last_progress = 0.0
        self._runs: list[RunInfo] = []
        self.comparison: list[tuple[str, str, str]] = []
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self.drain_events)

        self.start_button = QPushButton("Start")
        self.start_button.setToolTip("Train the model on the project's data (F5)")
        self.start_button.clicked.connect(self.start_requested)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip("Hold training after the current batch, keeping all its state")
        self.pause_button.clicked.connect(self._toggle_pause)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("End training after the current batch; the weights are kept")
        self.stop_button.clicked.connect(self.stop)
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("Not started")
        self.status_label = muted_label(NO_PROJECT_TEXT)

        self.batch_loss_plot = CurvePlot("Loss per batch", "batch")
        self.epoch_loss_plot = CurvePlot("Loss per epoch", "epoch")
        self.lr_plot = CurvePlot("Learning rate", "batch", from_zero=True)
        self.metric_plots: dict[str, CurvePlot] = {}
        self._plot_grid = QGridLayout()
        self._plot_grid.setSpacing(6)
        for column in (0, 1):  # two columns of equal width, whatever each plot's axis labels need
            self._plot_grid.setColumnStretch(column, 1)
        for plot in (self.batch_loss_plot, self.epoch_loss_plot, self.lr_plot):
            self._add_plot(plot)

        self.runs_table = make_table(("Run", "Status", "Epochs", "Best (epoch)"))
        self.runs_table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.runs_table.setToolTip("Select runs to overlay their epoch curves; select two to compare them")
        self.runs_table.itemSelectionChanged.connect(self._on_runs_selected)
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Show how the two selected runs differ: settings and architecture")
        self.compare_button.setEnabled(False)
        self.compare_button.clicked.connect(self.compare_selected)
        self.compare_table = make_table(("Difference", "First", "Second"))
        self.compare_note = muted_label("Select two runs and press Compare.")

        self._build_layout()
        self._update_buttons()

    # ------------------------------------------------------------ layout
    def _build_layout(self) -> None:
        bar = QHBoxLayout()
        for button in (self.start_button, self.pause_button, self.stop_button):
            bar.addWidget(button)
        bar.addWidget(self.progress, 1)

        plots = QWidget()
        plots.setLayout(self._plot_grid)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(plots)

        side = QWidget()
        side.setMinimumWidth(340)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(section("Runs", self.runs_table, self.compare_button), 1)
        side_layout.addWidget(section("Comparison", self.compare_table, self.compare_note), 1)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([800, 420])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.status_label)
        layout.addWidget(splitter, 1)

    def _add_plot(self, plot: CurvePlot) -> None:
        index = self._plot_grid.count()
        self._plot_grid.addWidget(plot, index // 2, index % 2)

    def _sync_metric_plots(self, metrics: list[str]) -> None:
        """One plot per metric in ``metrics``, made now: making one mid-run stalls the GUI ~50 ms."""
        for metric in [m for m, plot in self.metric_plots.items() if m not in metrics and not plot.series]:
            plot = self.metric_plots.pop(metric)
            self._plot_grid.removeWidget(plot)
            plot.deleteLater()
        for metric in metrics:
            self._metric_plot(metric)
        for index, plot in enumerate(self.plots):  # close the gaps removed plots left
            self._plot_grid.addWidget(plot, index // 2, index % 2)

    def _metric_plot(self, metric: str) -> CurvePlot:
        plot = self.metric_plots.get(metric)
        if plot is None:
            plot = self.metric_plots[metric] = CurvePlot(metric.replace("_", " ").capitalize(), "epoch",
                                                         rising=not any(word in metric for word in FALLING))
            plot.plan(self.epoch_loss_plot.planned_right)
            self._add_plot(plot)
        return plot

    @property
    def plots(self) -> list[CurvePlot]:
        """Every plot: batch loss, epoch loss, learning rate, then one per metric."""
        return [self.batch_loss_plot, self.epoch_loss_plot, self.lr_plot, *self.metric_plots.values()]

    # ------------------------------------------------------------ project
    def set_project(self, project: Project | None, project_path: Path | None = None) -> None:
        """Show ``project``'s learning-rate schedule and its runs (``None``: nothing to train)."""
        self.project_path = Path(project_path) if project_path else (project.path if project else None)
        self._settings = None
        if project is not None:
            try:
                self._settings = TrainingSettings.from_dict(project.training)
            except ValueError as error:
                self._set_status(str(error), error=True)
        if not self.busy:
            self._sync_metric_plots(list(self._settings.metrics) if self._settings else [])
        if not self.busy:
            if project is None:
                self._set_status(NO_PROJECT_TEXT)
            elif self._settings is not None:
                self._set_status(IDLE_TEXT)
            self._show_schedule(self._estimated_steps(project))
        self.refresh_runs()
        self._update_buttons()

    def _estimated_steps(self, project: Project | None) -> int:
        if project is None or self._settings is None:
            return 0
        samples = project.data.get("samples") if isinstance(project.data, Mapping) else None
        known = isinstance(samples, int) and samples > 0
        per_epoch = math.ceil(samples / self._settings.batch_size) if known else ESTIMATED_STEPS_PER_EPOCH
        return per_epoch * max(self._settings.epochs, 1)

    def _show_schedule(self, steps: int) -> None:
        if self._settings is None or steps <= 0:
            self.lr_plot.clear_curves("schedule")
        else:
            points = schedule_points(self._settings, steps)
            self.lr_plot.add_curve("schedule", style=SCHEDULE, label="planned")
            self.lr_plot.replace_points("schedule", [p[0] for p in points], [p[1] for p in points])
        self.lr_plot.refresh()

    # ------------------------------------------------------------ control
    @property
    def busy(self) -> bool:
        """True from ``start`` until the panel has taken the run's last event (finished, stopped, failed)."""
        return self._state in (RUNNING, PAUSED, STOPPING)

    @property
    def state(self) -> str:
        """idle, running, paused, stopping, finished, stopped or failed."""
        return self._state

    def start(self, project: Project, settings_override: Mapping[str, Any] | TrainingSettings | None = None,
              dataset: Any = None, extra_callbacks: Any = None) -> TrainingSession:
        """Train a copy of ``project``; returns the session. ``RuntimeError`` while a run is busy.

        ``settings_override``: a ``TrainingSettings``, or keys merged into the
        project's ``training`` section; ``dataset``: an already loaded dataset
        (else the session loads the project's ``data`` section on its thread);
        ``extra_callbacks``: see ``TrainingSession`` (the training-health recorder).
        A bad setting raises ``ValueError`` naming the field.
        """
        if self.busy:
            raise RuntimeError("A run is already training; stop it first")
        copy = project_from_dict(project.to_dict())
        copy.path = self.project_path or project.path
        if isinstance(settings_override, TrainingSettings):
            settings = settings_override
        else:
            settings = TrainingSettings.from_dict({**copy.training, **dict(settings_override or {})})
        copy.training = settings.to_dict()
        self.project_path = copy.path
        session = TrainingSession(copy, settings=settings, dataset=dataset, extra_callbacks=extra_callbacks)
        self.watch(session, settings)
        session.start()
        return session

    def watch(self, source: Any, settings: TrainingSettings) -> None:
        """Show the run whose events ``source.drain(limit)`` hands out (a ``TrainingSession``, or
        any source of the same events, such as a tuning trial), trained with ``settings``."""
        self._settings = settings
        self.session = source
        self._sync_metric_plots(list(settings.metrics))
        self._reset_curves()
        self._set_status("Loading the data and building the model…")
        self.progress.setFormat("Starting…")
        self._started_at = time.monotonic()
        self._timer.start()
        self._set_state(RUNNING)

    def pause(self) -> None:
        """Hold the run after the current batch (all its state kept)."""
        if self.session is not None and self.session.state == RUNNING:
            self.session.pause()
            self._set_state(PAUSED)

    def resume(self) -> None:
        """Go on after ``pause``."""
        if self.session is not None and self.session.state == PAUSED:
            self.session.resume()
            self._set_state(RUNNING)

    def stop(self) -> None:
        """End the run after the current batch; the weights reached are kept."""
        if self.busy and self._state != STOPPING:
            self.session.stop()
            self._set_state(STOPPING)
            self._set_status("Stopping after the current batch…")

    def set_learning_rate(self, rate: float) -> None:
        """Use ``rate`` from the next batch on; ``ValueError`` when the schedule cannot change."""
        if self.session is None:
            raise RuntimeError("No run to change")
        self.session.set_learning_rate(rate)

    def shutdown(self, timeout: float = 60.0) -> None:
        """Stop a run and wait for its thread (call when the window closes)."""
        if self.session is not None:
            if self.busy:
                self.session.stop()
            self.session.wait(timeout)
            self.drain_events()
        self._timer.stop()

    def _toggle_pause(self) -> None:
        if self._state == PAUSED:
            self.resume()
        else:
            self.pause()

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._update_buttons()
            self.state_changed.emit(state)

    def _update_buttons(self) -> None:
        busy = self._state in (RUNNING, PAUSED, STOPPING)
        self.start_button.setEnabled(not busy and self._settings is not None)
        self.pause_button.setEnabled(self._state in (RUNNING, PAUSED))
        self.pause_button.setText("Resume" if self._state == PAUSED else "Pause")
        self.stop_button.setEnabled(self._state in (RUNNING, PAUSED))

    def _set_status(self, text: str, error: bool = False) -> None:
        self.status_label.setText(text)
        self.status_label.setForegroundRole(QPalette.ColorRole.BrightText if error
                                            else QPalette.ColorRole.PlaceholderText)

    # ------------------------------------------------------------ events
    def drain_events(self) -> int:
        """Take the session's waiting events into the curves, for ``TICK_BUDGET_S`` at most; their count."""
        session = self.session
        if session is None:
            return 0
        deadline = time.perf_counter() + TICK_BUDGET_S
        taken = 0
        while True:
            events = session.drain(EVENTS_PER_CHUNK)
            taken += len(events)
            terminal = self._take(events)
            if terminal is not None:
                self._show_progress()
                self._on_end(terminal)
                return taken
            if len(events) < EVENTS_PER_CHUNK or time.perf_counter() >= deadline:
                break
        now = time.monotonic()
        if taken and now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            self._show_progress()
        self._refresh_one_plot()
        return taken

    def _take(self, events: list[ev.Event]) -> ev.Event | None:
        """Take ``events`` in (batch ends wait for the next redraw); the terminal one, if it is among them."""
        terminal: ev.Event | None = None
        for event in events:
            if event.kind == ev.BATCH_END:
                self._unfiled.append(event.data)
                self._last_batch = event.data
                if len(self._unfiled) >= MOST_UNFILED:
                    self._file_batches()
                continue
            if event.kind == ev.STARTED:
                self._on_started(event.data)
            elif event.kind == ev.EPOCH_END:
                self._on_epoch(event.data)
            elif event.kind == ev.PAUSED:
                self._file_batches()
                self._set_state(PAUSED)
                self._set_status(f"Paused at epoch {event.data['epoch']}, batch {event.data['batch']}.")
            elif event.kind == ev.RESUMED:
                if self._state == PAUSED:
                    self._set_state(RUNNING)
                self._set_status("Training…")
            elif event.kind == ev.LEARNING_RATE:
                self._set_status(f"Learning rate now {event.data['lr']:.3g} ({event.data['reason']}).")
            elif event.kind == ev.STAGE:
                self._set_status(f"Stage 2: fine-tuning {', '.join(event.data['unfrozen'])}.")
            elif event.terminal:
                terminal = event
        return terminal

    def _refresh_one_plot(self) -> None:
        """Redraw one plot with new points, and only as often as is cheap.

        While a model trains, a plot's refresh and paint take a few ms of the
        GUI thread (mostly pyqtgraph's Python, holding the GIL the training
        thread needs between its steps), and on a machine of few cores that
        time is taken from training. So one plot is redrawn at a time, the next
        one ``REDRAW_INTERVAL_S`` later at the soonest, or later still where a
        redraw costs more than ``REDRAW_SHARE`` of that wait (up to
        ``MAX_REDRAW_INTERVAL_S``). They take turns: the batch loss, the live
        one, whenever its turn comes; the others at most every
        ``SLOW_PLOT_INTERVAL_S``. The end of a run redraws them all.
        """
        now = time.monotonic()
        if now < self._next_redraw:
            return
        self._file_batches()
        plots = self.plots
        for offset in range(len(plots)):
            plot = plots[(self._next_plot + offset) % len(plots)]
            live = plot is self.batch_loss_plot
            if not plot.pending or (not live and now - self._drawn_at.get(plot, 0.0) < SLOW_PLOT_INTERVAL_S):
                continue
            plot.refresh()
            self._drawn_at[plot] = now
            self._next_plot = (self._next_plot + offset + 1) % len(plots)
            self._next_redraw = now + min(max(REDRAW_INTERVAL_S, plot.redraw_cost_s / REDRAW_SHARE),
                                          MAX_REDRAW_INTERVAL_S)
            return

    def _on_started(self, data: dict[str, Any]) -> None:
        self._started = dict(data)
        self._started_at = time.monotonic()
        steps = int(data["steps_per_epoch"]) * max(int(data["epochs"]) - int(data["initial_epoch"]), 1)
        self._show_schedule(steps)
        # The axes span the planned run from the start: curves grow across them (and the axes need
        # not be laid out again at every redraw).
        epochs, per_epoch = int(data["epochs"]), int(data["steps_per_epoch"])
        for plot in (self.batch_loss_plot, self.lr_plot):
            plot.plan(float(epochs * per_epoch))
        for plot in (self.epoch_loss_plot, *self.metric_plots.values()):
            plot.plan(float(epochs))
        # The epoch curves are made now: made when the first epoch ends, they cost the GUI thread
        # ~10 ms just as training gets going.
        for metric in ("loss", *data.get("metrics", ())):
            for name in (metric, f"val_{metric}") if data.get("validation") else (metric,):
                self._epoch_curve(name)
        notes = " ".join(data.get("notes") or [])
        self._set_status(f"Training on {data['samples']:,} samples ({data['backend']}). {notes}".strip())

    def _file_batches(self) -> None:
        """Put the batches taken since the last call into the curves: a few times a second, in
        bulk, not at every tick (each tick then costs the GUI thread, and so training, less)."""
        if self._unfiled:
            batches, self._unfiled = self._unfiled, []
            self._on_batches(batches)

    def _on_batches(self, batches: list[dict[str, Any]]) -> None:
        steps = [float(b["step"]) for b in batches]
        losses = [float(b["logs"].get("loss", math.nan)) for b in batches]
        self.batch_loss_plot.add_curve(LIVE + "raw", 0, FAINT).extend(steps, losses)
        self.batch_loss_plot.add_curve(LIVE + "smoothed", 0, TRAINING, "smoothed").extend(
            steps, [self._smoother(loss) for loss in losses])
        rates = [float(b["lr"]) for b in batches]
        self.lr_plot.add_curve(LIVE + "lr", 0, TRAINING, "used").extend_changes(steps, rates)

    def _on_epoch(self, data: dict[str, Any]) -> None:
        epoch = float(data["epoch"])
        logs = data["logs"]
        for name, value in logs.items():
            if isinstance(value, (int, float)):
                self._epoch_curve(name).append(epoch, float(value))

    def _epoch_curve(self, name: str) -> Series:
        """The live epoch curve of the log value ``name`` (``val_`` ones dashed), made when new."""
        metric = name.removeprefix("val_")
        plot = self.epoch_loss_plot if metric == "loss" else self._metric_plot(metric)
        if name.startswith("val_"):
            return plot.add_curve(LIVE + name, 1, VALIDATION, "validation")
        return plot.add_curve(LIVE + name, 0, TRAINING, "training")

    def _show_progress(self) -> None:
        started, batch = self._started, self._last_batch
        if not started or not batch:
            return
        per_epoch = max(int(started["steps_per_epoch"]), 1)
        epochs = max(int(started["epochs"]) - int(started["initial_epoch"]), 1)
        done = (int(batch["epoch"]) - 1 - int(started["initial_epoch"])) * per_epoch + int(batch["batch"])
        fraction = min(max(done / (per_epoch * epochs), 0.0), 1.0)
        elapsed = time.monotonic() - self._started_at
        left = elapsed * (1 - fraction) / fraction if fraction > 0 else math.nan
        # A progress bar repaints at once (and alone) when its value moves; with updates held, the
        # new value and text are painted once, with whatever else the window paints next.
        self.progress.setUpdatesEnabled(False)
        self.progress.setValue(round(fraction * PROGRESS_STEPS))
        self.progress.setFormat(
            f"Epoch {batch['epoch']}/{started['epochs']} · batch {batch['batch']}/{per_epoch} · "
            f"{batch['samples_per_s']:,.0f} samples/s · {_duration(left)} left"
        )
        self.progress.setUpdatesEnabled(True)

    def _on_end(self, event: ev.Event) -> None:
        self._timer.stop()
        self._file_batches()
        for plot in self.plots:
            plot.plan(None)  # an early stop: the whole plot for what was done
            plot.refresh()
        data = event.data
        if event.kind == ev.FAILED:
            self._set_status(f"Training failed: {data.get('message', '')}", error=True)
            self.progress.setFormat("Failed")
        else:
            if event.kind == ev.FINISHED and data.get("reason") == "completed":
                self.progress.setValue(PROGRESS_STEPS)
            self._set_status(data.get("message", ""))
            test = data.get("test") or {}
            tail = " · ".join(f"{k} {v:.4g}" for k, v in test.items())
            self.progress.setFormat(("Finished" if event.kind == ev.FINISHED else "Stopped")
                                    + (f" · {tail}" if tail else ""))
        self._set_state(event.kind)
        self.refresh_runs()
        self.finished.emit({"kind": event.kind, **data})

    def _reset_curves(self) -> None:
        for plot in self.plots:
            plot.clear_curves(LIVE)
            plot.refresh()
        # The curves every run draws are made now, not while the first events arrive.
        self.batch_loss_plot.add_curve(LIVE + "raw", 0, FAINT)
        self.batch_loss_plot.add_curve(LIVE + "smoothed", 0, TRAINING, "smoothed")
        self.lr_plot.add_curve(LIVE + "lr", 0, TRAINING, "used")
        self._epoch_curve("loss")
        self._smoother = Smoother()
        self._started, self._last_batch, self._unfiled = {}, {}, []
        self._drawn_at.clear()  # no reference kept to a plot removed between runs
        self.progress.setValue(0)

    # ------------------------------------------------------------ runs
    def refresh_runs(self) -> None:
        """Read the project's runs again into the runs list (selection kept by name)."""
        selected = set(self.selected_runs())
        self._runs = list_runs(self.project_path) if self.project_path else []
        rows = [(_run_text(run), run.status, str(run.epochs_done), _best_text(run))
                for run in self._runs]
        self.runs_table.blockSignals(True)
        fill_table(self.runs_table, rows)
        # The best value takes the width left and is cut short there (whole in its tooltip), rather
        # than hiding behind a horizontal scroll bar when the side panel is narrow.
        self.runs_table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for row, run in enumerate(self._runs):
            self.runs_table.item(row, 0).setToolTip(f"{run.path}\n{run.message}".strip())
            if run.name in selected:
                self.runs_table.selectRow(row)
        self.runs_table.blockSignals(False)
        self._on_runs_selected()

    @property
    def runs(self) -> list[RunInfo]:
        """The runs listed, oldest first."""
        return list(self._runs)

    def selected_runs(self) -> list[str]:
        """The names of the selected runs, in list order."""
        rows = sorted({index.row() for index in self.runs_table.selectionModel().selectedRows()})
        return [self._runs[row].name for row in rows if row < len(self._runs)]

    def select_runs(self, names: list[str]) -> None:
        """Select the runs named ``names`` (their curves are overlaid)."""
        self.runs_table.clearSelection()
        mode = self.runs_table.selectionMode()
        self.runs_table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        for row, run in enumerate(self._runs):
            if run.name in names:
                self.runs_table.selectRow(row)
        self.runs_table.setSelectionMode(mode)

    @property
    def overlaid_runs(self) -> list[str]:
        """The runs whose epoch curves are drawn over the live ones."""
        names = {name.split(":")[0] for plot in self.plots for name in plot.series if name.startswith("run")}
        return sorted(n.removeprefix("run") for n in names)

    def _on_runs_selected(self) -> None:
        names = self.selected_runs()
        self.compare_button.setEnabled(len(names) == 2)
        for plot in self.plots:
            plot.clear_curves("run")
        by_name = {run.name: run for run in self._runs}
        for index, name in enumerate(names):
            self._overlay(by_name[name], index + 2)
        for plot in self.plots:
            plot.refresh()

    def overlay_run(self, folder: str | Path) -> bool:
        """Overlay the epoch curves of the run in ``folder`` (a tuning trial's); False when unreadable."""
        run = read_run(folder)
        if run is None:
            return False
        for plot in self.plots:
            plot.clear_curves("run")
        self._overlay(run, 2)
        for plot in self.plots:
            plot.refresh()
        return True

    def _overlay(self, run: RunInfo, color_index: int) -> None:
        history = read_history(run.path)
        tag = f"#{run.number}"
        for name in (history[0].keys() if history else ()):
            if name in ("epoch", "lr", "seconds"):
                continue
            values = [row.get(name, math.nan) for row in history]
            if all(math.isnan(v) for v in values):
                continue
            metric = name.removeprefix("val_")
            style = VALIDATION if name.startswith("val_") else TRAINING
            plot = self.epoch_loss_plot if metric == "loss" else self._metric_plot(metric)
            label = f"{tag} {'validation' if style == VALIDATION else 'training'}"
            plot.add_curve(f"run{run.name}:{name}", color_index, style, label).extend(
                [row.get("epoch", i + 1) for i, row in enumerate(history)], values)

    def compare_selected(self) -> list[tuple[str, str, str]]:
        """Fill the comparison table for the two selected runs; returns its rows."""
        names = self.selected_runs()
        if len(names) != 2:
            return []
        by_name = {run.name: run for run in self._runs}
        first, second = by_name[names[0]], by_name[names[1]]
        self.comparison = compare_runs(first.path, second.path)
        self.compare_table.setHorizontalHeaderLabels(["Difference", f"#{first.number}", f"#{second.number}"])
        fill_table(self.compare_table, self.comparison)
        self.compare_note.setText(
            f"{len(self.comparison)} differences between run #{first.number} and run #{second.number}."
            if self.comparison else f"Runs #{first.number} and #{second.number} have the same settings "
            "and architecture.")
        return self.comparison


def _run_text(run: RunInfo, today: str | None = None) -> str:
    """``#3 · 18:45`` for a run started today, ``#3 · 11-23 18:45`` before (its folder is the tooltip)."""
    day, _, clock = run.started.partition("T")  # 2026-11-23T18:45:01
    if len(day) != 10 or len(clock) < 5:
        return run.name
    today = today or time.strftime("%Y-%m-%d")
    return f"#{run.number} · {clock[:5]}" if day == today else f"#{run.number} · {day[5:]} {clock[:5]}"


def _best_text(run: RunInfo) -> str:
    """``val_loss 0.0123 (4)``: the run's best epoch by its checkpoint's monitor, or empty."""
    best = run.best
    try:
        return f"{best['monitor']} {best['value']:.4g} ({best['epoch']})"
    except (KeyError, TypeError, ValueError):
        return ""


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"

