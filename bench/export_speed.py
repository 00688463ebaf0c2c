"""How long does exporting and verifying each format take?

Exports two models in every format with ``app.export.engine.export_project``
and prints, per format, the seconds to write the file, reload it with its
runtime and compare the outputs on the probe batch, with the file's size and
the largest difference measured:

1. ``digits-cnn``, the bundled example (fresh weights);
2. an imported MobileNetV2: ``keras.applications.MobileNetV2(weights=None)``
   (nothing is downloaded) saved as ``.keras``, imported as a graph with its
   weights (``app.build.keras_import``), then exported like any project.

``setup`` is the time before the first format: building the model, loading
its weights, planning the preprocessing and the probe. The Python script's
time includes starting a fresh interpreter that imports Keras.

    PYTHONPATH=. python bench/export_speed.py
    PYTHONPATH=. python bench/export_speed.py --formats keras,onnx,tflite --image-size 160
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def digits_project():
    """The bundled digits-cnn example."""
    from app.core.examples import example_path
    from app.core.project import load_project

    return load_project(example_path("digits-cnn"))


def mobilenet_project(folder: Path, image_size: int):
    """MobileNetV2 (random weights, no download) saved as .keras and imported as a project."""
    import keras

    from app.build.keras_import import import_model_file, save_imported_weights
    from app.core.project import Project, save_project

    model = keras.applications.MobileNetV2(input_shape=(image_size, image_size, 3), weights=None)
    model.save(folder / "mobilenetv2.keras")
    started = time.perf_counter()
    graph = import_model_file(folder / "mobilenetv2.keras")
    save_imported_weights(graph, folder / "mobilenetv2.keras", folder / "mobilenetv2.weights.h5")
    print(f"  import: {len(graph)} nodes in {time.perf_counter() - started:.1f} s")
    project = Project(graph=graph, name="mobilenetv2", weights="mobilenetv2.weights.h5")
    save_project(project, folder / "mobilenetv2.netloom")
    return project


def bench(title: str, project, formats: list[str], out: Path) -> None:
    """Export ``project`` and print a line per format."""
    from app.export.engine import ExportOptions, export_project
    from app.export.headless import format_size

    marks: dict[str, float] = {}
    started = time.perf_counter()
    report = export_project(project, out, ExportOptions(formats=formats),
                            progress=lambda key, *_: marks.setdefault(key, time.perf_counter()))
    total = time.perf_counter() - started
    print(f"\n{title}  (weights: {report.weights_source}; probe: {report.probe})")
    print(f"  {'setup':11} {marks[formats[0]] - started:7.2f} s")
    for result in report.results:
        if result.ok:
            print(f"  {result.format:11} {result.seconds:7.2f} s  {format_size(result.size_bytes):>10}  "
                  f"max |diff| {result.max_abs_diff:.2g}")
        else:
            print(f"  {result.format:11} {result.seconds:7.2f} s  FAILED: {result.error}")
    print(f"  {'total':11} {total:7.2f} s")


def main() -> None:
    """Parse the arguments and run both benchmarks."""
    from app.export.formats import parse_formats

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="all", help="comma-separated formats (default: all)")
    parser.add_argument("--image-size", type=int, default=224, help="MobileNetV2's input side (default 224)")
    args = parser.parse_args()
    formats = parse_formats(args.formats)
    import keras

    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="netloom-bench-export-") as scratch:
        root = Path(scratch)
        for name in ("digits", "mobilenet", "model"):
            (root / name).mkdir()
        bench("digits-cnn", digits_project(), formats, root / "digits")
        print("\nMobileNetV2 (imported)")
        bench(f"MobileNetV2 {args.image_size}x{args.image_size}",
              mobilenet_project(root / "model", args.image_size), formats, root / "mobilenet")


if __name__ == "__main__":
    main()
