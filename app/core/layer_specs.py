"""The built-in layer catalog: Input, curated layers, derived layers, backbones.

``build_catalog()`` registers, in palette order:

1. ``Input`` (a ``keras.Input``, not a layer);
2. the hand-curated specs of ``app.core.layer_specs_curated``;
3. a spec derived from Keras's signatures (``app.core.layer_specs_derived``)
   for every other public class of ``keras.layers``, except those in
   ``EXCLUDED``, which says why each cannot stand in a Netloom graph;
4. the layer classes that ``keras.applications`` models use from outside
   ``keras.layers`` (``APPLICATION_LAYER_SPECS``), so those models import;
5. every pretrained backbone of ``keras.applications``.

A layer's type is its class name (what Keras writes as ``class_name`` in a
saved model); other public names of the same class, such as ``MaxPool2D``,
are kept in its tags as ``alias:MaxPool2D``.
"""

from __future__ import annotations

from typing import Any

from app.core.catalog import (
    ANY,
    CALL_NONE,
    CALL_TEMPLATE,
    CHOICE,
    INT,
    STRING,
    TUPLE,
    Catalog,
    LayerSpec,
    ParamSpec,
)
from app.core.layer_specs_applications import APPLICATION_LAYER_SPECS, application_specs
from app.core.layer_specs_curated import curated_specs
from app.core.layer_specs_derived import derive_spec, with_tags

EXCLUDED: dict[str, str] = {
    "Lambda": "Runs arbitrary Python code, which cannot be saved as data or loaded safely.",
    "Layer": "The abstract base class of all layers; it computes nothing itself.",
    "InputLayer": "Made by the Input node, which Netloom offers instead.",
    "InputSpec": "Not a layer: it describes what a layer accepts.",
    "Wrapper": "The abstract base class of Bidirectional and TimeDistributed.",
    "RNN": "Needs a cell object; LSTM, GRU and SimpleRNN cover its uses.",
    "SimpleRNNCell": "A single step for RNN, not a layer of a model.",
    "LSTMCell": "A single step for RNN, not a layer of a model.",
    "GRUCell": "A single step for RNN, not a layer of a model.",
    "StackedRNNCells": "Combines cells for RNN, not a layer of a model.",
    "TFSMLayer": "Loads a TensorFlow SavedModel from disk for inference; not a layer to design with.",
    "JaxLayer": "Wraps JAX functions, which are code, not data.",
    "FlaxLayer": "Wraps a Flax module, which is code, not data.",
    "TorchModuleWrapper": "Wraps a PyTorch module, which is code, not data.",
    "Pipeline": "A sequence of preprocessing layers for tf.data; a graph chains layers itself.",
    "StringLookup": "Works on string tensors, which Netloom inputs do not carry, and needs a vocabulary.",
    "TextVectorization": "Works on string tensors, which Netloom inputs do not carry, and needs adapt().",
    "Equalization": "Keras 3.15 returns the input tensor itself as its symbolic output, so a functional "
                    "model built with it sees a cycle.",
    "RandomCrop": "Keras 3.15 returns the image uncropped at inference, unlike its declared output shape, "
                  "so the layers after it fail in evaluate() and predict(); use CenterCrop or Resizing.",
    "MaxNumBoundingBoxes": "Only trims bounding boxes; a graph carries images, on which it does nothing.",
    "CutMix": "Mixes the labels along with the images; inside a model it sees no labels, "
              "so images and labels would disagree.",
    "MixUp": "Mixes the labels along with the images; inside a model it sees no labels, "
             "so images and labels would disagree.",
}

INPUT_DTYPES = ("float32", "float16", "bfloat16", "float64", "int32", "int64", "uint8", "bool")

INPUT_SPEC = LayerSpec(
    "Input", "keras.Input", "Input", "Where data enters the model: the shape of one sample.",
    params=(
        ParamSpec("shape", TUPLE, [8, 8, 1], "Shape of one sample, without the batch axis.",
                  minimum=1, required=True, key=True),
        ParamSpec("dtype", CHOICE, "float32", "Type of the values: float for images and tables, "
                  "int for token ids.", choices=INPUT_DTYPES),
        ParamSpec("batch_size", INT, None, "Fixed batch size; none means any.", minimum=1, optional=True),
    ),
    inputs=(), call=CALL_NONE, example_input=(), curated=True,
)


OPERATION_SPEC = LayerSpec(
    "Operation", "keras.src.ops.operation.Operation", "Other",
    "A Keras operation (keras.ops) on tensors and constants, such as x + 3.0 in an imported model.",
    params=(
        ParamSpec("module", STRING, "keras.src.ops.numpy", "Module of the operation class; only "
                  "keras.src.ops modules are allowed.", required=True),
        ParamSpec("class_name", STRING, "Add", "The operation class, such as Add or Multiply.",
                  required=True, key=True),
        ParamSpec("config", ANY, {}, "The operation's Keras config, without its name.", required=True),
        ParamSpec("args", ANY, [{"__input__": 0}, 1.0], "The call's arguments: constants, and "
                  '{"__input__": port} for each input tensor.', required=True),
        ParamSpec("kwargs", ANY, {}, "The call's keyword arguments, written like 'args'.", required=True),
    ),
    call=CALL_TEMPLATE, example_input=((8, 8, 3),),
)


def _dense_entry(name: str, history: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "module": "keras.layers", "class_name": "Dense", "config": {"units": 8, "name": name},
        "registered_name": None,
    }
    if history is not None:
        tensor = {"class_name": "__keras_tensor__",
                  "config": {"shape": [None, 8], "dtype": "float32", "keras_history": [history, 0, 0]}}
        entry |= {"name": name, "inbound_nodes": [{"args": [tensor], "kwargs": {}}]}
    return entry


_INNER_INPUT = {
    "module": "keras.layers", "class_name": "InputLayer", "name": "inner_input", "inbound_nodes": [],
    "config": {"batch_shape": [None, 8], "dtype": "float32", "name": "inner_input"}, "registered_name": None,
}

# A model used as one layer, as imported models (ConvNeXt's stem, say) contain. Its params are
# the nested model's own Keras config; the importer checks every class in it before it is used.
NESTED_MODEL_SPECS = (
    LayerSpec(
        "Sequential", "keras.Sequential", "Other",
        "A whole Sequential model used as one layer (kept as in an imported model).",
        params=(ParamSpec("layers", ANY, [_dense_entry("inner_dense")], "The nested model's layers, as "
                          "Keras configs.", required=True),),
        example_input=((8,),),
    ),
    LayerSpec(
        "Functional", "keras.Model", "Other",
        "A whole functional model used as one layer (kept as in an imported model).",
        params=(
            ParamSpec("layers", ANY, [_INNER_INPUT, _dense_entry("inner_dense", "inner_input")],
                      "The nested model's layers, as Keras configs.", required=True),
            ParamSpec("input_layers", ANY, ["inner_input", 0, 0], "Its input(s).", required=True),
            ParamSpec("output_layers", ANY, ["inner_dense", 0, 0], "Its output(s).", required=True),
        ),
        example_input=((8,),),
    ),
)


def build_catalog() -> Catalog:
    """Every built-in node type (imports keras)."""
    return Catalog(builtin_specs())


def builtin_specs() -> list[LayerSpec]:
    """The spec of every built-in node type, in palette order (imports keras).

    ``app.plugins.builtin`` registers these through the plugin API.
    """
    classes = public_layer_classes()
    specs = [INPUT_SPEC]
    specs += [with_tags(spec, _alias_tags(spec.type, classes)) for spec in curated_specs()]
    taken = {spec.type for spec in specs}
    for type_ in sorted(classes):
        if type_ in taken or type_ in EXCLUDED:
            continue
        public_names = classes[type_][1]
        spec = derive_spec(classes[type_][0], f"keras.layers.{public_names[0]}")
        specs.append(with_tags(spec, _alias_tags(type_, classes)))
    specs += APPLICATION_LAYER_SPECS
    specs.append(OPERATION_SPEC)
    specs += NESTED_MODEL_SPECS
    specs += application_specs()
    return specs


def public_layer_classes() -> dict[str, tuple[type, list[str]]]:
    """Each public ``keras.layers`` layer class by class name, with the names it is exported as.

    The class's own name comes first among its public names when Keras
    exports it under that name.
    """
    import keras

    classes: dict[str, tuple[type, list[str]]] = {}
    for name in sorted(dir(keras.layers)):
        value: Any = getattr(keras.layers, name)
        if name.startswith("_") or not isinstance(value, type) or not issubclass(value, keras.layers.Layer):
            continue
        _, names = classes.setdefault(value.__name__, (value, []))
        names.insert(0 if name == value.__name__ else len(names), name)
    return classes


def _alias_tags(type_: str, classes: dict[str, tuple[type, list[str]]]) -> tuple[str, ...]:
    names = classes[type_][1] if type_ in classes else []
    return tuple(f"alias:{name}" for name in names if name != type_)
