"""Training health: per-layer statistics recorded at each epoch end, read back, and judged.

``HealthRecorder`` (a Keras callback, in ``app.inspection.health_recorder``
and importable from here) writes two files into a run folder at the end of
every epoch, each replaced atomically (written beside, then renamed):

- ``health.npz``: ``weight_counts`` and ``gradient_counts``
  (``(epochs, layers, bins)`` ``int64``) with their bin edges
  ``weight_edges`` and ``gradient_edges`` (``(epochs, layers, bins + 1)``);
  each histogram spans that epoch's smallest to largest value, and its
  counts sum to the layer's number of weights (less any NaN or infinite).
- ``health.json``: the layers (name, type, weight count, activation) and
  per epoch and layer: gradient norm, weight norm, update/weight ratio (the
  weights against the previous epoch's, per epoch and per step), share of
  dead ReLU units, share of saturated sigmoid/tanh outputs, a NaN flag;
  plus the probe batch's loss. The npz is replaced first, so it always
  holds at least the epochs the json names.

``read_health(folder)`` returns a ``HealthHistory`` (arrays, epochs along
the first axis); ``health_badges(history)`` judges the latest epoch per
layer (ok / amber / red with a short reason) for the canvas badges. This
module needs no Keras; only the recorder does.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HEALTH_JSON, HEALTH_NPZ = "health.json", "health.npz"
FORMAT = 1
BINS = 30
OK, AMBER, RED = "ok", "amber", "red"
STATISTICS = ("grad_norm", "weight_norm", "update_ratio", "step_update_ratio", "dead_relu", "saturation")

# Thresholds of the badges (the teaching material's rule of thumb: an update about 1e-3 of the weight).
VANISHING_GRADIENT = 1e-7  # red below this gradient norm
SMALL_GRADIENT_SHARE = 1e-3  # amber below this share of the largest layer's gradient norm
EXPLODING_GRADIENT = 1e3  # amber above this gradient norm (red at 100x)
STEP_RATIO_HIGH, STEP_RATIO_LOW = 1e-2, 1e-6  # amber outside; red above 10x the high one
DEAD_AMBER, DEAD_RED = 0.25, 0.5
SATURATED_AMBER, SATURATED_RED = 0.5, 0.9
SATURATION_MARGIN = 0.01  # sigmoid below 0.01 / above 0.99, tanh beyond +-0.99


def __getattr__(name: str) -> Any:
    if name == "HealthRecorder":  # kept out of the module's own imports: it needs Keras
        from app.inspection.health_recorder import HealthRecorder

        return HealthRecorder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class LayerInfo:
    """A recorded layer: (node) ``name``, Keras ``type``, trainable ``weights`` count, ``activation``."""

    name: str
    type: str
    weights: int
    activation: str = ""


@dataclass(frozen=True, eq=False)
class HealthHistory:
    """Everything recorded so far; ``E`` epochs, ``L`` layers (in ``layers`` order).

    Histograms: ``weight_counts`` / ``gradient_counts`` ``(E, L, bins)``
    with ``weight_edges`` / ``gradient_edges`` ``(E, L, bins + 1)`` (all 0
    for a layer without weights). Statistics (``(E, L)``, NaN where they do
    not apply): ``grad_norm``, ``weight_norm``, ``update_ratio`` (norm of the
    epoch's change over the norm of the weights before it),
    ``step_update_ratio`` (the same over the epoch's steps),
    ``dead_relu`` and ``saturation`` (shares in [0, 1]); ``nan`` ``(E, L)``
    bool. ``epochs`` are 1-based; ``loss`` is the probe batch's loss.
    """

    epochs: np.ndarray
    layers: tuple[LayerInfo, ...]
    bins: int
    weight_counts: np.ndarray
    weight_edges: np.ndarray
    gradient_counts: np.ndarray
    gradient_edges: np.ndarray
    grad_norm: np.ndarray
    weight_norm: np.ndarray
    update_ratio: np.ndarray
    step_update_ratio: np.ndarray
    dead_relu: np.ndarray
    saturation: np.ndarray
    nan: np.ndarray
    loss: np.ndarray

    @property
    def layer_names(self) -> list[str]:
        """The recorded layers' names (node names), in order."""
        return [layer.name for layer in self.layers]

    def layer_index(self, name: str) -> int:
        """The index of layer ``name`` along the layer axis; ``KeyError`` when it was not recorded."""
        for index, layer in enumerate(self.layers):
            if layer.name == name:
                return index
        raise KeyError(f"no health record for layer {name!r}; recorded: {', '.join(self.layer_names)}")


@dataclass(frozen=True)
class Badge:
    """The health of one layer at the latest epoch: ``status`` ok / amber / red and why (``reason``)."""

    layer_name: str
    status: str
    reason: str
    grad_norm: float
    update_ratio: float
    dead_relu: float
    saturation: float
    nan: bool


# ------------------------------------------------------------- statistics
def health_callbacks(run_dir: str | os.PathLike[str], data: Any, probe: int = 256) -> list[Any]:
    """The callbacks that record a run's training health into ``run_dir``.

    Pass it as a ``TrainingSession``'s ``extra_callbacks`` when the project's
    ``training.record_health`` is on. The probe batch is the first ``probe``
    validation samples (training samples without a validation split); data
    without arrays (an image folder streamed from disk) records nothing.
    """
    x, y = getattr(data, "x_val", None), getattr(data, "y_val", None)
    if x is None or y is None:
        x, y = getattr(data, "x_train", None), getattr(data, "y_train", None)
    if x is None or y is None:
        return []
    from app.inspection.health_recorder import HealthRecorder

    return [HealthRecorder(run_dir, x[:probe], y[:probe])]


def histogram(values: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """Counts and edges of the finite ``values`` over ``bins`` equal bins from their minimum to maximum."""
    finite = np.asarray(values, dtype="float64").reshape(-1)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return np.zeros(bins, "int64"), np.zeros(bins + 1)
    low, high = float(finite.min()), float(finite.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(finite, bins=bins, range=(low, high))
    return counts.astype("int64"), edges


def dead_share(outputs: np.ndarray) -> float:
    """The share of units (last axis) whose output is 0 or less for every sample and position."""
    values = np.asarray(outputs).reshape(-1, np.shape(outputs)[-1])
    return float(np.mean(np.all(values <= 0.0, axis=0))) if values.size else math.nan


def saturated_share(outputs: np.ndarray, activation: str) -> float:
    """The share of outputs at the flat ends of a ``sigmoid`` (near 0 or 1) or ``tanh`` (near +-1)."""
    values = np.asarray(outputs, dtype="float64")
    if not values.size:
        return math.nan
    if activation == "tanh":
        return float(np.mean(np.abs(values) > 1.0 - SATURATION_MARGIN))
    return float(np.mean((values < SATURATION_MARGIN) | (values > 1.0 - SATURATION_MARGIN)))


# ------------------------------------------------------------------ files
def write_health(folder: str | os.PathLike[str], history: HealthHistory) -> None:
    """Write ``history`` into ``folder`` as ``health.npz`` then ``health.json``, each atomically."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    _replace(path / HEALTH_NPZ, lambda stream: np.savez(
        stream, weight_counts=history.weight_counts, weight_edges=history.weight_edges,
        gradient_counts=history.gradient_counts, gradient_edges=history.gradient_edges))
    data = {
        "format": FORMAT, "bins": history.bins, "epochs": [int(e) for e in history.epochs],
        "layers": [vars(layer) for layer in history.layers],
        "loss": [_plain(v) for v in history.loss],
        "statistics": {name: [[_plain(v) for v in row] for row in getattr(history, name)]
                       for name in STATISTICS},
        "nan": history.nan.astype(bool).tolist(),
    }
    text = json.dumps(data, indent=1)
    _replace(path / HEALTH_JSON, lambda stream: stream.write(text.encode("utf-8")))


def read_health(folder: str | os.PathLike[str]) -> HealthHistory | None:
    """The health recorded in a run folder, or None when it has none (or it cannot be read)."""
    path = Path(folder)
    try:
        data = json.loads((path / HEALTH_JSON).read_text(encoding="utf-8"))
        with np.load(path / HEALTH_NPZ) as arrays:
            histograms = {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError, KeyError):
        return None
    epochs = np.asarray(data["epochs"], dtype="int64")
    count = len(epochs)
    layers = tuple(LayerInfo(**layer) for layer in data["layers"])
    statistics = {name: _floats(data["statistics"][name], count, len(layers)) for name in STATISTICS}
    return HealthHistory(
        epochs=epochs, layers=layers, bins=int(data["bins"]),
        **{name: histograms[name][:count] for name in
           ("weight_counts", "weight_edges", "gradient_counts", "gradient_edges")},
        **statistics, nan=np.asarray(data["nan"], dtype=bool).reshape(count, len(layers)),
        loss=np.asarray([math.nan if v is None else v for v in data["loss"]], dtype="float64"),
    )


# ----------------------------------------------------------------- badges
def health_badges(history: HealthHistory, epoch_index: int = -1) -> dict[str, Badge]:
    """Each recorded layer's ``Badge`` at epoch ``epoch_index`` (default the latest), by layer (node) name."""
    if not len(history.epochs):
        return {}
    norms = history.grad_norm[epoch_index]
    largest = float(np.nanmax(norms)) if np.isfinite(norms).any() else math.nan
    badges = {}
    for index, layer in enumerate(history.layers):
        values = {name: float(getattr(history, name)[epoch_index, index]) for name in STATISTICS}
        nan = bool(history.nan[epoch_index, index])
        status, reason = judge(values, nan, largest)
        badges[layer.name] = Badge(layer.name, status, reason, values["grad_norm"], values["update_ratio"],
                                   values["dead_relu"], values["saturation"], nan)
    return badges


def judge(values: dict[str, float], nan: bool, largest_grad_norm: float) -> tuple[str, str]:
    """The status and reason for one layer's statistics (see the thresholds at the top of the module)."""
    if nan:
        return RED, "NaN or infinite values in weights, gradients or outputs"
    findings: list[tuple[str, str]] = []
    grad, step, dead, saturated = (values["grad_norm"], values["step_update_ratio"], values["dead_relu"],
                                   values["saturation"])
    if math.isfinite(grad):
        if grad < VANISHING_GRADIENT:
            findings.append((RED, f"vanishing gradient (norm {grad:.1e})"))
        elif math.isfinite(largest_grad_norm) and grad < SMALL_GRADIENT_SHARE * largest_grad_norm:
            share = largest_grad_norm / grad
            findings.append((AMBER, f"gradient {share:.0f}x smaller than the largest layer's"))
        if grad > EXPLODING_GRADIENT:
            level = RED if grad > 100 * EXPLODING_GRADIENT else AMBER
            findings.append((level, f"large gradient (norm {grad:.1e})"))
    if math.isfinite(dead) and dead >= DEAD_AMBER:
        findings.append((RED if dead >= DEAD_RED else AMBER, f"{dead:.0%} of ReLU units dead"))
    if math.isfinite(saturated) and saturated >= SATURATED_AMBER:
        level = RED if saturated >= SATURATED_RED else AMBER
        findings.append((level, f"{saturated:.0%} of outputs saturated"))
    if math.isfinite(step) and step > STEP_RATIO_HIGH:
        findings.append((RED if step > 10 * STEP_RATIO_HIGH else AMBER,
                         f"updates large: {step:.0e} of the weights per step (about 1e-3 is healthy)"))
    elif math.isfinite(step) and step < STEP_RATIO_LOW:
        findings.append((AMBER, f"weights barely change: {step:.0e} per step (about 1e-3 is healthy)"))
    if not findings:
        return OK, ""
    findings.sort(key=lambda item: item[0] != RED)  # red first, then in the order found
    return findings[0][0], "; ".join(reason for _, reason in findings)


# ------------------------------------------------------------------ helpers
def _replace(target: Path, write: Any) -> None:
    """Write through ``write(stream)`` to a temporary file beside ``target``, then rename it over it."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _plain(value: Any) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _floats(rows: Any, count: int, layers: int) -> np.ndarray:
    values = np.array([[math.nan if v is None else v for v in row] for row in rows[:count]], dtype="float64")
    return values.reshape(count, layers)
