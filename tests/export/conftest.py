"""Fixtures for the export tests: small real models and projects, and a folder no one can write in."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from app.core.graph import Graph
from app.core.project import Project


def chain_graph(*layers: tuple[str, dict], input_shape: list[int]) -> Graph:
    """A graph ``Input -> layers[0] -> layers[1] -> ...``."""
    graph = Graph()
    previous = graph.add_node("Input", "inputs", {"shape": input_shape}, (0, 0)).id
    for index, (kind, params) in enumerate(layers):
        node = graph.add_node(kind, f"{kind.lower()}_{index}", params, (200 * (index + 1), 0))
        graph.connect(previous, node.id)
        previous = node.id
    return graph


@pytest.fixture
def iris_project(tmp_path: Path) -> Project:
    """A small classifier of the iris data, which the data settings standardize."""
    graph = chain_graph(("Dense", {"units": 8, "activation": "relu"}),
                        ("Dense", {"units": 3, "activation": "softmax"}), input_shape=[4])
    return Project(graph=graph, name="iris", data={"source": "iris"}, path=tmp_path / "iris.netloom")


@pytest.fixture
def unwritable_folder(tmp_path: Path) -> Path:
    """A folder where no file can be created: read-only for a normal user, ``/proc`` for root."""
    if os.geteuid() == 0:  # root writes through permissions; nobody can create files in /proc
        yield Path("/proc")
        return
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


def random_images(count: int, size: int, seed: int = 1) -> np.ndarray:
    """``count`` RGB images of ``size`` x ``size`` with values 0..255 (float32)."""
    return np.round(np.random.default_rng(seed).random((count, size, size, 3)) * 255).astype("float32")
