"""What an export reports: one ``ExportResult`` per format, gathered in an ``ExportReport``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KERAS, H5, SAVEDMODEL, ONNX, TFLITE, WEIGHTS, JSON, PYTHON = (
    "keras", "h5", "savedmodel", "onnx", "tflite", "weights", "json", "python",
)
FORMATS = (KERAS, H5, SAVEDMODEL, ONNX, TFLITE, WEIGHTS, JSON, PYTHON)
TOLERANCE = 1e-4  # the largest absolute output difference (float32) an export may show


class ExportError(Exception):
    """An export that cannot be written or does not agree with the model; the message says where."""


@dataclass
class ExportResult:
    """The outcome of one format: where it went, how big, how close, how long, or why it failed."""

    format: str
    path: Path | None
    size_bytes: int = 0
    max_abs_diff: float | None = None
    seconds: float = 0.0
    error: str | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        """True when the file was written and agreed with the model."""
        return self.error is None

    def to_json(self) -> dict[str, Any]:
        """The result as plain JSON data (paths as text)."""
        return {
            "format": self.format, "path": str(self.path) if self.path else None,
            "size_bytes": self.size_bytes, "max_abs_diff": self.max_abs_diff,
            "seconds": round(self.seconds, 3), "error": self.error, "note": self.note,
        }


@dataclass
class ExportReport:
    """Every format's result, plus where the weights came from and what preprocessing was baked in."""

    results: list[ExportResult] = field(default_factory=list)
    weights_source: str = ""
    preprocessing: str = ""
    probe: str = ""

    @property
    def ok(self) -> bool:
        """True when every format succeeded."""
        return all(result.ok for result in self.results)

    def failed(self) -> list[ExportResult]:
        """The results of the formats that failed."""
        return [result for result in self.results if not result.ok]

    def to_json(self) -> dict[str, Any]:
        """The report as plain JSON data."""
        return {
            "weights_source": self.weights_source, "preprocessing": self.preprocessing,
            "probe": self.probe, "formats": [result.to_json() for result in self.results],
        }
