"""What every format's writer receives: the models, the probe and the expected outputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from app.core.catalog import Catalog
from app.core.graph import Graph
from app.export.probe import Probe

DEFAULT_OPSET = 17
MIN_OPSET, MAX_OPSET = 9, 18  # what tf2onnx 1.17 writes; onnx_format.check_opset asks tf2onnx itself


@dataclass
class ExportJob:
    """One model to export in several formats.

    ``model`` is what most formats write: the graph's model with the
    preprocessing baked in front (``core_model`` itself when there is none).
    ``core_model`` is the graph's model alone: the weights file and the
    script rebuild it. ``expected`` holds ``core_model``'s outputs for
    ``probe.inputs``; every reloaded copy must give them back, for
    ``probe.raw_inputs`` when it carries the preprocessing.
    """

    model: Any
    core_model: Any
    probe: Probe
    expected: list[np.ndarray]
    graph: Graph | None = None
    catalog: Catalog | None = None
    training: Mapping[str, Any] | None = None
    project_name: str | None = None
    opset: int = DEFAULT_OPSET
    scratch: Path | None = None  # a private folder for intermediate files (a SavedModel for TFLite)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def baked(self) -> bool:
        """True when ``model`` carries preprocessing in front of ``core_model``."""
        return self.model is not self.core_model


@dataclass
class Verified:
    """What a writer measured: the largest output difference, and anything worth saying."""

    max_abs_diff: float
    note: str = ""
