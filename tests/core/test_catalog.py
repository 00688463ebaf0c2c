"""The layer catalog: complete, consistent with Keras, and every layer builds."""

from __future__ import annotations

import inspect
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pytest

from app.core.catalog import (
    CALL_NONE,
    CALL_TEMPLATE,
    CATEGORIES,
    LAYER,
    REGULARIZER,
    TAG_INTEGER_INPUT,
    TUPLE,
    ParamSpec,
)
from app.core.graph import Node
from app.core.layer_factory import call_layer, make_input, make_layer, resolve
from app.core.layer_specs import EXCLUDED, INPUT_SPEC, build_catalog, public_layer_classes

EXPECTED_EXCLUDED = {
    "Lambda", "Layer", "InputLayer", "InputSpec", "Wrapper", "RNN", "SimpleRNNCell", "LSTMCell", "GRUCell",
    "StackedRNNCells", "TFSMLayer", "JaxLayer", "FlaxLayer", "TorchModuleWrapper", "Pipeline",
    "StringLookup", "TextVectorization", "Equalization", "RandomCrop", "MaxNumBoundingBoxes",
    "CutMix", "MixUp",
}

CURATED = {
    "Dense", "Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose", "SeparableConv2D", "DepthwiseConv2D",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalMaxPooling2D", "Flatten", "Dropout", "SpatialDropout2D", "BatchNormalization",
    "LayerNormalization", "Activation", "ReLU", "LeakyReLU", "Softmax", "Embedding", "SimpleRNN", "LSTM",
    "GRU", "Bidirectional", "TimeDistributed", "Add", "Concatenate", "Multiply", "Average", "Subtract",
    "Reshape", "Permute", "RepeatVector", "UpSampling2D", "ZeroPadding2D", "Cropping2D",
    "MultiHeadAttention", "Attention", "Rescaling", "RandomFlip", "RandomRotation", "RandomZoom",
    "RandomTranslation", "RandomContrast", "GaussianNoise",
}

# Required params whose starting value deliberately differs from Keras's
# default, because the layer is useless with that default.
STARTING_VALUES_NOT_KERAS_DEFAULTS = {
    ("Discretization", "bin_boundaries"), ("IntegerLookup", "vocabulary"), ("CategoryEncoding", "num_tokens"),
}

CATALOG = build_catalog()
LAYER_SPECS = [s for s in CATALOG.specs() if s.call != CALL_NONE and s.category != "Pretrained"]
PRETRAINED_SPECS = [s for s in CATALOG.specs() if s.category == "Pretrained"]


def as_json(value: Any) -> Any:
    """Tuples as lists, as a default looks after a trip through JSON."""
    if isinstance(value, (tuple, list)):
        return [as_json(item) for item in value]
    return value


def keras_defaults(class_path: str) -> dict[str, Any]:
    """Constructor (or application function) params of a Keras class: name -> default or empty."""
    target = resolve(class_path)
    function = target.__init__ if inspect.isclass(target) else target
    return {name: p.default for name, p in inspect.signature(function).parameters.items()}


def test_the_exclusions_are_exactly_the_expected_ones() -> None:
    assert set(EXCLUDED) == EXPECTED_EXCLUDED
    assert all(reason.strip() for reason in EXCLUDED.values())
    for name in EXCLUDED:
        assert hasattr(keras.layers, name), f"{name} is no longer in keras.layers; drop it from EXCLUDED"
        assert name not in CATALOG


def test_every_public_keras_layer_is_in_the_catalog_or_excluded() -> None:
    for type_, (cls, public_names) in public_layer_classes().items():
        if type_ in EXCLUDED:
            continue
        assert type_ in CATALOG, f"keras.layers.{public_names[0]} is neither in the catalog nor in EXCLUDED"
        assert resolve(CATALOG.get(type_).class_path) is cls


def test_the_course_layers_are_curated() -> None:
    assert {s.type for s in CATALOG.specs() if s.curated} == CURATED | {"Input"}


def test_aliases_are_tags_of_the_class_name() -> None:
    assert "alias:MaxPool2D" in CATALOG.get("MaxPooling2D").tags
    assert CATALOG.get("GroupedQueryAttention").class_path == "keras.layers.GroupQueryAttention"


def test_every_spec_is_consistent() -> None:
    for spec in CATALOG.specs():
        assert spec.category in CATEGORIES
        assert spec.doc and "\n" not in spec.doc, spec.type
        assert len({p.name for p in spec.params}) == len(spec.params), spec.type
        if spec.call != CALL_NONE:
            assert len(spec.example_input) == len([p for p in spec.inputs if not p.optional]), spec.type


@pytest.mark.parametrize("spec", CATALOG.specs(), ids=lambda s: s.type)
def test_every_default_passes_its_check(spec) -> None:
    for param in spec.params:
        assert param.check(param.default) is None, f"{spec.type}.{param.name}={param.default!r}"


# An Operation's params describe the operation to make (class, config, call), and a nested model's
# are the model's own config: neither is a constructor's arguments.
CONFIG_PARAMS = {"Sequential", "Functional"}


CONSTRUCTED = [
    s for s in CATALOG.specs() if s.call not in (CALL_NONE, CALL_TEMPLATE) and s.type not in CONFIG_PARAMS
]


@pytest.mark.parametrize("spec", CONSTRUCTED, ids=lambda s: s.type)
def test_defaults_equal_keras_defaults(spec) -> None:
    keras_params = keras_defaults(spec.class_path)
    for param in spec.params:
        if spec.category == "Pretrained" and param.name in ("weights", "include_top", "trainable"):
            continue  # Netloom's own choices: no download, no classifier head; trainable is not an argument
        if param.name == "activity_regularizer" and param.name not in keras_params:
            continue  # a base Layer argument, passed through **kwargs
        assert param.name in keras_params, f"{spec.type} has no argument {param.name!r}"
        keras_default = keras_params[param.name]
        if keras_default is inspect.Parameter.empty:
            assert param.required, f"{spec.type}.{param.name} has no Keras default: it must be required"
        elif (spec.type, param.name) not in STARTING_VALUES_NOT_KERAS_DEFAULTS:
            assert param.default == as_json(keras_default), f"{spec.type}.{param.name}"


def example_batch(shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Two samples of ``shape``: small ids for integer inputs, else values in [0, 1)."""
    generator = np.random.default_rng(0)
    if dtype == "int32":
        return generator.integers(0, 3, (2, *shape)).astype(dtype)
    return generator.random((2, *shape)).astype(dtype)


@pytest.mark.parametrize("spec", LAYER_SPECS, ids=lambda s: s.type)
def test_every_layer_builds_from_its_initial_params(spec) -> None:
    node = Node(id="n1", type=spec.type, name="x", params=spec.initial_params())
    dtype = "int32" if TAG_INTEGER_INPUT in spec.tags else "float32"
    inputs = [keras.Input(shape, dtype=dtype) for shape in spec.example_input]
    layer = make_layer(node, spec, [(None, *shape) for shape in spec.example_input])
    output = call_layer(layer, spec, inputs)
    assert all(dim is None or dim > 0 for dim in output.shape)
    model = keras.Model(inputs, output)
    batch = [example_batch(shape, dtype) for shape in spec.example_input]
    for training in (True, False):
        result = model(batch, training=training)
        assert tuple(result.shape) == (2, *output.shape[1:]), f"training={training}"
    config = layer.get_config()
    stored = [p.name for p in spec.params if p.name != "activity_regularizer"]
    assert set(stored) <= set(config), f"not in {spec.type}'s config: {set(stored) - set(config)}"


def test_the_input_spec_makes_a_keras_input() -> None:
    node = Node(id="n1", type="Input", name="pixels", params=INPUT_SPEC.initial_params())
    tensor = make_input(node)
    assert tuple(tensor.shape) == (None, 8, 8, 1)
    assert tensor.dtype == "float32"


def test_pretrained_backbones_never_download() -> None:
    functions = {n for n in dir(keras.applications) if n[:1].isupper() and inspect.isfunction(
        getattr(keras.applications, n))}
    assert {s.type for s in PRETRAINED_SPECS} == functions
    for spec in PRETRAINED_SPECS:
        assert spec.class_path == f"keras.applications.{spec.type}"
        assert spec.param("weights").default is None
        assert spec.initial_params()["include_top"] is False
        assert spec.param("pooling").choices == ("avg", "max")


@pytest.mark.slow
@pytest.mark.parametrize("type_", ["MobileNetV2", "NASNetMobile", "EfficientNetB0"])
def test_small_pretrained_backbones_build(type_: str) -> None:
    spec = CATALOG.get(type_)
    node = Node(id="n1", type=type_, name="backbone", params={**spec.initial_params(), "pooling": "avg"})
    shape = spec.example_input[0]
    model = make_layer(node, spec, [(None, *shape)])
    output = call_layer(model, spec, [keras.Input(shape)])
    assert len(output.shape) == 2 and output.shape[-1] > 0
    keras.backend.clear_session()


def test_initial_params_are_fresh_copies() -> None:
    spec = CATALOG.get("Bidirectional")
    spec.initial_params()["layer"]["config"]["units"] = 999
    assert spec.initial_params()["layer"]["config"]["units"] == 32


def test_checks_accept_what_keras_accepts() -> None:
    regularizer = ParamSpec("kernel_regularizer", REGULARIZER, None, optional=True)
    for name in ("l1", "l2", "l1l2", "L1L2", "orthogonal_regularizer", "OrthogonalRegularizer"):
        assert regularizer.check(name) is None, name
        keras.regularizers.get(name)
    assert regularizer.check("l1_l2") is not None
    assert CATALOG.get("Dense").param("kernel_initializer").check("HeNormal") is None
    assert CATALOG.get("Dense").param("kernel_constraint").check("max_norm") is None
    cropping = ParamSpec("cropping", TUPLE, [[0, 0], [0, 0]], length=2, minimum=0)
    assert cropping.check([[1, 2], [3, 4]]) is None
    assert cropping.check([[1, -2], [3, 4]]) is not None
    nested = ParamSpec("layer", LAYER, required=True)
    assert nested.check({"class_name": "LSTM", "config": {"units": 4}}) is None
    assert nested.check("LSTM") is not None


def test_build_catalog_is_fast() -> None:
    start = time.perf_counter()
    build_catalog()
    assert time.perf_counter() - start < 1.0


def test_catalog_modules_do_not_import_keras_when_imported() -> None:
    code = ("import sys, app.core.layer_specs, app.core.catalog; "
            "sys.exit('keras' in sys.modules or 'tensorflow' in sys.modules)")
    root = Path(__file__).resolve().parents[2]
    assert subprocess.run([sys.executable, "-c", code], cwd=root, check=False).returncode == 0
