"""Start the Netloom GUI: the application object, the main window, screenshots."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.ui.main_window import MainWindow

logger = logging.getLogger(__name__)

SCREENSHOT_SIZE = (1600, 1000)
SCREENSHOT_TIMEOUT_S = 180.0
PREVIEW_TIMEOUT_S = 60.0  # a cold TensorFlow import can take a minute on a slow disk


def default_project_path() -> Path | None:
    """The example project opened when no file is given, or None when there is none."""
    from app.core.examples import DEFAULT_EXAMPLE, example_path

    try:
        return example_path(DEFAULT_EXAMPLE)
    except (KeyError, OSError) as error:  # examples not installed: start empty
        logger.warning("Starting with an empty project: %s", error)
        return None


def run_gui(project_path: str | None = None, screenshot: str | None = None, theme: str | None = None) -> int:
    """Open the main window and run the event loop; return the exit code.

    ``project_path`` is the project (or Keras model) to open; without one the
    default example opens as a new, unsaved project. With ``screenshot``, the
    window is drawn offscreen at 1600x1000, Netloom waits until Keras has loaded
    and the graph is checked, saves the window as a PNG at that path and returns
    instead of running the event loop. ``theme`` is "system", "light" or "dark"
    (default: ``$NETLOOM_THEME``, else "system").
    """
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QMessageBox

    app, window, error = create_window(project_path, theme)
    if error and screenshot:
        logger.error("Could not open %s: %s", project_path, error)
        return 1
    if screenshot:
        window.resize(*SCREENSHOT_SIZE)
    window.show()
    if screenshot:
        return save_screenshot(window, screenshot)
    if error:
        QMessageBox.critical(window, "Could not open project", f"{project_path}\n\n{error}")
    else:
        window.offer_recovery()
    return app.exec()


def create_window(
    project_path: str | None = None, theme: str | None = None
) -> tuple[Any, MainWindow, str | None]:
    """The application object and a main window showing ``project_path`` (or the default example).

    Returns ``(app, window, error)``; ``error`` says why the project could not be
    opened (the window then shows an empty project). Nothing is shown yet.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Qt is imported here, not at module level, so the CLI's headless commands never load it.
    from PySide6.QtWidgets import QApplication

    from app import __version__
    from app.ui.main_window import MainWindow, app_icon
    from app.ui.theme import apply_theme, configure_high_dpi

    if QApplication.instance() is None:
        configure_high_dpi()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Netloom")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("netloom")
    apply_theme(app, theme or os.environ.get("NETLOOM_THEME", "system"))
    app.setWindowIcon(app_icon())
    from app.ui.canvas import hand_over_clipboard

    app.aboutToQuit.connect(hand_over_clipboard)

    from app.ui.garbage import install_gui_collector

    collector = install_gui_collector(app)  # cyclic garbage is collected in the GUI thread only
    window = MainWindow()
    window.keras_loaded.connect(collector.freeze)
    error = None
    if project_path:
        error = _open(window, Path(project_path))
    else:
        default = default_project_path()
        if default is not None:
            window.open_template(str(default))
    return app, window, error


def _open(window: MainWindow, path: Path) -> str | None:
    """Open ``path`` in ``window``; the error message when that fails."""
    try:
        window.open_project(path)
    except Exception as error:
        logger.exception("Could not open %s", path)
        return str(error) or type(error).__name__
    return None


def save_screenshot(window: MainWindow, path: str, timeout_s: float = SCREENSHOT_TIMEOUT_S) -> int:
    """Wait until the summary has settled, save ``window`` as a PNG and close it.

    Returns 0 when the picture shows the summary (or the project is empty),
    1 when saving failed, Keras or the summary did not arrive within
    ``timeout_s``, or the summary failed; the picture is saved anyway, so the
    problem can be seen.
    """
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    settled = {"done": False}

    def finish(*_: object) -> None:
        settled["done"] = True
        loop.quit()

    loop = QEventLoop()
    window.summary_updated.connect(finish)
    window.keras_failed.connect(finish)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    start = time.monotonic()
    if not settled["done"]:
        loop.exec()
    if not settled["done"]:
        logger.warning("Keras and the summary did not arrive within %.0f s.", timeout_s)
    elif window.project.data and window.previews_enabled:
        previews = QEventLoop()  # the layer previews follow the check: show them too
        window.previews_updated.connect(previews.quit)
        window.data_failed.connect(previews.quit)
        QTimer.singleShot(int(PREVIEW_TIMEOUT_S * 1000), previews.quit)
        previews.exec()
    logger.info("Screenshot taken %.1f s after start.", time.monotonic() - start)
    window.view.fit_view()
    QApplication.processEvents()

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    saved = window.grab().save(str(target), "PNG")
    if not saved:
        logger.error("Could not write the screenshot to %s.", target)
    shown = window.summary_shown or not len(window.graph)
    if settled["done"] and not shown:
        logger.warning("The screenshot shows no summary: %s", window.summary_message)
    window.close_without_asking()
    return 0 if saved and settled["done"] and shown else 1
