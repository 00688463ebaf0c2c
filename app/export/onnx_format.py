"""ONNX through tf2onnx, checked with onnxruntime.

The model is traced in inference mode with a free batch axis (and free
image sides when a resize is baked in) and converted at the chosen opset.
tf2onnx leaves an operation it cannot express in the graph as it was and
only logs it; such a node (one ONNX does not define at the opset) is turned
here into an error that names the layer it belongs to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.export.job import MIN_OPSET, ExportJob, Verified
from app.export.layer_names import describe_layers
from app.export.probe import max_abs_diff
from app.export.results import ExportError
from app.export.tensorflow_formats import input_signature, serving_function

ONNX_DOMAINS = ("", "ai.onnx", "ai.onnx.ml", "com.microsoft")


def max_opset() -> int:
    """The newest opset this tf2onnx converts to."""
    from tf2onnx import constants

    return max(constants.OPSET_TO_IR_VERSION)


def check_opset(opset: int) -> None:
    """Refuse an opset tf2onnx cannot write, naming the range it can."""
    top = max_opset()
    if not MIN_OPSET <= int(opset) <= top:
        raise ExportError(f"ONNX opset: expected {MIN_OPSET} to {top}; received {opset}")


def export_onnx(job: ExportJob, path: Path) -> Verified:
    """Convert to ONNX at ``job.opset``, run the file with onnxruntime and check it."""
    import onnxruntime

    check_opset(job.opset)
    signature = input_signature(job.model)
    proto = convert(job.model, job.opset)
    foreign = [node.name for node in proto.graph.node if not _expressible(node, job.opset)]
    if foreign:
        raise ExportError(
            f"ONNX opset {job.opset} cannot express {describe_layers(foreign, job.model)}: "
            f"no conversion for {', '.join(sorted({_op_type(proto, name) for name in foreign}))}"
        )
    path.write_bytes(proto.SerializeToString())
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {spec.name: array for spec, array in zip(signature, job.probe.raw_inputs, strict=True)}
    received = session.run([f"output_{i}" for i in range(len(job.expected))], feeds)
    return Verified(max_abs_diff(job.expected, received), f"opset {job.opset}, free batch size")


def convert(model: Any, opset: int) -> Any:
    """The ``onnx.ModelProto`` of ``model``: inputs named as the model's, outputs ``output_0``, ...

    The serving function is frozen first, so that constants it captures
    (the statistics of a baked-in ``Normalization``) become constants of the
    ONNX graph rather than extra inputs, as ``tf2onnx.convert.from_function`` makes them.
    """
    import tf2onnx
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    function = serving_function(model).get_concrete_function()
    # As tf2onnx freezes: keep loops as loops (an LSTM becomes an ONNX Loop or LSTM, not a graph of ops).
    frozen = convert_variables_to_constants_v2(function, lower_control_flow=False, aggressive_inlining=True)
    inputs = [tensor.name for tensor in frozen.inputs]
    outputs = [tensor.name for tensor in frozen.outputs]
    names = {name: name.split(":")[0] for name in inputs}
    names.update({name: f"output_{index}" for index, name in enumerate(outputs)})
    with _quiet_tf2onnx():
        proto, _ = tf2onnx.convert.from_graph_def(
            frozen.graph.as_graph_def(), input_names=inputs, output_names=outputs, opset=int(opset),
            tensors_to_rename=names,
        )
    return proto


def _expressible(node: Any, opset: int) -> bool:
    """True when ONNX defines the node's operation at ``opset`` (tf2onnx leaves others as they were)."""
    import onnx

    if node.domain not in ONNX_DOMAINS:
        return False
    if node.domain not in ("", "ai.onnx"):
        return True  # the runtime's own contrib operations: onnxruntime checks them when it loads
    try:
        onnx.defs.get_schema(node.op_type, int(opset), "")
    except onnx.defs.SchemaError:
        return False
    return True


def _op_type(proto: Any, name: str) -> str:
    return next(node.op_type for node in proto.graph.node if node.name == name)


@contextmanager
def _quiet_tf2onnx() -> Iterator[None]:
    """Silence tf2onnx's and TensorFlow's log for the conversion (what matters in it is checked here)."""
    loggers = [logging.getLogger(name) for name in ("tf2onnx", "tensorflow")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
