"""Start from data: a project whose model fits a dataset, and the edits that fit an existing one.

``project_from_data`` takes a CSV file, an ``.npz``, an image folder, a
bundled dataset name (``"iris"``), a Keras dataset name (``"mnist"``, read
from the local Keras cache) or a project's ``data`` settings, loads
it, and builds a project around it: the ``Input`` shape is one sample's
shape, the output layer has one unit per class (softmax), one sigmoid unit
for a 0/1 target column, or one linear unit per target value for
regression, and the loss and metrics follow. The model in between is a
small MLP for tables, a small CNN for images and an LSTM for sequences
(samples of shape ``(steps, features)``, like the bundled sine).

``fit_model_to_data`` gives the edits that make an existing model's Input
and output layer fit a dataset (one undoable step); ``input_mismatch``
says in one sentence why a dataset cannot feed a model's Input.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.edits import Compound, Edit, SetParam
from app.core.graph import Graph, Node
from app.core.layout import layered_layout
from app.core.project import Project
from app.data.bundled import BUNDLED
from app.data.dataset import CLASSIFICATION, DataError, Dataset, fits

TABLE, IMAGE, SEQUENCE = "table", "image", "sequence"
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
MAX_FOLDER_IMAGE_SIDE = 256  # larger images in a folder are resized to the default size
DEFAULT_FOLDER_IMAGE_SIZE = (96, 96)
SPARSE_LOSS = "sparse_categorical_crossentropy"


@dataclass(frozen=True)
class DataSummary:
    """What a model needs to know about a dataset: sample shape, kind and the output that fits it."""

    input_shape: tuple[int, ...]
    kind: str  # "table", "image" or "sequence"
    task: str
    class_names: list[str] = field(default_factory=list)
    output_units: int = 1
    output_activation: str = "linear"
    loss: str = "mean_squared_error"
    metrics: list[str] = field(default_factory=list)
    scaled_to_unit: bool = True  # False: pixel values up to 255 (a Rescaling layer is added)

    @property
    def num_classes(self) -> int:
        """How many classes (0 for regression)."""
        return len(self.class_names) if self.task == CLASSIFICATION else 0


def describe_data(dataset: Any) -> DataSummary:
    """Summarize a ``Dataset`` or an ``ImageFolderData`` (anything with ``train`` and ``class_names``)."""
    if not isinstance(dataset, Dataset):  # an image folder streamed through tf.data
        names = list(dataset.class_names)
        return DataSummary(tuple(dataset.input_shape), IMAGE, CLASSIFICATION, names, len(names), "softmax",
                           SPARSE_LOSS, ["accuracy"], scaled_to_unit=False)
    shape = dataset.input_shape
    kind = IMAGE if len(shape) == 3 else SEQUENCE if len(shape) == 2 else TABLE
    if kind == TABLE and not shape:
        shape = (1,)  # one number per sample; Dataset.reshape_for adds the axis
    elif kind == TABLE and len(shape) > 3:
        shape = (math.prod(shape),)
    scaled = kind != IMAGE or float(dataset.x_train.max(initial=0.0)) <= 1.5
    if dataset.task != CLASSIFICATION:
        units = math.prod(dataset.y_train.shape[1:]) or 1
        return DataSummary(shape, kind, dataset.task, [], int(units), "linear", "mean_squared_error",
                           ["mean_absolute_error"], scaled)
    names = list(dataset.class_names)
    y = dataset.y_train
    if len(names) == 2 and y.ndim == 2 and y.shape[1] == 1:  # a 0/1 column, as XOR's
        return DataSummary(shape, kind, CLASSIFICATION, names, 1, "sigmoid", "binary_crossentropy",
                           ["accuracy"], scaled)
    loss = "categorical_crossentropy" if dataset.labels_one_hot else SPARSE_LOSS
    return DataSummary(shape, kind, CLASSIFICATION, names, len(names), "softmax", loss, ["accuracy"], scaled)


# ------------------------------------------------------------------ settings
def data_settings_for(
    source: str | os.PathLike[str] | Mapping[str, Any], target: str | None = None,
    project_dir: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """The project ``data`` settings for a path, a bundled name or given settings.

    A CSV (``.csv``, ``.tsv``, ``.txt``) becomes ``{"source": "csv", ...}``,
    an ``.npz`` ``{"source": "npz", ...}``, a folder an image folder, a
    bundled name ``{"source": name}``, a Keras dataset name (``mnist``)
    ``{"source": "keras", "name": name}``. Paths are recorded relative to
    ``project_dir`` when given (where the project will be saved), else
    absolute. ``target`` names the CSV column to predict.
    """
    if isinstance(source, Mapping):
        settings = dict(source)
        if target is not None:
            settings["target"] = target
        return settings
    text = os.fspath(source)
    path = Path(text).expanduser()
    from app.data.keras_datasets import KERAS_DATASETS

    if text in BUNDLED and not path.exists():
        settings: dict[str, Any] = {"source": text}
    elif text in KERAS_DATASETS and not path.exists():
        settings = {"source": "keras", "name": text}
    elif path.is_dir():
        settings = {"source": "image_folder", "path": _recorded(path, project_dir)}
    elif path.suffix.lower() == ".npz":
        settings = {"source": "npz", "path": _recorded(path, project_dir)}
    elif path.suffix.lower() in CSV_SUFFIXES:
        settings = {"source": "csv", "path": _recorded(path, project_dir)}
    elif not path.exists():
        raise DataError(
            f"{text}: no such file or folder, and not a bundled dataset ({', '.join(BUNDLED)}) "
            f"or a Keras dataset ({', '.join(KERAS_DATASETS)})"
        )
    else:
        raise DataError(
            f"{text}: not a data file Netloom reads; use a CSV file (.csv), a NumPy .npz file, "
            "a folder of images with one subfolder per class, or a bundled dataset name"
        )
    if target is not None:
        if settings["source"] != "csv":
            raise DataError(f"{text}: --target names a CSV column, but this is not a CSV file")
        settings["target"] = target
    return settings


def _recorded(path: Path, project_dir: str | os.PathLike[str] | None) -> str:
    absolute = path.resolve()
    if project_dir is None:
        return str(absolute)
    try:
        return os.path.relpath(absolute, Path(project_dir).resolve())
    except ValueError:  # another drive on Windows
        return str(absolute)


def _complete_settings(settings: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Fill in what makes the recorded settings explicit: a CSV's target, an image folder's size."""
    kind = settings.get("source")
    path = Path(str(settings.get("path") or "")).expanduser()
    path = path if path.is_absolute() else base_dir / path
    if kind == "csv" and settings.get("target") is None:
        from app.data.csv_source import read_table

        settings["target"] = read_table(path).names[-1]
    if kind == "image_folder" and settings.get("path") and "image_size" not in settings:
        size, color_mode = _folder_image_format(path)
        settings.setdefault("image_size", list(size))
        settings.setdefault("color_mode", color_mode)
    return settings


def _folder_image_format(root: Path) -> tuple[tuple[int, int], str]:
    """The size and colour mode of the folder's first readable image (large ones get the default size).

    Only the first image is read; the full check of every file is the
    loader's. A folder without a readable image gets the defaults, and the
    loader then says what is wrong with it.
    """
    from app.data.image_folder import IMAGE_SUFFIXES

    if not root.is_dir():
        return DEFAULT_FOLDER_IMAGE_SIZE, "rgb"
    import tensorflow as tf

    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                continue
            try:
                image = tf.io.decode_image(path.read_bytes(), expand_animations=False)
            except (tf.errors.InvalidArgumentError, tf.errors.UnknownError, OSError):
                continue
            height, width, channels = (int(n) for n in image.shape)
            fits_as_is = max(height, width) <= MAX_FOLDER_IMAGE_SIDE
            return ((height, width) if fits_as_is else DEFAULT_FOLDER_IMAGE_SIZE,
                    "grayscale" if channels == 1 else "rgb")
    return DEFAULT_FOLDER_IMAGE_SIZE, "rgb"


# ------------------------------------------------------------------ projects
def project_from_data(
    source: str | os.PathLike[str] | Mapping[str, Any],
    target: str | None = None,
    name: str | None = None,
    project_dir: str | os.PathLike[str] | None = None,
) -> Project:
    """A new project with a starter model that fits the data at ``source``.

    ``source`` is a path (CSV, ``.npz``, image folder), a bundled dataset
    name or a project's ``data`` settings; ``target`` names a CSV's target
    column. The data is loaded once to check it (``DataError`` names the
    file and what is wrong). ``project_dir`` is where the project will be
    saved: recorded paths are relative to it.
    """
    from app.data.sources import load_source

    base_dir = Path(project_dir) if project_dir is not None else Path.cwd()
    settings = _complete_settings(data_settings_for(source, target, project_dir), base_dir)
    dataset = load_source(settings, base_dir)
    summary = describe_data(dataset)
    graph = starter_graph(summary)
    label = name or _default_name(source, settings)
    return Project(
        graph=graph,
        name=label,
        title=f"{label} ({_MODEL_WORDS[summary.kind]})",
        description=_description(summary, settings),
        data=settings,
        training=training_for(summary),
    )


def training_for(summary: DataSummary) -> dict[str, Any]:
    """The project ``training`` settings for a starter model on this data (as the examples write them)."""
    epochs = {TABLE: 50, IMAGE: 10, SEQUENCE: 20}[summary.kind]
    return {
        "optimizer": "adam",
        "learning_rate": 0.001 if summary.kind == IMAGE else 0.01,
        "loss": summary.loss,
        "metrics": list(summary.metrics),
        "batch_size": 32,
        "epochs": epochs,
    }


_MODEL_WORDS = {TABLE: "MLP", IMAGE: "CNN", SEQUENCE: "LSTM"}


def _default_name(source: Any, settings: Mapping[str, Any]) -> str:
    if isinstance(source, Mapping):
        return str(settings.get("name") or Path(str(settings.get("path") or settings.get("source"))).stem)
    return Path(os.fspath(source)).stem or "data"


def _description(summary: DataSummary, settings: Mapping[str, Any]) -> str:
    where = settings.get("path") or settings.get("source")
    shape = "x".join(str(n) for n in summary.input_shape)
    what = (f"{summary.num_classes} classes" if summary.task == CLASSIFICATION
            else f"{summary.output_units} value(s) to predict")
    return f"A starter {_MODEL_WORDS[summary.kind]} made from {where}: samples of {shape}, {what}."


def starter_graph(summary: DataSummary) -> Graph:
    """The starter model for ``summary``: Input, an MLP / CNN / LSTM body, the fitting output layer."""
    layers: list[tuple[str, str, dict[str, Any]]] = [
        ("Input", {IMAGE: "image", SEQUENCE: "sequence", TABLE: "features"}[summary.kind],
         {"shape": list(summary.input_shape)}),
    ]
    if summary.kind == IMAGE:
        layers += _cnn_body(summary)
    elif summary.kind == SEQUENCE:
        layers += [("LSTM", "lstm", {"units": 32})]
    else:
        layers += [("Dense", "hidden_1", {"units": 32, "activation": "relu"}),
                   ("Dense", "hidden_2", {"units": 16, "activation": "relu"})]
    output_name = "label" if summary.task == CLASSIFICATION else "prediction"
    layers.append(("Dense", output_name, {"units": summary.output_units,
                                          "activation": summary.output_activation}))
    graph = Graph()
    previous: Node | None = None
    for layer_type, node_name, params in layers:
        node = graph.add_node(layer_type, node_name, params)
        if previous is not None:
            graph.connect(previous.id, node.id)
        previous = node
    for node_id, position in layered_layout(graph).items():
        graph.move(node_id, position)
    return graph


def _cnn_body(summary: DataSummary) -> list[tuple[str, str, dict[str, Any]]]:
    """Conv + pool blocks (16, 32, 64 filters) while the image is at least 8 pixels a side."""
    body: list[tuple[str, str, dict[str, Any]]] = []
    if not summary.scaled_to_unit:
        body.append(("Rescaling", "rescale", {"scale": 1.0 / 255.0, "offset": 0.0}))
    side = min(summary.input_shape[:2])
    for index, filters in enumerate((16, 32, 64), start=1):
        if side < 8 and index > 1:
            break
        body.append(("Conv2D", f"conv_{index}", {"filters": filters, "kernel_size": [3, 3],
                                                 "padding": "same", "activation": "relu"}))
        if side >= 4:
            body.append(("MaxPooling2D", f"pool_{index}", {"pool_size": [2, 2]}))
            side //= 2
    body += [("Flatten", "flatten", {}), ("Dropout", "dropout", {"rate": 0.25})]
    return body


# --------------------------------------------------------- existing projects
def input_mismatch(graph: Graph, dataset: Any) -> str | None:
    """Why ``dataset`` cannot feed ``graph``'s Input, in one sentence; None when it can.

    Samples with the same number of values as the Input expects feed it
    (``Dataset.reshape_for`` reshapes them), except streamed images.
    """
    summary = describe_data(dataset)
    inputs = graph.inputs()
    if not inputs:
        return "the model has no Input node to feed the data into"
    if len(inputs) > 1:
        names = ", ".join(repr(node.name) for node in inputs)
        return f"the model has {len(inputs)} Inputs ({names}); a dataset feeds a model with one Input"
    node = inputs[0]
    wanted = _shape_param(node)
    have = summary.input_shape
    if wanted is None or fits(have, wanted):
        return None
    reshapeable = isinstance(dataset, Dataset) and None not in wanted and math.prod(wanted) == math.prod(have)
    if reshapeable:
        return None
    return f"{_samples_phrase(summary)} but the Input {node.name!r} expects {_tuple_text(wanted)}"


def _samples_phrase(summary: DataSummary) -> str:
    shape = summary.input_shape
    if summary.kind == IMAGE:
        return f"the images are {'x'.join(str(n) for n in shape)}"
    if summary.kind == SEQUENCE:
        return f"the sequences are {shape[0]} steps of {_count(shape[1], 'feature')}"
    if len(shape) == 1:
        return f"the samples have {_count(shape[0], 'feature')}"
    return f"the samples have shape {_tuple_text(shape)}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _tuple_text(shape: Sequence[int | None]) -> str:
    return str(tuple(shape)) if len(shape) != 1 else f"({shape[0]},)"


def _shape_param(node: Node) -> tuple[int | None, ...] | None:
    shape = node.params.get("shape")
    if not isinstance(shape, (list, tuple)):
        return None
    return tuple(None if n is None else int(n) for n in shape)


def fit_model_to_data(graph: Graph, dataset: Any) -> Compound | None:
    """The edits that make ``graph``'s Input and output layer fit ``dataset``, as one step.

    The Input's ``shape`` becomes one sample's shape; the output ``Dense``
    gets one unit per class (or target value) and the activation that fits
    (softmax, sigmoid or linear). An output ``Activation``/``Softmax``
    layer after the Dense has its activation set instead. Returns None when
    nothing needs to change (or the model has no single Input and output).
    """
    summary = describe_data(dataset)
    edits: list[Edit] = []
    inputs = graph.inputs()
    if len(inputs) == 1 and _shape_param(inputs[0]) != summary.input_shape:
        edits.append(SetParam(inputs[0].id, "shape", list(summary.input_shape)))
    edits += _output_edits(graph, summary)
    if not edits:
        return None
    return Compound(edits, description="Fit the model to the data")


def _output_edits(graph: Graph, summary: DataSummary) -> list[Edit]:
    outputs = graph.outputs()
    if len(outputs) != 1:
        return []
    output = outputs[0]
    dense, activation_node = output, None
    if output.type in ("Activation", "Softmax"):
        before = graph.predecessors(output.id)
        if len(before) != 1 or graph.node(before[0]).type != "Dense":
            return []
        dense, activation_node = graph.node(before[0]), output
    if dense.type != "Dense":
        return []
    edits: list[Edit] = []
    if dense.params.get("units") != summary.output_units:
        edits.append(SetParam(dense.id, "units", summary.output_units))
    if activation_node is None:
        if (dense.params.get("activation") or "linear") != summary.output_activation:
            edits.append(SetParam(dense.id, "activation", summary.output_activation))
    elif activation_node.type == "Activation" and \
            activation_node.params.get("activation") != summary.output_activation:
        edits.append(SetParam(activation_node.id, "activation", summary.output_activation))
    return edits
