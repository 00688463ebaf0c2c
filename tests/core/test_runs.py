"""Reading run folders: finding a run and its weights."""

from __future__ import annotations

import json

import pytest

from app.core import runs


def _make_run(root, name: str, status: str = "finished", weights: tuple[str, ...] = ()) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    (folder / runs.RUN_FILE).write_text(json.dumps({"status": status, "epochs_done": 2}))
    for file in weights:
        (folder / file).write_bytes(b"x")


def test_find_run_by_number_name_latest_and_path(tmp_path):
    project = tmp_path / "digits.netloom"
    root = runs.runs_root(project)
    _make_run(root, "001-20261123-100000")
    _make_run(root, "002-20261123-110000", status="stopped")
    assert runs.find_run(project, 1).name == "001-20261123-100000"
    assert runs.find_run(project, "002").status == "stopped"
    assert runs.find_run(project, "001-20261123-100000").number == 1
    assert runs.find_run(project, "latest").number == 2
    assert runs.find_run(project, root / "002-20261123-110000").number == 2


def test_find_run_names_what_exists(tmp_path):
    project = tmp_path / "digits.netloom"
    with pytest.raises(ValueError, match="no runs yet"):
        runs.find_run(project, 1)
    _make_run(runs.runs_root(project), "001-20261123-100000")
    with pytest.raises(ValueError, match=r"no run '7'; the runs are 001-20261123-100000"):
        runs.find_run(project, 7)


def test_run_weights_best_falls_back_to_last(tmp_path):
    _make_run(tmp_path, "001-a", weights=(runs.LAST_WEIGHTS,))
    _make_run(tmp_path, "002-b", weights=(runs.BEST_WEIGHTS, runs.LAST_WEIGHTS))
    _make_run(tmp_path, "003-c")
    assert runs.run_weights(tmp_path / "001-a").name == runs.LAST_WEIGHTS
    assert runs.run_weights(tmp_path / "002-b").name == runs.BEST_WEIGHTS
    assert runs.run_weights(tmp_path / "002-b", "last").name == runs.LAST_WEIGHTS
    with pytest.raises(ValueError, match="kept no best weights"):
        runs.run_weights(tmp_path / "003-c")
    with pytest.raises(ValueError, match="expected 'best' or 'last'"):
        runs.run_weights(tmp_path / "002-b", "middle")
