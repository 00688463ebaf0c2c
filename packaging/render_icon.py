"""Render packaging/netloom.svg to the 256x256 PNGs the desktop entry and the window use.

Run from the repository root after editing the SVG:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icon.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "packaging" / "netloom.svg"
TARGETS = (ROOT / "packaging" / "netloom.png", ROOT / "resources" / "icons" / "netloom.png")
SIZE = 256


def render(source: Path, size: int) -> QImage:
    """The SVG at ``source`` drawn on a transparent square of ``size`` pixels."""
    renderer = QSvgRenderer(str(source))
    if not renderer.isValid():
        raise ValueError(f"{source} is not a valid SVG file.")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    """Write every target PNG; return the exit code."""
    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    image = render(SOURCE, SIZE)
    for target in TARGETS:
        target.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(target), "PNG"):
            sys.stderr.write(f"Could not write {target}.\n")
            return 1
        sys.stdout.write(f"Wrote {target.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
