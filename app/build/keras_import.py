"""Keras model files -> graph, without running any code from the file.

A ``.keras`` archive keeps the architecture in ``config.json``; a legacy
``.h5`` file keeps it in its ``model_config`` attribute. Both are plain JSON,
read here as data: nothing in the file is deserialized by Keras until every
layer has been checked against the catalog. That is the safety rule: a
``Lambda`` layer or a custom class holds Python code, so a model using one is
refused with a ``ModelImportError`` that names the file and the layer.

What a graph can hold decides what is refused as well: every node is one
layer called once (shared layers and nested models have no node), and the
model's outputs are the nodes that feed nothing.

The node params are the layer's Keras config minus its name and minus the
entries equal to the defaults, so the graph stays readable and rebuilding it
gives the same layer configs (the round-trip tests check that).

Three config dialects are understood: Keras 3 functional (``inbound_nodes``
as ``{"args": [...], "kwargs": {...}}`` with ``__keras_tensor__`` entries),
Keras 2 functional (``[[["name", node_index, tensor_index, kwargs], ...]]``),
and Sequential (a chain) from either.
"""

from __future__ import annotations

import copy
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.catalog import (
    ACTIVATION,
    CALL_LIST,
    CALL_POSITIONAL,
    CALL_SINGLE,
    CONSTRAINT,
    INITIALIZER,
    REGULARIZER,
    Catalog,
    LayerSpec,
    default_catalog,
)
from app.core.graph import Graph, GraphError
from app.core.layer_factory import OPERATION_PACKAGE, TENSOR_PLACEHOLDER, resolve_operation
from app.core.layout import apply_layout

_ZIP_MAGIC = b"PK\x03\x04"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_MAX_CONFIG_BYTES = 256 * 1024 * 1024
_MODEL_CLASSES = ("Functional", "Model", "Sequential")
_CODE_CLASSES = ("Lambda", "TFOpLambda", "SlicingOpLambda", "__lambda__", "function")
# Keys that say how the layer was first built, not what it is.
_BUILD_KEYS = ("batch_input_shape", "batch_shape", "input_shape")


class ModelImportError(ValueError):
    """A model file that cannot become a graph; the message names the file and the layer."""

    def __init__(self, message: str, source: str | None = None, layer: str | None = None) -> None:
        self.source = source
        self.layer = layer
        self.reason = message
        where = f"Layer {layer!r}: " if layer else ""
        super().__init__(f"{source}: {where}{message}" if source else f"{where}{message}")


# ------------------------------------------------------------------ files
def read_model_config(path: str | Path) -> dict[str, Any]:
    """The architecture stored in a ``.keras`` archive or a legacy ``.h5`` file, as JSON data.

    Nothing is deserialized: the result is what ``import_model_file`` judges.
    A damaged or foreign file raises ``ModelImportError`` naming the file.
    """
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise ModelImportError("the file does not exist.", source)
    if path.is_dir():
        raise ModelImportError(
            "this is a folder, not a model file; a TensorFlow SavedModel cannot be imported. "
            "Save the model with model.save('model.keras') and import that.",
            source,
        )
    try:
        with path.open("rb") as stream:
            magic = stream.read(8)
    except OSError as error:
        raise ModelImportError(f"the file cannot be read ({error.strerror or error}).", source) from error
    if magic.startswith(_ZIP_MAGIC):
        text = _read_keras_archive(path, source)
    elif magic.startswith(_HDF5_MAGIC):
        text = _read_h5_config(path, source)
    else:
        raise ModelImportError(
            "this is neither a .keras archive nor an HDF5 (.h5) model file.", source
        )
    try:
        config = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelImportError(f"the model config is not valid JSON ({error}).", source) from error
    if not isinstance(config, dict):
        raise ModelImportError("the model config is not a JSON object.", source)
    return config


def _read_keras_archive(path: Path, source: str) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                raise ModelImportError(
                    "the archive has no config.json, so it is not a Keras model (.keras) file.", source
                ) from None
            if info.file_size > _MAX_CONFIG_BYTES:
                raise ModelImportError(f"config.json is implausibly large ({info.file_size} bytes).", source)
            return archive.read(info)
    except ModelImportError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        raise ModelImportError(f"the .keras archive is damaged or truncated ({error}).", source) from error


def _read_h5_config(path: Path, source: str) -> bytes:
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            raw = handle.attrs.get("model_config")
    except (OSError, ValueError, KeyError) as error:
        raise ModelImportError(f"the HDF5 file is damaged or truncated ({error}).", source) from error
    if raw is None:
        raise ModelImportError(
            "the HDF5 file holds no model architecture (model_config); it may hold weights only.", source
        )
    return raw if isinstance(raw, bytes) else str(raw).encode("utf-8")


def import_model_file(path: str | Path, catalog: Catalog | None = None) -> Graph:
    """The graph of the model saved in ``path`` (``.keras`` or ``.h5``), laid out left to right."""
    config = read_model_config(path)
    graph = graph_from_model_config(config, catalog, source=str(path))
    apply_layout(graph)
    return graph


def save_imported_weights(
    graph: Graph, model_path: str | Path, weights_path: str | Path, catalog: Catalog | None = None
) -> Any:
    """Copy the weights of the model file into ``weights_path`` for the graph imported from it.

    The graph is built with ``to_keras``; each of its layers takes the
    weights of the file's layer with the same name (by name, never by
    position, so two alike layers cannot swap weights). The file is loaded
    with Keras's safe mode, and only after its config passed the same
    checks as the import. Returns the built model, weights in place.
    ``weights_path`` must end with ``.weights.h5``.
    """
    from app.build.keras_builder import to_keras

    source = str(model_path)
    if not str(weights_path).endswith(".weights.h5"):
        raise ValueError(
            f"The weights file name must end with '.weights.h5'; received {str(weights_path)!r}."
        )
    graph_from_model_config(read_model_config(model_path), catalog, source=source)
    reference = _load_reference(model_path, source)
    model = to_keras(graph, catalog)
    for layer in model.layers:
        if layer.weights:
            _copy_weights(reference, layer, source)
    Path(weights_path).parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(str(weights_path))
    return model


def _load_reference(model_path: str | Path, source: str) -> Any:
    import keras

    try:
        return keras.saving.load_model(str(model_path), compile=False, safe_mode=True)
    except Exception as error:  # Keras reports damaged weights with many exception types.
        raise ModelImportError(f"the weights cannot be loaded ({error}).", source) from error


def _copy_weights(reference: Any, layer: Any, source: str) -> None:
    try:
        original = reference.get_layer(layer.name)
    except ValueError:
        raise ModelImportError("the file has no layer of this name to take weights from.", source,
                               layer.name) from None
    values = original.get_weights()
    shapes = [tuple(w.shape) for w in layer.weights]
    if [tuple(v.shape) for v in values] != shapes:
        raise ModelImportError(
            f"the file's weights have shapes {[tuple(v.shape) for v in values]}, the graph's layer "
            f"expects {shapes}.", source, layer.name,
        )
    layer.set_weights(values)


# ------------------------------------------------------------------ configs
@dataclass
class _Layer:
    """One layer entry of a model config, normalized across dialects."""

    name: str
    class_name: str
    module: str | None
    config: dict[str, Any]
    inbound: list[Any] = field(default_factory=list)
    operation: bool = False  # a Keras operation (keras.ops) called on tensors and constants
    nested: str | None = None  # "Sequential" or "Functional" for a whole model used as one layer


@dataclass
class _Call:
    """How a layer was called: tensors by port, as (layer, node index, tensor index)."""

    tensors: dict[int, tuple[str, int, int]]
    as_list: bool
    args: list[Any] = field(default_factory=list)  # an operation's call template
    kwargs: dict[str, Any] = field(default_factory=dict)


def graph_from_model_config(
    config: dict[str, Any], catalog: Catalog | None = None, source: str | None = None
) -> Graph:
    """The graph of a Keras functional or Sequential model config.

    ``config`` is a model's ``get_config()``, or the ``{"class_name": ...,
    "config": ...}`` object of a saved file. ``source`` names the file in
    error messages. Raises ``ModelImportError`` for anything a graph cannot
    hold or that would run code.
    """
    reader = _Reader(catalog or default_catalog(), source)
    return reader.read(config)


class _Reader:
    def __init__(self, catalog: Catalog, source: str | None) -> None:
        self.catalog = catalog
        self.source = source
        self.graph = Graph()
        self.ids: dict[str, str] = {}

    def fail(self, message: str, layer: str | None = None) -> ModelImportError:
        return ModelImportError(message, self.source, layer)

    def read(self, config: dict[str, Any]) -> Graph:
        class_name, body = self._unwrap(config)
        layers = body.get("layers")
        if not isinstance(layers, list) or not layers:
            raise self.fail("the model config lists no layers.")
        try:
            if class_name == "Sequential" or "input_layers" not in body:
                self._read_sequential(body, layers)
            else:
                self._read_functional(body, layers)
        except ModelImportError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, AttributeError) as error:
            raise self.fail(f"the model config is malformed ({type(error).__name__}: {error}).") from error
        return self.graph

    def _unwrap(self, config: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        if not isinstance(config, dict):
            raise self.fail("the model config is not a JSON object.")
        if "layers" in config:
            return None, config
        class_name = config.get("class_name")
        body = config.get("config")
        if not isinstance(body, dict):
            raise self.fail("this is not a Keras model config (no 'config' with 'layers').")
        if class_name not in _MODEL_CLASSES or "layers" not in body:
            raise self.fail(
                f"the model is a {class_name!r}: a subclassed model is Python code, and only functional "
                "and Sequential models can be imported."
            )
        return class_name, body

    # ------------------------------------------------------- functional
    def _read_functional(self, body: dict[str, Any], entries: list[Any]) -> None:
        layers = [self._layer(entry, functional=True) for entry in entries]
        by_name = {layer.name: layer for layer in layers}
        inputs = _as_names(body.get("input_layers"))
        outputs = _as_refs(body.get("output_layers"))
        for name in inputs:
            if name not in by_name or by_name[name].class_name != "InputLayer":
                raise self.fail("a model input is not an InputLayer of the model.", name)
        output_names = [name for name, _, _ in outputs]
        calls = {layer.name: self._call(layer) for layer in layers if layer.class_name != "InputLayer"}
        self._check_outputs(outputs, calls, by_name)
        order = inputs + [
            layer.name for layer in layers if layer.name not in inputs and layer.name not in output_names
        ] + output_names
        for name in order:
            self._add_node(by_name[name])
        for name, call in calls.items():
            for port, (source, node_index, tensor_index) in sorted(call.tensors.items()):
                self._connect(source, node_index, tensor_index, name, port)

    def _check_outputs(
        self, outputs: list[tuple[str, int, int]], calls: dict[str, _Call], by_name: dict[str, _Layer]
    ) -> None:
        if not outputs:
            raise self.fail("the model config names no outputs.")
        consumers: dict[str, str] = {}
        for name, call in calls.items():
            for source, _, _ in call.tensors.values():
                consumers.setdefault(source, name)
        seen: set[str] = set()
        for name, _, tensor_index in outputs:
            if name not in by_name:
                raise self.fail("the model's output refers to a layer that is not in the model.", name)
            if by_name[name].class_name == "InputLayer":
                raise self.fail("an input is also a model output; Netloom's outputs are layers.", name)
            if name in seen or tensor_index != 0:
                raise self.fail(
                    "the model outputs more than the first result of this layer; Netloom takes one "
                    "output per output layer, its first.", name,
                )
            if name in consumers:
                raise self.fail(
                    f"this model output also feeds {consumers[name]!r}; in Netloom the outputs are the "
                    "layers that feed nothing.", name,
                )
            seen.add(name)
        for name in calls:
            if name not in consumers and name not in seen:
                raise self.fail("this layer feeds nothing, yet it is not a model output.", name)

    def _call(self, layer: _Layer) -> _Call:
        if not layer.inbound:
            raise self.fail("the layer is never called, so it has no inputs.", layer.name)
        if len(layer.inbound) > 1:
            raise self.fail(
                f"the layer is used {len(layer.inbound)} times (shared weights); a Netloom node is one "
                "layer with its own weights, called once.", layer.name,
            )
        node = layer.inbound[0]
        if layer.operation:
            return self._call_operation(layer, node)
        spec = self.catalog.get(layer.nested or layer.class_name)
        if isinstance(node, dict):
            call = self._call_keras3(layer, spec, node)
        else:
            call = self._call_keras2(layer, spec, node)
        self._check_call(layer, spec, call)
        return call

    def _call_keras3(self, layer: _Layer, spec: LayerSpec, node: dict[str, Any]) -> _Call:
        args = list(node.get("args") or [])
        as_list = len(args) == 1 and isinstance(args[0], (list, tuple))
        items = list(args[0]) if as_list else args
        tensors: dict[int, tuple[str, int, int]] = {}
        for port, item in enumerate(items):
            if not _is_keras3_tensor(item):
                raise self.fail(
                    f"the layer is called with the constant {_short(item)} beside its tensors; "
                    "Netloom passes tensors only.", layer.name,
                )
            tensors[port] = _history(item)
        for key, value in (node.get("kwargs") or {}).items():
            if _is_keras3_tensor(value):
                tensors[self._kwarg_port(layer, spec, key, len(items))] = _history(value)
            else:
                self._check_call_argument(layer, key, value)
        return _Call(tensors, as_list)

    def _call_operation(self, layer: _Layer, node: Any) -> _Call:
        """The call of a Keras operation as a template: each tensor becomes {"__input__": port}."""
        tensors: dict[int, tuple[str, int, int]] = {}

        def template(value: Any) -> Any:
            if _is_keras3_tensor(value):
                tensors[len(tensors)] = _history(value)
                return {TENSOR_PLACEHOLDER: len(tensors) - 1}
            if isinstance(value, (list, tuple)):
                return [template(item) for item in value]
            if value is None or isinstance(value, (bool, int, float, str)):
                return value
            raise self.fail(
                f"the operation is called with {_short(value)}, which Netloom cannot keep.", layer.name
            )

        if not isinstance(node, dict):
            raise self.fail("the operation's call is not in the Keras 3 format.", layer.name)
        args = template(list(node.get("args") or []))
        kwargs = node.get("kwargs") or {}
        if not isinstance(kwargs, dict):
            raise self.fail("the operation's keyword arguments are malformed.", layer.name)
        kwargs = {str(key): template(value) for key, value in kwargs.items()}
        if not tensors:
            raise self.fail("the operation is called on no tensor.", layer.name)
        return _Call(tensors, as_list=False, args=args, kwargs=kwargs)

    def _call_keras2(self, layer: _Layer, spec: LayerSpec, node: Any) -> _Call:
        tensors: dict[int, tuple[str, int, int]] = {}
        for port, item in enumerate(node):
            tensors[port] = (str(item[0]), int(item[1]), int(item[2]))
            kwargs = item[3] if len(item) > 3 and isinstance(item[3], dict) else {}
            for key, value in kwargs.items():
                if _is_keras2_tensor(value):
                    tensors[self._kwarg_port(layer, spec, key, len(node))] = (
                        str(value[0]), int(value[1]), int(value[2])
                    )
                else:
                    self._check_call_argument(layer, key, value)
        return _Call(tensors, as_list=len(node) > 1)

    def _kwarg_port(self, layer: _Layer, spec: LayerSpec, key: str, positional: int) -> int:
        names = [port.name for port in spec.inputs]
        if spec.call != CALL_POSITIONAL or key not in names:
            raise self.fail(
                f"the layer is given a tensor as {key!r}, which Netloom has no input port for.", layer.name
            )
        port = names.index(key)
        if port < positional:
            raise self.fail(f"the layer receives {key!r} twice.", layer.name)
        return port

    def _check_call_argument(self, layer: _Layer, key: str, value: Any) -> None:
        # Keras records call arguments left at their defaults (mask=None, training=False).
        if value is None or value is False:
            return
        raise self.fail(
            f"the layer is called with {key}={_short(value)}; Netloom cannot keep call arguments.", layer.name
        )

    def _check_call(self, layer: _Layer, spec: LayerSpec, call: _Call) -> None:
        count = len(call.tensors)
        if sorted(call.tensors) != list(range(count)):
            missing = min(set(range(max(call.tensors) + 1)) - set(call.tensors))
            port = spec.inputs[missing].name if missing < len(spec.inputs) else str(missing)
            raise self.fail(f"the layer's input {port!r} is left out while a later one is given.", layer.name)
        if spec.call == CALL_SINGLE and count != 1:
            raise self.fail(f"the layer is called on {count} tensors; Netloom calls it on one.", layer.name)
        if spec.call == CALL_LIST and not call.as_list:
            raise self.fail(
                "the layer is called on separate tensors, not on a list as layers of this kind are: "
                "it is a Keras operation (keras.ops), and Netloom graphs hold layers only.", layer.name,
            )

    def _connect(self, source: str, node_index: int, tensor_index: int, target: str, port: int) -> None:
        if source not in self.ids:
            raise self.fail(f"an input comes from {source!r}, which is not a layer of the model.", target)
        if node_index != 0:
            raise self.fail(
                f"an input comes from a second call of {source!r} (a shared layer); a Netloom node is "
                "called once.", target,
            )
        self.graph.connect(self.ids[source], self.ids[target], port, tensor_index)

    # ------------------------------------------------------- sequential
    def _read_sequential(self, body: dict[str, Any], entries: list[Any]) -> None:
        layers = [self._layer(entry, functional=False) for entry in entries]
        if layers[0].class_name == "InputLayer":
            first, rest = layers[0], layers[1:]
        else:
            first, rest = self._implicit_input(body, entries[0], layers[0]), layers
        if not rest:
            raise self.fail("the Sequential model has no layers after its input.")
        previous = self._add_node(first)
        for layer in rest:
            if layer.class_name == "InputLayer":
                raise self.fail("an InputLayer in the middle of a Sequential model.", layer.name)
            if self.catalog.get(layer.nested or layer.class_name).call != CALL_SINGLE:
                raise self.fail("this layer takes several inputs, which a Sequential chain cannot give.",
                                layer.name)
            node = self._add_node(layer)
            self.graph.connect(previous, node)
            previous = node

    def _implicit_input(self, body: dict[str, Any], entry: dict[str, Any], layer: _Layer) -> _Layer:
        shape = (
            body.get("build_input_shape")
            or _first_present(entry.get("config", {}), _BUILD_KEYS)
            or (entry.get("build_config") or {}).get("input_shape")
        )
        if not isinstance(shape, (list, tuple)) or not shape or isinstance(shape[0], (list, tuple)):
            raise self.fail(
                "the Sequential model was never built, so its input shape is unknown; build it "
                "(model.build(...)) or start it with keras.Input(...) before saving."
            )
        taken = {_entry_name(e, functional=False) for e in body["layers"]}
        name = "input_layer"
        index = 1
        while name in taken:
            name, index = f"input_layer_{index}", index + 1
        dtype = layer.config.get("dtype") if isinstance(layer.config.get("dtype"), str) else "float32"
        return _Layer(name, "InputLayer", "keras.layers", {"batch_shape": shape, "dtype": dtype})

    # ------------------------------------------------------- layers and nodes
    def _layer(self, entry: Any, functional: bool) -> _Layer:
        if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
            raise self.fail(f"a layer entry is malformed: {_short(entry)}.")
        name = _entry_name(entry, functional)
        layer = _Layer(
            name=name,
            class_name=str(entry.get("class_name")),
            module=entry.get("module"),
            config=entry["config"],
            inbound=list(entry.get("inbound_nodes") or []),
        )
        self._check_class(layer, entry)
        return layer

    def _check_class(self, layer: _Layer, entry: dict[str, Any]) -> None:
        name, class_name, module = layer.name, layer.class_name, layer.module or ""
        if class_name in _MODEL_CLASSES or "input_layers" in layer.config:
            self._check_nested(layer, entry)
            return
        if class_name in _CODE_CLASSES:
            raise self.fail("Lambda layers hold Python code and are not loaded, for safety.", name)
        # Operations have a config of just a name; .h5 files leave out their module.
        is_operation = not module and class_name != "InputLayer" and set(layer.config) <= {"name"}
        if module.startswith(OPERATION_PACKAGE + ".") or module == OPERATION_PACKAGE:
            try:
                resolve_operation(module, class_name)
            except (ValueError, ImportError) as error:
                raise self.fail(f"the operation cannot be loaded ({error}).", name) from None
            for key, value in _custom_objects(layer.config):
                raise self.fail(
                    f"its {key!r} is the custom object {_short(value)}, which holds Python code and is not "
                    "loaded, for safety.", name,
                )
            layer.operation = True
            return
        if is_operation or module.startswith("keras.ops"):
            raise self.fail(
                f"this is the Keras operation {class_name} (keras.ops) applied to tensors, not a layer; "
                "Netloom graphs hold layers only. Use a layer instead (Add, Multiply, Rescaling, ...).", name,
            )
        if class_name == "InputLayer":
            return
        if class_name not in self.catalog:
            raise self.fail(
                f"its class {_qualified(module, class_name)} is not a layer Netloom knows; a custom layer "
                "holds Python code and is not loaded, for safety.", name,
            )
        class_path = self.catalog.get(class_name).class_path
        if module and not _same_module(module, class_path):
            raise self.fail(
                f"its class is {_qualified(module, class_name)}, not Netloom's {class_path}; a custom "
                "layer holds Python code and is not loaded, for safety.", name,
            )
        for key, value in _custom_objects(layer.config):
            raise self.fail(
                f"its {key!r} is the custom object {_short(value)}, which holds Python code and is not "
                "loaded, for safety.", name,
            )

    def _check_nested(self, layer: _Layer, entry: dict[str, Any]) -> None:
        """Accept a nested model as one node only if everything inside it would import on its own."""
        if layer.module not in (None, "keras", "keras.models", "keras.src.models.sequential",
                                "keras.src.models.functional"):
            raise self.fail(f"its model class {_qualified(layer.module or '', layer.class_name)} is custom "
                            "code and is not loaded, for safety.", layer.name)
        try:
            inner = graph_from_model_config(entry, self.catalog, self.source)
        except ModelImportError as error:
            raise self.fail(f"inside this nested model: {error.reason}", error.layer or layer.name) from None
        if len(inner.inputs()) != 1 or len(inner.outputs()) != 1:
            raise self.fail("a nested model with several inputs or outputs cannot be imported yet.",
                            layer.name)
        layer.nested = "Sequential" if layer.class_name == "Sequential" else "Functional"

    def _add_node(self, layer: _Layer) -> str:
        if layer.nested:
            layer_type = layer.nested
            params = {k: v for k, v in layer.config.items() if k != "name"}
        elif layer.class_name == "InputLayer":
            layer_type, params = "Input", self._input_params(layer)
        elif layer.operation:
            call = self._call(layer)
            layer_type, params = "Operation", {
                "module": layer.module, "class_name": layer.class_name,
                "config": {k: _without_shared_ids(v) for k, v in layer.config.items() if k != "name"},
                "args": call.args, "kwargs": call.kwargs,
            }
        else:
            layer_type = layer.class_name
            params = _layer_params(layer.config, self.catalog.get(layer_type))
        try:
            node = self.graph.add_node(layer_type, layer.name, params)
        except GraphError as error:
            raise self.fail(str(error), layer.name) from error
        self.ids[layer.name] = node.id
        return node.id

    def _input_params(self, layer: _Layer) -> dict[str, Any]:
        config = layer.config
        shape = _first_present(config, _BUILD_KEYS)
        if not isinstance(shape, (list, tuple)) or not shape:
            raise self.fail("the input has no shape.", layer.name)
        for flag in ("sparse", "ragged", "optional"):
            if config.get(flag):
                raise self.fail(f"{flag} inputs cannot be imported.", layer.name)
        params: dict[str, Any] = {"shape": list(shape[1:])}
        dtype = _dtype_name(config.get("dtype"))
        if dtype not in (None, "float32"):
            params["dtype"] = dtype
        if shape[0] is not None:
            params["batch_size"] = shape[0]
        return params


# ------------------------------------------------------------------ params
def _layer_params(config: dict[str, Any], spec: LayerSpec) -> dict[str, Any]:
    """The node params for a layer config: everything but the name and the defaults.

    Leaving a default out must not change the layer (some ``from_config``
    need a key present; a catalog default may differ from Keras's), so the
    short form is checked once per layer class and set of left-out entries,
    by making a layer from it and comparing configs. When they differ, the
    node keeps the full config.
    """
    full = {k: _without_shared_ids(v) for k, v in config.items() if k != "name" and k not in _BUILD_KEYS}
    short = {k: v for k, v in full.items() if not _is_default_entry(k, v, spec)}
    if short == full:
        return short
    left_out = json.dumps({k: v for k, v in full.items() if k not in short}, sort_keys=True, default=str)
    key = (spec.class_path, left_out, tuple(sorted(short)))
    if key not in _SHORT_FORM_OK:
        _SHORT_FORM_OK[key] = _rebuilds_same(spec, short, full)
    return short if _SHORT_FORM_OK[key] else full


_SHORT_FORM_OK: dict[tuple[str, str, tuple[str, ...]], bool] = {}


def _is_default_entry(key: str, value: Any, spec: LayerSpec) -> bool:
    if key == "trainable":
        return value is True
    if key == "dtype":
        return _dtype_name(value) == "float32"
    param = spec.param(key)
    if param is None:
        return value is None  # an entry the catalog does not show, left at None
    if param.required:
        return False
    if param.kind == ACTIVATION and param.default is None and value == "linear":
        return True  # Keras writes no activation as "linear"
    return _is_default(value, param.default, param.kind)


def _rebuilds_same(spec: LayerSpec, short: dict[str, Any], full: dict[str, Any]) -> bool:
    """True when the layer made from ``short`` writes the left-out entries as ``full`` has them."""
    from app.core.layer_factory import resolve

    try:
        layer = resolve(spec.class_path).from_config({**copy.deepcopy(short), "name": "netloom_check"})
        rebuilt = _plain(_without_shared_ids(layer.get_config()))
    except Exception:  # Whatever fails here, the full config is the safe answer.
        return False
    rebuilt.pop("name", None)
    full = _plain(full)
    return set(rebuilt) == set(full) and all(rebuilt[k] == full[k] for k in full if k not in short)


def _is_default(value: Any, default: Any, kind: str) -> bool:
    value, default = _plain(value), _plain(default)
    if value == default:
        return True
    if isinstance(value, dict) and isinstance(default, str):
        return _serialized_default(kind, default) == _without_shared_ids(value)
    return False


_SERIALIZED: dict[tuple[str, str], Any] = {}


def _serialized_default(kind: str, name: str) -> Any:
    """How Keras writes the object a default name stands for (``"glorot_uniform"`` -> its config)."""
    if (kind, name) not in _SERIALIZED:
        import keras

        modules = {
            INITIALIZER: keras.initializers, REGULARIZER: keras.regularizers,
            CONSTRAINT: keras.constraints, ACTIVATION: keras.activations,
        }
        result = None
        if kind in modules:
            try:
                module = modules[kind]
                result = _plain(module.serialize(module.get(name)))
            except (ValueError, TypeError):
                result = None
        _SERIALIZED[(kind, name)] = result
    return _SERIALIZED[(kind, name)]


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _without_shared_ids(value: Any) -> Any:
    """A copy without bookkeeping: ``shared_object_id`` (a .keras file's) and the ``build_config``
    of a nested layer (the wrapper builds it for the shape it receives, which an edit may change)."""
    if isinstance(value, dict):
        skipped = ("shared_object_id", "build_config") if "class_name" in value else ("shared_object_id",)
        return {k: _without_shared_ids(v) for k, v in value.items() if k not in skipped}
    if isinstance(value, (list, tuple)):
        return [_without_shared_ids(v) for v in value]
    return copy.deepcopy(value)


def _dtype_name(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("class_name") == "DTypePolicy":
        return (value.get("config") or {}).get("name")
    return None


def _custom_objects(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """(param, object) for each serialized object in a config that would run code outside Keras."""
    if isinstance(value, dict):
        module = value.get("module")
        class_name = value.get("class_name")
        if class_name in _CODE_CLASSES or (
            isinstance(module, str) and class_name and not module.startswith("keras")
        ):
            yield key, value
            return
        for child_key, child in value.items():
            yield from _custom_objects(child, key or child_key)
    elif isinstance(value, (list, tuple)):
        for child in value:
            yield from _custom_objects(child, key)


# ------------------------------------------------------------------ helpers
def _entry_name(entry: dict[str, Any], functional: bool) -> str:
    name = entry.get("name") if functional else None
    return str(name or entry.get("config", {}).get("name") or "")


def _is_keras3_tensor(value: Any) -> bool:
    return isinstance(value, dict) and value.get("class_name") == "__keras_tensor__"


def _is_keras2_tensor(value: Any) -> bool:
    return (
        isinstance(value, (list, tuple)) and len(value) >= 3 and isinstance(value[0], str)
        and isinstance(value[1], int) and isinstance(value[2], int)
    )


def _history(tensor: dict[str, Any]) -> tuple[str, int, int]:
    name, node_index, tensor_index = tensor["config"]["keras_history"]
    return str(name), int(node_index), int(tensor_index)


def _ref(item: Any) -> tuple[str, int, int]:
    return str(item[0]), int(item[1]), int(item[2])


def _as_refs(value: Any) -> list[tuple[str, int, int]]:
    """``input_layers``/``output_layers``: one ref, or a list (or dict) of refs."""
    if isinstance(value, dict):
        value = list(value.values())
    if not value:
        return []
    if isinstance(value[0], str):
        return [_ref(value)]
    return [_ref(item) for item in value]


def _as_names(value: Any) -> list[str]:
    return [name for name, _, _ in _as_refs(value)]


def _first_present(config: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if config.get(key) is not None:
            return config[key]
    return None


def _same_module(module: str, class_path: str) -> bool:
    path_module = class_path.rpartition(".")[0]
    if module == path_module:
        return True
    return module.startswith("keras.layers") and path_module.startswith("keras")


def _qualified(module: str, class_name: str) -> str:
    return f"{module}.{class_name}" if module else class_name


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
