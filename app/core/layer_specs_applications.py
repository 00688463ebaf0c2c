"""Specs of the pretrained backbones in ``keras.applications``, and of the layers they use.

A backbone node is called like a layer but made by the application function
(``app.core.layer_factory`` passes the node's params and the input shape).
Netloom never downloads: ``weights`` is None (random start) or the path of
a local weights file, never "imagenet". ``include_top`` starts at False,
unlike Keras, so every node stores it.

A few applications use a layer class of their own, outside ``keras.layers``;
``APPLICATION_LAYER_SPECS`` holds those, so an imported application model
keeps them as nodes. Keras finds such a class again from the ``module`` of
its saved config, so models with them save to ``.keras`` and load back.

keras is imported inside the functions only.
"""

from __future__ import annotations

import inspect
from typing import Any

from app.core.catalog import BOOL, CALL_LIST, CHOICE, FLOAT, INT, STRING, LayerSpec, ParamSpec, PortSpec
from app.core.layer_specs_derived import first_sentence, param_with_default

# Smallest image side each backbone accepts with weights=None and
# include_top=False (checked with Keras 3.15); the rest accept 32.
MIN_IMAGE_SIZE = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}
DEFAULT_IMAGE_SIZE = 96
SMALLEST_IMAGE_SIZE = 32

# Arguments the factory sets itself, or that cannot be JSON.
HANDLED_ARGUMENTS = frozenset({"weights", "include_top", "pooling", "input_tensor", "input_shape", "name"})

COMMON_PARAMS = (
    ParamSpec("weights", STRING, None, "None starts from random weights; or the path of a local .h5 "
              "weights file (Netloom never downloads 'imagenet').", optional=True),
    ParamSpec("include_top", BOOL, False, "Keep the original classifier head; usually off, to add your own.",
              required=True, key=True),
    ParamSpec("pooling", CHOICE, None, "Pool the last feature map: 'avg', 'max', or none to keep it.",
              choices=("avg", "max"), optional=True, key=True),
    ParamSpec("trainable", BOOL, True, "Train the backbone's weights too; off freezes them.", key=True),
)

APPLICATION_LAYER_SPECS = (
    LayerSpec(
        "CustomScaleLayer", "keras.src.applications.inception_resnet_v2.CustomScaleLayer", "Other",
        "Adds a scaled residual to its first input: inputs[0] + inputs[1] * scale (from InceptionResNetV2).",
        (ParamSpec("scale", FLOAT, 1.0, "Factor the residual (second input) is multiplied by.",
                   required=True, key=True),),
        inputs=(PortSpec("input"), PortSpec("residual")), call=CALL_LIST, min_inputs=2,
        example_input=((8, 8, 16), (8, 8, 16)),
    ),
    LayerSpec(
        "LayerScale", "keras.src.applications.convnext.LayerScale", "Other",
        "Multiplies each channel by a learned factor (from ConvNeXt).",
        (
            ParamSpec("init_values", FLOAT, 1e-6, "Starting value of every factor.", required=True, key=True),
            ParamSpec("projection_dim", INT, 16, "Number of channels; must equal the input's last axis.",
                      required=True, minimum=1),
        ),
        example_input=((8, 8, 16),),
    ),
)


def application_specs() -> list[LayerSpec]:
    """One spec per application function in ``keras.applications``, by name."""
    import keras

    specs = []
    for name in sorted(dir(keras.applications)):
        builder = getattr(keras.applications, name)
        if name[:1].isupper() and inspect.isfunction(builder) and _is_backbone(builder):
            specs.append(application_spec(name, builder))
    return specs


def application_spec(name: str, builder: Any) -> LayerSpec:
    """The spec of the application function ``keras.applications.<name>``."""
    minimum = MIN_IMAGE_SIZE.get(name, SMALLEST_IMAGE_SIZE)
    size = minimum if name in MIN_IMAGE_SIZE else DEFAULT_IMAGE_SIZE
    doc = f"{first_sentence(builder.__doc__)} Needs images of at least {minimum}x{minimum} pixels."
    extras = tuple(
        param_with_default(argument, parameter.default)
        for argument, parameter in inspect.signature(builder).parameters.items()
        if argument not in HANDLED_ARGUMENTS and parameter.default is not inspect.Parameter.empty
    )
    return LayerSpec(name, f"keras.applications.{name}", "Pretrained", doc, COMMON_PARAMS + extras,
                     example_input=((size, size, 3),))


def _is_backbone(builder: Any) -> bool:
    parameters = inspect.signature(builder).parameters
    return {"include_top", "weights", "input_shape"} <= set(parameters)
