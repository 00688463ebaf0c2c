"""Check the graph on a worker thread, so typing and dragging never wait for Keras.

A ``CheckService`` owns one long-lived worker thread. The worker first imports
Keras and builds the layer catalog (seconds, behind the already painted window),
then checks snapshots of the document: it keeps a mirror of the graph, brings it
up to date with ``app.core.sync.sync_graph`` and lets an incremental
``GraphChecker`` re-check only what the edit touched. Snapshots that arrive
while the worker is busy replace each other, so the worker always checks the
newest graph and never falls behind.

Edits are coalesced on the GUI side too: a burst of graph events within one
turn of the event loop (a compound edit, a paste of 50 nodes) sends one
snapshot.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.core.graph import Graph
from app.core.summary import Summary, summarize
from app.core.sync import sync_graph
from app.core.validation import CheckResult, GraphChecker

logger = logging.getLogger(__name__)


def load_keras() -> tuple[str, str]:
    """Import Keras and load the plugins (slow: call it off the GUI thread); ``(backend, version)``."""
    import keras

    from app.plugins import current_registry

    current_registry()  # the plugins chosen at start (app.plugins.use_plugins), built-ins first
    return keras.backend.backend(), keras.__version__


class _CheckWorker(QObject):
    """Lives on the worker thread: loads Keras once, then checks the newest snapshot."""

    loaded = Signal(object, str, str)  # catalog, backend, version
    load_failed = Signal(str, str)  # message, details
    checked = Signal(int, object, object)  # generation, CheckResult, Summary
    check_failed = Signal(int, str, str)  # generation, message, details
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._pending: tuple[int, dict[str, Any]] | None = None
        self._mirror = Graph()
        self._checker: GraphChecker | None = None
        self._wake.connect(self._drain)

    def submit(self, generation: int, snapshot: dict[str, Any]) -> None:
        """Called from the GUI thread: replace the waiting snapshot and wake the worker."""
        with self._lock:
            self._pending = (generation, snapshot)
        self._wake.emit()  # queued: the worker lives on another thread

    @Slot()
    def load(self) -> None:
        """Import Keras and build the catalog, then check whatever is waiting."""
        try:
            backend, version = load_keras()
            from app.core.catalog import default_catalog

            catalog = default_catalog()
            self._checker = GraphChecker(self._mirror, catalog)
        except Exception as error:
            logger.exception("Keras could not be loaded")
            self.load_failed.emit(f"{type(error).__name__}: {error}", traceback.format_exc())
            return
        self.loaded.emit(catalog, backend, version)
        self._drain()

    @Slot()
    def _drain(self) -> None:
        if self._checker is None:
            return  # Keras is still loading; load() drains when it is done
        with self._lock:
            job, self._pending = self._pending, None
        if job is None:
            return
        generation, snapshot = job
        try:
            sync_graph(self._mirror, snapshot)
            result = self._checker.check()
            summary = summarize(self._mirror, result)
        except Exception as error:
            logger.exception("Checking the graph failed")
            self._mirror = Graph()  # start from a clean mirror next time
            self._checker = GraphChecker(self._mirror, self._checker.catalog)
            self.check_failed.emit(generation, f"{type(error).__name__}: {error}", traceback.format_exc())
            return
        self.checked.emit(generation, result, summary)


class CheckService(QObject):
    """Loads Keras in the background and keeps the check result of a graph up to date.

    Signals (all delivered on the GUI thread):

    - ``keras_loaded(catalog, backend, version)`` once Keras and the catalog are ready
    - ``keras_failed(message)`` when importing Keras raised
    - ``result_ready(result, summary)`` with the check of the newest graph
    - ``check_failed(message)`` when checking raised (a bug: the message says what)
    """

    keras_loaded = Signal(object, str, str)
    keras_failed = Signal(str)
    result_ready = Signal(object, object)
    check_failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.graph: Graph | None = None
        self.catalog: Any = None
        self.result: CheckResult | None = None
        self.summary: Summary | None = None
        self._generation = 0
        self._shown = -1  # the generation of ``result``
        self._thread = QThread(self)
        self._thread.setObjectName("netloom-check")
        self._worker = _CheckWorker()
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.load)
        self._thread.finished.connect(self._worker.deleteLater)
        self._worker.loaded.connect(self._on_loaded)
        self._worker.load_failed.connect(self._on_load_failed)
        self._worker.checked.connect(self._on_checked)
        self._worker.check_failed.connect(self._on_check_failed)
        self._coalesce = QTimer(self, singleShot=True, interval=0)
        self._coalesce.timeout.connect(self._submit)

    @property
    def ready(self) -> bool:
        """True once Keras and the catalog have loaded."""
        return self.catalog is not None

    @property
    def up_to_date(self) -> bool:
        """True when ``result`` belongs to the graph as it is now."""
        return self.result is not None and not self._coalesce.isActive() and self._shown == self._generation

    def start(self) -> None:
        """Start the worker: Keras begins to load."""
        if not self._thread.isRunning():
            self._thread.start()

    def set_graph(self, graph: Graph) -> None:
        """Follow ``graph`` from now on (and stop following the previous one)."""
        if self.graph is not None:
            self.graph.changed.disconnect(self.request)
        self.graph = graph
        self.result = None
        graph.changed.connect(self.request)
        self.request()

    def request(self) -> None:
        """Check the graph soon: every request within one turn of the event loop sends one snapshot."""
        self._generation += 1
        self._coalesce.start()

    def stop(self) -> None:
        """Stop following the graph and end the worker thread (waits for a check in progress)."""
        if self.graph is not None:
            self.graph.changed.disconnect(self.request)
        self._coalesce.stop()
        self._thread.quit()
        self._thread.wait()

    def _submit(self) -> None:
        if self.graph is not None:
            self._worker.submit(self._generation, self.graph.to_dict())

    def _on_loaded(self, catalog: Any, backend: str, version: str) -> None:
        self.catalog = catalog
        self.keras_loaded.emit(catalog, backend, version)

    def _on_load_failed(self, message: str, details: str) -> None:
        self.keras_failed.emit(message)

    def _on_checked(self, generation: int, result: CheckResult, summary: Summary) -> None:
        if generation != self._generation:
            return  # the graph changed meanwhile; a newer result is on its way
        self._shown = generation
        self.result, self.summary = result, summary
        self.result_ready.emit(result, summary)

    def _on_check_failed(self, generation: int, message: str, details: str) -> None:
        if generation == self._generation:
            self.check_failed.emit(message)
