"""ONNX through tf2onnx, checked with onnxruntime.

The model is traced in inference mode with a free batch axis (and free
image sides when a resize is baked in) and converted at the chosen opset.
tf2onnx leaves an operation it cannot express in the graph, under
TensorFlow's domain, and only logs it; such a node is turned here into an
error that names the layer it belongs to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.export.job import ExportJob, Verified
from app.export.layer_names import describe_layers
from app.export.probe import max_abs_diff
from app.export.results import ExportError
from app.export.tensorflow_formats import input_signature, serving_function

MIN_OPSET = 9
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
    import tf2onnx

    check_opset(job.opset)
    signature = input_signature(job.model)
    with _quiet_tf2onnx():
        proto, _ = tf2onnx.convert.from_function(
            serving_function(job.model), input_signature=signature, opset=int(job.opset)
        )
    foreign = [node.name for node in proto.graph.node if node.domain not in ONNX_DOMAINS]
    if foreign:
        raise ExportError(
            f"ONNX opset {job.opset} cannot express {describe_layers(foreign, job.model)}: "
            f"no conversion for {', '.join(sorted({_op_type(proto, name) for name in foreign}))}"
        )
    path.write_bytes(proto.SerializeToString())
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feeds = {spec.name: array for spec, array in zip(signature, job.probe.raw_inputs, strict=True)}
    names = [item.name for item in session.get_inputs()]
    if sorted(names) != sorted(feeds):
        feeds = dict(zip(names, job.probe.raw_inputs, strict=True))
    received = session.run(None, feeds)
    return Verified(max_abs_diff(job.expected, received), f"opset {job.opset}, free batch size")


def _op_type(proto, name: str) -> str:
    return next(node.op_type for node in proto.graph.node if node.name == name)


@contextmanager
def _quiet_tf2onnx() -> Iterator[None]:
    """Silence tf2onnx's log for the conversion (what matters in it is checked here)."""
    logger = logging.getLogger("tf2onnx")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)
