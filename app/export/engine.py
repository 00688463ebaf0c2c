"""Exporting a project or a model in many formats, each one written, reloaded and checked.

``export_project`` is the whole story for a project: choose the weights,
build the model, plan the preprocessing and probe, then ``export_model``.
``export_model`` takes any Keras model (a graph's, or one built elsewhere):
for each format it writes a temporary file beside the target, measures the
reloaded copy against the model on the probe batch and renames the file
into place only when the difference is within ``TOLERANCE``. A failing
format is reported and leaves nothing behind; the others still run.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.catalog import Catalog
from app.core.graph import Graph
from app.core.project import Project
from app.export.files import check_folder, describe_os_error, size_of, staged
from app.export.formats import FORMAT_TABLE
from app.export.job import DEFAULT_OPSET, ExportJob
from app.export.preprocessing import plan_preprocessing, with_preprocessing
from app.export.probe import Probe, generated_inputs, outputs_of
from app.export.results import FORMATS, TOLERANCE, ExportError, ExportReport, ExportResult
from app.export.weights import AUTOMATIC, build_with_weights, choose_weights

Progress = Callable[[str, int, int], None]  # (format being written or "done", index, total)


@dataclass
class ExportOptions:
    """What to export and how.

    ``run`` names a run (number, folder name, ``latest`` or a path); None
    takes the latest run that kept weights, else the project's imported
    weights, else fresh ones. ``weights`` is ``best`` or ``last``.
    ``preprocessing`` bakes the data settings' scaling and resize in.
    """

    formats: Sequence[str] = FORMATS
    run: str | None = AUTOMATIC
    weights: str = "best"
    opset: int = DEFAULT_OPSET
    preprocessing: bool = True
    overwrite: bool = False


def export_project(
    project: Project,
    destination: str | Path,
    options: ExportOptions | None = None,
    catalog: Catalog | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Export ``project``'s model into the folder ``destination`` in every format asked for.

    A problem with the destination, the run or the weights raises
    ``ExportError`` or ``ValueError`` before anything is written; a problem
    with one format is in that format's result.
    """
    options = options or ExportOptions()
    folder = Path(destination)
    check_folder(folder)
    source = choose_weights(project, options.run, options.weights)
    core = build_with_weights(project.graph, source, catalog)
    base_dir = project.path.parent if project.path else None
    plan, probe = plan_preprocessing(core, project.data, base_dir, options.preprocessing)
    model = with_preprocessing(core, plan)
    report = export_model(
        model, folder, file_stem(project.name), options.formats, core_model=core, probe=probe,
        graph=project.graph, catalog=catalog, training=project.training, project_name=project.name,
        opset=options.opset, overwrite=options.overwrite, progress=progress,
    )
    report.weights_source = source.description
    report.preprocessing = plan.describe()
    return report


def export_model(
    model: Any,
    destination: str | Path,
    stem: str,
    formats: Sequence[str] = FORMATS,
    *,
    core_model: Any = None,
    probe: Probe | None = None,
    graph: Graph | None = None,
    catalog: Catalog | None = None,
    training: dict[str, Any] | None = None,
    project_name: str | None = None,
    opset: int = DEFAULT_OPSET,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ExportReport:
    """Write ``model`` as ``destination/stem.*`` in each of ``formats`` and check every file.

    ``core_model`` is the model without baked-in preprocessing (``model``
    itself when None); ``probe`` the samples for both (drawn from the input
    shape when None). The Python script needs ``graph``.
    """
    folder = Path(destination)
    check_folder(folder)
    core_model = model if core_model is None else core_model
    if probe is None:
        inputs = generated_inputs(core_model)
        probe = Probe(inputs, inputs, "samples drawn from the input shape")
    job = ExportJob(model, core_model, probe, outputs_of(core_model, probe.inputs), graph, catalog,
                    training, project_name, opset)
    report = ExportReport(probe=probe.source)
    with tempfile.TemporaryDirectory(prefix="netloom-export-") as scratch:
        job.scratch = Path(scratch)
        for index, key in enumerate(formats):
            if progress is not None:
                progress(key, index, len(formats))
            report.results.append(export_format(job, key, folder, stem, overwrite))
    if progress is not None:
        progress("done", len(formats), len(formats))
    return report


def export_format(job: ExportJob, key: str, folder: Path, stem: str, overwrite: bool) -> ExportResult:
    """Write, reload and check one format; any failure becomes the result's ``error``."""
    started = time.perf_counter()
    target = FORMAT_TABLE[key].target(folder, stem) if key in FORMAT_TABLE else None
    result = ExportResult(key, target)
    temporary = None
    try:
        if target is None:
            raise ExportError(f"unknown format {key!r}; expected one of {', '.join(FORMATS)}")
        with staged(target, overwrite) as temporary:
            verified = FORMAT_TABLE[key].writer(job, temporary)
            result.max_abs_diff, result.note = verified.max_abs_diff, verified.note
            if not verified.max_abs_diff <= TOLERANCE:
                raise ExportError(
                    f"{target.name}: the reloaded model differs from the original by "
                    f"{verified.max_abs_diff:.3g} (more than {TOLERANCE:g}); the file was not kept"
                )
        result.size_bytes = size_of(target)
    except ExportError as error:
        result.error = str(error)
    except OSError as error:
        result.error = describe_os_error(error, target or folder)
    except Exception as error:  # A converter may fail in any way; the other formats go on.
        result.error = f"{target.name if target else key}: {type(error).__name__}: {error}"
    if result.error and temporary is not None:  # name the file the user asked for, not the temporary one
        result.error = result.error.replace(str(temporary), str(target))
    result.seconds = time.perf_counter() - started
    return result


def file_stem(name: str) -> str:
    """A file name stem from a project name: ``"My model!"`` -> ``"My_model"``."""
    return re.sub(r"[^\w.-]+", "_", name).strip("._") or "model"
