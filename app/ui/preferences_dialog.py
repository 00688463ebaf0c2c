"""The Preferences dialog (Edit > Preferences…): the plugin folders, saved in the settings file.

The dialog edits a copy of the ``Settings``; OK writes them with
``app.settings.save_settings``. Plugins are loaded once, at start, so a
change takes effect when Netloom restarts, which the dialog says.
"""

from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.settings import Settings, SettingsError, load_settings, save_settings, settings_path

FOLDERS_NOTE = (
    "Netloom imports every Python module and package directly inside these folders when it starts, "
    "so add only folders whose code you trust. Changes take effect when Netloom restarts."
)


class PreferencesDialog(QDialog):
    """Add and remove plugin folders; OK saves them to ``path`` (the user's settings file by default)."""

    def __init__(
        self, settings: Settings | None = None, path: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.resize(640, 400)
        self.path = path or settings_path()
        problem = ""
        if settings is None:
            try:
                settings = load_settings(self.path)
            except SettingsError as error:
                problem = f"{error}. Saving replaces it."
                settings = Settings()
        self._settings = copy.deepcopy(settings)

        self.folder_list = QListWidget()
        self.folder_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.folder_list.addItems(self._settings.plugin_folders)
        add = QPushButton("Add folder…")
        add.clicked.connect(self._choose_folder)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.folder_list.itemSelectionChanged.connect(self._update_buttons)

        buttons_column = QVBoxLayout()
        buttons_column.addWidget(add)
        buttons_column.addWidget(self.remove_button)
        buttons_column.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.folder_list, 1)
        row.addLayout(buttons_column)
        group = QGroupBox("Plugin folders")
        group_layout = QVBoxLayout(group)
        group_layout.addLayout(row, 1)
        group_layout.addWidget(QLabel(FOLDERS_NOTE, wordWrap=True))

        self.problem_label = QLabel(problem, wordWrap=True, visible=bool(problem))
        where = QLabel(f"Saved in {self.path}", wordWrap=True)
        where.setEnabled(False)  # drawn muted
        dialog_buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        dialog_buttons.accepted.connect(self.accept)
        dialog_buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.problem_label)
        layout.addWidget(group, 1)
        layout.addWidget(where)
        layout.addWidget(dialog_buttons)
        self._update_buttons()

    def folders(self) -> list[str]:
        """The plugin folders listed, in order."""
        return [self.folder_list.item(i).text() for i in range(self.folder_list.count())]

    def settings(self) -> Settings:
        """The settings as edited (a copy)."""
        edited = copy.deepcopy(self._settings)
        edited.plugin_folders = self.folders()
        return edited

    def add_folder(self, folder: str | Path) -> None:
        """List ``folder`` (made absolute) unless it is listed already."""
        text = str(Path(folder).expanduser().absolute())
        if text not in self.folders():
            self.folder_list.addItem(text)

    def remove_selected(self) -> None:
        """Take the selected folders off the list."""
        for item in self.folder_list.selectedItems():
            self.folder_list.takeItem(self.folder_list.row(item))
        self._update_buttons()

    def accept(self) -> None:
        """Save the settings and close; on failure say why and stay open."""
        try:
            save_settings(self.settings(), self.path)
        except SettingsError as error:
            QMessageBox.critical(self, "Could not save the preferences", str(error))
            return
        super().accept()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a plugin folder")
        if folder:
            self.add_folder(folder)

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(bool(self.folder_list.selectedItems()))
