"""Python's cyclic garbage collector runs in the GUI thread only, on a timer.

Left to itself, the collector runs in whichever thread allocates when a
threshold is passed: while a model trains, that is mostly the training thread.
A Qt object left in a reference cycle (a timer's owner, a task's callback
holder) is then destroyed in a thread that does not own it, which Qt forbids
and which can crash the process later, in the GUI thread. ``GuiCollector``
switches automatic collection off and does the same work from a timer in the
GUI thread: each tick it collects the generations whose thresholds were
passed, as Python would have done.

Once Keras is loaded, ``freeze`` moves the objects it made (some 400,000) to
the permanent generation, so that a full collection walks only what came
later: milliseconds instead of 0.2 s of the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

INTERVAL_MS = 500


class GuiCollector(QObject):
    """Collects cyclic garbage every ``INTERVAL_MS`` in the thread it lives in (the GUI thread)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._frozen = False
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> int:
        """Collect the generations whose thresholds were passed; the unreachable objects found."""
        counts = gc.get_count()
        if counts[0] <= self.thresholds[0]:
            return 0
        generation = 0
        if counts[1] > self.thresholds[1]:
            generation = 2 if counts[2] > self.thresholds[2] else 1
        return gc.collect(generation)

    def freeze(self, *_: object) -> None:
        """Leave what exists now (the imported libraries) out of later collections; once."""
        if not self._frozen:
            self._frozen = True
            gc.freeze()

    def stop(self) -> None:
        """Stop collecting here and give collection back to Python, as it was before."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


def install_gui_collector(app: QApplication) -> GuiCollector:
    """The application's ``GuiCollector``, made (owned by ``app``) the first time."""
    collector = app.findChild(GuiCollector)
    return collector if collector is not None else GuiCollector(app)
