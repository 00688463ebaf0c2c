"""The Saliency tab: which pixels an image classifier's prediction depends on.

For a sample of the opened split and a class (the prediction by default):
the sample, its gradient saliency map and the Grad-CAM heat map laid over
it. Computed through the panel's job queue.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QGridLayout, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from app.inspection.evaluation import CLASSIFICATION
from app.inspection.model_parts import InspectionError, single_input_shape
from app.inspection.saliency import GradCam, SaliencyMap, grad_cam, saliency_map
from app.ui.inspect.common import InspectTab, OpenedRun, heading
from app.ui.inspect.images import (
    ArrayImage,
    sample_picture,
)
from app.ui.inspect.jobs import InspectJobs
from app.ui.widgets import muted_label

OVERLAY_OPACITY = 0.55
PREDICTED = -1


@dataclass(frozen=True, eq=False)
class SaliencyResult:
    """A saliency map and Grad-CAM (None, with ``cam_error``, when the model has no place for it)."""

    sample_index: int
    saliency: SaliencyMap
    cam: GradCam | None
    cam_error: str


def compute_saliency(
    model: object, sample: np.ndarray, index: int, class_index: int | None
) -> SaliencyResult:
    """Saliency and Grad-CAM of one sample (worker thread)."""
    saliency = saliency_map(model, sample, class_index)
    try:
        cam, error = grad_cam(model, sample, saliency.class_index), ""
    except InspectionError as problem:
        cam, error = None, str(problem)
    return SaliencyResult(index, saliency, cam, error)


def overlay(picture: np.ndarray, heat: np.ndarray, opacity: float = OVERLAY_OPACITY) -> np.ndarray:
    """``heat`` (``(h, w)`` in [0, 1], inferno) over a grey or colour ``picture``, ``(h, w, 3)`` in [0, 1]."""
    grey = picture if picture.ndim == 2 else picture.mean(axis=-1)
    base = np.repeat(grey[..., None], 3, axis=-1)
    lut = pg.colormap.get("inferno").getLookupTable(0.0, 1.0, 256, alpha=False).astype("float32") / 255
    colours = lut[np.rint(np.clip(heat, 0, 1) * 255).astype(int)]
    weight = opacity * np.clip(heat, 0, 1)[..., None] + 0.15
    return np.clip(base * (1 - weight) + colours * weight, 0, 1)


class SaliencyTab(InspectTab):
    """A sample, its gradient saliency and its Grad-CAM overlay for a chosen class.

    ``result`` is the ``SaliencyResult`` on show.
    """

    def __init__(self, jobs: InspectJobs, parent: QWidget | None = None) -> None:
        super().__init__(jobs, parent)
        self.result: SaliencyResult | None = None
        self.spin = QSpinBox()
        self.spin.setMinimumWidth(90)
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self._recompute)
        self.class_combo = QComboBox()
        self.class_combo.setMinimumContentsLength(12)
        self.class_combo.currentIndexChanged.connect(self._recompute)
        self.sample_label = QLabel()
        self.status = muted_label()
        self.sample_image = ArrayImage(minimum=120)
        self.saliency_image = ArrayImage(minimum=120)
        self.cam_image = ArrayImage(minimum=120)
        self.cam_caption = muted_label()
        top = QHBoxLayout()
        top.addWidget(QLabel("Sample"))
        top.addWidget(self.spin)
        top.addWidget(QLabel("Class"))
        top.addWidget(self.class_combo)
        top.addWidget(self.sample_label, 1)
        grid = QGridLayout()
        grid.addWidget(heading("Sample"), 0, 0)
        grid.addWidget(heading("Gradient saliency"), 0, 1)
        grid.addWidget(heading("Grad-CAM"), 0, 2)
        grid.addWidget(muted_label("The input the network was given."), 1, 0)
        grid.addWidget(muted_label("Bright: the class score changes most with these pixels."), 1, 1)
        grid.addWidget(self.cam_caption, 1, 2)
        grid.addWidget(self.sample_image, 2, 0)
        grid.addWidget(self.saliency_image, 2, 1)
        grid.addWidget(self.cam_image, 2, 2)
        grid.setRowStretch(2, 1)
        layout = QVBoxLayout(self.content)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addLayout(grid, 1)
        self.show_message("No run is open.")

    def set_run(self, opened: OpenedRun | None) -> None:
        """Offer ``opened``'s samples when it is an image classifier; else say why not."""
        super().set_run(opened)
        self.result = None
        if opened is None:
            self.show_message("No run is open.")
            return
        reason = self._unsuitable(opened)
        if reason:
            self.show_message(reason)
            return
        for widget in (self.spin, self.class_combo):
            widget.blockSignals(True)
        self.spin.setRange(0, opened.sample_count - 1)
        self.spin.setSuffix(f" of {opened.sample_count}")
        self.spin.setValue(0)
        self.class_combo.clear()
        self.class_combo.addItem("the predicted class", PREDICTED)
        for index, name in enumerate(opened.class_names):
            self.class_combo.addItem(name, index)
        for widget in (self.spin, self.class_combo):
            widget.blockSignals(False)
        self.show_content()
        self._recompute()

    def show_sample(self, index: int) -> None:
        """Explain sample ``index`` of the split."""
        self.spin.setValue(index)

    def _unsuitable(self, opened: OpenedRun) -> str:
        if opened.inspected.task != CLASSIFICATION:
            return "Saliency explains a classifier's prediction; this model does regression."
        try:
            shape = single_input_shape(opened.model)
        except InspectionError as error:
            return str(error)
        if len(shape) != 3 or shape[-1] not in (1, 3):
            return (f"Saliency is drawn for image classifiers (an Input of height × width × channels); "
                    f"this Input is {list(shape)}.")
        if not opened.sample_count:
            return "This data is streamed from an image folder; saliency needs its samples in memory."
        return ""

    def _recompute(self, *_: object) -> None:
        opened = self.opened
        if opened is None or not opened.sample_count:
            return
        index = self.spin.value()
        chosen = self.class_combo.currentData()
        class_index = None if chosen in (None, PREDICTED) else int(chosen)
        sample, model = opened.x[index], opened.model
        self.sample_label.setText(opened.label_text(index))
        self.status.setText(f"Computing the saliency of sample {index}…")
        self.jobs.submit("saliency", lambda: compute_saliency(model, sample, index, class_index),
                         self._on_result, self._on_failed)

    def _on_result(self, result: SaliencyResult) -> None:
        opened = self.opened
        if opened is None:
            return
        self.result = result
        names = opened.class_names
        name = names[result.saliency.class_index] if result.saliency.class_index < len(names) else \
            str(result.saliency.class_index)
        self.status.setText(f"Why sample {result.sample_index} scores {result.saliency.score:.3g} "
                            f"for class {name}.")
        picture = sample_picture(opened.x[result.sample_index])
        if picture is None:
            picture = np.zeros(result.saliency.heatmap.shape, dtype="float32")
        colours = "rgb" if picture.ndim == 3 else "grey"
        self.sample_image.set_values(picture, colours)
        self.saliency_image.set_values(result.saliency.heatmap)
        if result.cam is None:
            self.cam_image.set_values(picture, colours)
            self.cam_caption.setText(result.cam_error)
        else:
            self.cam_image.set_values(overlay(picture, result.cam.overlay), "rgb")
            self.cam_caption.setText(f"Through {result.cam.layer_name}: warm regions raise the score.")

    def _on_failed(self, message: str, details: str) -> None:
        self.status.setText(f"The saliency could not be computed: {message}")
