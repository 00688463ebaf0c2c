"""``netloom export FILE``: write a project's model in several formats, each one checked.

Prints one line per format (path, size, measured difference, or the
error); with ``--json`` the last line is a JSON object whose ``formats``
list gives each format's ``path`` and ``max_abs_diff``. The project may
also be a Keras model file (``.keras``, ``.h5``), imported on the spot.

Exit status: 0 when every format succeeded, 1 when some failed, 2 when
nothing could be exported (a bad destination, an unknown run).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.export.job import DEFAULT_OPSET
from app.export.results import FORMATS, ExportReport

EXIT_OK, EXIT_SOME_FAILED = 0, 1


def add_export_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``export`` to a ``netloom`` subparsers object; its ``run`` default is ``run_export``."""
    help_text = "export a project's model (.keras, .h5, SavedModel, ONNX, TFLite, ...), each file checked"
    sub = subparsers.add_parser("export", help=help_text, description=help_text)
    add_export_arguments(sub)
    sub.set_defaults(run=run_export)
    return sub


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``netloom export`` (shared by the CLI and tests)."""
    parser.add_argument("file", help="the project (.netloom) or Keras model (.keras, .h5) to export")
    parser.add_argument("--format", default=",".join(FORMATS), metavar="LIST",
                        help=f"comma-separated formats: {','.join(FORMATS)} or all (default: all)")
    parser.add_argument("--run", dest="run_name", default=None, metavar="RUN",  # args.run: the command
                        help="the run whose weights to export: number, folder name, latest or a path; "
                             "none skips runs (default: the latest run, else the project's imported "
                             "weights, else fresh ones)")
    parser.add_argument("--weights", choices=("best", "last"), default="best",
                        help="the run's best or last weights (default: best)")
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, metavar="N",
                        help=f"the ONNX opset (default: {DEFAULT_OPSET})")
    parser.add_argument("--no-preprocessing", action="store_true",
                        help="do not bake the data settings' scaling and resize into the model")
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="the folder to write into")
    parser.add_argument("--force", action="store_true", help="overwrite files that exist")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line listing each format's path and max_abs_diff")
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")


def run_export(args: argparse.Namespace) -> int:
    """Export ``args.file`` as the arguments say; return the exit status."""
    from app.build.documents import is_model_file, load_document
    from app.export.engine import ExportOptions, export_project
    from app.export.formats import parse_formats

    formats = parse_formats(args.format)
    options = ExportOptions(
        formats=formats, run=args.run_name, weights=args.weights, opset=args.opset,
        preprocessing=not args.no_preprocessing, overwrite=args.force,
    )
    out = sys.stderr if args.json else sys.stdout
    try:  # -o names the folder to fill; it is made when missing, as other tools' -o does
        Path(args.output).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OSError(f"{args.output}: cannot create the destination folder ({error.strerror})") from None
    with tempfile.TemporaryDirectory(prefix="netloom-export-weights-") as scratch:
        project = load_document(args.file)
        if is_model_file(args.file):  # the model file's own weights, not fresh ones
            project.weights = str(imported_weights(project, args.file, Path(scratch)))
        project.path = project.path or Path(args.file)
        report = export_project(project, args.output, options, progress=_Progress(out))
    print_report(report, out)
    if args.json:
        print(json.dumps(report.to_json()))
    return EXIT_OK if report.ok else EXIT_SOME_FAILED


def imported_weights(project: Any, model_file: str, folder: Path) -> Path:
    """The weights of ``model_file`` saved for ``project``'s graph in ``folder``."""
    from app.build.keras_import import save_imported_weights

    path = folder / f"{Path(model_file).stem}.weights.h5"
    save_imported_weights(project.graph, model_file, path)
    return path


class _Progress:
    """Says which format is being written."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def __call__(self, key: str, index: int, total: int) -> None:
        if key != "done":
            print(f"[{index + 1}/{total}] {key}…", file=self.out, flush=True)


def print_report(report: ExportReport, out: Any) -> None:
    """One line per format, then where the weights came from and what preprocessing is baked in."""
    for result in report.results:
        if result.ok:
            print(f"{result.format:10}  {result.path}  {format_size(result.size_bytes)}  "
                  f"max |diff| {result.max_abs_diff:.2g}  ({result.seconds:.1f} s)", file=out)
        else:
            print(f"{result.format:10}  FAILED: {result.error}", file=out)
    print(f"weights: {report.weights_source}", file=out)
    print(f"preprocessing: {report.preprocessing}", file=out)
    print(f"probe: {report.probe}", file=out)


def format_size(size: int) -> str:
    """``1536`` -> ``1.5 KB``."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"
