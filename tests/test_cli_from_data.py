"""`netloom new --from-data`: a starter project for a CSV, an .npz, an image folder or a bundled set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from app.__main__ import main
from app.core.project import load_project
from app.data.sources import load_source

CSV = "a,b,label\n0.1,1.5,yes\n0.4,2.5,no\n0.9,0.5,yes\n0.3,1.0,no\n0.7,2.0,yes\n"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_from_csv_with_target_then_check(capsys, tmp_path: Path) -> None:
    (tmp_path / "table.csv").write_text(CSV)
    target = tmp_path / "mine.netloom"
    code, out, err = run(capsys, "new", "--from-data", str(tmp_path / "table.csv"), "--target", "label",
                         "-o", str(target))
    assert code == 0, err
    assert "Input shape [2]" in out and "sparse_categorical_crossentropy" in out
    data = json.loads(target.read_text())
    assert data["data"] == {"source": "csv", "path": "table.csv", "target": "label"}
    assert data["training"]["loss"] == "sparse_categorical_crossentropy"
    assert run(capsys, "check", str(target))[0] == 0
    project = load_project(target)
    assert load_source(project.data, target.parent).class_names == ["no", "yes"]


def test_from_bundled_name_and_npz(capsys, tmp_path: Path) -> None:
    assert run(capsys, "new", "--from-data", "sine", "-o", str(tmp_path / "sine.netloom"))[0] == 0
    graph = load_project(tmp_path / "sine.netloom").graph
    assert [node.type for node in graph] == ["Input", "LSTM", "Dense"]
    np.savez(tmp_path / "arrays.npz", x=np.zeros((12, 3), "float32"), y=np.arange(12) % 3)
    code, _, err = run(capsys, "new", "--from-data", str(tmp_path / "arrays.npz"), "-o",
                       str(tmp_path / "arrays.netloom"))
    assert code == 0, err
    assert load_project(tmp_path / "arrays.netloom").graph.outputs()[0].params["units"] == 3


def test_bad_input_exits_2_naming_the_file_or_column(capsys, tmp_path: Path) -> None:
    (tmp_path / "table.csv").write_text(CSV)
    output = tmp_path / "out.netloom"
    code, _, err = run(capsys, "new", "--from-data", str(tmp_path / "table.csv"), "--target", "colour",
                       "-o", str(output))
    assert code == 2 and "table.csv" in err and "'colour' does not exist" in err
    code, _, err = run(capsys, "new", "--from-data", str(tmp_path / "missing.npz"), "-o", str(output))
    assert code == 2 and "missing.npz: no such file" in err
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n3\n")
    code, _, err = run(capsys, "new", "--from-data", str(tmp_path / "ragged.csv"), "-o", str(output))
    assert code == 2 and "ragged.csv, line 3" in err
    code, _, err = run(capsys, "new", "--example", "xor", "--target", "y", "-o", str(output))
    assert code == 2 and "--target goes with --from-data" in err
    assert not output.exists()  # nothing half-written
