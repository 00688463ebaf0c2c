"""Preprocessing that travels with the model: the data settings' scaling and resize as Keras layers.

Training feeds the model prepared data: features scaled with the training
split's statistics (``app.data.prepare.scale``) and images resized to the
image folder's ``image_size``. A model shipped without those steps silently
expects them elsewhere. ``plan_preprocessing`` reads the project's data
settings and works out the steps; ``with_preprocessing`` puts them in front
of the model as standard layers (``Resizing``, ``Normalization``), so the
exported model takes raw inputs and any runtime (ONNX, TFLite) runs them.

The probe returned with the plan holds raw samples and the same samples
preprocessed the way training preprocesses them, so every export proves
that raw inputs through it equal preprocessed inputs through the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.data.bundled import BUNDLED, DEFAULT_SOURCE
from app.data.dataset import Dataset
from app.data.prepare import scale
from app.data.sources import load_source
from app.export.probe import PROBE_SEED, PROBE_SIZE, Probe, generated_inputs


@dataclass
class Preprocessing:
    """The steps baked in front of the model: a resize to ``size`` and a per-feature scaling."""

    scaling: str = "none"
    offset: np.ndarray | None = None
    spread: np.ndarray | None = None
    size: tuple[int, int] | None = None
    channels: int = 3
    skipped: str = ""  # why asked-for preprocessing could not be baked in

    @property
    def active(self) -> bool:
        """True when there is a step to bake in."""
        return self.size is not None or self.offset is not None

    def describe(self) -> str:
        """One line saying what is baked in (or why nothing is)."""
        steps = []
        if self.size is not None:
            steps.append(f"resize to {self.size[0]}x{self.size[1]}")
        if self.offset is not None:
            steps.append("scaling to [0, 1]" if self.scaling == "unit" else "standardization")
        if steps:
            return "baked in: " + " and ".join(steps) + " (the exported model takes raw inputs)"
        return self.skipped or "none (the data settings apply no scaling or resize)"


def scaling_method(data: Mapping[str, Any]) -> str:
    """The scaling the data settings apply, the bundled source's default when they name none."""
    source = data.get("source") or DEFAULT_SOURCE
    default = BUNDLED[source].defaults.get("scaling", "none") if source in BUNDLED else "none"
    return str(data.get("scaling") or default)


def plan_preprocessing(
    model: Any, data: Mapping[str, Any], base_dir: Path | None, bake: bool = True
) -> tuple[Preprocessing, Probe]:
    """The preprocessing to bake in front of ``model`` and a probe batch in both forms.

    With ``bake`` false, or with data settings that apply nothing, the plan
    is empty and the probe's raw inputs are its inputs. Samples come from the
    project's data when it loads, else from ``generated_inputs``.
    """
    if data.get("source") == "image_folder":
        return _image_plan(model, data, bake)
    method = scaling_method(data)
    dataset, reason = _raw_dataset(model, data, base_dir)
    if dataset is None:
        inputs = generated_inputs(model)
        plan = Preprocessing(skipped=f"not baked in: {reason}" if bake and method != "none" else "")
        return plan, Probe(inputs, inputs, f"{PROBE_SIZE} samples drawn with seed {PROBE_SEED} ({reason})")
    raw = dataset.x_train[:PROBE_SIZE].astype("float32")
    source = f"the first {len(raw)} training samples of the project's data"
    if method == "none":
        return Preprocessing(), Probe([raw], [raw], source)
    scaled = scale(dataset, method).x_train[:PROBE_SIZE]
    if not bake:
        return Preprocessing(skipped="not baked in (turned off)"), Probe([scaled], [scaled], source)
    offset, spread = _statistics(dataset.x_train, method)
    return Preprocessing(method, offset, spread), Probe([scaled], [raw], source)


def _raw_dataset(model: Any, data: Mapping[str, Any], base_dir: Path | None) -> tuple[Dataset | None, str]:
    """The project's data unscaled and shaped for the model, or None and why not."""
    if len(model.inputs) != 1:
        return None, "the model has several inputs"
    if not data:
        return None, "the project names no data"
    try:
        dataset = load_source({**data, "scaling": "none"}, base_dir)
        if not isinstance(dataset, Dataset):
            return None, "the data is streamed"
        return dataset.reshape_for(tuple(model.inputs[0].shape[1:])), ""
    except Exception as error:  # Any data problem only means the probe is generated instead.
        return None, f"the project's data did not load or fit: {error}"


def _statistics(x_train: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The offset and spread ``app.data.prepare.scale`` uses, from the training split."""
    train = x_train.astype("float32")
    if method == "unit":
        offset, spread = train.min(axis=0), train.max(axis=0) - train.min(axis=0)
    else:
        offset, spread = train.mean(axis=0), train.std(axis=0)
    return offset.astype("float32"), np.where(spread == 0, 1.0, spread).astype("float32")


def _image_plan(model: Any, data: Mapping[str, Any], bake: bool) -> tuple[Preprocessing, Probe]:
    """Images of another size, resized as the image folder pipeline resizes them."""
    import tensorflow as tf

    height, width = (int(n) for n in data.get("image_size") or model.inputs[0].shape[1:3])
    channels = int(model.inputs[0].shape[-1])
    rng = np.random.default_rng(PROBE_SEED)
    if not bake:
        inputs = [np.round(rng.random((PROBE_SIZE, height, width, channels)) * 255).astype("float32")]
        return Preprocessing(skipped="not baked in (turned off)"), Probe(inputs, inputs, _drawn("images"))
    raw = np.round(rng.random((PROBE_SIZE, height * 5 // 4, width * 5 // 4, channels)) * 255)
    raw = raw.astype("float32")
    resized = tf.image.resize(raw, (height, width), method="bilinear").numpy()
    plan = Preprocessing(size=(height, width), channels=channels)
    return plan, Probe([resized], [raw], _drawn(f"images of {raw.shape[1]}x{raw.shape[2]}"))


def _drawn(what: str) -> str:
    return f"{PROBE_SIZE} {what} drawn with seed {PROBE_SEED}"


def with_preprocessing(model: Any, plan: Preprocessing) -> Any:
    """``model`` behind the plan's layers (the model itself when the plan is empty)."""
    if not plan.active:
        return model
    import keras

    if plan.size is not None:
        raw = keras.Input((None, None, plan.channels), name="raw_image")
        x = keras.layers.Resizing(*plan.size, interpolation="bilinear", name="resize")(raw)
    else:
        raw = keras.Input(tuple(model.inputs[0].shape[1:]), name="raw_input")
        x = raw
    if plan.offset is not None:
        axis = tuple(range(1, plan.offset.ndim + 1)) if plan.offset.ndim > 1 else -1
        x = keras.layers.Normalization(
            axis=axis, mean=plan.offset, variance=np.square(plan.spread), name="scaling"
        )(x)
    return keras.Model(raw, model(x), name=f"{model.name}_with_preprocessing")
