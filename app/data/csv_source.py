"""CSV files: a header row or none, a target column, feature columns, text columns encoded.

``load_csv`` reads the whole file and checks it before building anything:

- the header is detected (a first row of text over columns of numbers) or
  given (``header=True`` / ``False``);
- every row must have as many fields as the first; a ragged row is refused
  naming its line;
- the target (a column name or a 0-based index; the last column by default)
  and the features (all other columns by default) must exist;
- a column whose values are mostly numbers is numeric, and a cell in it that
  is not a number is refused naming its line and column; a column of text is
  categorical and one-hot encoded (``categorical`` forces it);
- missing cells (empty, ``NA``, ``NaN``, ``?``, ...) are reported in a note
  and, as ``missing`` says, the rows dropped (``"drop"``), the cells filled
  (``"fill"``), or the file refused (``"error"``). Filling waits for the
  split: the missing features are NaN in the arrays and listed in
  ``Dataset.fill_groups``, and ``app.data.prepare.fill_missing`` fills them
  with the mean (numbers) or most frequent value (text) of the *training*
  rows, so nothing of the validation or test rows leaks into training. A
  row whose target is missing is dropped either way: a label is never
  invented.

A text target, or a target of a few whole numbers, means classification;
other numeric targets mean regression (``task`` forces either).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.data.dataset import CLASSIFICATION, REGRESSION, TASKS, DataError, Dataset

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
MISSING_CHOICES = ("drop", "fill", "error")
MAX_CLASSES = 20  # a numeric target of at most this many whole numbers is taken as class labels
SHOWN = 5  # how many lines a message lists


@dataclass
class _Table:
    """The parsed file: column names and the rows with their line numbers."""

    path: Path
    names: list[str]
    lines: list[int]
    rows: list[list[str]]


def load_csv(
    path: str | Path,
    target: str | int | None = None,
    features: Sequence[str | int] | None = None,
    header: bool | str = "auto",
    missing: str = "drop",
    categorical: Sequence[str] = (),
    task: str | None = None,
    delimiter: str | None = None,
    **_: Any,
) -> Dataset:
    """Read a CSV file into an unsplit ``Dataset``; ``DataError`` names the file, line and column."""
    path = Path(path)
    if missing not in MISSING_CHOICES:
        choices = ", ".join(MISSING_CHOICES)
        raise DataError(f"{path}: missing: expected one of {choices}; received {missing!r}.")
    if task is not None and task not in TASKS:
        raise DataError(f"{path}: task: expected one of {', '.join(TASKS)}; received {task!r}.")
    table = read_table(path, header, delimiter)
    target_index = _column(table, target if target is not None else len(table.names) - 1, "target")
    if features is None:
        feature_indexes = [i for i in range(len(table.names)) if i != target_index]
    else:
        feature_indexes = [_column(table, item, "feature") for item in features]
    if target_index in feature_indexes:
        raise DataError(f"{path}: column {table.names[target_index]!r} is both the target and a feature.")
    if not feature_indexes:
        raise DataError(f"{path}: no feature columns; the file needs at least one column besides the target.")
    used = [*feature_indexes, target_index]
    notes = _handle_missing(table, feature_indexes, target_index, missing)
    kinds = {i: _kind(table, i, table.names[i] in categorical) for i in used}
    x, feature_names, groups = _features(table, feature_indexes, kinds)
    y, task, class_names = _target(table, target_index, kinds[target_index], task)
    gaps = np.isnan(x).any(axis=0)
    fill_groups = [group for group in groups if gaps[group].any()]
    return Dataset(x, y, task=task, class_names=class_names, feature_names=feature_names,
                   name=path.name, notes=notes, fill_groups=fill_groups)


def read_table(path: Path, header: bool | str = "auto", delimiter: str | None = None) -> _Table:
    """Parse ``path`` into column names and rows, refusing a ragged row by its line number."""
    text = _read_text(path)
    delimiter = delimiter or _sniff(text)
    reader = csv.reader(text.splitlines(), delimiter=delimiter)
    lines, rows = [], []
    try:
        for fields in reader:
            if any(cell.strip() for cell in fields):
                lines.append(reader.line_num)
                rows.append([cell.strip() for cell in fields])
    except csv.Error as error:
        raise DataError(f"{path}, line {reader.line_num}: cannot be read as CSV: {error}") from None
    if not rows:
        raise DataError(f"{path}: the file has no rows")
    width = len(rows[0])
    has_header = _has_header(rows) if header == "auto" else bool(header)
    for line, fields in zip(lines, rows, strict=True):
        if len(fields) != width:
            first = "the header" if has_header else f"line {lines[0]}"
            raise DataError(f"{path}, line {line}: {len(fields)} fields, expected {width} (as in {first}).")
    names = rows[0] if has_header else [f"column {i + 1}" for i in range(width)]
    if has_header:
        lines, rows = lines[1:], rows[1:]
    if not rows:
        raise DataError(f"{path}: the file has a header but no data rows")
    return _Table(path, [name or f"column {i + 1}" for i, name in enumerate(names)], lines, rows)


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder, not a CSV file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise DataError(f"{path}, line {line}: not UTF-8 text (byte {error.start})") from None


def _sniff(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _is_missing(cell: str) -> bool:
    return cell.lower() in MISSING


def _has_header(rows: list[list[str]]) -> bool:
    """A first row with a text cell over a column whose later cells are numbers is a header."""
    first, rest = rows[0], rows[1:6]
    if not rest or any(_is_number(cell) for cell in first):
        return False
    for index, cell in enumerate(first):
        below = [row[index] for row in rest if index < len(row) and not _is_missing(row[index])]
        if below and all(_is_number(value) for value in below) and not _is_missing(cell):
            return True
    # all text: a header when the first row's values never appear again in their columns
    return all(cell not in {row[i] for row in rest if i < len(row)} for i, cell in enumerate(first))


def _column(table: _Table, key: str | int, role: str) -> int:
    if isinstance(key, int) and not isinstance(key, bool):
        if -len(table.names) <= key < len(table.names):
            return key % len(table.names)
        raise DataError(
            f"{table.path}: {role} column {key} does not exist; the file has {len(table.names)} columns."
        )
    if key in table.names:
        return table.names.index(key)
    raise DataError(
        f"{table.path}: {role} column {key!r} does not exist; the columns are "
        f"{', '.join(repr(name) for name in table.names)}."
    )


def _handle_missing(table: _Table, features: list[int], target: int, missing: str) -> list[str]:
    used = [*features, target]
    gaps = [(line, table.names[i]) for line, row in zip(table.lines, table.rows, strict=True)
            for i in used if _is_missing(row[i])]
    if not gaps:
        return []
    where = ", ".join(f"line {line} column {name!r}" for line, name in gaps[:SHOWN])
    more = f" and {len(gaps) - SHOWN} more" if len(gaps) > SHOWN else ""
    report = f"{len(gaps)} missing values ({where}{more})"
    if missing == "error":
        raise DataError(f"{table.path}: {report}; choose to drop those rows or fill the cells.")
    dropping = used if missing == "drop" else [target]
    keep = [k for k, row in enumerate(table.rows) if not any(_is_missing(row[i]) for i in dropping)]
    if not keep:
        raise DataError(f"{table.path}: every row has a missing value; nothing is left after dropping them.")
    dropped = len(table.rows) - len(keep)
    table.lines = [table.lines[k] for k in keep]
    table.rows = [table.rows[k] for k in keep]
    if missing == "drop":
        return [f"{report}: {dropped} rows dropped"]
    for i in features:
        if all(_is_missing(row[i]) for row in table.rows):
            raise DataError(f"{table.path}: column {table.names[i]!r} has no values to fill its gaps with.")
    unlabelled = f"; {dropped} rows without a target dropped" if dropped else ""
    return [f"{report}: to be filled with the training rows' mean (numbers) or most frequent value "
            f"(text){unlabelled}"]


def _kind(table: _Table, index: int, forced_categorical: bool) -> str:
    if forced_categorical:
        return "categorical"
    cells = [row[index] for row in table.rows if not _is_missing(row[index])]
    numbers = sum(_is_number(cell) for cell in cells)
    if numbers == len(cells):
        return "numeric"
    if numbers * 2 <= len(cells):
        return "categorical"
    for line, row in zip(table.lines, table.rows, strict=True):
        cell = row[index]
        if not _is_number(cell) and not _is_missing(cell):
            raise DataError(
                f"{table.path}, line {line}, column {table.names[index]!r}: {cell!r} is not a number "
                f"({numbers} of {len(cells)} values in this column are numbers); fix the cell, or mark the "
                "column as categorical."
            )
    raise AssertionError("unreachable")


def _features(
    table: _Table, indexes: list[int], kinds: dict[int, str]
) -> tuple[np.ndarray, list[str], list[list[int]]]:
    """The feature matrix (missing cells NaN), its column names, and the columns of each CSV column."""
    columns: list[np.ndarray] = []
    names: list[str] = []
    groups: list[list[int]] = []
    width = 0
    for i in indexes:
        cells = [row[i] for row in table.rows]
        gaps = np.array([_is_missing(cell) for cell in cells])
        if kinds[i] == "numeric":
            column = np.array([np.nan if gap else float(cell) for cell, gap in zip(cells, gaps, strict=True)],
                              dtype="float32")[:, None]
            labels = [table.names[i]]
        else:
            values = sorted({cell for cell, gap in zip(cells, gaps, strict=True) if not gap})
            column = (np.array(cells)[:, None] == np.array(values)[None, :]).astype("float32")
            column[gaps] = np.nan
            labels = [f"{table.names[i]}={value}" for value in values]
        columns.append(column)
        names.extend(labels)
        groups.append(list(range(width, width + len(labels))))
        width += len(labels)
    return np.concatenate(columns, axis=1), names, groups


def _target(
    table: _Table, index: int, kind: str, task: str | None
) -> tuple[np.ndarray, str, list[str]]:
    cells = [row[index] for row in table.rows]
    if kind == "categorical":
        if task == REGRESSION:
            raise DataError(
                f"{table.path}: target column {table.names[index]!r} is text; it cannot be regressed."
            )
        names = sorted(set(cells))
        return np.searchsorted(np.array(names), np.array(cells)).astype("int64"), CLASSIFICATION, names
    values = np.array([float(cell) for cell in cells])
    distinct = np.unique(values)
    whole = bool(np.all(values == np.round(values)))
    if task is None:
        task = CLASSIFICATION if whole and len(distinct) <= MAX_CLASSES else REGRESSION
    if task == REGRESSION:
        return values.astype("float32")[:, None], REGRESSION, []
    if not whole:
        raise DataError(f"{table.path}: target column {table.names[index]!r} has fractional values; "
                        "class labels must be whole numbers or text.")
    names = [str(int(value)) for value in distinct]
    return np.searchsorted(distinct, values).astype("int64"), CLASSIFICATION, names
