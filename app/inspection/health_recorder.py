"""``HealthRecorder``: the Keras callback that records training health into a run folder.

At the start of training it keeps a copy of each layer's weights; at the
end of every ``every``-th epoch it runs the probe batch once through the
model (every layer's output: dead ReLUs, saturation) and once through the
backend's gradient helper (loss gradients per weight), compares the weights
with the copy, takes a new copy and rewrites ``health.npz`` /
``health.json`` (see ``app.inspection.health``). It touches nothing but the
folder it is given, so training can use it without knowing inspection.

    recorder = HealthRecorder(run_dir, x_val[:256], y_val[:256])
    model.fit(x, y, epochs=10, callbacks=[recorder])
    history = read_health(run_dir)
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import keras
import numpy as np

from app.inspection import health as h
from app.inspection.activations import ActivationProbe
from app.inspection.gradients import loss_gradients
from app.inspection.model_parts import leaf_layers

SATURATING = ("sigmoid", "tanh")
MAX_PROBE = 512  # probe samples used; a larger probe is cut


class HealthRecorder(keras.callbacks.Callback):
    """Records per-layer weight and gradient health at epoch ends into ``folder``.

    ``probe_x`` / ``probe_y`` is a small batch (a few hundred samples of the
    validation split) that gradients and activations are measured on;
    ``loss`` defaults to the loss the model was compiled with; ``bins`` is
    the number of histogram bins; ``every`` records every n-th epoch.
    ``history`` is what has been recorded (None before the first epoch).
    When the model that ``fit`` trains wraps another (augmentation layers in
    front of the project's model), the inner model is the one inspected.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        probe_x: Any,
        probe_y: Any,
        loss: Any = None,
        bins: int = h.BINS,
        every: int = 1,
    ) -> None:
        super().__init__()
        self.folder = Path(folder)
        self.probe_x = np.asarray(probe_x, dtype="float32")[:MAX_PROBE]
        self.probe_y = np.asarray(probe_y)[:MAX_PROBE]
        self.loss = loss
        self.bins = int(bins)
        self.every = max(int(every), 1)
        self.history: h.HealthHistory | None = None
        self._rows: list[dict[str, Any]] = []
        self._previous: dict[str, np.ndarray] = {}
        self._inspected: Any = None
        self._probe: ActivationProbe | None = None

    # ------------------------------------------------------------- callback
    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Find the layers to watch and keep their starting weights."""
        self._inspected = inspected_model(self.model)
        self._layers = [layer for layer in leaf_layers(self._inspected)
                        if layer.trainable_weights or _activation(layer)]
        self._probe = ActivationProbe(self._inspected)
        self._previous = {layer.name: _flat_weights(layer) for layer in self._layers}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Measure, append the epoch's record and rewrite the files."""
        if (epoch + 1) % self.every:
            return
        steps = int((self.params or {}).get("steps") or 0) * self.every
        self._rows.append(self._measure(epoch + 1, steps))
        self.history = self._history()
        h.write_health(self.folder, self.history)

    # ------------------------------------------------------------ measuring
    def _measure(self, epoch: int, steps: int) -> dict[str, Any]:
        loss = self.loss if self.loss is not None else _compiled_loss(self.model)
        gradients = loss_gradients(self._inspected, self.probe_x, self.probe_y, loss)
        outputs = self._probe.batch_outputs(self.probe_x)
        layers = []
        for layer in self._layers:
            weights = _flat_weights(layer)
            grads = np.concatenate([gradients.weights[v.path].reshape(-1) for v in layer.trainable_weights]) \
                if layer.trainable_weights else np.zeros(0)
            output = outputs.get(layer.name, np.zeros(0))
            layers.append(self._layer_row(layer, weights, grads, output, steps))
            self._previous[layer.name] = weights
        return {"epoch": epoch, "loss": gradients.value, "layers": layers}

    def _layer_row(self, layer: Any, weights: np.ndarray, grads: np.ndarray, output: np.ndarray,
                   steps: int) -> dict[str, Any]:
        previous = self._previous.get(layer.name)
        ratio = math.nan
        if weights.size and previous is not None and previous.shape == weights.shape:
            before = float(np.linalg.norm(previous))
            ratio = float(np.linalg.norm(weights - previous)) / before if before > 0 else math.nan
        activation = _activation(layer)
        return {
            "weights": h.histogram(weights, self.bins), "gradients": h.histogram(grads, self.bins),
            "grad_norm": float(np.linalg.norm(grads)) if grads.size else math.nan,
            "weight_norm": float(np.linalg.norm(weights)) if weights.size else math.nan,
            "update_ratio": ratio, "step_update_ratio": ratio / steps if steps else math.nan,
            "dead_relu": h.dead_share(output) if activation == "relu" and output.size else math.nan,
            "saturation": h.saturated_share(output, activation) if activation in SATURATING else math.nan,
            "nan": not all(np.isfinite(values).all() for values in (weights, grads, output)),
        }

    def _history(self) -> h.HealthHistory:
        rows = self._rows

        def stack(key: str, part: int) -> np.ndarray:
            return np.array([[layer[key][part] for layer in row["layers"]] for row in rows])

        def table(key: str) -> np.ndarray:
            return np.array([[layer[key] for layer in row["layers"]] for row in rows], dtype="float64")

        return h.HealthHistory(
            epochs=np.array([row["epoch"] for row in rows], dtype="int64"),
            layers=tuple(h.LayerInfo(layer.name, type(layer).__name__, _count(layer), _activation(layer))
                         for layer in self._layers),
            bins=self.bins,
            weight_counts=stack("weights", 0), weight_edges=stack("weights", 1),
            gradient_counts=stack("gradients", 0), gradient_edges=stack("gradients", 1),
            **{name: table(name) for name in h.STATISTICS},
            nan=np.array([[layer["nan"] for layer in row["layers"]] for row in rows], dtype=bool),
            loss=np.array([row["loss"] for row in rows], dtype="float64"),
        )


def inspected_model(model: Any) -> Any:
    """``model``, or the model inside it when it only wraps one (weightless layers around a nested model)."""
    nested = [layer for layer in model.layers if isinstance(layer, keras.Model)]
    others = [layer for layer in model.layers if not isinstance(layer, keras.Model) and layer.weights]
    if len(nested) == 1 and not others:
        return nested[0]
    return model


def _flat_weights(layer: Any) -> np.ndarray:
    values = [np.asarray(v.numpy()).reshape(-1) for v in layer.trainable_weights]
    return np.concatenate(values).astype("float64") if values else np.zeros(0)


def _count(layer: Any) -> int:
    return int(sum(math.prod(v.shape) for v in layer.trainable_weights))


def _activation(layer: Any) -> str:
    """``relu``, ``sigmoid`` or ``tanh`` when the layer ends in one, else ``""``."""
    kind = type(layer).__name__
    if kind == "ReLU":
        return "relu"
    name = getattr(getattr(layer, "activation", None), "__name__", "")
    return name if name in ("relu", *SATURATING) else ""


def _compiled_loss(model: Any) -> Any:
    loss = getattr(model, "loss", None)
    if isinstance(loss, dict):
        loss = next(iter(loss.values()))
    if isinstance(loss, (list, tuple)):
        loss = loss[0]
    if loss is None:
        raise ValueError("HealthRecorder: the model was compiled without a loss; pass loss=...")
    return loss
