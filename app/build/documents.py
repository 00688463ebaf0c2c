"""Open any file a person may hand Netloom: a project, or a Keras model to import."""

from __future__ import annotations

from pathlib import Path

from app.core.project import Project, load_project

MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")


def is_model_file(path: str | Path) -> bool:
    """True for Keras model files (imported as graphs) rather than projects."""
    return Path(path).suffix.lower() in MODEL_SUFFIXES


def load_document(path: str | Path) -> Project:
    """A project from a ``.netloom`` file, or from a ``.keras`` / ``.h5`` model imported on the spot.

    Projects are read without Keras; a model file imports keras (only when asked).
    """
    if is_model_file(path):
        from app.build.keras_import import import_model_file

        return Project(graph=import_model_file(path), name=Path(path).stem)
    return load_project(path)
