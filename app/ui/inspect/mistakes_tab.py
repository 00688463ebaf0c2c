"""The Mistakes tab: a gallery of the samples with the highest loss, worst first.

Each entry shows the sample (a thumbnail for image data, its first values
otherwise) with its true and predicted label, the confidence and the loss;
clicking one opens its activations (``sample_activated``).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPalette, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.inspection.mistakes import DEFAULT_COUNT, Mistake, worst_mistakes
from app.inspection.model_parts import InspectionError
from app.ui.inspect.common import InspectTab, OpenedRun
from app.ui.inspect.images import grey_colors, sample_picture, to_qimage
from app.ui.inspect.jobs import InspectJobs
from app.ui.widgets import muted_label

THUMBNAIL = 72
VALUES_SHOWN = 4


def mistake_text(mistake: Mistake, separator: str = "\n") -> str:
    """``#15  true 3 → 8`` and ``92% sure · loss 4.1`` (regression: the values) joined by ``separator``."""
    if mistake.true_name or mistake.predicted_name:
        first = f"true {mistake.true_name} → {mistake.predicted_name}"
        second = f"{mistake.confidence:.0%} sure · loss {mistake.loss:.3g}"
    else:
        first = f"true {mistake.true:.4g} → {mistake.predicted:.4g}"
        second = f"loss {mistake.loss:.3g}"
    return f"#{mistake.index}  {first}{separator}{second}"


def values_text(sample: np.ndarray) -> str:
    """The first few values of a sample that is no image."""
    flat = np.asarray(sample).reshape(-1)
    shown = ", ".join(f"{float(v):.3g}" for v in flat[:VALUES_SHOWN])
    return f"[{shown}{', …' if len(flat) > VALUES_SHOWN else ''}]"


class MistakesTab(InspectTab):
    """The worst samples by loss as a gallery; ``mistakes`` is what is shown, in order."""

    sample_activated = Signal(int)

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, parent)
        self.mistakes: list[Mistake] = []
        self.count = QSpinBox()
        self.count.setRange(1, 500)
        self.count.setValue(DEFAULT_COUNT * 2)
        self.count.setKeyboardTracking(False)
        self.count.valueChanged.connect(self.refresh)
        self.wrong_only = QCheckBox("Misclassified only")
        self.wrong_only.toggled.connect(self.refresh)
        self.caption = muted_label()
        self.gallery = QListWidget()
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.gallery.setWordWrap(True)
        self.gallery.setSpacing(4)
        self.gallery.setAlternatingRowColors(False)
        self.gallery.setToolTip("Click a sample to see its activations")
        self.gallery.itemClicked.connect(self._on_clicked)
        self.gallery.itemActivated.connect(self._on_clicked)
        top = QHBoxLayout()
        top.addWidget(QLabel("Show the worst"))
        top.addWidget(self.count)
        top.addWidget(self.wrong_only)
        top.addWidget(self.caption, 1)
        layout = QVBoxLayout(self.content)
        layout.addLayout(top)
        layout.addWidget(self.gallery, 1)
        self.show_message("No run is open.")

    def set_run(self, opened: OpenedRun | None) -> None:
        """Show the worst mistakes of ``opened``'s split."""
        super().set_run(opened)
        self.refresh()

    def refresh(self) -> None:
        """Rank the samples again (after the count or the filter changed)."""
        opened = self.opened
        self.gallery.clear()
        self.mistakes = []
        if opened is None:
            self.show_message("No run is open.")
            return
        if opened.evaluation is None:
            self.show_message(f"The {opened.split} split could not be evaluated: {opened.evaluation_error}")
            return
        try:
            self.mistakes = worst_mistakes(opened.evaluation, self.count.value(), self.wrong_only.isChecked())
        except InspectionError as error:
            self.show_message(str(error))
            return
        self.wrong_only.setVisible(opened.evaluation.classification is not None)
        self.caption.setText(self._caption(opened))
        images = opened.sample_count > 0 and sample_picture(opened.x[0]) is not None
        self._set_layout(images)
        for mistake in self.mistakes:
            item = QListWidgetItem(mistake_text(mistake, "\n" if images else "  ·  "))
            item.setData(Qt.ItemDataRole.UserRole, mistake.index)
            item.setToolTip(f"Sample {mistake.index} of the {opened.split} split · loss {mistake.loss:.4g}")
            if images:
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self._decorate(item, opened.x[mistake.index])
            elif opened.x is not None:
                item.setText(f"{values_text(opened.x[mistake.index])}  ·  {item.text()}")
            self.gallery.addItem(item)
        self.show_content()

    def _caption(self, opened: OpenedRun) -> str:
        evaluation = opened.evaluation
        classifies = evaluation.classification is not None
        wrong = int(np.sum(evaluation.true_values != evaluation.predicted)) if classifies else 0
        what = f"{wrong} of {len(evaluation.predicted)} misclassified · " if evaluation.classification else ""
        worst = self.mistakes[0].loss if self.mistakes else math.nan
        return f"{what}highest loss {worst:.3g}, worst first"

    def _set_layout(self, images: bool) -> None:
        """Thumbnails on a grid for images; a row per sample for anything else."""
        if images:
            self.gallery.setViewMode(QListView.ViewMode.IconMode)
            self.gallery.setGridSize(QSize(THUMBNAIL + 110, THUMBNAIL + 46))
        else:
            self.gallery.setViewMode(QListView.ViewMode.ListMode)
            self.gallery.setGridSize(QSize())
        self.gallery.setMovement(QListView.Movement.Static)

    def _decorate(self, item: QListWidgetItem, sample: np.ndarray) -> None:
        picture = sample_picture(sample)
        if picture is None:
            return
        background = self.palette().color(QPalette.ColorRole.Base)
        image = to_qimage(picture, grey_colors(), background)  # a colour sample keeps its colours
        pixmap = QPixmap.fromImage(image.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                                                Qt.TransformationMode.FastTransformation))
        item.setIcon(QIcon(pixmap))

    def _on_clicked(self, item: QListWidgetItem) -> None:
        self.sample_activated.emit(int(item.data(Qt.ItemDataRole.UserRole)))
