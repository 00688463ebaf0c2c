"""The TensorFlow formats: a SavedModel folder and a TFLite flatbuffer.

Both serve one endpoint, ``serve``, traced with ``training=False`` (a
model's own ``export`` can trace a nested model in training mode, which
changes what batch normalization does). The batch axis stays free, and so
do the image sides when a resize is baked in. The TFLite file is converted
from a SavedModel written to a private scratch folder, then run with the
TFLite interpreter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from app.export.job import ExportJob, Verified
from app.export.layer_names import culprits
from app.export.probe import as_arrays, max_abs_diff
from app.export.results import ExportError

ENDPOINT = "serve"


def input_signature(model: Any, batch_size: int | None = None) -> list[Any]:
    """One ``tf.TensorSpec`` per model input, named after it, with a free batch axis (or ``batch_size``)."""
    import tensorflow as tf

    return [
        tf.TensorSpec((batch_size, *tensor.shape[1:]), tensor.dtype, name=_input_name(tensor, index))
        for index, tensor in enumerate(model.inputs)
    ]


def _input_name(tensor: Any, index: int) -> str:
    name = getattr(tensor, "name", "") or f"input_{index}"
    return name.split(":")[0].replace("/", "_")


def serving_function(model: Any, batch_size: int | None = None) -> Any:
    """A ``tf.function`` that runs ``model`` in inference mode, traced for ``input_signature``."""
    import tensorflow as tf

    signature = input_signature(model, batch_size)

    @tf.function(input_signature=signature)
    def serve(*inputs: Any) -> Any:
        return model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

    return serve


def write_saved_model(model: Any, folder: Path, batch_size: int | None = None) -> None:
    """Write ``model`` as a SavedModel with the ``serve`` endpoint (also the default signature)."""
    import keras

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(ENDPOINT, serving_function(model, batch_size))
    archive.write_out(str(folder), verbose=False)


def export_savedmodel(job: ExportJob, path: Path) -> Verified:
    """Write the SavedModel folder, load it with ``tf.saved_model.load`` and check ``serve``."""
    import tensorflow as tf

    write_saved_model(job.model, path)
    loaded = tf.saved_model.load(str(path))
    received = as_arrays(getattr(loaded, ENDPOINT)(*[tf.constant(x) for x in job.probe.raw_inputs]))
    return Verified(max_abs_diff(job.expected, received))


def export_tflite(job: ExportJob, path: Path) -> Verified:
    """Convert to TFLite (through a scratch SavedModel), run the file in the interpreter, check it.

    Recurrent layers keep their state in TensorFlow tensor lists, which
    TFLite lowers only for a known batch size: when the free batch fails so,
    the model is converted for a batch of one, and the note says it.
    """
    note = ""
    try:
        flatbuffer = _convert_tflite(job, None)
    except ExportError as error:
        if "TensorList" not in str(error.__cause__):
            raise
        flatbuffer, note = _convert_tflite(job, 1), "batch size fixed at 1 (recurrent layers need it)"
    path.write_bytes(flatbuffer)
    names = [spec.name for spec in input_signature(job.model)]
    received = run_tflite(path, dict(zip(names, job.probe.raw_inputs, strict=True)), 1 if note else None)
    return Verified(max_abs_diff(job.expected, received), note)


def _convert_tflite(job: ExportJob, batch_size: int | None) -> bytes:
    import tensorflow as tf

    with tempfile.TemporaryDirectory(prefix="netloom-tflite-", dir=job.scratch) as scratch:
        folder = Path(scratch) / "savedmodel"
        write_saved_model(job.model, folder, batch_size)
        converter = tf.lite.TFLiteConverter.from_saved_model(str(folder))
        try:
            return converter.convert()
        except Exception as error:  # The converter raises ConverterError and others.
            raise ExportError(f"TFLite cannot express the model{culprits(str(error), job.model)}: "
                              f"{_first_lines(str(error))}") from error


def run_tflite(
    path: Path, inputs: dict[str, np.ndarray], batch_size: int | None = None
) -> list[np.ndarray]:
    """The outputs of the TFLite file for ``inputs`` (by input name), through its serving signature.

    With ``batch_size`` (a file converted for a fixed batch) the samples go in batches of that size.
    """
    import warnings

    import tensorflow as tf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter announces its move to LiteRT
        interpreter = tf.lite.Interpreter(model_path=str(path))
    runner = interpreter.get_signature_runner()
    count = len(next(iter(inputs.values())))
    step = batch_size or count
    parts = []
    for start in range(0, count, step):
        outputs = runner(**{name: array[start:start + step] for name, array in inputs.items()})
        parts.append([np.asarray(outputs[key]) for key in sorted(outputs, key=_output_rank)])
    return [np.concatenate(chunks) for chunks in zip(*parts, strict=True)]


def _output_rank(key: str) -> tuple[int, str]:
    digits = key.rsplit("_", 1)[-1]
    return (int(digits), key) if digits.isdigit() else (0, key)


def _first_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " ".join(lines[:count])
