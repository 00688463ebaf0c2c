"""Image folders: class subfolders streamed through tf.data; bad files skipped and counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.data.dataset import DataError
from app.data.image_folder import load_image_folder, scan_image_folder
from app.data.sources import load_source


def _png(path: Path, value: int) -> None:
    import tensorflow as tf

    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.full((12, 10, 3), value, dtype=np.uint8)
    path.write_bytes(tf.io.encode_png(image).numpy())


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "pictures"
    for index in range(5):
        _png(root / "cats" / f"cat{index}.png", 30)
        _png(root / "dogs" / f"dog{index}.png", 200)
    return root


def test_grayscale_batches_resized_with_class_names(folder: Path) -> None:
    data = load_image_folder(folder, image_size=[8, 8], color_mode="grayscale", batch_size=4,
                             validation_fraction=0.2)
    assert data.class_names == ["cats", "dogs"] and data.input_shape == (8, 8, 1)
    images, _ = next(iter(data.train))
    assert images.shape[1:] == (8, 8, 1) and images.shape[0] <= 4
    train_count = sum(int(batch[1].shape[0]) for batch in data.train)
    val_count = sum(int(batch[1].shape[0]) for batch in data.validation)
    assert (train_count, val_count) == (8, 2)
    assert "10 images in 2 classes (cats 5, dogs 5)" in data.notes[0]


def test_corrupt_and_non_image_files_are_skipped_and_counted(folder: Path) -> None:
    (folder / "cats" / "broken.png").write_bytes(b"not a png at all")
    (folder / "dogs" / "readme.txt").write_text("hello")
    scan = scan_image_folder(folder)
    assert len(scan.skipped) == 2
    assert scan.skipped_note() == "2 files skipped as corrupt or not images: cats/broken.png, dogs/readme.txt"
    data = load_image_folder(folder, image_size=[8, 8], validation_fraction=0.0, batch_size=20)
    images, labels = next(iter(data.train))
    assert images.shape == (10, 8, 8, 3)
    assert sorted(labels.numpy().tolist()) == [0] * 5 + [1] * 5
    assert data.notes[-1].startswith("2 files skipped")


def test_missing_and_empty_folders(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="nowhere: no such folder"):
        scan_image_folder(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty: the folder is empty"):
        scan_image_folder(tmp_path / "empty")


def test_empty_class_folder_is_named(folder: Path) -> None:
    (folder / "birds").mkdir()
    with pytest.raises(DataError, match=r"birds: the class folder is empty"):
        scan_image_folder(folder)


def test_class_folder_of_only_bad_files(folder: Path) -> None:
    (folder / "fish").mkdir()
    (folder / "fish" / "a.jpg").write_bytes(b"\x00\x01")
    with pytest.raises(DataError, match=r"fish: the class folder has no readable images \(1 files skipped\)"):
        scan_image_folder(folder)


def test_through_load_source_with_a_relative_path(folder: Path) -> None:
    data = load_source({"source": "image_folder", "path": "pictures", "image_size": [6, 6]}, folder.parent)
    assert data.input_shape == (6, 6, 3) and data.validation is not None


def test_image_folder_without_a_path_asks_for_one() -> None:
    with pytest.raises(DataError, match="image_folder source needs a path"):
        load_source({"source": "image_folder", "path": None})
