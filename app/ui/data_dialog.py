"""Choose a project's dataset: a bundled one, a file (CSV, ``.npz``) or a folder of images.

The dialog only produces the project's ``data`` settings (see
``app.data.starter.data_settings_for``); loading happens on a worker in the
window, which then offers to fit the model's Input and output to the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.data.augment import FACTORS, FLIPS, AugmentSettings
from app.data.dataset import DataError
from app.data.sources import source_descriptions
from app.data.starter import data_settings_for

FILE_FILTER = "Data files (*.csv *.tsv *.txt *.npz);;All files (*)"
FILE_SOURCES = ("npz", "csv", "keras")  # sources read from files, not bundled sets


class DataDialog(QDialog):
    """Pick a bundled dataset, a data file or an image folder; ``settings()`` gives the data section."""

    def __init__(self, current: dict[str, Any] | None = None, project_dir: Path | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose dataset")
        self._project_dir = project_dir
        current = current or {}

        self.bundled_button = QRadioButton("Bundled dataset")
        self.file_button = QRadioButton("File or image folder")
        group = QButtonGroup(self)
        group.addButton(self.bundled_button)
        group.addButton(self.file_button)

        self.bundled = QComboBox()
        for name, description in source_descriptions().items():
            if name not in FILE_SOURCES:
                self.bundled.addItem(f"{name} — {description}", name)
        self.path = QLineEdit(placeholderText="A .csv or .npz file, or a folder with one subfolder per class")
        browse_file = QPushButton("File…")
        browse_file.clicked.connect(self._browse_file)
        browse_folder = QPushButton("Folder…")
        browse_folder.clicked.connect(self._browse_folder)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse_file)
        path_row.addWidget(browse_folder)
        self.target = QLineEdit(placeholderText="CSV only: the column to predict (default: the last)")
        self.error = QLabel(wordWrap=True)
        self.error.setStyleSheet("color: #d9363e;")
        self.error.hide()

        form = QFormLayout()
        form.addRow(self.bundled_button)
        form.addRow("Dataset", self.bundled)
        form.addRow(self.file_button)
        form.addRow("Path", path_row)
        form.addRow("Target column", self.target)
        ok, cancel = QDialogButtonBox.StandardButton.Ok, QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok | cancel)
        augmentation = self._augmentation_box(AugmentSettings.from_dict(current.get("augmentation")))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(augmentation)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(620, 0)

        source = current.get("source")
        index = self.bundled.findData(source)
        if index >= 0 or not current:
            self.bundled_button.setChecked(True)
            self.bundled.setCurrentIndex(max(index, 0))
        else:
            self.file_button.setChecked(True)
            self.path.setText(str(current.get("path") or ""))
            self.target.setText(str(current.get("target") or ""))
        self.bundled.activated.connect(lambda _index: self.bundled_button.setChecked(True))
        self.path.textEdited.connect(lambda _text: self.file_button.setChecked(True))

    def settings(self) -> dict[str, Any]:
        """The ``data`` section for the choice made; ``DataError`` when the path or target is unusable."""
        if self.bundled_button.isChecked():
            settings: dict[str, Any] = {"source": self.bundled.currentData()}
        else:
            path = self.path.text().strip()
            if not path:
                raise DataError("Choose a file or a folder, or a bundled dataset.")
            if not Path(path).expanduser().exists():
                raise DataError(f"{path}: no such file or folder")
            settings = data_settings_for(path, self.target.text().strip() or None, self._project_dir)
        augment = self.augmentation()
        if augment.active:
            settings["augmentation"] = augment.to_dict()
        return settings

    def augmentation(self) -> AugmentSettings:
        """The augmentation chosen (images only; it acts in training only)."""
        values = {name: box.value() for name, box in self.factors.items()}
        return AugmentSettings(flip=self.flip.currentText(), **values)

    def _augmentation_box(self, current: AugmentSettings) -> QGroupBox:
        box = QGroupBox("Augmentation (images; applied only while training)")
        form = QFormLayout(box)
        self.flip = QComboBox()
        self.flip.addItems(list(FLIPS))
        self.flip.setCurrentText(current.flip)
        form.addRow("Flip", self.flip)
        tips = {
            "rotation": "Largest turn, as a fraction of a full turn",
            "zoom": "Largest zoom in or out, as a fraction of the size",
            "translation": "Largest shift, as a fraction of the size",
            "contrast": "Largest contrast change, as a fraction",
            "noise": "Standard deviation of the Gaussian noise added, in pixel units",
        }
        self.factors: dict[str, QDoubleSpinBox] = {}
        for name in (*FACTORS, "noise"):
            spin = QDoubleSpinBox(decimals=3, singleStep=0.05, maximum=1.0 if name in FACTORS else 1000.0)
            spin.setValue(float(getattr(current, name)))
            spin.setToolTip(tips[name])
            form.addRow(name.capitalize(), spin)
            self.factors[name] = spin
        return box

    def accept(self) -> None:
        """Close only with usable settings; otherwise say what is wrong and stay open."""
        try:
            self.settings()
        except DataError as error:
            self.error.setText(str(error))
            self.error.show()
            return
        super().accept()

    def _browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Data file", self.path.text(), FILE_FILTER)
        if path:
            self.path.setText(path)
            self.file_button.setChecked(True)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Image folder (one subfolder per class)",
                                                self.path.text())
        if path:
            self.path.setText(path)
            self.file_button.setChecked(True)
