"""Run slow work (importing Keras, computing a summary) off the GUI thread.

A ``TaskThread`` runs one plain callable on its own ``QThread`` and reports
back through Qt signals. The thread object lives in the GUI thread, so slots
connected to its signals run there: the callable never touches a widget, and
its result or error always reaches the window that asked for it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

logger = logging.getLogger(__name__)


class TaskThread(QThread):
    """A thread that calls ``function()`` once and emits its result or its error.

    Both signals carry the ``tag`` given at start, so a receiver can tell a
    stale answer from the latest one. ``succeeded(tag, result)`` carries the
    return value; ``failed(tag, message, details)`` a one-line message and the
    formatted traceback.
    """

    succeeded = Signal(object, object)
    failed = Signal(object, str, str)

    def __init__(
        self, function: Callable[[], Any], name: str, tag: Any = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._function = function
        self.tag = tag
        self.setObjectName(name)

    def run(self) -> None:
        """Call the function on this thread; never let an exception vanish."""
        try:
            result = self._function()
        except Exception as error:
            logger.exception("Background task %r failed", self.objectName())
            self.failed.emit(self.tag, f"{type(error).__name__}: {error}", traceback.format_exc())
        else:
            self.succeeded.emit(self.tag, result)


class TaskRunner(QObject):
    """Starts ``TaskThread``s and keeps them alive until they finish.

    Call ``wait_all()`` before the owner goes away: a ``QThread`` destroyed
    while it runs aborts the process.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._running: set[TaskThread] = set()

    def start(
        self,
        name: str,
        function: Callable[[], Any],
        on_success: Callable[[Any, Any], None],
        on_failure: Callable[[Any, str, str], None],
        tag: Any = None,
    ) -> TaskThread:
        """Run ``function`` in the background; the callbacks run on the GUI thread.

        ``on_success(tag, result)`` or ``on_failure(tag, message, details)`` is
        called once. The callbacks must be bound methods of a ``QObject`` living
        in the GUI thread (a window's methods), so that Qt queues the call to
        that thread; a lambda would run on the worker thread.
        """
        thread = TaskThread(function, name, tag, self)
        thread.succeeded.connect(on_success)
        thread.failed.connect(on_failure)
        thread.finished.connect(self._forget)
        self._running.add(thread)
        thread.start()
        return thread

    def wait_all(self) -> None:
        """Block until every running task has finished."""
        for thread in list(self._running):
            thread.wait()

    @property
    def busy(self) -> bool:
        """True while any task is still running."""
        return any(thread.isRunning() for thread in self._running)

    def _forget(self) -> None:
        thread = self.sender()
        if isinstance(thread, TaskThread):
            self._running.discard(thread)
            thread.deleteLater()
