"""The formats an export can write: file names, writers and a line about each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.export import keras_formats, onnx_format, script_format, tensorflow_formats
from app.export.job import ExportJob, Verified
from app.export.results import FORMATS, H5, JSON, KERAS, ONNX, PYTHON, SAVEDMODEL, TFLITE, WEIGHTS


@dataclass(frozen=True)
class Format:
    """One export format: its key, its label, the name it writes and the function that writes it."""

    key: str
    label: str
    suffix: str
    writer: Callable[[ExportJob, Path], Verified]
    description: str

    def target(self, folder: Path, stem: str) -> Path:
        """Where this format goes for a model called ``stem``."""
        return folder / f"{stem}{self.suffix}"


FORMAT_TABLE: dict[str, Format] = {
    item.key: item
    for item in (
        Format(KERAS, "Keras (.keras)", ".keras", keras_formats.export_keras,
               "The native Keras archive: architecture, weights and preprocessing."),
        Format(H5, "HDF5 (.h5)", ".h5", keras_formats.export_h5, "The legacy Keras HDF5 model file."),
        Format(SAVEDMODEL, "TensorFlow SavedModel", "_savedmodel", tensorflow_formats.export_savedmodel,
               "A folder for TensorFlow Serving and TF.js converters; endpoint 'serve'."),
        Format(ONNX, "ONNX (.onnx)", ".onnx", onnx_format.export_onnx,
               "For onnxruntime and other ONNX runtimes; free batch size."),
        Format(TFLITE, "TensorFlow Lite (.tflite)", ".tflite", tensorflow_formats.export_tflite,
               "For phones and microcontrollers (float32)."),
        Format(WEIGHTS, "Weights only (.weights.h5)", ".weights.h5", keras_formats.export_weights,
               "The graph's weights, to load into the same graph."),
        Format(JSON, "Architecture (.json)", ".json", keras_formats.export_json,
               "The model config as JSON, without weights."),
        Format(PYTHON, "Python script (.py)", ".py", script_format.export_python,
               "A script that rebuilds, compiles and trains the model with the functional API."),
    )
}
assert tuple(FORMAT_TABLE) == FORMATS


def parse_formats(text: str) -> list[str]:
    """``"keras,onnx"`` -> ``["keras", "onnx"]``; ``"all"`` gives every format; ValueError for a typo."""
    keys = [part.strip().lower() for part in text.split(",") if part.strip()]
    if keys == ["all"]:
        return list(FORMATS)
    unknown = [key for key in keys if key not in FORMAT_TABLE]
    if unknown or not keys:
        raise ValueError(f"--format: expected some of {','.join(FORMATS)} (or all); "
                         f"received {text!r}")
    return list(dict.fromkeys(keys))
