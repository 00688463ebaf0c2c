"""The Qt user interface: the only part of Netloom that imports PySide6 and pyqtgraph."""
