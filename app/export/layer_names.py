"""Naming the layer behind a converter's complaint.

Converters speak of operations (``functional_1/weird_layer_1/Lgamma``), not
layers. The layer is the path component that matches a layer of the model,
allowing for the ``_1`` TensorFlow appends to a name scope it reuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_SCOPE_SUFFIX = re.compile(r"_\d+$")


def all_layers(model: Any) -> list[Any]:
    """Every layer of ``model``, nested models' layers included, outer ones first."""
    found: list[Any] = []
    pending = list(getattr(model, "layers", []))
    while pending:
        layer = pending.pop(0)
        found.append(layer)
        pending.extend(getattr(layer, "layers", []))
    return found


def layer_of_operation(operation: str, model: Any) -> Any | None:
    """The innermost layer of ``model`` that the operation name ``a/b/Op`` lies in, or None."""
    by_name = {layer.name: layer for layer in all_layers(model)}
    found = None
    for part in operation.replace(":", "/").split("/"):
        for candidate in (part, _SCOPE_SUFFIX.sub("", part)):
            if candidate in by_name:
                found = by_name[candidate]
                break
    return found


def describe_layers(operations: Iterable[str], model: Any) -> str:
    """``layer 'weird' (Weird)`` for each distinct layer behind ``operations``; the op names when none."""
    names: list[str] = []
    for operation in operations:
        layer = layer_of_operation(operation, model)
        text = f"layer {layer.name!r} ({type(layer).__name__})" if layer is not None else f"op {operation!r}"
        if text not in names:
            names.append(text)
    return ", ".join(names)


def layers_in_message(message: str, model: Any) -> list[Any]:
    """The layers of ``model`` whose names appear as path components (or quoted) in ``message``."""
    parts = set(re.split(r"[/'\"\s:\[\]\(\),]+", message))
    parts |= {_SCOPE_SUFFIX.sub("", part) for part in parts}
    return [layer for layer in all_layers(model) if layer.name in parts]


def culprits(message: str, model: Any) -> str:
    """``" (layer 'x' (Weird))"``: the layers a loader's message names; '' when none.

    A class named in quotes (``Could not locate class 'Weird'``) is the
    strongest sign, so layers of such classes are named alone; otherwise
    the layers whose names appear in the message.
    """
    quoted = set(re.findall(r"['\"`](\w+)['\"`]", message))
    found = [layer for layer in all_layers(model) if type(layer).__name__ in quoted]
    found = found or layers_in_message(message, model)
    names = [f"layer {layer.name!r} ({type(layer).__name__})" for layer in found]
    return f" ({', '.join(dict.fromkeys(names))})" if names else ""


def key_sentence(message: str, limit: int = 400) -> str:
    """The telling part of a long loader message: the sentence after ``Exception encountered:``."""
    tail = message.rsplit("Exception encountered:", 1)[-1].strip()
    sentence = re.split(r"(?<=\.)\s", tail, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[:limit] + "…"
