"""The dataset dialog: a bundled set, a file, and augmentation settings, each turned into the data section."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.data.dataset import DataError
from app.ui.data_dialog import DataDialog


def test_a_bundled_dataset_with_augmentation(qtbot):
    dialog = DataDialog({"source": "digits"})
    qtbot.addWidget(dialog)
    assert dialog.bundled_button.isChecked() and dialog.bundled.currentData() == "digits"
    dialog.flip.setCurrentText("horizontal")
    dialog.factors["rotation"].setValue(0.1)
    settings = dialog.settings()
    assert settings["source"] == "digits"
    assert settings["augmentation"]["flip"] == "horizontal"
    assert settings["augmentation"]["rotation"] == pytest.approx(0.1)


def test_no_augmentation_writes_no_section(qtbot):
    dialog = DataDialog({"source": "iris"})
    qtbot.addWidget(dialog)
    assert dialog.settings() == {"source": "iris"}


def test_existing_augmentation_is_shown(qtbot):
    dialog = DataDialog({"source": "digits", "augmentation": {"zoom": 0.2}})
    qtbot.addWidget(dialog)
    assert dialog.factors["zoom"].value() == pytest.approx(0.2)


def test_a_csv_file_with_a_target(qtbot, tmp_path: Path):
    table = tmp_path / "homes.csv"
    table.write_text("rooms,price\n3,100\n4,150\n", encoding="utf-8")
    dialog = DataDialog(project_dir=tmp_path)
    qtbot.addWidget(dialog)
    dialog.file_button.setChecked(True)
    dialog.path.setText(str(table))
    dialog.target.setText("price")
    assert dialog.settings() == {"source": "csv", "path": "homes.csv", "target": "price"}


def test_a_missing_file_is_refused_and_the_dialog_stays_open(qtbot, tmp_path: Path):
    dialog = DataDialog()
    qtbot.addWidget(dialog)
    dialog.file_button.setChecked(True)
    dialog.path.setText(str(tmp_path / "nowhere.csv"))
    with pytest.raises(DataError):
        dialog.settings()
    dialog.accept()
    assert not dialog.error.isHidden() and "nowhere.csv" in dialog.error.text()
