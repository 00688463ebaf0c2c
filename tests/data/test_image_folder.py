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


def test_truncated_image_is_skipped_and_the_rest_decoded_in_parallel(folder: Path) -> None:
    good = (folder / "cats" / "cat0.png").read_bytes()
    (folder / "cats" / "half.png").write_bytes(good[: len(good) // 2])
    (folder / "dogs" / "fake.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    for index in range(40):
        _png(folder / "dogs" / f"more{index}.png", index)
    scan = scan_image_folder(folder)
    assert sorted(p.name for p in scan.skipped) == ["fake.jpg", "half.png"]
    assert len(scan.files["cats"]) == 5 and len(scan.files["dogs"]) == 45


def test_preview_images_take_each_class_in_turn(folder: Path) -> None:
    from app.data.image_folder import preview_images

    images, labels = preview_images(scan_image_folder(folder), (4, 5), channels=1, count=3)
    assert images.shape == (3, 4, 5, 1) and images.dtype == np.uint8
    assert labels == [0, 1, 0]
    assert int(images[0].max()) == 30 and int(images[1].min()) == 200


def test_too_few_images_for_a_validation_split_train_on_all_with_a_note(tmp_path: Path) -> None:
    for name in ("a", "b"):
        for index in range(2):
            _png(tmp_path / "few" / name / f"{index}.png", 10)
    data = load_image_folder(tmp_path / "few", image_size=[4, 4], validation_fraction=0.2)
    assert data.validation is None
    assert data.notes[-1] == (
        "4 images are too few to keep 0.2 of them for validation; all are used for training")
    assert sum(int(batch[1].shape[0]) for batch in data.train) == 4
