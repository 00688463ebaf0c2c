"""The Python script (``app.build.codegen``), proven by running it in a fresh interpreter.

The check runs the script as a separate process, exactly as a person
would: it builds the model with ``build_model()``, compiles it with
``compile_model()`` when the script has one, takes the graph's weights,
runs the probe and writes its outputs and its model config. The config
must equal that of the graph's model and the outputs must agree. The
script rebuilds the graph's model; baked-in preprocessing is not part of it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from app.build.codegen import graph_to_script
from app.export.job import ExportJob, Verified
from app.export.probe import max_abs_diff
from app.export.results import ExportError

SCRIPT_TIMEOUT = 600  # seconds; importing Keras alone takes several

_CHECK = """
import importlib.util, json, sys
import numpy as np
script, weights, probe, outputs, config = sys.argv[1:6]
spec = importlib.util.spec_from_file_location("netloom_exported_script", script)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.build_model()
if hasattr(module, "compile_model"):
    module.compile_model(model)
model.load_weights(weights)
with np.load(probe) as data:
    inputs = [data[f"x{i}"] for i in range(len(data.files))]
result = model(inputs if len(inputs) > 1 else inputs[0], training=False)
result = result if isinstance(result, (list, tuple)) else [result]
np.savez(outputs, *[np.asarray(r) for r in result])
with open(config, "w", encoding="utf-8") as stream:
    stream.write(model.to_json())
"""


def export_python(job: ExportJob, path: Path) -> Verified:
    """Write the script, run it in a subprocess and compare its model with the graph's."""
    if job.graph is None:
        raise ExportError("a Python script is written from a graph; this model has none")
    script = graph_to_script(job.graph, job.catalog, job.training, project_name=job.project_name)
    path.write_text(script, encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="netloom-script-", dir=job.scratch) as scratch:
        folder = Path(scratch)
        job.core_model.save_weights(str(folder / "model.weights.h5"))
        np.savez(folder / "probe.npz", **{f"x{i}": x for i, x in enumerate(job.probe.inputs)})
        _run_check(path, folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        with np.load(folder / "outputs.npz") as data:
            received = [data[f"arr_{i}"] for i in range(len(data.files))]
    # The script compiles its model, the graph's model is not compiled: compare the architectures.
    difference = first_difference(canonical_names(json.loads(job.core_model.to_json())["config"]),
                                  canonical_names(config["config"]))
    if difference:
        raise ExportError(f"{path}: the script builds another model than the graph: {difference}")
    note = "rebuilds the graph's model; the baked-in preprocessing is not part of it" if job.baked else ""
    return Verified(max_abs_diff(job.expected, received), note)


def _run_check(script: Path, folder: Path) -> None:
    arguments = [str(script), str(folder / "model.weights.h5"), str(folder / "probe.npz"),
                 str(folder / "outputs.npz"), str(folder / "config.json")]
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    try:
        process = subprocess.run(
            [sys.executable, "-c", _CHECK, *arguments], capture_output=True, text=True,
            timeout=SCRIPT_TIMEOUT, env=environment, check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ExportError(f"{script}: running the script took over {SCRIPT_TIMEOUT} s") from error
    if process.returncode != 0:
        lines = [line for line in process.stderr.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit status {process.returncode}"
        raise ExportError(f"{script}: the script failed when run: {last}")


# Names Keras makes up for layers and models nobody named; their number depends on how many
# were made before in the process (a fresh interpreter says input_layer, this one input_layer_5).
_AUTO_NAME = re.compile(r"^(input_layer|functional|sequential|model)(_\d+)?$")
# Inside a nested model (a pretrained backbone) every layer was named by Keras, not by the graph.
_ANY_NAME = re.compile(r"^([a-z][a-z0-9_]*?)(_\d+)?$")


def canonical_names(config: Any) -> Any:
    """``config`` with Keras's made-up names numbered by first appearance (``input_layer#0``, ...).

    At the top, only names Keras always makes up (``input_layer``, ``functional``, ...) are
    renumbered, so the graph's own names are compared as they are; inside a nested model every
    name is, as Keras chose them all.
    """
    seen: dict[str, str] = {}

    def rename(value: Any, depth: int) -> Any:
        if isinstance(value, dict):
            inner = depth + (1 if isinstance(value.get("layers"), list) else 0)
            return {key: rename(item, inner) for key, item in value.items()}
        if isinstance(value, list):
            return [rename(item, depth) for item in value]
        if isinstance(value, str):
            match = _AUTO_NAME.match(value) or (_ANY_NAME.match(value) if depth > 1 else None)
            if match:
                return seen.setdefault(value, f"{match.group(1)}#{len(seen)}")
        return value

    return rename(config, 0)


def first_difference(expected: Any, received: Any, where: str = "config") -> str:
    """Where two JSON values first differ, as ``config.layers[2].config.units: 32 != 64``; '' if equal."""
    if isinstance(expected, dict) and isinstance(received, dict):
        for key in sorted(set(expected) | set(received), key=str):
            if key not in received or key not in expected:
                return f"{where}.{key}: present in only one of them"
            found = first_difference(expected[key], received[key], f"{where}.{key}")
            if found:
                return found
        return ""
    if isinstance(expected, list) and isinstance(received, list):
        if len(expected) != len(received):
            return f"{where}: {len(expected)} items != {len(received)}"
        for index, (a, b) in enumerate(zip(expected, received, strict=True)):
            found = first_difference(a, b, f"{where}[{index}]")
            if found:
                return found
        return ""
    return "" if expected == received else f"{where}: {expected!r} != {received!r}"
