"""Graph -> a readable Python script that rebuilds the model with Keras.

The script is what a person would write by hand: ``import keras``, one line
per node in topological order inside ``build_model()``, each variable named
after its node, and ``keras.Model(...)`` at the end. Running it builds the
model, compiles it with the project's training settings (when given) and
prints the summary.

The subtle part is writing params so that the script rebuilds *the same*
layer configs as ``app.build.keras_builder.to_keras``, which makes each layer
with ``from_config``:

- A layer whose ``from_config`` is ``cls(**config)`` (after turning nested
  serialized objects back into objects) is written as a constructor call with
  keyword arguments, and every nested ``{"class_name": ..., "config": ...}``
  is written as that object's constructor (``keras.regularizers.L2(l2=0.01)``).
- Any other layer is written as ``keras.layers.X.from_config({...})``, and a
  nested object whose class cannot be rebuilt from keywords goes through
  ``keras.saving.deserialize_keras_object``: less pretty, always faithful.

Pretrained backbones (``keras.applications``) are made the way
``app.core.layer_factory`` makes them: ``input_shape`` from the tensor that
feeds them, ``weights`` always passed (None unless the node names a file),
and ``trainable = False`` set afterwards when the node freezes them.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.build.keras_builder import BuildError, checked_order
from app.core.catalog import (
    CALL_LIST,
    CALL_POSITIONAL,
    CALL_TEMPLATE,
    LAYER,
    TUPLE,
    Catalog,
    LayerSpec,
    default_catalog,
)
from app.core.graph import Graph, Node
from app.core.layer_factory import TENSOR_PLACEHOLDER, resolve, resolve_operation

LINE_WIDTH = 100
INDENT = "    "

DEFAULT_TRAINING: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": 0.001,
    "loss": "sparse_categorical_crossentropy",
    "metrics": ["accuracy"],
    "batch_size": 32,
    "epochs": 10,
}

_OPTIMIZERS = {
    "adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop", "adagrad": "Adagrad",
    "adadelta": "Adadelta", "adamax": "Adamax", "nadam": "Nadam", "ftrl": "Ftrl", "lion": "Lion",
    "lamb": "Lamb", "adafactor": "Adafactor",
}

# Names the script itself defines or imports; node variables must not take them.
_SCRIPT_NAMES = frozenset({"keras", "build_model", "compile_model", "train", "model", "BATCH_SIZE", "EPOCHS"})
_RESERVED = (
    frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins)) | _SCRIPT_NAMES
)

# ``from_config`` implementations that amount to ``cls(**config)`` once nested
# serialized objects are objects again (checked against Keras 3 sources;
# Constant deserializes its value, which a plain number survives unchanged).
_KWARGS_FROM_CONFIG = frozenset(f"{name}.from_config" for name in (
    "Operation", "Layer", "Initializer", "Regularizer", "Constraint", "Constant", "DTypePolicy",
    "Dense", "EinsumDense", "Embedding", "LSTM", "GRU", "SimpleRNN", "ConvLSTM", "Rescaling",
    "Bidirectional", "Wrapper", "RNN", "StackedRNNCells", "Pipeline",
))

# Where a nested object of a param kind lives, for configs written without "module".
_MODULE_BY_SUFFIX = {
    "_initializer": "keras.initializers",
    "_regularizer": "keras.regularizers",
    "_constraint": "keras.constraints",
}
_GETTERS = {
    "keras.initializers": "keras.initializers.get",
    "keras.regularizers": "keras.regularizers.get",
    "keras.constraints": "keras.constraints.get",
    "keras.layers": "keras.layers.deserialize",
    "keras.losses": "keras.losses.get",
    "keras.metrics": "keras.metrics.get",
}


def graph_to_script(
    graph: Graph,
    catalog: Catalog | None = None,
    training: Mapping[str, Any] | None = None,
    *,
    project_name: str | None = None,
    model_name: str = "netloom_model",
) -> str:
    """A runnable Python script that rebuilds ``graph`` as a Keras functional model.

    ``training`` holds the project's training settings (optimizer,
    learning_rate, loss, metrics, batch_size, epochs); when given, the script
    gets ``compile_model()`` and ``train()`` and its main block compiles the
    model. ``model_name`` matches ``to_keras``'s default so both give the same
    config. Raises ``BuildError`` (with the node id) for a graph that cannot
    become a model.
    """
    catalog = catalog or default_catalog()
    order = checked_order(graph)
    writer = _ScriptWriter(graph, catalog)
    body = [line for node_id in order for line in writer.node_lines(graph.node(node_id))]
    body += writer.model_lines(model_name)
    settings = None if training is None else _training_settings(training)
    imports = "\n".join(f"import {module}" for module in writer.imports())
    header = [_docstring(project_name, settings is not None), imports]
    blocks = [_build_function(body)]
    if settings is not None:
        header.append(f"BATCH_SIZE = {int(settings['batch_size'])}\nEPOCHS = {int(settings['epochs'])}")
        blocks += [_compile_function(settings), _TRAIN_FUNCTION]
    blocks.append(_main_block(compiles=settings is not None))
    return "\n\n".join(header) + "\n\n\n" + "\n\n\n".join(blocks) + "\n"


def python_identifier(name: str, taken: set[str]) -> str:
    """A lowercase Python variable name for node ``name``, not in ``taken`` and no keyword or builtin.

    ``Conv-1.a`` -> ``conv_1_a``; ``input`` -> ``input_``; a second ``dense``
    -> ``dense_2``. The result is added to ``taken``.
    """
    stem = re.sub(r"\W+", "_", name).strip("_").lower() or "layer"
    if stem[0].isdigit():
        stem = f"layer_{stem}"
    if stem in _RESERVED:
        stem += "_"
    candidate, index = stem, 2
    while candidate in taken:
        candidate = f"{stem.rstrip('_')}_{index}"
        index += 1
    taken.add(candidate)
    return candidate


def node_variables(graph: Graph) -> dict[str, str]:
    """The script variable of every node, by node id (what ``graph_to_script`` names them)."""
    taken: set[str] = set()
    return {node.id: python_identifier(node.name, taken) for node in graph}


# ---------------------------------------------------------------- the script
class _ScriptWriter:
    """Writes the lines of ``build_model()`` node by node, remembering variable names."""

    def __init__(self, graph: Graph, catalog: Catalog) -> None:
        self.graph = graph
        self.catalog = catalog
        self.variables = node_variables(graph)
        self.taken = set(self.variables.values())
        self.modules: set[str] = {"keras"}

    def imports(self) -> list[str]:
        """The modules the script imports: keras first, then any plugin modules."""
        return ["keras"] + sorted(self.modules - {"keras"})

    def node_lines(self, node: Node) -> list[str]:
        """The statements that make ``node``'s tensor."""
        variable = self.variables[node.id]
        if node.type == "Input":
            return _lay(self._input_call(node), f"{INDENT}{variable} = ", "")
        try:
            spec = self.catalog.get(node.type)
        except KeyError as error:
            raise BuildError(f"{node.name}: {error}", node.id) from None
        edges = self.graph.incoming(node.id)
        if not edges:
            raise BuildError(f"{node.name!r} ({node.type}) has no input; connect a layer to it.", node.id)
        inputs = [self._reference(edge.source, edge.source_port) for edge in edges]
        module = spec.class_path.rpartition(".")[0]
        self.modules.add(module.split(".")[0] if module.startswith("keras") else module)
        if spec.category == "Pretrained":
            return self._application_lines(node, spec, variable, inputs)
        if spec.call == CALL_TEMPLATE:
            return _lay(_operation_call(node, inputs), f"{INDENT}{variable} = ", "")
        call = _Chain((self._layer_constructor(node, spec), _input_call(spec, inputs)))
        return _lay(call, f"{INDENT}{variable} = ", "")

    def model_lines(self, model_name: str) -> list[str]:
        """``model = keras.Model(...)`` and ``return model``."""
        inputs = [self.variables[n.id] for n in self.graph.inputs()]
        outputs = [self._reference(n.id, 0) for n in self.graph.outputs()]
        call = _Seq("keras.Model(", (
            ("inputs=", _one_or_list(inputs)),
            ("outputs=", _one_or_list(outputs)),
            ("name=", _quote(model_name)),
        ), ")")
        return _lay(call, f"{INDENT}model = ", "") + [f"{INDENT}return model"]

    def _reference(self, node_id: str, port: int) -> str:
        variable = self.variables[node_id]
        return f"{variable}[{port}]" if self._has_several_outputs(node_id) else variable

    def _has_several_outputs(self, node_id: str) -> bool:
        node = self.graph.node(node_id)
        if node.params.get("return_state"):  # recurrent layers then return [output, *states]
            return True
        return any(edge.source_port > 0 for edge in self.graph.outgoing(node_id))

    def _input_call(self, node: Node) -> _Seq:
        shape = node.params.get("shape")
        if shape is None:
            message = f"{node.name}: The Input has no shape; set 'shape', for example [8, 8, 1]."
            raise BuildError(message, node.id)
        items: list[tuple[str, Expr]] = [("shape=", _literal(list(shape), as_tuple=True))]
        for key in ("batch_size", "dtype"):
            if node.params.get(key) is not None:
                items.append((f"{key}=", _literal(node.params[key])))
        items.append(("name=", _quote(node.name)))
        return _Seq("keras.Input(", tuple(items), ")")

    def _layer_constructor(self, node: Node, spec: LayerSpec) -> Expr:
        config = _ordered_params(node, spec)
        config["name"] = node.name
        if _builds_from_kwargs(resolve(spec.class_path)) and all(map(_is_keyword_name, config)):
            return _Seq(f"{spec.class_path}(", tuple(
                (f"{key}=", _param_literal(spec, key, value)) for key, value in config.items()
            ), ")")
        return _Seq(f"{spec.class_path}.from_config(", (("", _literal(config, objects=False)),), ")")

    def _application_lines(self, node: Node, spec: LayerSpec, variable: str, inputs: list[str]) -> list[str]:
        params = _ordered_params(node, spec)
        weights = params.pop("weights", None)
        trainable = params.pop("trainable", True)
        items: list[tuple[str, Expr]] = [
            ("input_shape=", f"{inputs[0]}.shape[1:]"),
            ("weights=", _literal(None if weights in ("none", "") else weights)),
        ]
        items += [(f"{key}=", _param_literal(spec, key, value)) for key, value in params.items()]
        items.append(("name=", _quote(node.name)))
        backbone = python_identifier(f"{variable}_model", self.taken)
        lines = _lay(_Seq(f"{spec.class_path}(", tuple(items), ")"), f"{INDENT}{backbone} = ", "")
        if not trainable:
            lines.append(f"{INDENT}{backbone}.trainable = False")
        lines += _lay(_Chain((backbone, _input_call(spec, inputs))), f"{INDENT}{variable} = ", "")
        return lines


def _operation_call(node: Node, inputs: list[str]) -> _Chain:
    """An "Operation" node: its ``keras.src.ops`` class made from its config, called on its template."""
    params = node.params
    module, class_name = params.get("module"), params.get("class_name")
    try:
        cls = resolve_operation(module, class_name)
    except (ValueError, ImportError) as error:
        raise BuildError(f"{node.name}: {error}", node.id) from None
    config = {**(params.get("config") or {}), "name": node.name}
    if _builds_from_kwargs(cls) and all(map(_is_keyword_name, config)):
        constructor: Expr = _Seq(f"{module}.{class_name}(", tuple(
            (f"{key}=", _literal(value, objects=False)) for key, value in config.items()
        ), ")")
    else:
        from_config = f"{module}.{class_name}.from_config("
        constructor = _Seq(from_config, (("", _literal(config, objects=False)),), ")")
    items = [("", _template(value, inputs)) for value in params.get("args") or []]
    items += [(f"{key}=", _template(value, inputs)) for key, value in (params.get("kwargs") or {}).items()]
    return _Chain((constructor, _Seq("(", tuple(items), ")")))


def _template(value: Any, inputs: list[str]) -> Expr:
    """An operation argument: ``{"__input__": port}`` as that input's variable, the rest as literals."""
    if isinstance(value, Mapping) and set(value) == {TENSOR_PLACEHOLDER}:
        return inputs[int(value[TENSOR_PLACEHOLDER])]
    if isinstance(value, (list, tuple)):
        return _Seq("[", tuple(("", _template(v, inputs)) for v in value), "]")
    if isinstance(value, Mapping):
        return _Seq("{", tuple(
            (f"{_literal(k, objects=False)}: ", _template(v, inputs)) for k, v in value.items()
        ), "}")
    return _literal(value, objects=False)


def _ordered_params(node: Node, spec: LayerSpec) -> dict[str, Any]:
    """The node's params in the spec's (Keras signature) order, unknown ones last."""
    known = [p.name for p in spec.params if p.name in node.params]
    rest = [k for k in node.params if k not in known]
    return {key: node.params[key] for key in known + rest if key != "name"}


def _one_or_list(variables: list[str]) -> Expr:
    """One tensor as itself, several as a list: the way ``to_keras`` passes inputs and outputs."""
    return variables[0] if len(variables) == 1 else _Seq("[", tuple(("", v) for v in variables), "]")


def _input_call(spec: LayerSpec, inputs: list[str]) -> _Seq:
    if spec.call == CALL_LIST:
        return _Seq("(", (("", _Seq("[", tuple(("", i) for i in inputs), "]")),), ")")
    if spec.call == CALL_POSITIONAL:
        return _Seq("(", tuple(("", i) for i in inputs), ")")
    return _Seq("(", (("", inputs[0]),), ")")


def _param_literal(spec: LayerSpec, key: str, value: Any) -> Expr:
    param = spec.param(key)
    kind = param.kind if param is not None else None
    module = "keras.layers" if kind == LAYER else _MODULE_BY_SUFFIX.get(_suffix(key))
    return _literal(value, as_tuple=kind == TUPLE and _is_flat(value), module=module)


def _suffix(key: str) -> str:
    return "_" + key.rpartition("_")[2] if "_" in key else ""


def _is_flat(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(v is None or isinstance(v, int) for v in value)


def _builds_from_kwargs(cls: Any) -> bool:
    method = getattr(cls, "from_config", None)
    function = getattr(method, "__func__", None)
    return getattr(function, "__qualname__", None) in _KWARGS_FROM_CONFIG


def _is_keyword_name(key: Any) -> bool:
    return isinstance(key, str) and key.isidentifier() and not keyword.iskeyword(key)


def _docstring(project_name: str | None, compiles: bool) -> str:
    source = f'the project "{_docstring_safe(project_name)}"' if project_name else "a graph"
    what = ", compile it with the project's training settings" if compiles else ""
    usage = textwrap.fill(
        f"Run this file to build the model{what} and print its summary. "
        "Import it and call build_model() to use the model in your own code.",
        width=79,
    )
    return f'"""A Keras model generated by Netloom from {source}.\n\n{usage}\n"""'


def _docstring_safe(text: str) -> str:
    return " ".join(text.split()).replace("\\", "\\\\").replace('"', '\\"')


def _training_settings(training: Mapping[str, Any]) -> dict[str, Any]:
    """The project's training settings, with the defaults where a key is missing or None."""
    given = {key: value for key, value in training.items() if value is not None}
    return {**DEFAULT_TRAINING, **given}


def _main_block(compiles: bool) -> str:
    lines = ['if __name__ == "__main__":', f"{INDENT}model = build_model()"]
    if compiles:
        lines.append(f"{INDENT}compile_model(model)")
    lines.append(f"{INDENT}model.summary()")
    return "\n".join(lines)


def _build_function(body: list[str]) -> str:
    header = [
        "def build_model() -> keras.Model:",
        f'{INDENT}"""Build the model with the Keras functional API, one layer per Netloom node."""',
    ]
    return "\n".join(header + body)


def _compile_function(settings: Mapping[str, Any]) -> str:
    call = _Seq("model.compile(", (
        ("optimizer=", _optimizer(settings["optimizer"], settings["learning_rate"])),
        ("loss=", _literal(settings["loss"], module="keras.losses")),
        ("metrics=", _literal(list(settings["metrics"] or []))),
    ), ")")
    lines = [
        "def compile_model(model: keras.Model) -> keras.Model:",
        f'{INDENT}"""Compile ``model`` with the project\'s optimizer, loss and metrics."""',
        *_lay(call, INDENT, ""),
        f"{INDENT}return model",
    ]
    return "\n".join(lines)


def _optimizer(name: Any, learning_rate: Any) -> Expr:
    rate = _literal(float(learning_rate))
    if isinstance(name, str) and name.lower() in _OPTIMIZERS:
        return _Seq(f"keras.optimizers.{_OPTIMIZERS[name.lower()]}(", (("learning_rate=", rate),), ")")
    config = {"class_name": name, "config": {"learning_rate": float(learning_rate)}}
    return _Seq("keras.optimizers.get(", (("", _literal(config, objects=False)),), ")")


_TRAIN_FUNCTION = '''def train(model: keras.Model, x, y, validation_data=None) -> keras.callbacks.History:
    """Fit a compiled ``model`` on ``x`` and ``y`` with the project's batch size and epochs."""
    return model.fit(x, y, batch_size=BATCH_SIZE, epochs=EPOCHS, validation_data=validation_data)'''


# ---------------------------------------------------------------- literals
def _literal(value: Any, *, as_tuple: bool = False, objects: bool = True, module: str | None = None) -> Expr:
    """``value`` as a Python expression; with ``objects``, nested Keras configs become constructors."""
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f'float("{value}")'
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, (list, tuple)):
        items = tuple(("", _literal(v, objects=objects, module=module)) for v in value)
        return _Seq("(", items, ")", one_tuple=True) if as_tuple else _Seq("[", items, "]")
    if isinstance(value, Mapping):
        if objects and "class_name" in value:
            return _keras_object(value, module)
        return _Seq("{", tuple(
            (f"{_literal(k, objects=False)}: ", _literal(v, objects=objects)) for k, v in value.items()
        ), "}")
    return repr(value)


def _keras_object(config: Mapping[str, Any], module_hint: str | None) -> Expr:
    """A serialized Keras object as its constructor call, or as a deserialize call."""
    module = config.get("module") or module_hint or ""
    class_name = config.get("class_name")
    inner = config.get("config", {})
    public = module.startswith("keras") and ".src" not in module and isinstance(class_name, str)
    if public and isinstance(inner, Mapping) and all(map(_is_keyword_name, inner)):
        try:
            cls = resolve(f"{module}.{class_name}")
        except (ImportError, AttributeError):
            cls = None
        if cls is not None and _builds_from_kwargs(cls):
            return _Seq(f"{module}.{class_name}(", tuple(
                (f"{key}=", _literal(value, module=_MODULE_BY_SUFFIX.get(_suffix(key))))
                for key, value in inner.items()
            ), ")")
    getter = _GETTERS.get(module, "keras.saving.deserialize_keras_object")
    return _Seq(f"{getter}(", (("", _literal(config, objects=False)),), ")")


def _quote(text: str) -> str:
    """A double-quoted Python string literal (the style ruff format uses)."""
    quoted = repr(text)
    if quoted.startswith("'") and '"' not in text:
        quoted = f'"{quoted[1:-1]}"'
    return quoted


# ---------------------------------------------------------------- layout
@dataclass(frozen=True)
class _Seq:
    """A bracketed, comma-separated sequence: a call's arguments, a list, a tuple or a dict."""

    opening: str
    items: tuple[tuple[str, Expr], ...]  # (prefix such as "units=" or '"key": ', value)
    closing: str
    one_tuple: bool = False  # a tuple: one item needs a trailing comma


@dataclass(frozen=True)
class _Chain:
    """Expressions written one after another: ``keras.layers.Dense(...)(x)``."""

    parts: tuple[Expr, ...]


Expr = str | _Seq | _Chain


def _flat(expr: Expr) -> str:
    if isinstance(expr, str):
        return expr
    if isinstance(expr, _Chain):
        return "".join(_flat(part) for part in expr.parts)
    inner = ", ".join(prefix + _flat(value) for prefix, value in expr.items)
    comma = "," if expr.one_tuple and len(expr.items) == 1 else ""
    return f"{expr.opening}{inner}{comma}{expr.closing}"


def _lay(expr: Expr, head: str, tail: str, width: int = LINE_WIDTH, force: bool = False) -> list[str]:
    """Lines for ``head + expr + tail``, breaking brackets one item per line where too long.

    ``force`` breaks ``expr``'s own brackets even when it would fit on one line.
    """
    text = head + _flat(expr) + tail
    if (len(text) <= width and not force) or isinstance(expr, str):
        return [text]
    if isinstance(expr, _Chain):
        # Break the longer of a layer's arguments and its inputs; the other stays on one line.
        first, rest = expr.parts[0], expr.parts[1:]
        rest_text = "".join(_flat(part) for part in rest)
        lines = _lay(first, head, "", width, force=len(_flat(first)) > len(rest_text))
        if not rest:
            lines[-1] += tail
            return lines
        remainder: Expr = rest[0] if len(rest) == 1 else _Chain(rest)
        return lines[:-1] + _lay(remainder, lines[-1], tail, width)
    if not expr.items:
        return [text]
    indent = head[: len(head) - len(head.lstrip())]
    lines = [head + expr.opening]
    for prefix, value in expr.items:
        lines += _lay(value, indent + INDENT + prefix, ",", width)
    lines.append(indent + expr.closing + tail)
    return lines

