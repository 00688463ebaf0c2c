"""Image folders: one subfolder per class, streamed with ``keras.utils.image_dataset_from_directory``.

``scan_image_folder`` checks the folder first: it refuses a missing or
empty folder and an empty class folder, and it decodes every file, so that
a corrupt file or one that is not an image is skipped and counted instead
of stopping training half way. ``load_image_folder`` then builds the
``tf.data`` pipelines (resized, grayscale or RGB, batched, split with a
seed). When files were skipped, Keras reads the good ones through a
temporary folder of links, which lives as long as the ``ImageFolderData``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.data.dataset import DataError

IMAGE_SUFFIXES = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what image_dataset_from_directory reads
COLOR_MODES = {"grayscale": 1, "rgb": 3, "rgba": 4}
SHOWN = 5  # how many skipped files a note names


@dataclass
class FolderScan:
    """What is in an image folder: the classes, their good image files, and the files skipped."""

    root: Path
    class_names: list[str]
    files: dict[str, list[Path]]
    skipped: list[Path] = field(default_factory=list)

    def skipped_note(self) -> str:
        """A note naming the count and the first few skipped files ('' when none were)."""
        if not self.skipped:
            return ""
        names = ", ".join(str(p.relative_to(self.root)) for p in self.skipped[:SHOWN])
        more = f" and {len(self.skipped) - SHOWN} more" if len(self.skipped) > SHOWN else ""
        return f"{len(self.skipped)} files skipped as corrupt or not images: {names}{more}"


@dataclass
class ImageFolderData:
    """Batched ``tf.data`` pipelines of (image, integer label) and what they hold."""

    train: Any
    validation: Any | None
    class_names: list[str]
    input_shape: tuple[int, int, int]
    scan: FolderScan
    notes: list[str] = field(default_factory=list)
    staging: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def num_classes(self) -> int:
        """How many classes (subfolders) there are."""
        return len(self.class_names)


def scan_image_folder(path: str | Path) -> FolderScan:
    """Check an image folder and list its good images per class; ``DataError`` names what is wrong."""
    root = Path(path)
    if not root.exists():
        raise DataError(f"{root}: no such folder")
    if not root.is_dir():
        raise DataError(f"{root}: is a file; choose a folder holding one subfolder per class")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise DataError(f"{root}: the folder is empty; it needs one subfolder of images per class")
    entries = {
        name: sorted(p for p in (root / name).rglob("*") if p.is_file() and not p.name.startswith("."))
        for name in classes
    }
    for name in classes:
        if not entries[name]:
            raise DataError(f"{root / name}: the class folder is empty; add images or remove the folder")
    candidates = [p for name in classes for p in entries[name] if p.suffix.lower() in IMAGE_SUFFIXES]
    readable = decodable(candidates)
    files: dict[str, list[Path]] = {}
    skipped: list[Path] = []
    for name in classes:
        good = [p for p in entries[name] if p in readable]
        skipped.extend(p for p in entries[name] if p not in readable)
        if not good:
            count = len(entries[name])
            raise DataError(
                f"{root / name}: the class folder has no readable images ({count} files skipped); "
                "add images or remove the folder"
            )
        files[name] = good
    return FolderScan(root, classes, files, skipped)


def decodable(paths: Sequence[Path]) -> set[Path]:
    """The files among ``paths`` that read and decode as images.

    Every file is decoded, in parallel by a ``tf.data`` pipeline (a folder
    of 20,000 images takes seconds, not minutes); a file that fails to read
    or decode is left out.
    """
    if not paths:
        return set()
    import numpy as np
    import tensorflow as tf

    def decode(index: Any, name: Any) -> tuple[Any, Any]:
        image = tf.io.decode_image(tf.io.read_file(name), expand_animations=False)
        return index, tf.shape(image)

    names = tf.constant([str(p) for p in paths])
    checks = tf.data.Dataset.from_tensor_slices((tf.range(len(paths), dtype=tf.int64), names))
    checks = checks.map(decode, num_parallel_calls=tf.data.AUTOTUNE, deterministic=False).ignore_errors()
    ok = np.zeros(len(paths), dtype=bool)
    for indexes, _ in checks.batch(4096):
        ok[indexes.numpy()] = True
    return {path for path, good in zip(paths, ok, strict=True) if good}


def load_image_folder(
    path: str | Path,
    image_size: Sequence[int] = (96, 96),
    color_mode: str = "rgb",
    batch_size: int = 32,
    seed: int | None = 42,
    validation_fraction: float = 0.2,
    **_: Any,
) -> ImageFolderData:
    """Scan ``path`` and stream its images: resized to ``image_size``, batched, split with ``seed``."""
    if color_mode not in COLOR_MODES:
        raise DataError(f"color_mode: expected one of {', '.join(COLOR_MODES)}; received {color_mode!r}.")
    if not 0.0 <= validation_fraction < 1.0:
        raise DataError(
            f"validation_fraction: expected a fraction from 0 up to 1; received {validation_fraction!r}."
        )
    scan = scan_image_folder(path)
    staging = _stage(scan) if scan.skipped else None
    directory = staging.name if staging else str(scan.root)
    import keras

    size = (int(image_size[0]), int(image_size[1]))
    total = sum(map(len, scan.files.values()))
    # Keras takes int(fraction * count) images for validation and fails when that is none
    split = validation_fraction > 0 and int(validation_fraction * total) > 0
    result = keras.utils.image_dataset_from_directory(
        directory, labels="inferred", label_mode="int", class_names=scan.class_names,
        color_mode=color_mode, batch_size=batch_size, image_size=size, shuffle=True, seed=seed,
        validation_split=validation_fraction if split else None, subset="both" if split else None,
        verbose=False,
    )
    train, validation = result if split else (result, None)
    counts = ", ".join(f"{name} {len(files)}" for name, files in scan.files.items())
    notes = [f"{sum(map(len, scan.files.values()))} images in {len(scan.class_names)} classes ({counts})"]
    notes += [note for note in [scan.skipped_note()] if note]
    if validation_fraction > 0 and not split:
        notes.append(f"{total} images are too few to keep {validation_fraction:g} of them for validation; "
                     "all are used for training")
    return ImageFolderData(train, validation, scan.class_names, (*size, COLOR_MODES[color_mode]),
                           scan, notes, staging)


def _stage(scan: FolderScan) -> tempfile.TemporaryDirectory[str]:
    """A temporary folder of links to the good images only, laid out as the original."""
    staging = tempfile.TemporaryDirectory(prefix="netloom-images-")
    for name, files in scan.files.items():
        for index, source in enumerate(files):
            target = Path(staging.name) / name / f"{index:06d}{source.suffix.lower()}"
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.symlink(source.resolve(), target)
            except OSError:
                shutil.copyfile(source, target)
    return staging


def preview_images(
    scan: FolderScan, image_size: Sequence[int], channels: int = 3, count: int = 24
) -> tuple[Any, list[int]]:
    """Up to ``count`` images of the folder, taken from each class in turn, as the pipeline sees them.

    Returns a ``uint8`` array of ``(n, height, width, channels)`` (resized
    as ``load_image_folder`` resizes) and each image's class index.
    """
    import numpy as np
    import tensorflow as tf

    chosen: list[tuple[Path, int]] = []
    for row in range(max(len(files) for files in scan.files.values())):
        for label, name in enumerate(scan.class_names):
            if row < len(scan.files[name]) and len(chosen) < count:
                chosen.append((scan.files[name][row], label))
    images = []
    for path, _ in chosen:
        image = tf.io.decode_image(path.read_bytes(), channels=channels, expand_animations=False)
        resized = tf.image.resize(image, (int(image_size[0]), int(image_size[1])))
        images.append(np.clip(np.round(resized.numpy()), 0, 255).astype("uint8"))
    shape = (0, int(image_size[0]), int(image_size[1]), channels)
    return (np.stack(images) if images else np.zeros(shape, "uint8")), [label for _, label in chosen]

