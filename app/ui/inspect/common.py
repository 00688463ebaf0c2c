"""What the Inspect panel's tabs share: the opened run (``OpenedRun``) and a tab with an empty state.

``OpenedRun`` is made on a worker (``open_run``): the ``InspectedRun`` of
``app.inspection.loading``, the chosen split's samples, its ``Evaluation``
and the run's recorded health. Tabs only read it; anything more they
compute goes through the panel's ``InspectJobs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from app.inspection.evaluation import Evaluation
from app.inspection.health import HealthHistory, read_health
from app.inspection.loading import InspectedRun
from app.inspection.model_parts import InspectionError
from app.ui.inspect.jobs import InspectJobs
from app.ui.widgets import muted_label


@dataclass(frozen=True, eq=False)
class OpenedRun:
    """A run opened for looking inside, on one split.

    ``x`` / ``y`` are the split's samples (None for streamed image folders);
    ``evaluation`` its evaluation (None, with ``evaluation_error`` saying
    why, when it failed); ``health`` the recorded training health or None.
    """

    inspected: InspectedRun
    split: str
    x: np.ndarray | None
    y: np.ndarray | None
    evaluation: Evaluation | None
    evaluation_error: str
    health: HealthHistory | None

    @property
    def model(self) -> Any:
        """The ``keras.Model`` with the run's weights."""
        return self.inspected.model

    @property
    def class_names(self) -> tuple[str, ...]:
        """The class names (empty for regression)."""
        return self.inspected.class_names

    @property
    def sample_count(self) -> int:
        """How many samples the split has in memory (0 for a streamed image folder)."""
        return 0 if self.x is None else len(self.x)

    def label_text(self, index: int) -> str:
        """``true 3 · predicted 8 (92%)`` for sample ``index`` of the split, from the evaluation."""
        evaluation = self.evaluation
        if evaluation is None or not 0 <= index < len(evaluation.predicted):
            return ""
        if evaluation.classification is not None:
            names = evaluation.classes
            true = int(evaluation.true_values[index])
            predicted = int(evaluation.predicted[index])
            confidence = float(evaluation.confidence[index])
            return (f"true {names[true] if 0 <= true < len(names) else true} · predicted "
                    f"{names[predicted]} ({confidence:.0%})")
        true, predicted = float(evaluation.true_values[index]), float(evaluation.predicted[index])
        return f"true {true:.4g} · predicted {predicted:.4g}"


def open_run(inspected: InspectedRun, split: str) -> OpenedRun:
    """Evaluate ``split`` of ``inspected`` and read its health (worker thread: Keras work)."""
    try:
        x, y = inspected.split(split)
    except InspectionError:
        x = y = None
    try:
        evaluation, error = inspected.evaluate(split), ""
    except Exception as problem:
        evaluation, error = None, f"{type(problem).__name__}: {problem}"
    return OpenedRun(inspected, split, x, y, evaluation, error, read_health(inspected.run.path))


class InspectTab(QWidget):
    """A tab that shows either its content or a centred message (an empty state).

    Subclasses put their widgets into ``self.content`` (a ``QWidget`` with
    no layout yet) and implement ``set_run(opened)``; ``show_message(text)``
    and ``show_content()`` switch between the two pages.
    """

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.opened: OpenedRun | None = None
        self._stack = QStackedWidget()
        self.message = muted_label()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setObjectName("emptyState")
        self.content = QWidget()
        self._stack.addWidget(self.message)
        self._stack.addWidget(self.content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    def set_run(self, opened: OpenedRun | None) -> None:
        """Show ``opened`` (None: nothing is open)."""
        self.opened = opened

    def show_message(self, text: str) -> None:
        """Hide the content and show ``text`` in the middle."""
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)

    def show_content(self) -> None:
        """Show the content page."""
        self._stack.setCurrentWidget(self.content)

    @property
    def message_shown(self) -> str:
        """The message on show, or ``""`` when the content is."""
        return self.message.text() if self._stack.currentWidget() is self.message else ""


def heading(text: str) -> QLabel:
    """A bold caption."""
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
