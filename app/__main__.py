"""The ``netloom`` command: the window with no arguments, headless subcommands otherwise.

Every failure ends with a non-zero exit and one line that names the file and
the cause; ``--debug`` shows the traceback too. Nothing heavy (Keras,
TensorFlow, Qt) is imported before it is needed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_PROBLEMS, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(_with_open(list(sys.argv[1:] if argv is None else argv), parser))
    _quiet_tensorflow()
    if args.backend:
        os.environ["KERAS_BACKEND"] = args.backend
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("netloom: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # The one place that turns any failure into one clear line.
        if args.debug:
            raise
        print(f"netloom: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_ERROR


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netloom",
        description="Netloom: draw a neural network, train it, look inside, export it. "
        "With no command, opens the window.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser.add_argument("--backend", choices=("tensorflow", "jax", "torch"), help="the Keras backend to use")
    parser.add_argument(
        "--screenshot", metavar="OUT.png", help="render the window to a PNG at 1600x1000 and exit"
    )
    parser.add_argument(
        "--theme", choices=("system", "light", "dark"), default=None,
        help="the window's colours (default: follow the system)",
    )
    parser.add_argument(
        "--plugins", action="append", default=[], metavar="DIR",
        help="also load the plugins in folder DIR (repeatable; added to the folders chosen in Preferences)",
    )
    parser.add_argument(
        "--no-plugins", action="store_true",
        help="skip installed plugins and the folders chosen in Preferences (--plugins folders still load)",
    )
    parser.set_defaults(run=_gui, file=None)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, run, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
        sub.set_defaults(run=run)
        return sub

    sub = command("open", _gui, "open a project (.netloom) or a Keras model (.keras, .h5) in the window")
    sub.add_argument("file")
    sub = command("check", _check, "validate a project: exit 0 when valid, else 1 and one line per problem")
    sub.add_argument("file")
    sub = command("summary", _summary, "print layers, output shapes and parameter counts")
    sub.add_argument("file")
    sub.add_argument("--json", action="store_true", help="print a JSON object instead of a table")
    sub = command("import", _import, "turn a Keras model file (.keras, .h5) into a project")
    sub.add_argument("model")
    sub.add_argument("-o", "--output", required=True, metavar="FILE.netloom")
    sub.add_argument("--force", action="store_true", help="overwrite an existing project file")
    command("examples", _examples, "list the bundled example projects")
    sub = command("new", _new, "create a project from a bundled example, or a starter model for your data")
    source = sub.add_mutually_exclusive_group()
    source.add_argument("--example", default=None, help="example name (see `netloom examples`)")
    source.add_argument(
        "--from-data", metavar="PATH", default=None,
        help="a CSV file, an .npz file, a folder of images (one subfolder per class), a bundled "
        "dataset name (iris, digits, sine, ...) or a Keras dataset in the local cache (mnist, ...): "
        "the project's Input, output layer and loss fit it",
    )
    sub.add_argument(
        "--target", metavar="COLUMN", default=None, help="with --from-data: the CSV column to predict"
    )
    sub.add_argument("-o", "--output", required=True, metavar="FILE.netloom")
    sub.add_argument("--force", action="store_true", help="overwrite an existing file")
    sub = command("export-script", _export_script, "write the model as a Python script (functional API)")
    sub.add_argument("file")
    sub.add_argument("-o", "--output", required=True, metavar="SCRIPT.py")
    from app.export.headless import add_export_command
    from app.inspection.headless import add_evaluate_command
    from app.inspection.health import health_callbacks
    from app.training.headless import add_train_command
    from app.tuning.headless import add_tune_command

    add_train_command(commands, health_callbacks=health_callbacks)
    add_evaluate_command(commands)
    add_tune_command(commands)
    add_export_command(commands)
    sub = command("plugins", _plugins, "list the plugins (built-ins too), their status and what they add")
    sub.add_argument("--json", action="store_true", help="print a JSON list instead of text")
    return parser


_VALUED_OPTIONS = ("--backend", "--screenshot", "--plugins", "--theme")


def _with_open(argv: list[str], parser: argparse.ArgumentParser) -> list[str]:
    """Read ``netloom [options] FILE`` as ``netloom [options] open FILE``."""
    commands = {
        "open", "check", "summary", "import", "examples", "new", "export-script", "plugins", "train",
        "evaluate", "tune", "export", "-h", "--help",
    }
    index = 0
    while index < len(argv):
        token = argv[index]
        if token in _VALUED_OPTIONS:
            index += 2
        elif token.startswith("-") and token not in commands:
            index += 1
        else:
            return argv if token in commands else [*argv[:index], "open", *argv[index:]]
    return argv


# ------------------------------------------------------------------- commands
def _gui(args: argparse.Namespace) -> int:
    from app.plugins import use_plugins
    from app.ui.app import run_gui

    use_plugins(*_plugin_choice(args))  # loaded with Keras, on the window's worker thread
    return run_gui(args.file, screenshot=args.screenshot, theme=args.theme)


def _check(args: argparse.Namespace) -> int:
    from app.core.validation import validate

    project = _load_with_plugins(args)
    result = validate(project.graph)
    for problem in result.problems:
        print(problem.describe(project.graph))
    if result.valid:
        warnings = len(result.problems)
        print(
            f"{args.file}: valid ({len(project.graph)} nodes"
            + (f", {warnings} warning(s))" if warnings else ")")
        )
        return EXIT_OK
    return EXIT_PROBLEMS


def _summary(args: argparse.Namespace) -> int:
    from app.core.summary import format_summary, summarize
    from app.core.validation import validate

    project = _load_with_plugins(args)
    result = validate(project.graph)
    summary = summarize(project.graph, result)
    if args.json:
        print(json.dumps(summary.to_json()))
    else:
        print(format_summary(summary))
    return EXIT_OK if result.valid else EXIT_PROBLEMS


def _import(args: argparse.Namespace) -> int:
    from app.build.keras_import import import_model_file, save_imported_weights
    from app.core.project import Project, save_project

    output = _new_file(args.output, args.force)
    _load_plugins(args)
    graph = import_model_file(args.model)
    weights = output.with_name(output.stem + ".weights.h5")
    save_imported_weights(graph, args.model, str(weights))
    project = Project(
        graph=graph,
        name=Path(args.model).stem,
        title=Path(args.model).stem,
        description=f"Imported from {Path(args.model).name}.",
        weights=weights.name,
    )
    save_project(project, output)
    print(f"{output}: {len(graph)} nodes, weights in {weights.name}")
    return EXIT_OK


def _examples(args: argparse.Namespace) -> int:
    from app.core.examples import DEFAULT_EXAMPLE, list_examples

    for info in list_examples():
        mark = " (default)" if info.name == DEFAULT_EXAMPLE else ""
        print(f"{info.name:24} {info.title}{mark}")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from app.core.examples import DEFAULT_EXAMPLE, example_path
    from app.core.project import load_project, save_project

    output = _new_file(args.output, args.force)
    if args.from_data is not None:
        return _new_from_data(args, output)
    if args.target is not None:
        raise ValueError("--target goes with --from-data: it names the CSV column to predict")
    project = load_project(example_path(args.example or DEFAULT_EXAMPLE))
    project.name = output.stem
    save_project(project, output)
    print(f"{output}: created from example {args.example or DEFAULT_EXAMPLE!r}")
    return EXIT_OK


def _new_from_data(args: argparse.Namespace, output: Path) -> int:
    from app.core.project import save_project
    from app.data.starter import project_from_data

    if not output.parent.is_dir():
        raise FileNotFoundError(f"{output}: the folder {output.parent} does not exist")
    project = project_from_data(args.from_data, args.target, name=output.stem, project_dir=output.parent)
    save_project(project, output)
    shape = project.graph.inputs()[0].params["shape"]
    print(f"{output}: {project.title} for {args.from_data}, Input shape {shape}, "
          f"loss {project.training['loss']}")
    return EXIT_OK


def _export_script(args: argparse.Namespace) -> int:
    from app.build.codegen import graph_to_script
    from app.core.project import write_atomic

    project = _load_with_plugins(args)
    script = graph_to_script(project.graph, training=project.training, project_name=project.name)
    write_atomic(Path(args.output), script)
    print(f"{args.output}: written")
    return EXIT_OK


def _plugins(args: argparse.Namespace) -> int:
    registry = _load_plugins(args, warn=False)
    records = registry.records()
    if args.json:
        keys = ("name", "origin", "source", "status", "error", "registered")
        print(json.dumps([{key: getattr(record, key) for key in keys} for record in records], indent=2))
        return EXIT_OK
    for record in records:
        print(f"{record.status:6}  {record.name}  ({record.origin})")
        if record.ok:
            print(f"        {record.describe_registered()}")
        else:
            print(f"        error: {record.error}")
            if args.debug and record.details:
                print("        " + record.details.rstrip().replace("\n", "\n        "))
    failed = len(registry.failed())
    hint = "; --debug shows the tracebacks" if failed and not args.debug else ""
    print(f"{_count(len(records), 'plugin')}, {failed} failed{hint}")
    return EXIT_OK


# -------------------------------------------------------------------- helpers
def _load_with_plugins(args: argparse.Namespace):
    """``args.file`` as a project, with the plugins loaded (their layers are needed after it)."""
    from app.build.documents import is_model_file, load_document

    if is_model_file(args.file):
        _load_plugins(args)  # the model may use plugin layers
        return load_document(args.file)
    project = load_document(args.file)  # a missing or damaged file fails fast, before Keras loads
    _load_plugins(args)
    return project


def _plugin_choice(args: argparse.Namespace) -> tuple[list[str], bool]:
    """The plugin folders (Preferences, then --plugins) and whether to load installed plugins."""
    from app.settings import SettingsError, load_settings

    folders: list[str] = []
    if not args.no_plugins:
        try:
            folders += load_settings().plugin_folders
        except SettingsError as error:
            print(f"netloom: warning: {_one_line(error)}; its plugin folders are skipped", file=sys.stderr)
    return folders + list(args.plugins), not args.no_plugins


def _load_plugins(args: argparse.Namespace, warn: bool = True):
    """Load the built-ins and the chosen plugins; one warning line per plugin that failed."""
    from app.plugins import load_plugins

    registry = load_plugins(*_plugin_choice(args))
    for record in registry.failed() if warn else ():
        print(
            f"netloom: warning: plugin {record.name!r} ({record.origin}) failed: {record.error}; "
            "see `netloom plugins`",
            file=sys.stderr,
        )
    return registry


def _new_file(path: str, force: bool) -> Path:
    target = Path(path)
    if target.exists() and not force:
        raise FileExistsError(f"{target}: already exists; use --force to overwrite it")
    return target


def _one_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    if isinstance(error, OSError) and error.filename and error.strerror:
        text = f"{error.filename}: {error.strerror}"
    return " ".join(text.split())


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _quiet_tensorflow() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


if __name__ == "__main__":
    sys.exit(main())
