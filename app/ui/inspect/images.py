"""Arrays as pictures: colour maps from the palette, NumPy -> ``QImage``, and two image widgets.

- ``diverging_colors(palette)`` / ``sequential_colors()``: lookup tables
  (``(256, 3)`` ``uint8``). Signed values (weights) run blue -> the
  palette's base colour -> orange, so zero is the background in either
  theme; magnitudes (activations, saliency, counts) use viridis.
- ``to_qimage(values, lut, background)``: values in [0, 1] (NaN = a gap in
  ``background``) or an ``(h, w, 3)`` RGB array, as a ``QImage``.
- ``ArrayImage``: a widget that paints one such image scaled to fit, pixels
  kept sharp; ``ImagePlot``: a pyqtgraph plot of an image with axes and a
  colour scale whose ends are labelled with real values.
- ``image_file_sample(path, shape)``: an image file read with Qt (no PIL
  needed) and resized to an Input's ``(height, width, channels)``, in [0, 1].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from app.ui.theme import category_color, is_dark

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff")


# ------------------------------------------------------------ colour maps
def sequential_colors() -> np.ndarray:
    """Viridis as a ``(256, 3)`` ``uint8`` table (readable on light and dark backgrounds)."""
    return pg.colormap.get("viridis").getLookupTable(0.0, 1.0, 256, alpha=False).astype("uint8")


def diverging_colors(palette: QPalette) -> np.ndarray:
    """Blue (low) -> the palette's base colour (middle) -> orange (high), ``(256, 3)`` ``uint8``."""
    dark = is_dark(palette)
    low, high = category_color("Core", dark), category_color("Convolution", dark)
    middle = palette.color(QPalette.ColorRole.Base)
    stops = np.array([_rgb(low), _rgb(middle), _rgb(high)], dtype="float64")
    position = np.linspace(0.0, 2.0, 256)
    left = np.minimum(position.astype(int), 1)
    fraction = (position - left)[:, None]
    return np.rint(stops[left] * (1 - fraction) + stops[left + 1] * fraction).astype("uint8")


def _rgb(color: QColor) -> tuple[int, int, int]:
    return color.red(), color.green(), color.blue()


def to_rgb(values: np.ndarray, lut: np.ndarray, background: QColor) -> np.ndarray:
    """``(h, w)`` values in [0, 1] through ``lut``, or ``(h, w, 3)`` as colour; NaN -> background."""
    values = np.asarray(values, dtype="float32")
    if values.ndim == 3 and values.shape[-1] == 1:
        values = values[..., 0]
    gaps = ~np.isfinite(values)
    if values.ndim == 3:
        rgb = np.rint(np.clip(np.nan_to_num(values), 0.0, 1.0) * 255).astype("uint8")
        gaps = gaps.any(axis=-1)
    else:
        index = np.rint(np.clip(np.nan_to_num(values), 0.0, 1.0) * (len(lut) - 1)).astype(int)
        rgb = lut[index]
    rgb = np.array(rgb[..., :3], dtype="uint8")
    rgb[gaps] = _rgb(background)
    return rgb


def rgb_to_qimage(rgb: np.ndarray) -> QImage:
    """An ``(h, w, 3)`` ``uint8`` array as a ``QImage`` that owns its pixels."""
    rgb = np.ascontiguousarray(rgb, dtype="uint8")
    height, width = rgb.shape[:2]
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def to_qimage(values: np.ndarray, lut: np.ndarray, background: QColor) -> QImage:
    """``to_rgb`` as a ``QImage``."""
    return rgb_to_qimage(to_rgb(values, lut, background))


def sample_picture(sample: np.ndarray) -> np.ndarray | None:
    """A sample that is an image (``(h, w)`` or ``(h, w, 1|3)``) scaled to [0, 1] for drawing, else None."""
    array = np.asarray(sample, dtype="float32")
    if array.ndim == 3 and array.shape[-1] in (1, 3) and min(array.shape[:2]) > 1:
        pass
    elif array.ndim == 2 and min(array.shape) > 1:
        array = array[..., None]
    else:
        return None
    finite = array[np.isfinite(array)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    spread = high - low if high > low else 1.0
    scaled = np.clip((array - low) / spread, 0.0, 1.0)
    return scaled[..., 0] if scaled.shape[-1] == 1 else scaled


def grey_colors() -> np.ndarray:
    """Black to white, ``(256, 3)`` ``uint8`` (a grey sample image)."""
    ramp = np.arange(256, dtype="uint8")
    return np.stack([ramp, ramp, ramp], axis=1)


# ---------------------------------------------------------------- widgets
class ArrayImage(QWidget):
    """Paints an array as an image scaled to fit (aspect kept, pixels sharp), in the palette's colours.

    ``set_values(values, colours)``: ``values`` in [0, 1] (NaN: a gap in the
    window colour) drawn ``"sequential"`` (viridis) or ``"grey"``, or
    ``(h, w, 3)`` colour with ``"rgb"``. The picture is made again when the
    palette changes. ``preferred_scale`` (screen pixels per value) sizes the hint.
    """

    def __init__(self, parent: QWidget | None = None, preferred_scale: int = 8, minimum: int = 48) -> None:
        super().__init__(parent)
        self.values: np.ndarray | None = None
        self.colours = "sequential"
        self.preferred_scale = preferred_scale
        self._minimum = minimum
        self._image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_values(self, values: np.ndarray, colours: str = "sequential") -> None:
        """Show ``values`` through the colour map ``colours`` (``sequential``, ``grey`` or ``rgb``)."""
        self.values = np.asarray(values, dtype="float32")
        self.colours = colours
        self._image = None
        self.updateGeometry()
        self.update()

    @property
    def image(self) -> QImage:
        """The picture as drawn (before scaling)."""
        if self._image is None:
            if self.values is None:
                return QImage()
            lut = grey_colors() if self.colours == "grey" else sequential_colors()
            self._image = to_qimage(self.values, lut, self.palette().color(QPalette.ColorRole.Window))
        return self._image

    def sizeHint(self) -> QSize:
        """The image at its preferred scale."""
        if self.values is None:
            return QSize(self._minimum, self._minimum)
        height, width = self.values.shape[:2]
        scale = self.preferred_scale
        return QSize(max(width * scale, self._minimum), max(height * scale, self._minimum))

    def minimumSizeHint(self) -> QSize:
        """Small, but never nothing."""
        return QSize(self._minimum, self._minimum)

    def changeEvent(self, event: QEvent) -> None:
        """Make the picture again in the new palette's colours."""
        if event.type() == QEvent.Type.PaletteChange:
            self._image = None
            self.update()
        super().changeEvent(event)

    def paintEvent(self, event: object) -> None:
        """The image, as large as fits, centred across and at the top."""
        image = self.image
        if image.isNull():
            return
        painter = QPainter(self)
        size = image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        left = (self.width() - size.width()) // 2
        painter.drawImage(left, 0, image.scaled(size))  # at the top, under its caption
        painter.end()


class ImagePlot(pg.GraphicsLayoutWidget):
    """An image on axes with a colour scale beside it; recolours with the palette.

    ``show_values(values, low, high, diverging)``: ``values`` in [0, 1]
    (NaN: gap), drawn through the diverging or sequential map; the colour
    bar's ends read ``low`` and ``high``. ``show_rgb(rgb)`` draws colour
    tiles (no colour scale). Row 0 of the image is drawn at the top.
    """

    def __init__(self, x_label: str = "", y_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = self.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.invertY(True)
        self.plot.setAspectLocked(True)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image_item)
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), width=12, interactive=False)
        self.addItem(self.bar, row=0, col=1)
        self._labels = (x_label, y_label)
        self._values: np.ndarray | None = None
        self._diverging = True
        self._rgb: np.ndarray | None = None
        self.values_range = (0.0, 1.0)
        self.setMinimumSize(200, 160)
        self.apply_palette()

    def show_values(self, values: np.ndarray, low: float, high: float, diverging: bool = True) -> None:
        """Draw ``values`` (in [0, 1]) with a colour scale from ``low`` to ``high``."""
        self._values, self._rgb, self._diverging = np.asarray(values, dtype="float32"), None, diverging
        self.values_range = (float(low), float(high))
        self.bar.setVisible(True)
        self._draw()
        self.plot.autoRange(padding=0.02)

    def show_rgb(self, rgb: np.ndarray) -> None:
        """Draw colour values ``(h, w, 3)`` in [0, 1] (NaN: gap) without a colour scale."""
        self._rgb, self._values = np.asarray(rgb, dtype="float32"), None
        self.bar.setVisible(False)
        self._draw()
        self.plot.autoRange(padding=0.02)

    def image_array(self) -> np.ndarray | None:
        """What is drawn, as given (values in [0, 1] or colour), or None."""
        return self._values if self._values is not None else self._rgb

    def _lut(self) -> np.ndarray:
        return diverging_colors(self.palette()) if self._diverging else sequential_colors()

    def _draw(self) -> None:
        background = self.palette().color(QPalette.ColorRole.Base)
        if self._values is not None:
            rgb = to_rgb(self._values, self._lut(), background)
        elif self._rgb is not None:
            rgb = to_rgb(self._rgb, self._lut(), background)
        else:
            return
        self.image_item.setImage(rgb, levels=(0, 255))
        low, high = self.values_range
        if high <= low:
            high = low + 1.0
        self.bar.setColorMap(pg.ColorMap(np.linspace(0, 1, 256), self._lut()))
        self.bar.setLevels((low, high))

    def changeEvent(self, event: QEvent) -> None:
        """Recolour on a palette change (a theme switch)."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "bar"):
            self.apply_palette()
        super().changeEvent(event)

    def apply_palette(self) -> None:
        """Background, axes and the colour map in the palette's colours."""
        palette = self.palette()
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        style_axes(self.plot, palette, *self._labels)
        style_axis(self.bar.axis, palette)
        self._draw()


def style_axis(axis: pg.AxisItem, palette: QPalette) -> None:
    """An axis in the palette's muted (line) and text (labels) colours."""
    axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.PlaceholderText)))
    axis.setTextPen(pg.mkPen(palette.color(QPalette.ColorRole.Text)))


def style_axes(plot: pg.PlotItem, palette: QPalette, x_label: str = "", y_label: str = "",
               title: str = "") -> None:
    """The left and bottom axes, their labels and the title in the palette's colours."""
    muted = palette.color(QPalette.ColorRole.PlaceholderText).name()
    for side in ("left", "bottom"):
        style_axis(plot.getAxis(side), palette)
    if x_label:
        plot.setLabel("bottom", x_label, color=muted, size="8pt")
    if y_label:
        plot.setLabel("left", y_label, color=muted, size="8pt")
    if title:
        plot.setTitle(title, color=palette.color(QPalette.ColorRole.Text).name(), size="9pt")


class ThemedPlot(pg.PlotWidget):
    """A pyqtgraph plot with a title and axis labels that follows the palette (``redraw`` on a change).

    Subclasses or owners draw into ``getPlotItem()``; ``on_palette`` (a
    callable, optional) runs after the plot recoloured, to restyle items.
    """

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title, self.x_label, self.y_label = title, x_label, y_label
        self.on_palette = None
        self.setMenuEnabled(False)
        self.getPlotItem().hideButtons()
        self.setMinimumSize(200, 150)
        self.apply_palette()

    def changeEvent(self, event: QEvent) -> None:
        """Recolour on a palette change (a theme switch)."""
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "title"):
            self.apply_palette()
            if self.on_palette is not None:
                self.on_palette()
        super().changeEvent(event)

    def apply_palette(self) -> None:
        """Background, axes, labels and title in the palette's colours."""
        self.setBackground(self.palette().color(QPalette.ColorRole.Base))
        style_axes(self.getPlotItem(), self.palette(), self.x_label, self.y_label, self.title)


# ------------------------------------------------------------- image files
def is_image_file(path: str | Path) -> bool:
    """True when ``path`` has the suffix of an image Qt can usually read."""
    return Path(path).suffix.lower() in IMAGE_SUFFIXES


def image_file_sample(path: str | Path, shape: tuple[int | None, ...]) -> np.ndarray:
    """The image file at ``path`` resized to ``shape`` ``(height, width, channels)``, ``float32`` in [0, 1].

    One channel takes the grey value, three the RGB colours. Raises
    ``ValueError`` when the file is no readable image or ``shape`` is not
    an image Input.
    """
    if len(shape) != 3 or shape[-1] not in (1, 3) or None in shape[:2]:
        raise ValueError(f"An image file can only feed an image Input (height, width, 1 or 3); this Input "
                         f"is {list(shape)}.")
    image = QImage(str(path))
    if image.isNull():
        raise ValueError(f"{Path(path).name} is not an image Qt can read.")
    height, width, channels = int(shape[0]), int(shape[1]), int(shape[2])
    image = image.scaled(width, height, Qt.AspectRatioMode.IgnoreAspectRatio,
                         Qt.TransformationMode.SmoothTransformation)
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    buffer = np.frombuffer(image.constBits(), dtype="uint8", count=image.sizeInBytes())
    rows = buffer.reshape(height, image.bytesPerLine())[:, : 3 * width].reshape(height, width, 3)
    pixels = rows.astype("float32") / 255.0
    if channels == 1:
        pixels = (pixels @ np.array([0.299, 0.587, 0.114], dtype="float32"))[..., None]
    return pixels
