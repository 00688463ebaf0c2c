"""The Export dialog: choices, the worker, the overwrite question and the results table."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from app.core.examples import example_path
from app.core.project import load_project
from app.export.results import FORMATS
from app.ui.export_dialog import ExportDialog
from app.ui.param_editors import error_color

pytestmark = pytest.mark.gui
SHOTS = Path("/tmp/helpers")


@pytest.fixture
def dialog(qtbot, tmp_path: Path) -> ExportDialog:
    project = load_project(example_path("xor"))
    dialog = ExportDialog(project)
    qtbot.addWidget(dialog)
    dialog.folder_edit.setText(str(tmp_path))
    for key, check in dialog.format_checks.items():
        check.setChecked(key in ("keras", "json"))
    return dialog


def _export_and_wait(qtbot, dialog: ExportDialog) -> None:
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=120_000)


def test_defaults_offer_every_format_and_baked_preprocessing(qtbot):
    dialog = ExportDialog(load_project(example_path("iris-mlp")))
    qtbot.addWidget(dialog)
    assert dialog.selected_formats() == list(FORMATS)
    options = dialog.options()
    assert (options.run, options.weights, options.opset, options.preprocessing) == (None, "best", 17, True)
    assert dialog.run_combo.itemData(dialog.run_combo.count() - 1) == "none"


def test_export_fills_the_table_with_files_sizes_and_differences(qtbot, dialog: ExportDialog, tmp_path):
    _export_and_wait(qtbot, dialog)
    assert dialog.report.ok
    assert dialog.table.isVisibleTo(dialog) and dialog.table.rowCount() == 2
    assert dialog.table.item(0, 1).text() == "xor.keras"
    assert str(tmp_path / "xor.keras") in dialog.table.item(0, 1).toolTip()
    assert dialog.table.item(0, 2).text().endswith("KB")
    assert float(dialog.table.item(1, 3).text()) < 1e-5
    assert "freshly initialised" in dialog.status.text()
    assert dialog.export_button.isEnabled()


def test_existing_files_are_asked_about_and_kept_on_cancel(qtbot, dialog: ExportDialog, tmp_path):
    (tmp_path / "xor.json").write_text("keep me")
    dialog.export_button.click()
    box = dialog.overwrite_question
    assert box is not None and "xor.json" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: dialog.overwrite_question is None)
    assert dialog.report is None and not dialog.busy
    assert (tmp_path / "xor.json").read_text() == "keep me"


def test_replace_overwrites_and_a_failure_is_red(qtbot, dialog: ExportDialog, tmp_path):
    (tmp_path / "xor.json").write_text("old")
    (tmp_path / "xor.keras").mkdir()  # a folder where the file must go: replacing it fails
    (tmp_path / "xor.keras" / "inside").write_text("x")
    dialog.export_button.click()
    box = dialog.overwrite_question
    replace = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    replace.click()
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=120_000)
    keras_row, json_row = dialog.report.results
    assert not keras_row.ok and json_row.ok
    assert (tmp_path / "xor.json").read_text() != "old"
    failed = dialog.table.item(0, 1)
    assert failed.text().startswith("Failed:") and "xor.keras" in failed.text()
    assert failed.foreground().color() == error_color(dialog.palette())
    assert "1 of 2 formats failed" in dialog.status.text()


def test_nothing_checked_disables_export(dialog: ExportDialog):
    for check in dialog.format_checks.values():
        check.setChecked(False)
    assert not dialog.export_button.isEnabled()


def test_settings_round_trip_through_the_project(qtbot, dialog: ExportDialog):
    dialog.opset_spin.setValue(13)
    dialog.preprocessing_check.setChecked(False)
    project = load_project(example_path("xor"))
    project.export = dialog.settings()
    again = ExportDialog(project)
    qtbot.addWidget(again)
    assert again.selected_formats() == ["keras", "json"] and again.opset_spin.value() == 13
    assert not again.preprocessing_check.isChecked() and again.destination() == dialog.destination()


def test_screenshots_light_and_dark(qtbot, dialog: ExportDialog, theme: str, tmp_path):
    (tmp_path / "xor.keras").mkdir()  # one failure, to see the red row
    dialog._run(overwrite=True)
    qtbot.waitUntil(lambda: dialog.report is not None and not dialog.busy, timeout=120_000)
    dialog.show()
    qtbot.waitExposed(dialog)
    if SHOTS.is_dir():
        dialog.grab().save(str(SHOTS / f"export-dialog-{theme}.png"))
    assert dialog.table.rowCount() == 2
