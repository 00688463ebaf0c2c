"""The Keras formats: ``.keras``, legacy ``.h5``, weights only (``.weights.h5``) and architecture JSON.

Each writes the file, loads it back with Keras (safe mode: nothing in the
file runs as code) and measures the outputs of the copy on the probe.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from app.build.keras_builder import to_keras
from app.export.job import ExportJob, Verified
from app.export.layer_names import culprits, key_sentence
from app.export.probe import max_abs_diff, outputs_of
from app.export.results import ExportError
from app.export.weights import load_weights_checked


def export_keras(job: ExportJob, path: Path) -> Verified:
    """Write the native ``.keras`` archive and check the reloaded model."""
    job.model.save(str(path))
    return Verified(_reloaded_diff(job, path))


def export_h5(job: ExportJob, path: Path) -> Verified:
    """Write the legacy HDF5 model file and check the reloaded model."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns that HDF5 is a legacy format: the user asked for it
        job.model.save(str(path))
    return Verified(_reloaded_diff(job, path))


def export_weights(job: ExportJob, path: Path) -> Verified:
    """Write the graph's model weights, load them into a fresh build of the graph and check it."""
    job.core_model.save_weights(str(path))
    if job.graph is None:
        rebuilt = _clone(job.core_model)
    else:
        rebuilt = to_keras(job.graph, job.catalog)
    load_weights_checked(rebuilt, path)
    note = "weights of the graph's model, without the preprocessing layers" if job.baked else ""
    return Verified(max_abs_diff(job.expected, outputs_of(rebuilt, job.probe.inputs)), note)


def export_json(job: ExportJob, path: Path) -> Verified:
    """Write the architecture as JSON; rebuild a model from it, give it the weights, check it."""
    import keras

    text = job.model.to_json(indent=2)
    path.write_text(text + "\n", encoding="utf-8")
    rebuilt = keras.models.model_from_json(path.read_text(encoding="utf-8"))
    if json.loads(rebuilt.to_json()) != json.loads(text):
        raise ExportError(f"{path}: the model rebuilt from the JSON has another architecture")
    rebuilt.set_weights(job.model.get_weights())
    received = outputs_of(rebuilt, job.probe.raw_inputs)
    return Verified(max_abs_diff(job.expected, received), "architecture only; weights not included")


def _reloaded_diff(job: ExportJob, path: Path) -> float:
    import keras

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reloaded = keras.saving.load_model(str(path), compile=False, safe_mode=True)
    except Exception as error:  # Keras reports unloadable files with many exception types.
        where = culprits(str(error), job.model)
        reason = key_sentence(str(error))
        raise ExportError(f"{path}: the written file does not load back{where}: {reason}") from error
    return max_abs_diff(job.expected, outputs_of(reloaded, job.probe.raw_inputs))


def _clone(model):
    import keras

    return keras.models.clone_model(model)
