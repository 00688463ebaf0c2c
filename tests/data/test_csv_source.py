"""CSV files: headers, target and features, text columns, missing values, and every bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.data.csv_source import load_csv
from app.data.dataset import DataError
from app.data.prepare import fill_missing
from app.data.sources import load_source


def _write(tmp_path: Path, text: str, name: str = "table.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


FLOWERS = """length,width,colour,species
5.1,3.5,red,setosa
4.9,3.0,blue,setosa
6.3,3.3,red,virginica
5.8,2.7,blue,virginica
6.1,2.9,green,versicolor
5.7,2.8,red,versicolor
"""


def test_header_text_columns_and_text_target(tmp_path: Path) -> None:
    data = load_csv(_write(tmp_path, FLOWERS), target="species")
    assert data.task == "classification"
    assert data.class_names == ["setosa", "versicolor", "virginica"]
    np.testing.assert_array_equal(data.y_train, [0, 0, 2, 2, 1, 1])
    assert data.feature_names == ["length", "width", "colour=blue", "colour=green", "colour=red"]
    np.testing.assert_allclose(data.x_train[0], [5.1, 3.5, 0, 0, 1], rtol=1e-6)


def test_target_defaults_to_the_last_column_and_features_can_be_chosen(tmp_path: Path) -> None:
    data = load_csv(_write(tmp_path, FLOWERS), features=["width", 0])
    assert data.feature_names == ["width", "length"]
    assert data.class_names[0] == "setosa"


def test_no_header_is_detected(tmp_path: Path) -> None:
    data = load_csv(_write(tmp_path, "1,2,0.5\n3,4,1.5\n5,6,2.5\n"))
    assert data.task == "regression"
    assert data.x_train.shape == (3, 2)
    assert data.feature_names == ["column 1", "column 2"]


def test_semicolons_and_whole_number_target(tmp_path: Path) -> None:
    data = load_csv(_write(tmp_path, "a;b;label\n1;2;0\n3;4;1\n5;6;1\n"))
    assert data.task == "classification" and data.class_names == ["0", "1"]


def test_task_can_be_forced(tmp_path: Path) -> None:
    data = load_csv(_write(tmp_path, "a,label\n1,0\n3,1\n5,1\n"), task="regression")
    assert data.task == "regression" and data.y_train.shape == (3, 1)


def test_missing_values_dropped_with_a_note(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,y\n1,2,0\n,4,1\n5,NA,1\n7,8,0\n")
    data = load_csv(path)
    assert len(data.x_train) == 2
    assert "2 missing values (line 3 column 'a', line 4 column 'b'): 2 rows dropped" in data.notes[0]


def test_missing_values_filled(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,c,y\n1,x,0\n,x,1\n5,,1\n")
    loaded = load_csv(path, missing="fill")
    assert np.isnan(loaded.x_train[1, 0]) and loaded.fill_groups == [[0], [1]]
    assert "to be filled" in loaded.notes[0]
    data = fill_missing(loaded)  # unsplit: every row is a training row
    assert len(data.x_train) == 3 and not data.fill_groups
    assert data.x_train[1, 0] == pytest.approx(3.0) and data.x_train[2, 1] == 1.0
    assert data.feature_names == ["a", "c=x"]
    assert "filled with the training split's mean" in data.notes[-1]


def test_fill_values_come_from_the_training_rows_only(tmp_path: Path) -> None:
    # rows 0-7 train (in file order), rows 8-9 test; the test rows hold a huge 'a' and the only 'blue'
    rows = [f"{a},{c},{y}" for a, c, y in [
        (1, "red", 0), ("", "red", 1), (3, "", 0), (1, "green", 1), (3, "red", 0),
        (1, "green", 1), (3, "red", 0), (2, "green", 1), (1000, "blue", 0), (1000, "blue", 1),
    ]]
    path = _write(tmp_path, "a,c,y\n" + "\n".join(rows) + "\n")
    data = load_source({"source": "csv", "path": str(path), "missing": "fill", "shuffle": False,
                        "validation_fraction": 0.0, "test_fraction": 0.2})
    assert data.feature_names == ["a", "c=blue", "c=green", "c=red"]
    train_mean = (1 + 3 + 1 + 3 + 1 + 3 + 2) / 7
    assert data.x_train[1, 0] == pytest.approx(train_mean)  # not pulled up by the test rows' 1000s
    np.testing.assert_array_equal(data.x_train[2, 1:], [0, 0, 1])  # 'red', the training mode
    assert not np.isnan(data.x_train).any() and not np.isnan(data.x_test).any()
    assert any("training split's mean" in note for note in data.notes)


def test_fill_refuses_a_column_with_no_training_values(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,y\n,1,0\n,2,1\n,3,0\n7,4,1\n")
    with pytest.raises(DataError, match="column 'a' has no values in the training split"):
        load_source({"source": "csv", "path": str(path), "missing": "fill", "shuffle": False,
                     "validation_fraction": 0.0, "test_fraction": 0.25})


def test_fill_drops_rows_without_a_target(tmp_path: Path) -> None:
    data = load_csv(_write(tmp_path, "a,y\n1,0\n2,\n3,1\n"), missing="fill")
    assert len(data.x_train) == 2 and "1 rows without a target dropped" in data.notes[0]


def test_missing_values_refused_when_asked(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"table\.csv: 1 missing values \(line 3 column 'a'\)"):
        load_csv(_write(tmp_path, "a,y\n1,0\n,1\n"), missing="error")


def test_ragged_row_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,y\n1,2,0\n3,4\n5,6,1\n")
    with pytest.raises(DataError, match=r"table\.csv, line 3: 2 fields, expected 3 \(as in the header\)"):
        load_csv(path)


def test_non_numeric_cell_in_numeric_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "a,b,y\n1,2,0\n3,4,1\n5,oops,1\n7,8,0\n")
    with pytest.raises(DataError, match=r"table\.csv, line 4, column 'b': 'oops' is not a number"):
        load_csv(path)


def test_target_column_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"table\.csv: target column 'price' does not exist; the columns are"):
        load_csv(_write(tmp_path, FLOWERS), target="price")


def test_feature_column_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="feature column 9 does not exist; the file has 4 columns"):
        load_csv(_write(tmp_path, FLOWERS), features=[9])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"gone\.csv: no such file"):
        load_csv(tmp_path / "gone.csv")


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no rows"):
        load_csv(_write(tmp_path, "\n\n"))
    with pytest.raises(DataError, match="header but no data rows"):
        load_csv(_write(tmp_path, "a,b,y\n", name="header.csv"), header=True)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,y\n1,0\n\xff,1\n")
    with pytest.raises(DataError, match=r"latin\.csv, line 3: not UTF-8"):
        load_csv(path)


def test_csv_through_load_source_is_split(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{i % 7},{i % 2}" for i in range(40))
    _write(tmp_path, "a,b,y\n" + rows + "\n")
    data = load_source({"source": "csv", "path": "table.csv", "scaling": "standardize"}, tmp_path)
    assert data.sizes() == {"train": 28, "val": 8, "test": 4}
    assert data.x_train.mean(axis=0) == pytest.approx([0.0, 0.0], abs=1e-5)
