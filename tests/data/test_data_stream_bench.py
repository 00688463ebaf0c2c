"""bench/data_stream.py: its PNG writer and image generation, and one tiny run of the whole benchmark."""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch):
    """The benchmark module, importable by name (its worker processes import it again)."""
    monkeypatch.syspath_prepend(str(BENCH_DIR))
    return importlib.import_module("data_stream")


def test_png_bytes_decode_to_the_same_pixels(bench) -> None:
    import tensorflow as tf

    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    decoded = tf.io.decode_png(bench.png_bytes(pixels)).numpy()
    np.testing.assert_array_equal(decoded, pixels)


def test_generate_writes_each_class_and_reuses_a_full_folder(bench, tmp_path: Path) -> None:
    assert bench.generate(tmp_path, 30) > 0
    assert sorted(len(list(p.glob("*.png"))) for p in tmp_path.iterdir()) == [3] * 10
    assert bench.generate(tmp_path, 30) == 0.0


def test_a_tiny_run_prints_the_figures(bench, tmp_path: Path, capsys) -> None:
    bench.main(["--images", "800", "--keep", str(tmp_path), "--batch-size", "32", "--repeats", "1"])
    out = capsys.readouterr().out
    for text in ("streaming:", "in memory:", "ratio streaming / in memory", "peak memory above baseline"):
        assert text in out
