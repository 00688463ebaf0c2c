"""Does streaming an image folder keep up with training, in little memory?

Generates N random 64x64 RGB PNGs (default 20,000) in 10 class folders,
then trains the starter CNN (``app.data.starter``) for one epoch twice:

1. streaming from the folder through ``app.data.image_folder``
   (``keras.utils.image_dataset_from_directory``), peak memory sampled;
2. on the same images held in memory (a ``tf.data`` pipeline over arrays).

It prints steps per second of each (the first steps, which build the
graph, are left out; with ``--repeats`` the epochs alternate and the best
of each kind counts), their ratio (target: at least 0.8) and the peak
resident memory above the baseline while streaming (target: under 1 GiB).

    PYTHONPATH=. python bench/data_stream.py                 # 20,000 images, a temporary folder
    PYTHONPATH=. python bench/data_stream.py --images 2000 --keep /tmp/pngs
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import struct
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import numpy as np

CLASSES = 10
SIZE = 64
WARMUP_STEPS = 5  # steps left out of the rate: graph tracing and the first batches
MIB = 1024 * 1024


# ------------------------------------------------------------ the images
def png_bytes(pixels: np.ndarray) -> bytes:
    """An RGB ``uint8`` array of (height, width, 3) as PNG bytes (plain zlib: no image library needed)."""
    height, width, _ = pixels.shape
    rows = np.concatenate([np.zeros((height, 1), np.uint8), pixels.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
            + chunk(b"IEND", b""))


def _write_range(args: tuple[str, int, int]) -> None:
    root, start, stop = args
    for index in range(start, stop):
        label = index % CLASSES
        rng = np.random.default_rng(index)
        # a class colour plus noise, so the images are not all alike
        base = np.array([(label * 25) % 256, (label * 70) % 256, (255 - label * 25) % 256], np.int16)
        pixels = np.clip(base + rng.integers(-60, 60, (SIZE, SIZE, 3)), 0, 255).astype(np.uint8)
        (Path(root) / f"class_{label}" / f"{index:06d}.png").write_bytes(png_bytes(pixels))


def generate(root: Path, count: int) -> float:
    """Write ``count`` PNGs into ``root/class_k/``; return the seconds it took (reuses a full folder)."""
    existing = sum(1 for _ in root.glob("class_*/*.png")) if root.exists() else 0
    if existing == count:
        return 0.0
    for label in range(CLASSES):
        (root / f"class_{label}").mkdir(parents=True, exist_ok=True)
        for old in (root / f"class_{label}").glob("*.png"):
            old.unlink()
    start = time.perf_counter()
    workers = max(1, os.cpu_count() or 1)
    step = max(1, count // (workers * 8))
    ranges = [(str(root), i, min(count, i + step)) for i in range(0, count, step)]
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        pool.map(_write_range, ranges)
    return time.perf_counter() - start


# ------------------------------------------------------------ measuring
def rss_bytes() -> int:
    """The process's resident memory now (Linux /proc; else the peak from getrusage)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as stream:
            return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


class PeakMemory:
    """Samples the resident memory on a thread every ``interval`` seconds and keeps the peak."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())


def steps_per_second(model, dataset) -> tuple[float, int]:
    """Train one epoch on ``dataset``; return steps per second after the warm-up steps, and steps."""
    import keras

    times: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            times.append(time.perf_counter())

    model.fit(dataset, epochs=1, verbose=0, callbacks=[Timer()])
    if len(times) <= WARMUP_STEPS + 1:
        raise SystemExit(f"only {len(times)} steps: use more images for a meaningful rate")
    timed = times[WARMUP_STEPS:]
    return (len(timed) - 1) / (timed[-1] - timed[0]), len(times)


def starter_model(class_names: list[str]):
    """The starter CNN that ``netloom new --from-data`` makes for 64x64 RGB images in 0..255."""
    from app.build.keras_builder import to_keras
    from app.data.starter import DataSummary, starter_graph

    summary = DataSummary((SIZE, SIZE, 3), "image", "classification", class_names, len(class_names),
                          "softmax", "sparse_categorical_crossentropy", ["accuracy"], scaled_to_unit=False)
    model = to_keras(starter_graph(summary))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def in_memory(stream, batch_size: int):
    """The images of ``stream`` gathered into arrays (uint8), served by a ``tf.data`` pipeline."""
    import tensorflow as tf

    images, labels = [], []
    for x, y in stream:
        images.append(x.numpy().astype(np.uint8))
        labels.append(y.numpy())
    x, y = np.concatenate(images), np.concatenate(labels)
    # already in the stream's shuffled order; no shuffle buffer, so this is the fastest feed there is
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)
    dataset = dataset.map(lambda a, b: (tf.cast(a, tf.float32), b), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE), x.nbytes


# ------------------------------------------------------------ main
def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=20_000, help="how many images to generate")
    parser.add_argument(
        "--keep", metavar="DIR", help="generate into (or reuse) DIR instead of a temporary folder"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--repeats", type=int, default=1,
        help="epochs of each kind, alternating; the best of each is compared (other work on a small "
        "machine makes single epochs noisy)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    holder = None
    if args.keep:
        root = Path(args.keep)
    else:
        holder = tempfile.TemporaryDirectory(prefix="netloom-bench-")
        root = Path(holder.name)
    try:
        seconds = generate(root, args.images)
        made = f"generated in {seconds:.1f} s" if seconds else "reused"
        print(f"images: {args.images} PNGs of {SIZE}x{SIZE}x3 in {CLASSES} classes at {root} ({made})")
        return run(root, args.batch_size, max(1, args.repeats))
    finally:
        if holder is not None:
            holder.cleanup()


def run(root: Path, batch_size: int, repeats: int = 1) -> int:
    """Measure streaming against in-memory training on the images at ``root``, ``repeats`` times each."""
    import keras  # noqa: F401  (imported before the baseline is taken)

    from app.data.image_folder import load_image_folder

    start = time.perf_counter()
    data = load_image_folder(root, image_size=(SIZE, SIZE), batch_size=batch_size, validation_fraction=0.0)
    print(f"scan and check of every file: {time.perf_counter() - start:.1f} s")
    model = starter_model(data.class_names)
    baseline = rss_bytes()
    with PeakMemory() as memory:  # the first streamed epoch, before the in-memory arrays exist
        stream_rates = [steps_per_second(model, data.train)[0]]
    above = (memory.peak - baseline) / MIB
    arrays, size = in_memory(data.train, batch_size)
    memory_rates = [steps_per_second(model, arrays)[0]]
    for _ in range(repeats - 1):
        stream_rates.append(steps_per_second(model, data.train)[0])
        memory_rates.append(steps_per_second(model, arrays)[0])
    steps = -(-sum(len(files) for files in data.scan.files.values()) // batch_size)
    print(f"streaming:  {_rates(stream_rates)} steps/s ({steps} steps of {batch_size} per epoch); "
          f"peak memory {above:.0f} MiB above the baseline of {baseline / MIB:.0f} MiB")
    print(f"in memory:  {_rates(memory_rates)} steps/s (arrays of {size / MIB:.0f} MiB)")
    ratio = max(stream_rates) / max(memory_rates)
    ok_ratio, ok_memory = ratio >= 0.8, above < 1024
    print(f"ratio streaming / in memory (best epochs): {ratio:.2f} "
          f"(target >= 0.8: {'met' if ok_ratio else 'MISSED'})")
    verdict = "met" if ok_memory else "MISSED"
    print(f"peak memory above baseline: {above:.0f} MiB (target < 1024 MiB: {verdict})")
    return 0 if ok_ratio and ok_memory else 1


def _rates(rates: list[float]) -> str:
    best = f"{max(rates):.2f}"
    return best if len(rates) == 1 else f"{best} best of {', '.join(f'{r:.2f}' for r in rates)}"


if __name__ == "__main__":
    sys.exit(main())
