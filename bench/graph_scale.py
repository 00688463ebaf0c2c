"""How Netloom copes with large graphs: import, layout, re-checking after an edit.

Run from the repository root:

    python bench/graph_scale.py

Prints one figure per line, ``name value`` (seconds unless the name says
otherwise), so runs can be compared with ``diff`` or collected by a script.
Targets: importing ResNet50 (read + graph + layout) under 2 s; laying out
1,000 nodes well under 0.1 s; re-checking a 1,000-node graph after one param
edit under 30 ms (``revalidate_one_edit_median_ms``).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from app.build.keras_import import graph_from_model_config, import_model_file, read_model_config
from app.core.graph import Graph
from app.core.layout import layered_layout


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``action`` took, and what it returned."""
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def best_of(runs: int, action: Callable[[], Any]) -> float:
    """The fastest of ``runs`` timings of ``action``: its cost without the machine's other load."""
    return min(timed(action)[0] for _ in range(runs))


def report(name: str, value: float | int) -> None:
    """Print one figure as ``name value``."""
    print(f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {value}")


def synthetic_graph(size: int, seed: int = 7) -> Graph:
    """A network-like graph: short hops, a quarter of the nodes with a skip connection."""
    rng = random.Random(seed)
    graph = Graph()
    ids = [graph.add_node("Input" if i == 0 else "Dense").id for i in range(size)]
    for i in range(1, size):
        graph.connect(ids[rng.randrange(max(0, i - 4), i)], ids[i], 0)
        if rng.random() < 0.25:
            graph.connect(ids[rng.randrange(max(0, i - 40), i)], ids[i], 1)
    return graph


def bench_resnet50_import(folder: Path) -> Graph:
    """Save ResNet50 (random weights) as .keras, then time each step of importing it."""
    import keras

    path = folder / "resnet50.keras"
    seconds, model = timed(lambda: keras.applications.ResNet50(weights=None))
    report("build_resnet50_s", seconds)
    model.save(path)
    report("resnet50_layers", len(model.layers))
    del model
    keras.backend.clear_session()

    seconds, graph = timed(lambda: import_model_file(path))  # first import: includes one-time checks
    report("import_resnet50_s", seconds)
    report("import_resnet50_again_s", best_of(3, lambda: import_model_file(path)))
    config = read_model_config(path)
    report("read_config_s", best_of(3, lambda: read_model_config(path)))
    report("config_to_graph_s", best_of(3, lambda: graph_from_model_config(config)))
    report("layout_resnet50_s", best_of(3, lambda: layered_layout(graph)))
    return graph


def bench_layout() -> None:
    """Layout time of synthetic graphs of growing size (should grow about linearly)."""
    for size in (250, 1000, 4000):
        graph = synthetic_graph(size)
        report(f"layout_{size}_nodes_s", best_of(3, lambda graph=graph: layered_layout(graph)))


# ---------------------------------------------------------------------------
# HOOK FOR THE LEAD: re-validation after one edit (app/core/validation.py).
# Fill in: make a GraphChecker follow ``graph``, change one param of a node in
# the middle (e.g. the filters of a Conv2D), and return the seconds until the
# checker's problems are up to date. Return None to skip the figure.
# ---------------------------------------------------------------------------
def bench_revalidation(size: int = 1000) -> None:
    """Change one param on a ``size``-node graph and time the re-check (target: under 30 ms)."""
    from app.core.validation import GraphChecker

    graph = Graph()
    previous = graph.add_node("Input", params={"shape": [64]}).id
    dense_ids = []
    for index in range(1, size):
        # Dense layers with a skip (Add) every tenth node: a deep MLP with residual links.
        if index % 10 == 0 and len(dense_ids) >= 2:
            node = graph.add_node("Add").id
            graph.connect(previous, node, 0)
            graph.connect(dense_ids[-2], node, 1)
        else:
            node = graph.add_node("Dense", params={"units": 64, "activation": "relu"}).id
            graph.connect(previous, node)
            dense_ids.append(node)
        previous = node
    checker = GraphChecker(graph)
    seconds, result = timed(checker.check)
    report("nodes", len(graph))
    report("first_check_s", seconds)
    assert result.valid, result.errors[:3]
    # A Dense in the middle that feeds only Dense layers, so a new width is legal and
    # re-checks exactly its successor too.
    middle = next(
        node_id for node_id in dense_ids[len(dense_ids) // 2 :]
        if all(graph.node(s).type == "Dense" for s in graph.successors(node_id))
    )
    samples = []
    for step in range(20):
        # Alternate between an edit that keeps the output shape (activation) and one that does not (units),
        # each a value not seen before, so the cache cannot answer.
        if step % 2:
            graph.set_param(middle, "activation", ["tanh", "sigmoid", "elu", "selu", "gelu"][step // 2 % 5])
        else:
            graph.set_param(middle, "units", 65 + step)
        samples.append(timed(checker.check)[0])
    samples.sort()
    report("revalidate_one_edit_median_ms", samples[len(samples) // 2] * 1000)
    report("revalidate_one_edit_max_ms", samples[-1] * 1000)


def main() -> None:
    """Run every benchmark and print its figures."""
    with tempfile.TemporaryDirectory() as folder:
        bench_resnet50_import(Path(folder))
    bench_layout()
    bench_revalidation()


if __name__ == "__main__":
    main()
