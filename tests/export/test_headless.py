"""``netloom export``: arguments, the per-format lines, ``--json`` and ``--force``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from app.core.examples import example_path
from app.export.formats import parse_formats
from app.export.headless import add_export_command, format_size


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="netloom")
    add_export_command(parser.add_subparsers())
    return parser.parse_args(["export", *argv])


def test_json_line_lists_each_format_with_path_and_difference(tmp_path: Path, capsys):
    args = _parse(str(example_path("xor")), "--format", "keras,json,onnx", "-o", str(tmp_path), "--json")
    assert args.run(args) == 0
    out, err = capsys.readouterr()
    summary = json.loads(out.strip().splitlines()[-1])
    formats = {item["format"]: item for item in summary["formats"]}
    assert list(formats) == ["keras", "json", "onnx"]
    for item in formats.values():
        assert Path(item["path"]).exists() and item["max_abs_diff"] < 1e-5
    assert "[3/3] onnx" in err and "weights: freshly initialised" in err


def test_existing_files_need_force(tmp_path: Path, capsys):
    argv = [str(example_path("xor")), "--format", "json", "-o", str(tmp_path)]
    args = _parse(*argv)
    assert args.run(args) == 0
    assert args.run(args) == 1
    assert "xor.json: the file already exists" in capsys.readouterr().out
    forced = _parse(*argv, "--force")
    assert forced.run(forced) == 0


def test_options_reach_the_export(tmp_path: Path):
    args = _parse("p.netloom", "--format", "onnx", "--run", "3", "--weights", "last", "--opset", "13",
                  "--no-preprocessing", "-o", str(tmp_path), "--force")
    assert (args.run_name, args.weights, args.opset, args.no_preprocessing, args.force) == (
        "3", "last", 13, True, True)


def test_format_lists():
    assert parse_formats("KERAS, onnx,keras") == ["keras", "onnx"]
    assert len(parse_formats("all")) == 8
    with pytest.raises(ValueError, match="'kears'"):
        parse_formats("kears")


def test_sizes_read_well():
    assert (format_size(512), format_size(1536), format_size(3 * 1024 * 1024)) == (
        "512 bytes", "1.5 KB", "3.0 MB")
